#!/usr/bin/python3
"""`cimchar irdrop` with cell = "one_t_one_r" end to end: the 1T1R card's BSIM4 transistor (PTM
45 nm HP, bulk at 0 V) as its ngspice I-V table in the native solver, against ngspice running the
BSIM4 card in every cell of a 4x4 array (the stored ngspice column currents, read here with
h5py). Gate on (1.0 V, a 0.2 V read): native within 0.5% of ngspice per column (bounded by the
table's error, tests/xbar/test_1t1r_bsim4.cpp). Gate off (0 V) with 1.5 V on the driven rows:
every column carries under 1 uA per cell, in both the native solve and ngspice."""
import os, subprocess, sys, tempfile
import h5py, numpy as np
from flowcheck import check, finish

cimchar = sys.argv[1]


def flow(v_gate, v_read):
    return """
[flow]
name = "e2e_irdrop_1t1r"
seed = 5
[irdrop]
sizes = [4, 6]
r_wire = ["2 ohm", "5 ohm"]
distributions = ["uniform"]
activity = [0.5, 1.0]
trials = 1
maps_max_size = 6
spice_max_size = 6
position_bins = 2
cell = "one_t_one_r"
v_gate = "%g V"
v_read = "%g V"
""" % (v_gate, v_read)

with tempfile.TemporaryDirectory() as d:
    env = dict(os.environ, CIMCHAR_CACHE_DIR=os.path.join(d, "cache"))
    for label, vg, vr in [("on", 1.0, 0.2), ("off", 0.0, 1.5)]:
        path = os.path.join(d, label + ".toml")
        open(path, "w").write(flow(vg, vr))
        out = os.path.join(d, label)
        r = subprocess.run([cimchar, "irdrop", path, "--out", out, "-q"], capture_output=True,
                           text=True, env=env)
        check(r.returncode == 0, "gate %s: exit code %d: %s" % (label, r.returncode, r.stderr[-800:]))
        if r.returncode != 0:
            continue
        f = h5py.File(os.path.join(out, "irdrop.h5"), "r")
        ia = f["irdrop/N4/i_actual"][..., 0, :].reshape(-1)
        isp = f["irdrop/N4/i_ngspice"][:].reshape(-1)
        check("1T1R" in str(f["irdrop"].attrs["cell"]), "cell described as 1T1R")
        if label == "on":
            e = np.abs(ia / isp - 1).max()
            print("gate on: native %s, ngspice %s A, max rel diff %.2e" % (ia, isp, e))
            check(e < 5e-3, "gate on: native vs ngspice %.2e" % e)
            check(np.all(isp > 1e-6), "gate on: the cells conduct")
        else:
            print("gate off: native %s, ngspice %s A" % (ia, isp))
            check(np.all(np.abs(ia) < 4e-6) and np.all(np.abs(isp) < 4e-6),
                  "gate off: under 1 uA per cell at 1.5 V")  # 4 cells per column

finish()
