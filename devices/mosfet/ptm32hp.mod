* PTM 32 nm high-performance (HP) bulk CMOS: metal gate / high-k / strained Si, BSIM4.
* Nominal VDD = 0.9 V. Drawn length L = 32 nm (lint = 2.7 nm, xl = -14 nm).
* Source: Predictive Technology Model, Nanoscale Integration and Modeling Group, Arizona State
*   University, http://ptm.asu.edu/ ("PTM HP" 32 nm card, 32nm_HP.pm, PTM release v2.1), values as
*   reproduced in a public model library whose header reads "PTM High Performance 32nm Metal
*   Gate / High-K / Strained-Si, nominal Vdd = 0.9V" (model names PTMHP32N/PTMHP32P there).
* Reference: W. Zhao, Y. Cao, "New generation of Predictive Technology Model for sub-45 nm early
*   design exploration", IEEE TED 53(11):2816-2823, 2006, doi:10.1109/TED.2006.884077.
* Parameter values are the published ones, unchanged. Only two things differ from the published
* file: the model names (ptm32hp_nmos, ptm32hp_pmos) and version = 4.5 (ngspice 39 implements
* BSIM4 4.5 to 4.8).
* Bulk is a separate terminal: instantiate as  m<name> d g s b ptm32hp_nmos w=... l=32n

.model ptm32hp_nmos nmos level=54
+ version=4.5 binunit=1 paramchk=1 mobmod=0 capmod=2 igcmod=1 igbmod=1 geomod=1
+ diomod=1 rdsmod=0 rbodymod=1 rgatemod=1 permod=1 acnqsmod=0 trnqsmod=0
+ tnom=27 toxe=1.15e-9 toxp=9e-10 toxm=1.15e-9 dtox=2.5e-10 epsrox=3.9 wint=5e-9 lint=2.7e-9
+ ll=0 wl=0 lln=1 wln=1 lw=0 ww=0 lwn=1 wwn=1 lwl=0 wwl=0 xpart=0 toxref=1.15e-9 xl=-14e-9
+ vth0=0.49396 k1=0.4 k2=0 k3=0 k3b=0 w0=2.5e-6 dvt0=1 dvt1=2 dvt2=0 dvt0w=0 dvt1w=0 dvt2w=0
+ dsub=0.1 minv=0.05 voffl=0 dvtp0=1e-11 dvtp1=0.1 lpe0=0 lpeb=0 xj=1e-8
+ ngate=1e23 ndep=4.12e18 nsd=2e20 phin=0 cdsc=0 cdscb=0 cdscd=0 cit=0
+ voff=-0.13 nfactor=2.508 eta0=0.0048 etab=0 vfb=-0.55 u0=0.05 ua=6e-10 ub=1.2e-18
+ uc=0 vsat=210000 a0=1 ags=0 a1=0 a2=1 b0=0 b1=0 keta=0.04 dwg=0 dwb=0 pclm=0.02
+ pdiblc1=0.001 pdiblc2=0.001 pdiblcb=-0.005 drout=0.5 pvag=1e-20 delta=0.01 pscbe1=8.14e8 pscbe2=1e-7
+ fprout=0.2 pdits=0.01 pditsd=0.23 pditsl=2300000 rsh=5 rdsw=150 rsw=75 rdw=75
+ rdswmin=0 rdwmin=0 rswmin=0 prwg=0 prwb=0 wr=1 alpha0=0.074 alpha1=0.005
+ beta0=30 agidl=0.0002 bgidl=2.1e9 cgidl=0.0002 egidl=0.8 aigbacc=0.012 bigbacc=0.0028 cigbacc=0.002
+ nigbacc=1 aigbinv=0.014 bigbinv=0.004 cigbinv=0.004 eigbinv=1.1 nigbinv=3 aigc=0.020014 bigc=0.0027432
+ cigc=0.002 aigsd=0.020014 bigsd=0.0027432 cigsd=0.002 nigc=1 poxedge=1 pigcd=1 ntox=1 xrcrg1=12 xrcrg2=5
+ cgso=8.5e-11 cgdo=8.5e-11 cgbo=2.56e-11 cgdl=2.653e-10 cgsl=2.653e-10 ckappas=0.03 ckappad=0.03 acde=1
+ moin=15 noff=0.9 voffcv=0.02 kt1=-0.11 kt1l=0 kt2=0.022 ute=-1.5 ua1=4.31e-9 ub1=7.61e-18 uc1=-5.6e-11 prt=0 at=33000
+ fnoimod=1 tnoimod=0
+ jss=0.0001 jsws=1e-11 jswgs=1e-10 njs=1 ijthsfwd=0.01 ijthsrev=0.001 bvs=10 xjbvs=1
+ jsd=0.0001 jswd=1e-11 jswgd=1e-10 njd=1 ijthdfwd=0.01 ijthdrev=0.001 bvd=10 xjbvd=1
+ pbs=1 cjs=0.0005 mjs=0.5 pbsws=1 cjsws=5e-10 mjsws=0.33 pbswgs=1 cjswgs=3e-10
+ mjswgs=0.33 pbd=1 cjd=0.0005 mjd=0.5 pbswd=1 cjswd=5e-10 mjswd=0.33 pbswgd=1
+ cjswgd=5e-10 mjswgd=0.33 tpb=0.005 tcj=0.001 tpbsw=0.005 tcjsw=0.001 tpbswg=0.005 tcjswg=0.001
+ xtis=3 xtid=3 dmcg=0 dmci=0 dmdg=0 dmcgt=0 dwj=0 xgw=0 xgl=0
+ rshg=0.4 gbmin=1e-10 rbpb=5 rbpd=15 rbps=15 rbdb=15 rbsb=15 ngcon=1

.model ptm32hp_pmos pmos level=54
+ version=4.5 binunit=1 paramchk=1 mobmod=0 capmod=2 igcmod=1 igbmod=1 geomod=1
+ diomod=1 rdsmod=0 rbodymod=1 rgatemod=1 permod=1 acnqsmod=0 trnqsmod=0
+ tnom=27 toxe=1.2e-9 toxp=9e-10 toxm=1.2e-9 dtox=3e-10 epsrox=3.9 wint=5e-9 lint=2.7e-9
+ ll=0 wl=0 lln=1 wln=1 lw=0 ww=0 lwn=1 wwn=1 lwl=0 wwl=0 xpart=0 toxref=1.2e-9 xl=-14e-9
+ vth0=-0.49155 k1=0.4 k2=-0.01 k3=0 k3b=0 w0=2.5e-6 dvt0=1 dvt1=2 dvt2=-0.032 dvt0w=0 dvt1w=0 dvt2w=0
+ dsub=0.1 minv=0.05 voffl=0 dvtp0=1e-11 dvtp1=0.05 lpe0=0 lpeb=0 xj=1e-8
+ ngate=1e23 ndep=3.07e18 nsd=2e20 phin=0 cdsc=0 cdscb=0 cdscd=0 cit=0
+ voff=-0.126 nfactor=2.1 eta0=0.0048 etab=0 vfb=0.55 u0=0.014 ua=2e-9 ub=5e-19
+ uc=0 vsat=180000 a0=1 ags=1e-20 a1=0 a2=1 b0=0 b1=0 keta=-0.047 dwg=0 dwb=0 pclm=0.12
+ pdiblc1=0.001 pdiblc2=0.001 pdiblcb=3.4e-8 drout=0.56 pvag=1e-20 delta=0.01 pscbe1=8.14e8 pscbe2=9.58e-7
+ fprout=0.2 pdits=0.08 pditsd=0.23 pditsl=2300000 rsh=5 rdsw=150 rsw=75 rdw=75
+ rdswmin=0 rdwmin=0 rswmin=0 prwg=0 prwb=0 wr=1 alpha0=0.074 alpha1=0.005
+ beta0=30 agidl=0.0002 bgidl=2.1e9 cgidl=0.0002 egidl=0.8 aigbacc=0.012 bigbacc=0.0028 cigbacc=0.002
+ nigbacc=1 aigbinv=0.014 bigbinv=0.004 cigbinv=0.004 eigbinv=1.1 nigbinv=3 aigc=0.020014 bigc=0.0027432
+ cigc=0.002 aigsd=0.020014 bigsd=0.0027432 cigsd=0.002 nigc=1 poxedge=1 pigcd=1 ntox=1 xrcrg1=12 xrcrg2=5
+ cgso=8.5e-11 cgdo=8.5e-11 cgbo=2.56e-11 cgdl=2.653e-10 cgsl=2.653e-10 ckappas=0.03 ckappad=0.03 acde=1
+ moin=15 noff=0.9 voffcv=0.02 kt1=-0.11 kt1l=0 kt2=0.022 ute=-1.5 ua1=4.31e-9 ub1=7.61e-18 uc1=-5.6e-11 prt=0 at=33000
+ fnoimod=1 tnoimod=0
+ jss=0.0001 jsws=1e-11 jswgs=1e-10 njs=1 ijthsfwd=0.01 ijthsrev=0.001 bvs=10 xjbvs=1
+ jsd=0.0001 jswd=1e-11 jswgd=1e-10 njd=1 ijthdfwd=0.01 ijthdrev=0.001 bvd=10 xjbvd=1
+ pbs=1 cjs=0.0005 mjs=0.5 pbsws=1 cjsws=5e-10 mjsws=0.33 pbswgs=1 cjswgs=3e-10
+ mjswgs=0.33 pbd=1 cjd=0.0005 mjd=0.5 pbswd=1 cjswd=5e-10 mjswd=0.33 pbswgd=1
+ cjswgd=5e-10 mjswgd=0.33 tpb=0.005 tcj=0.001 tpbsw=0.005 tcjsw=0.001 tpbswg=0.005 tcjswg=0.001
+ xtis=3 xtid=3 dmcg=0 dmci=0 dmdg=0 dmcgt=0 dwj=0 xgw=0 xgl=0
+ rshg=0.4 gbmin=1e-10 rbpb=5 rbpd=15 rbps=15 rbdb=15 rbsb=15 ngcon=1
