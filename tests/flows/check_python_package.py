#!/usr/bin/python3
"""The Python package python/cimchar on files the real binary wrote (a threshold stage, an
attention run and its PPA), checked against h5py + numpy reading the same files: the LUT as an
xarray Dataset with named dimensions and units (pint), its interpolation against numpy's, the
attention and PPA tables against the datasets, a clear error for an unknown LUT, and the example
script that reproduces the report's threshold figure."""
import os, subprocess, sys, tempfile

import h5py
import numpy as np

cimchar_bin, src = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(src, "python"))  # this checkout's package, installed or not
import cimchar  # noqa: E402
from flowcheck import check, finish





def run(*args):
    r = subprocess.run([cimchar_bin, *args], capture_output=True, text=True)
    check(r.returncode == 0, "%s: exit %d: %s" % (args[0], r.returncode, r.stderr[-1500:]))


with tempfile.TemporaryDirectory() as d:
    flow = os.path.join(d, "t.toml")
    with open(flow, "w") as fh:
        fh.write('[flow]\nname = "t"\n[threshold]\npoints = 5\nsamples = 4\ntwin_samples = 200\n')
    run("threshold", flow, "-q", "-j", "1", "--out", d)
    model = os.path.join(src, "tests/attention/data/encoder2_relu_pre_d16_h2_s64.h5")
    att = os.path.join(d, "attention_rram-baseline.h5")
    run("-q", "attention", "--model", model, "--config",
        os.path.join(src, "characterization/attention/rram-baseline.toml"), "--out", att)
    run("ppa", "--attention", att, "--tech", os.path.join(src, "characterization/tech/32nm.toml"),
        "--out", os.path.join(d, "ppa.h5"))

    r = cimchar.open_run(d)
    check(list(r.files) == ["threshold"], "stage files %s" % list(r.files))
    check(r.lut_names() == [("threshold", "/lut/threshold")], "LUTs %s" % r.lut_names())
    lut = r.lut("threshold")
    check(lut["p_prune"].dims == ("distance",), "dims %s" % (lut["p_prune"].dims,))
    with h5py.File(r.files["threshold"], "r") as f:
        dist, p = f["/lut/threshold/distance"][:], f["/lut/threshold/p_prune"][:]
    at = 0.5 * (dist[1] + dist[2])
    check(abs(float(lut["p_prune"].interp(distance=at)) - np.interp(at, dist, p)) < 1e-12, "interp")
    mv = cimchar.quantity(lut["distance"]).to("mV").magnitude
    check(np.allclose(mv, dist * 1e3, rtol=1e-12), "distance in mV via pint")
    check(all("units" in lut[v].attrs for v in list(lut.data_vars) + ["distance"]), "units kept")

    a = r.attention()
    with h5py.File(att, "r") as f:
        want_l2 = float(f["/metrics/rel_l2"][()])
        scheme = f.attrs["scheme"]
        scheme = scheme.decode() if isinstance(scheme, bytes) else scheme
    check(len(a) == 1 and a.scheme[0] == scheme and abs(a.rel_l2[0] - want_l2) < 1e-15,
          "attention table %s" % a.to_dict("records"))
    pp = r.ppa()
    with h5py.File(os.path.join(d, "ppa.h5"), "r") as f:
        e = float(f["/runs/0/energy/total"][()])
    check(len(pp) == 1 and abs(pp.energy_total[0] - e) < 1e-30 + 1e-15 * e, "ppa table energy")
    try:
        r.lut("nosuch")
        check(False, "unknown LUT accepted")
    except KeyError as err:
        check(d in str(err) and "/lut/threshold" in str(err), "KeyError names folder and LUTs: %s" % err)

    png = os.path.join(d, "thr.png")
    ex = subprocess.run([sys.executable, os.path.join(src, "python/examples/threshold_figure.py"), d, png],
                        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": os.path.join(src, "python")})
    check(ex.returncode == 0 and os.path.getsize(png) > 1000, "example: %s" % ex.stderr[-800:])
    check("P(prune) at +3 mV" in ex.stdout, "example prints the interpolated LUT value")

finish()
