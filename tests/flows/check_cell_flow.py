#!/usr/bin/python3
"""`cimchar cell` end to end: run a small flow, read cell.h5 with h5py, and check it against
the Stanford/ASU equations evaluated here (not by cimchar) and against the flow's own promises."""
import math, os, subprocess, sys, tempfile
import h5py, numpy as np
from flowcheck import check, finish

cimchar, src = sys.argv[1], sys.argv[2]


flow = """
[flow]
name = "e2e_cell"
seed = 7
[cell]
device = "stanford_asu"
r_series = "2 kohm"
[cell.iv_loop]
v_max = "2.5 V"
v_min = "-3.0 V"
initial_state = 1.0
[cell.program]
bits = [1, 2]
# Programming pulses for the Stanford v1.0.0 card: its gap moves only above the field threshold
# F_min (about 1.1-1.4 V across the cell), and near it at well under 1 nm/us, hence 500 ns pulses;
# g_max is kept below the conductance a 2.5 V SET reaches through the series resistor.
v_set_start = "1.3 V"
v_set_step = "0.03 V"
v_set_max = "2.5 V"
v_reset_start = "-1.3 V"
v_reset_step = "0.03 V"
v_reset_min = "-3.0 V"
pulse_width = "500 ns"
g_max = "60 uS"

trials = 2
[cell.disturb]
reads = 100
[cell.lut]
states = 5
points = 4
"""
with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "flow.toml")
    open(path, "w").write(flow)
    out = os.path.join(d, "out")
    r = subprocess.run([cimchar, "cell", path, "--out", out, "-q"], capture_output=True, text=True)
    check(r.returncode == 0, "exit code %d: %s" % (r.returncode, r.stderr))
    f = h5py.File(os.path.join(out, "cell.h5"), "r")

    # Provenance on the root.
    for a in ["cimchar_version", "git_hash", "ngspice_version", "config", "seed", "created"]:
        check(a in f.attrs, "root attribute " + a)
    check(str(f.attrs["ngspice_version"]).startswith("ngspice-"), "ngspice version recorded")
    check(f.attrs["config"] == flow, "config text verbatim")
    check(int(f.attrs["seed"]) == 7, "seed")

    # Every dataset has units.
    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            check("units" in obj.attrs, "units on " + name)
    f.visititems(visit)

    # The read-current LUT against I = I0 exp(-g/g0) sinh(V/V0) with the card's values.
    I0, g0, V0 = 1e-3, 0.25e-9, 0.25
    g = f["/lut/read_current/state"][:]
    v = f["/lut/read_current/v_read"][:]
    i = f["/lut/read_current/i"][:]
    check(i.shape == (5, 4), "LUT shape")
    ref = I0 * np.exp(-g[:, None] / g0) * np.sinh(v[None, :] / V0)
    nz = np.abs(ref) > 0
    err = np.max(np.abs(i[nz] - ref[nz]) / np.abs(ref[nz]))
    check(err < 1e-6, "LUT vs analytic max rel err %.3g" % err)
    check(f["/lut/read_current/i"].attrs["axes"] == "state,v_read", "LUT axes")

    # Write-and-verify: every converged trial is inside its band.
    for b in (1, 2):
        grp = f["/program/b%d" % b]
        tol = grp.attrs["tolerance_S"]
        tgt = grp["target_g"][:]
        ach = grp["achieved_g"][:]
        conv = grp["converged"][:]
        check(ach.shape == (2 ** b, 2), "achieved_g shape b=%d" % b)
        check(conv.mean() >= 0.75, "most trials converge at b=%d (%.2f)" % (b, conv.mean()))
        ok = np.abs(ach - tgt[:, None]) <= tol * (1 + 1e-9)
        check(np.all(ok[conv == 1]), "converged trials within tolerance, b=%d" % b)

    # I-V loop: a SET on the positive half (gap shrinks), a RESET on the negative half.
    st = f["/iv_loop/state"][:]
    vv = f["/iv_loop/v"][:]
    mid = np.argmax(f["/iv_loop/time"][:] >= f["/iv_loop/time"][-1] * 0.5)
    check(st[mid] < st[0] - 0.3e-9, "SET during the positive sweep (%.3g -> %.3g m)" % (st[0], st[mid]))
    check(st[-1] > st[mid] + 0.3e-9, "RESET during the negative sweep (%.3g -> %.3g m)" % (st[mid], st[-1]))
    check(np.max(vv) > 0.3 and np.min(vv) < -0.3, "sweep reaches both polarities")
    # v1.0.0 speeds (under 1 m/s here) are far below vel_max = 100 m/s: the limiter is never on.
    check(int(f["/iv_loop"].attrs["limiter_active_points"]) == 0, "vel_max limiter reported off")

    # Read disturb: positive reads can only shrink the gap (never grow it), and only a little.
    ds = f["/disturb/state"][:]
    check(ds.shape == (3, 100), "disturb shape")
    check(np.all(np.diff(ds, axis=1) <= 1e-15), "gap never grows under positive reads")
    check(np.all(ds[:, 0] - ds[:, -1] < 0.2e-9), "disturb is small over 100 reads")

    # A bad flow writes nothing and exits 2.
    open(path, "w").write(flow.replace("bits = [1, 2]", "bits = [0]"))
    out2 = os.path.join(d, "out2")
    r = subprocess.run([cimchar, "cell", path, "--out", out2], capture_output=True, text=True)
    check(r.returncode == 2 and not os.path.exists(out2), "zero bits rejected: %d %s" % (r.returncode, r.stderr))
    check("cell.program.bits" in r.stderr, "message names the key")

finish()
