#!/usr/bin/python3
"""A netlist-only device (devices/yakopcic.*, no C++ twin) through cell -> fit -> card -> xbar
solve with the real binary (issue 17, "Done when"). References, evaluated here and not by cimchar:
Yakopcic's published read equation I = a x sinh(b V) (IEEE EDL 32:1436, 2011) and state equation
dx/dt = eta g(V) f(x), integrated on the device voltage ngspice recorded, and the crossbar's
column currents from that equation with ideal wires. The worked example of devices/README.md."""
import math, os, subprocess, sys, tempfile
import h5py, numpy as np
from flowcheck import check, finish, integrate_on_recorded

cimchar = sys.argv[1]


A = 2e-3  # a1 = a2 of the cell stage (the published 0.17 A would read 118 ohm at x = 1)
flow = """
[flow]
name = "byod"
seed = 3
[cell]
device = "yakopcic"
r_series = "2 kohm"
[cell.params]
a1 = "2 mA"
a2 = "2 mA"
[cell.iv_loop]
v_max = "1 V"
v_min = "-1 V"
sweep_rate = "1e3 V/s"
initial_state = 0.0
[cell.read_iv]
states = [0.0, 0.5, 1.0]
v_max = "0.3 V"
points = 13
[cell.program]
bits = [1]
trials = 1
max_pulses = 40
g_min = "15 uS"
g_max = "80 uS"
v_set_start = "0.3 V"
v_set_step = "0.05 V"
v_set_max = "1.2 V"
v_reset_start = "-0.3 V"
v_reset_step = "0.05 V"
v_reset_min = "-1.2 V"
pulse_width = "10 us"
[cell.disturb]
reads = 50
v_read = "0.1 V"
read_width = "1 us"
states = [0.5]
[cell.lut]
states = 5
points = 4
[fit]
device = "yakopcic"
data = "@out/cell.h5"
v_column = "/read_iv/flat/v"
i_column = "/read_iv/flat/i"
state_column = "/read_iv/flat/state"
params = ["a1", "a2"]
starts = 2
card_out = "yakopcic_fitted.toml"
"""

def yak_rate(v, x, p):
    """Yakopcic 2011: dx/dt = eta g(V) f(x) with the card's parameters."""
    if v > p["Vp"]:
        g = p["Ap"] * (math.exp(v) - math.exp(p["Vp"]))
    elif v < -p["Vn"]:
        g = -p["An"] * (math.exp(-v) - math.exp(p["Vn"]))
    else:
        g = 0.0
    if v > 0:
        f = math.exp(-p["alphap"] * (x - p["xp"])) * max(1 - x, 0) / (1 - p["xp"]) if x >= p["xp"] else 1.0
    else:
        f = math.exp(p["alphan"] * (x + p["xn"] - 1)) * max(x, 0) / (1 - p["xn"]) if x <= 1 - p["xn"] else 1.0
    return g * f

card = dict(Vp=0.16, Vn=0.15, Ap=4000.0, An=4000.0, xp=0.3, xn=0.5, alphap=1.0, alphan=5.0, b=0.05)

with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "flow.toml")
    open(path, "w").write(flow)
    out = os.path.join(d, "out")
    r = subprocess.run([cimchar, "run", path, "--out", out, "-q", "--jobs", "2"],
                       capture_output=True, text=True)
    check(r.returncode == 0, "exit code %d: %s" % (r.returncode, r.stderr))
    f = h5py.File(os.path.join(out, "cell.h5"), "r")

    # Read I-V: ngspice's currents against the published equation.
    st, v, i = f["/read_iv/state"][:], f["/read_iv/v"][:], f["/read_iv/i"][:]
    ref = A * st[:, None] * np.sinh(card["b"] * v[None, :])
    dev = np.max(np.abs(i - ref) / np.maximum(np.abs(ref), 1e-12))
    print("read I-V vs a x sinh(bV): max rel dev %.3g" % dev)
    check(dev < 1e-5, "read I-V vs a x sinh(bV): max rel dev %g" % dev)

    # I-V loop: SET then RESET, and the state against the published state equation integrated
    # (4th-order Runge-Kutta, linear in V between the recorded points) on the recorded voltage.
    t, vl, xs = f["/iv_loop/time"][:], f["/iv_loop/v"][:], f["/iv_loop/state"][:]
    xref = integrate_on_recorded(t, vl, xs[0], lambda v, x: yak_rate(v, x, card), 0.0, 1.0)
    xref = np.array(xref)
    print("I-V loop: state peak %.4f (reference %.4f), end %.4f (reference %.4f)"
          % (xs.max(), xref.max(), xs[-1], xref[-1]))
    check(xs.max() > 0.9 and xs[-1] < 0.2, "the loop SETs and RESETs (peak %g, end %g)" % (xs.max(), xs[-1]))
    check(np.max(np.abs(xs - xref)) < 0.02, "loop state vs the state equation: max dev %g"
          % np.max(np.abs(xs - xref)))

    # Write-and-verify reached both levels of 1 bit, within the tolerance band (0.25 spacings).
    conv, tg, ag = (f["/program/b1/" + k][:] for k in ("converged", "target_g", "achieved_g"))
    check(int(np.sum(conv)) == conv.size, "write-verify converged: %s" % conv)
    check(np.all(np.abs(ag.reshape(tg.size, -1) - tg[:, None]) <= 0.25 * (tg[-1] - tg[0]) + 1e-12),
          "achieved %s vs targets %s" % (ag, tg))

    # The fit from the cell's read I-V recovers the amplitude, and its card is a device.
    fr = h5py.File(os.path.join(out, "fit.h5"), "r")
    check(fr["/fit"].attrs["engine"] in ("ngspice", b"ngspice"), "fit engine: %s" % fr["/fit"].attrs["engine"])
    for name in ("a1", "a2"):
        val = fr["/fit/params/%s/value" % name][()]
        print("fitted %s = %.7g (truth %g)" % (name, val, A))
        check(abs(val - A) < 1e-4 * A, "fitted %s = %.7g (truth %g)" % (name, val, A))
    fitted = os.path.join(out, "yakopcic_fitted.toml")
    check(os.path.exists(fitted), "fitted card written")

    # The fitted card in the crossbar: ideal wires, so I_j = sum_i G_ij v_ref sinh(b V_i) / sinh(b v_ref).
    G = np.array([[20e-6, 50e-6, 80e-6], [40e-6, 10e-6, 60e-6]])
    V = np.array([[0.1, 0.2], [0.3, -0.1]])
    np.save(os.path.join(d, "G.npy"), G)
    np.save(os.path.join(d, "V.npy"), V)
    vref = 0.1
    r = subprocess.run([cimchar, "xbar", "solve", "--g", os.path.join(d, "G.npy"), "--v",
                        os.path.join(d, "V.npy"), "--cell", fitted, "--v-ref", str(vref),
                        "--r-wire", "1e-6", "--out", os.path.join(d, "I.npy")],
                       capture_output=True, text=True)
    check(r.returncode == 0, "xbar solve exit %d: %s" % (r.returncode, r.stderr))
    if r.returncode == 0:
        I = np.load(os.path.join(d, "I.npy"))
        b = card["b"]
        Iref = (np.sinh(b * V) / math.sinh(b * vref)) @ (G * vref)
        print("xbar solve with the fitted card: max rel dev %.3g" % np.max(np.abs(I - Iref) / np.abs(Iref)))
        check(np.allclose(I, Iref, rtol=2e-3), "xbar currents %s vs %s" % (I, Iref))

    # The wrong model (lid: G = 1/(R_on w + R_off (1 - w))) cannot describe the same data
    # (yakopcic: G proportional to x): the gate fails it, exit 1, diagnostics only.
    wrong = os.path.join(d, "wrong.toml")
    open(wrong, "w").write('[fit]\ndevice = "lid"\ndata = "%s"\nv_column = "/read_iv/flat/v"\n'
                           'i_column = "/read_iv/flat/i"\nstate_column = "/read_iv/flat/state"\n'
                           'params = ["R_on", "R_off"]\nstarts = 2\n' % os.path.join(out, "cell.h5"))
    out2 = os.path.join(d, "out_wrong")
    r = subprocess.run([cimchar, "fit", wrong, "--out", out2, "--jobs", "2"], capture_output=True, text=True)
    check(r.returncode == 1, "wrong model: exit %d: %s" % (r.returncode, r.stderr))
    check("does not describe the data" in r.stderr, "wrong model: the gate's message: " + r.stderr)
    check(os.path.exists(os.path.join(out2, "fit_failed.h5")) and not os.path.exists(os.path.join(out2, "fit.h5")),
          "wrong model: fit_failed.h5 only")

finish()
