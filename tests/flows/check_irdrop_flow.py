#!/usr/bin/python3
"""`cimchar irdrop` end to end: run a small flow, read irdrop.h5 with h5py and check it against
physics evaluated here (not by cimchar): ideal currents I = V G, Kirchhoff's current law on every
bit line (column current = sum of its cell currents from the stored voltage maps), agreement
with the stored ngspice currents, and the compact model re-evaluated from the formulas in
docs/crossbar.md with the stored coefficients."""
import math, os, subprocess, sys, tempfile
import h5py, numpy as np
from flowcheck import check, finish

cimchar, src = sys.argv[1], sys.argv[2]


flow = """
[flow]
name = "e2e_irdrop"
seed = 3
[irdrop]
sizes = [8, 16, 24]
r_wire = ["1 ohm", "5 ohm"]
distributions = ["uniform", "binary"]
activity = [0.5, 1.0]
trials = 2
maps_max_size = 16
spice_max_size = 16
position_bins = 4
"""

def ladder(x):
    return math.acosh(1 + x / 2)

def f_w(N, g, R, Rs):
    gs, gw, s = 1 / (Rs + R), 1 / R, ladder(g * R)
    C = lambda j: math.cosh((j + 0.5) * s)
    B = gs / (gw * (C(N - 1) - C(N - 2)) + (gs + g) * C(N - 1))
    return B * math.sinh(N * s) / (2 * N * math.sinh(s / 2))

def f_u(M, g, R, Rd, c):
    gd, gw, t = 1 / (Rd + R), 1 / R, ladder(g * R)
    S = lambda k: math.cosh((M - 0.5 - k) * t)
    A = gd / (gd * S(0) + gw * (S(0) - S(1)) + g * S(0))
    return A * S(c)

with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "flow.toml")
    open(path, "w").write(flow)
    r = subprocess.run([cimchar, "irdrop", path, "--out", d, "-q"], capture_output=True, text=True)
    check(r.returncode == 0, "cimchar irdrop exit code %d: %s" % (r.returncode, r.stderr))
    f = h5py.File(os.path.join(d, "irdrop.h5"), "r")
    sizes, rw, act = f["irdrop/sizes"][:], f["irdrop/r_wire"][:], f["irdrop/activity"][:]
    theta = f["lut/irdrop/model/theta"][:]
    model = f["lut/irdrop/model"].attrs
    check(len(theta) == 5, "five model coefficients")
    for n in sizes.astype(int):
        g = f["irdrop/N%d" % n]
        ii, ia, vin, gm = g["i_ideal"][:], g["i_actual"][:], g["v_in"][:], g["g_mean"][:]
        check(ia.shape == (len(rw), 2, len(act), 1, 2, n), "i_actual shape for N=%d" % n)
        ii, ia, vin, gm = ii[:, :, :, 0], ia[:, :, :, 0], vin[:, :, :, 0], gm[:, :, :, 0]  # one g_on
        check(np.all(ia <= ii * (1 + 1e-12)), "IR drop never raises a current (N=%d)" % n)
        if n <= 16:
            G, vc = g["g"][:, :, :, 0], g["v_cell"][:, :, :, 0]
            for idx in np.ndindex(len(rw), 2, len(act)):
                V = vin[idx][0]
                ideal = V @ G[idx]
                check(np.allclose(ii[idx][0], ideal, rtol=1e-12, atol=0), "I_ideal = V G at %s" % (idx,))
                kcl = (G[idx] * vc[idx]).sum(axis=0)
                err = np.abs(kcl - ia[idx][0]).max() / np.abs(ia[idx][0]).max()
                check(err < 1e-9, "bit-line KCL from the voltage maps at N=%d %s: %.2e" % (n, idx, err))
            isp = g["i_ngspice"][:, :, :, 0]
            e = np.abs(ia[:, :, :, 0, :] - isp).max() / np.abs(isp).max()
            check(e < 1e-6, "native vs ngspice at N=%d: %.2e" % (n, e))
        # The compact model from the documented formulas, on trial 0 of every point.
        for ri, R in enumerate(rw):
            for di in range(2):
                for ai in range(len(act)):
                    gbar, a = gm[ri, di, ai, 0], g["activity"][ri, di, ai, 0, 0]
                    fw = f_w(n, gbar, R, 0.0)
                    pred = []
                    for c in range(n):
                        lu, lw = math.log(f_u(n, gbar * fw, R, 0.0, c)), math.log(fw)
                        phi = [lu, lw, lu * lw, (1 - a) * lu, (1 - a) * lw]
                        pred.append(math.exp(sum(t * p for t, p in zip(theta, phi))))
                    ratio = ia[ri, di, ai, 0] / ii[ri, di, ai, 0]
                    e = np.abs(np.array(pred) / ratio - 1).max()
                    check(e < 0.25, "model within 25%% per column at N=%d R=%g: %.3f" % (n, R, e))
    check(model["rel_err_vs_native_rms"] < 0.05, "model rms error vs native %.3f" % model["rel_err_vs_native_rms"])
    check(model["native_vs_ngspice_max"] < 1e-6, "stored native vs ngspice %.2e" % model["native_vs_ngspice_max"])
    lut = f["lut/irdrop/ratio"]
    check(lut.shape == (3, 2, 2, 2, 1, 4), "LUT shape %s" % (lut.shape,))
    axes = f["lut/irdrop"].attrs["axes"]
    check((axes.decode() if isinstance(axes, bytes) else axes) ==
          "size,r_wire,distribution,activity,g_on,position", "LUT axes %s" % axes)

    # Killed (SIGKILL, through the test hook, after 8 of the 16 ngspice jobs were journaled) and
    # resumed with --resume: the 8 are taken from <out>/irdrop.journal, the other 8 run, and
    # the datasets equal the clean run's.
    import re, signal
    out = os.path.join(d, "killed")
    env = dict(os.environ, CIMCHAR_SPICE_TEST_HOOKS="1")
    r = subprocess.run([cimchar, "irdrop", path, "--out", out, "-q"], capture_output=True, text=True,
                       env=dict(env, CIMCHAR_TEST_KILL_AFTER_JOBS="8"))
    check(r.returncode == -signal.SIGKILL, "killed by SIGKILL (rc %d)" % r.returncode)
    check(os.path.exists(os.path.join(out, "irdrop.journal")) and
          not os.path.exists(os.path.join(out, "irdrop.h5")), "journal left, no irdrop.h5")
    r = subprocess.run([cimchar, "irdrop", path, "--out", out, "-q", "--resume"], capture_output=True,
                       text=True, env=env)
    check(r.returncode == 0, "resume: " + r.stderr[-500:])
    m = re.search(r"irdrop: resumed, (\d+) ngspice jobs taken from .*, (\d+) run", r.stderr)
    check(m is not None and (int(m.group(1)), int(m.group(2))) == (8, 8),
          "8 jobs reused, 8 run: " + r.stderr[-300:])
    check(not os.path.exists(os.path.join(out, "irdrop.journal")), "journal removed")
    g = h5py.File(os.path.join(out, "irdrop.h5"), "r")
    names = []
    f.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
    for n in names:
        check(np.array_equal(f[n][()], g[n][()]), "resumed %s equals the clean run's" % n)
    for a in ["native_vs_ngspice_max", "rel_err_vs_ngspice_max"]:
        check(f["lut/irdrop/model"].attrs[a] == g["lut/irdrop/model"].attrs[a], "resumed " + a)

# The conductance axis (g_on). With r_driver = r_sense = 0 the nodal equations of (k g, R) are
# k times those of (g, k R): the node voltages are equal and the currents k times larger. draw()
# gives every wire and on-conductance the same pattern, so ratio(2 g, R) == ratio(g, 2 R) and
# I(2 g, R) == 2 I(g, 2 R) (an identity of the circuit, not of cimchar's model).
flow_g = """
[flow]
name = "irdrop_g"
seed = 4
[irdrop]
sizes = [8, 16]
r_wire = ["1 ohm", "2 ohm"]
g_on = ["50 uS", "100 uS"]
g_off = "1 uS"
distributions = ["uniform", "binary"]
activity = [0.5, 1.0]
trials = 2
spice_max_size = 0
position_bins = 4
"""
with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "flow.toml")
    open(path, "w").write(flow_g)
    r = subprocess.run([cimchar, "irdrop", path, "--out", d, "-q"], capture_output=True, text=True)
    check(r.returncode == 0, "g_on axis run: " + r.stderr[-500:])
    with h5py.File(os.path.join(d, "irdrop.h5"), "r") as f:
        check(np.allclose(f["irdrop/g_on"][:], [50e-6, 100e-6], rtol=1e-12), "g_on written")
        lut = f["lut/irdrop/ratio"][:]
        check(lut.shape == (2, 2, 2, 2, 2, 4), "LUT shape with the g_on axis %s" % (lut.shape,))
        e = np.abs(lut[:, 0, :, :, 1, :] / lut[:, 1, :, :, 0, :] - 1).max()
        check(e < 1e-9, "ratio(2g, R) == ratio(g, 2R): %.2e" % e)
        check(np.all(lut[:, :, :, :, 1, :] < lut[:, :, :, :, 0, :]), "more conductance, more IR drop")
        for n in (8, 16):
            ia = f["irdrop/N%d/i_actual" % n][:]
            e = np.abs(ia[0, :, :, 1] / (2 * ia[1, :, :, 0]) - 1).max()
            check(e < 1e-9, "I(2g, R) == 2 I(g, 2R) at N=%d: %.2e" % (n, e))
    import xarray as xr
    ds = xr.open_dataset(os.path.join(d, "irdrop.h5"), group="/lut/irdrop", engine="h5netcdf").load()
    check(list(ds["ratio"].dims) == ["size", "r_wire", "distribution", "activity", "g_on", "position"],
          "xarray dims %s" % (ds["ratio"].dims,))
    mid = float(ds["ratio"].interp(g_on=75e-6).isel(size=1, r_wire=1, distribution=0, activity=1, position=3))
    want = 0.5 * (lut[1, 1, 0, 1, 0, 3] + lut[1, 1, 0, 1, 1, 3])
    check(abs(mid - want) < 1e-12, "xarray interpolates along g_on: %.12g vs %.12g" % (mid, want))

finish()
