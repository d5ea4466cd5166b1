#!/usr/bin/python3
"""The second netlist-only device (devices/lid.*: the HP linear-ion-drift memristor, no C++ twin)
through every stage with the real binary (issue 17, "Done when"): cell (millisecond write pulses)
-> fit through ngspice -> fitted card -> irdrop and variation with that card -> attention through
the variation LUT. References, evaluated here and not by cimchar: Strukov's read law
I = V / (R_on w + R_off (1 - w)) and state equation dw/dt = mu_v R_on / D^2 i f(w) with the
Joglekar window f = 1 - (2w - 1)^2 (Nature 453:80, 2008; Eur. J. Phys. 30:661, 2009), integrated
on the device voltage ngspice recorded; an ideal memristor's state is a function of the flux
through it, so a loop whose source flux returns to zero returns the state to its start."""
import os, subprocess, sys, tempfile
import h5py, numpy as np
from flowcheck import check, finish, integrate_on_recorded

cimchar, src = sys.argv[1], sys.argv[2]
R_ON, R_OFF, K = 10e3, 200e3, 1e-14 * 10e3 / (10e-9) ** 2  # devices/lid.toml

CELL = """
[flow]
name = "lid"
seed = 3
[cell]
device = "lid"
r_series = "1 kohm"
[cell.iv_loop]
v_max = "1.5 V"
v_min = "-1.5 V"
sweep_rate = "20 V/s"
initial_state = 0.1
[cell.read_iv]
states = [0.0, 0.25, 0.5, 0.75, 1.0]
v_max = "0.3 V"
points = 7
[cell.program]
bits = [1, 2]
trials = 1
max_pulses = 60
g_min = "10 uS"
g_max = "60 uS"
v_set_start = "0.5 V"
v_set_step = "0.1 V"
v_set_max = "1.5 V"
v_reset_start = "-0.5 V"
v_reset_step = "0.1 V"
v_reset_min = "-1.5 V"
pulse_width = "1 ms"
[cell.disturb]
reads = 20
v_read = "0.3 V"
read_width = "1 ms"
states = [0.5]
[cell.lut]
states = 5
points = 4
[fit]
device = "lid"
data = "@out/cell.h5"
v_column = "/read_iv/flat/v"
i_column = "/read_iv/flat/i"
state_column = "/read_iv/flat/state"
params = ["R_on", "R_off"]
initial = { R_on = "20 kohm", R_off = "100 kohm" }
starts = 2
card_out = "lid_fitted.toml"
"""

STAGES = """
[flow]
name = "lid_stages"
seed = 4
[irdrop]
sizes = [8, 16]
r_wire = ["2 ohm"]
distributions = ["uniform"]
activity = [1.0]
trials = 1
maps_max_size = 16
spice_max_size = 16
position_bins = 4
cell = "%(card)s"
g_on = "90 uS"
g_off = "6 uS"
[variation]
device = "%(card)s"
bits = 2
g_min = "10 uS"
g_max = "90 uS"
v_verify = "0.1 V"
v_read = "0.1 V"
samples = 50
[variation.model.d2d]
enabled = true
c0 = "1 uS"
c1 = 0.05
[variation.model.read_noise]
enabled = false
[variation.model.drift]
enabled = false
[variation.model.stuck]
enabled = false
"""

ATTN = """
[attention]
scheme = "rram-baseline"
[attention.crossbar]
rows = 32
cols = 64
adc_bits = 0
g_on = "90 uS"
g_off = "10 uS"
"""


def rate(v, w):
    """dw/dt at device voltage v and state w (Strukov 2008, Joglekar window p = 1)."""
    wc = min(max(w, 0.0), 1.0)
    return K * v / (R_ON * wc + R_OFF * (1 - wc)) * (1 - (2 * wc - 1) ** 2)


def run(args):
    r = subprocess.run([cimchar] + args, capture_output=True, text=True)
    check(r.returncode == 0, "%s: exit %d: %s" % (" ".join(args[:2]), r.returncode, r.stderr[-800:]))
    return r


with tempfile.TemporaryDirectory() as d:
    open(os.path.join(d, "cell.toml"), "w").write(CELL)
    out = os.path.join(d, "out")
    run(["run", os.path.join(d, "cell.toml"), "--out", out, "-q", "--jobs", "2"])
    f = h5py.File(os.path.join(out, "cell.h5"), "r")

    st, v, i = f["/read_iv/state"][:], f["/read_iv/v"][:], f["/read_iv/i"][:]
    ref = v[None, :] / (R_ON * st[:, None] + R_OFF * (1 - st[:, None]))
    dev = np.max(np.abs(i - ref)) / np.max(np.abs(ref))
    print("read I-V vs V / (R_on w + R_off (1 - w)): max dev %.3g of max |I|" % dev)
    check(dev < 1e-6, "read I-V: %g" % dev)

    t, vl, ws = f["/iv_loop/time"][:], f["/iv_loop/v"][:], f["/iv_loop/state"][:]
    wref = np.array(integrate_on_recorded(t, vl, ws[0], rate))
    print("I-V loop: peak %.4f (reference %.4f), end %.6f (start %.6f), max |w - w_ref| %.2e"
          % (ws.max(), wref.max(), ws[-1], ws[0], np.max(np.abs(ws - wref))))
    check(ws.max() > 0.5, "the loop SETs (peak %g)" % ws.max())
    check(np.max(np.abs(ws - wref)) < 2e-3, "loop state vs the state equation: %g" % np.max(np.abs(ws - wref)))
    check(abs(ws[-1] - ws[0]) < 1e-3, "flux back to zero, state back to its start: %g -> %g" % (ws[0], ws[-1]))

    # Read disturb: 20 reads of 0.3 V for 1 ms through 1 kohm; each moves w by the state equation.
    ds = f["/disturb/state"][0]
    w, dref = 0.5, []
    for _ in range(len(ds)):
        for _ in range(100):  # 1 ms flat top in 10 us steps, the device voltage by the divider
            r_dev = R_ON * w + R_OFF * (1 - w)
            w += 1e-5 * rate(0.3 * r_dev / (r_dev + 1e3), w)
        dref.append(w)
    print("read disturb: state after 20 reads %.5f (reference %.5f)" % (ds[-1], dref[-1]))
    check(np.max(np.abs(ds - np.array(dref))) < 2e-3 * (dref[-1] - 0.5) + 1e-5,
          "disturb vs the state equation: %s vs %s" % (ds[-3:], dref[-3:]))
    check(ds[-1] - 0.5 > 0.01, "1 ms reads at 0.3 V disturb a threshold-less device (%g)" % ds[-1])

    for b in ("b1", "b2"):
        conv, tg, ag = (f["/program/%s/%s" % (b, k)][:] for k in ("converged", "target_g", "achieved_g"))
        spacing = tg[1] - tg[0]
        print("write-verify %s: targets %s uS, achieved %s uS" % (b, np.round(tg * 1e6, 2), np.round(ag.ravel() * 1e6, 2)))
        check(int(np.sum(conv)) == conv.size, "%s converged: %s" % (b, conv.ravel()))
        check(np.all(np.abs(ag.reshape(tg.size, -1) - tg[:, None]) <= 0.25 * spacing + 1e-12), "%s in band" % b)

    fr = h5py.File(os.path.join(out, "fit.h5"), "r")
    check(fr["/fit"].attrs["engine"] in ("ngspice", b"ngspice"), "fit engine")
    for name, truth in (("R_on", R_ON), ("R_off", R_OFF)):
        val = fr["/fit/params/%s/value" % name][()]
        print("fitted %s = %.7g (truth %g, start away from it)" % (name, val, truth))
        check(abs(val / truth - 1) < 1e-6, "fitted %s = %g" % (name, val))
    card = os.path.join(out, "lid_fitted.toml")
    check(os.path.exists(card), "fitted card written")

    # The fitted card in the irdrop and variation stages.
    open(os.path.join(d, "stages.toml"), "w").write(STAGES % {"card": card})
    out2 = os.path.join(d, "out2")
    run(["run", os.path.join(d, "stages.toml"), "--out", out2, "-q", "--jobs", "2"])
    e = h5py.File(os.path.join(out2, "irdrop.h5"), "r")["/lut/irdrop/model"].attrs["native_vs_ngspice_max"]
    print("irdrop with the fitted card: native (table twin) vs ngspice (subcircuit per cell) %.2e" % e)
    check(0 < e < 2e-3, "irdrop native vs ngspice %g" % e)
    vf = h5py.File(os.path.join(out2, "variation.h5"), "r")
    g, w = vf["/mc/g_programmed"][:], vf["/mc/state"][:]
    inside = (g > 1 / R_OFF) & (g < 1 / R_ON)
    werr = np.max(np.abs(w[inside] - (1 / g[inside] - R_OFF) / (R_ON - R_OFF)))
    print("variation with the fitted card: %d samples, worst |w - w(G)| %.2e" % (inside.sum(), werr))
    check(inside.sum() > 100 and werr < 1e-3, "variation states vs Strukov's law: %g" % werr)

    # attention through that variation LUT: the outputs move away from the ideal readout's.
    model = os.path.join(src, "tests/attention/data/layer_relu_post_d32_h4_s16_causal.h5")
    l2 = {}
    for name, extra in (("base", ""), ("lut", '[attention.crossbar.nonideal]\nvariation = "%s"\n'
                                       % os.path.join(out2, "variation.h5"))):
        cfg = os.path.join(d, name + ".toml")
        open(cfg, "w").write(ATTN + extra)
        res = os.path.join(d, name + ".h5")
        run(["attention", "--model", model, "--config", cfg, "--out", res, "-q"])
        l2[name] = h5py.File(res, "r")["/metrics/rel_l2"][()] if os.path.exists(res) else float("nan")
    print("attention rel. L2 vs ideal: ideal readout %.3g, with the lid variation LUT %.3g" % (l2["base"], l2["lut"]))
    check(np.isfinite(l2["lut"]) and l2["lut"] > 1.5 * l2["base"], "the LUT moved the outputs: %s" % l2)
finish()
