#!/usr/bin/python3
"""Makes characterization/data/stanford_iv.csv, the example input of characterization/fit.toml:
ngspice read I-V of the default Stanford/ASU cell at gaps 0.6, 1.0 and 1.4 nm (-0.3..0.3 V,
the zero-bias point left out), with 1% Gaussian noise (seed 1). Run from the repository root
after building: /usr/bin/python3 tools/make_fit_example.py"""
import os, subprocess, tempfile
import h5py, numpy as np

flow = """
[flow]
name = "fit_example"
[cell]
device = "stanford_asu"
[cell.read_iv]
states = [0.3125, 0.5625, 0.8125]   # gaps 0.6, 1.0, 1.4 nm
v_max = "0.3 V"
points = 25
[cell.program]
bits = [1]
trials = 1
[cell.disturb]
reads = 1
"""
with tempfile.TemporaryDirectory() as d:
    open(os.path.join(d, "f.toml"), "w").write(flow)
    subprocess.run(["build/cimchar", "cell", os.path.join(d, "f.toml"), "--out", d, "-q"],
                   check=True, stdout=subprocess.DEVNULL)
    f = h5py.File(os.path.join(d, "cell.h5"), "r")
    v = f["/read_iv/flat/v"][:]
    i = f["/read_iv/flat/i"][:]
    g = f["/read_iv/flat/state"][:]
keep = np.abs(v) > 1e-9
rng = np.random.default_rng(1)
noisy = i[keep] * (1 + 0.01 * rng.standard_normal(keep.sum()))
out = "characterization/data/stanford_iv.csv"
with open(out, "w") as o:
    o.write("# ngspice read I-V of devices/stanford_asu.toml defaults, 1% noise (tools/make_fit_example.py)\n")
    o.write("v,i,gap\n")
    for a, b, c in zip(v[keep], noisy, g[keep]):
        o.write("%.6g,%.9g,%.6g\n" % (a, b, c))
print("wrote", out, keep.sum(), "points")
