#!/usr/bin/python3
"""`cimchar wta` end to end, read back with h5py: firing times against the closed form
-(C/g) ln(1 - g V_trip/I) + t_comp ln 2 and against ngspice, a two-input WTA's error
probability against the offset-only Gaussian result at a large capacitance, delay and energy
scaling with C, the LUT's resolved margin against its own p_error, units on every dataset,
provenance, and bad input (exit 2, nothing written)."""
import math, os, subprocess, sys, tempfile
import h5py, numpy as np
from flowcheck import check, finish

cimchar = sys.argv[1]


def flow(samples, extra=""):
    return """
[flow]
name = "e2e_wta"
seed = 4
[wta]
capacitances = ["10 fF", "100 fF", "2 pF"]
v_trip = "0.5 V"
i_min = "1 uA"
i_max = "10 uA"
g_out = "20 nS"
sigma_offset = "5 mV"
sigma_noise = "1 mV"
n_inputs = 2
k = 1
margins = [0.005, 0.01, 0.02, 0.04, 0.2]
samples = %d
spice_samples = 4
firing_points = 4
%s
""" % (samples, extra)

def run(d, text, out):
    p = os.path.join(d, "f.toml")
    open(p, "w").write(text)
    return subprocess.run([cimchar, "wta", p, "--out", out, "-q"], capture_output=True, text=True)

def phi(x):
    return 0.5 * math.erfc(-x / math.sqrt(2))

with tempfile.TemporaryDirectory() as d:
    out = os.path.join(d, "a")
    S = 600
    r = run(d, flow(S), out)
    check(r.returncode == 0, "run: " + r.stderr[-800:])
    f = h5py.File(os.path.join(out, "wta.h5"), "r")

    # Every dataset carries units; the root carries provenance.
    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            check("units" in obj.attrs, "units on " + name)
    f.visititems(visit)
    check("[wta]" in f.attrs["config"] and int(f.attrs["seed"]) == 4, "provenance")

    w = f["/wta"].attrs
    caps = f["/wta/capacitance"][:]
    vt, g, tc = w["v_trip_V"], w["g_out_S"], w["t_comp_s"]

    # 1. Firing time: closed form with output conductance and comparator delay (sharp
    #    comparator), and twin against ngspice within 2%.
    i = f["/wta/firing/current"][:]
    tw = f["/wta/firing/t_twin"][:]
    ts = f["/wta/firing/t_ngspice"][:]
    ti = f["/wta/firing/t_ideal"][:]
    for c, C in enumerate(caps):
        closed = -C / g * np.log1p(-g * vt / i) + tc * math.log(2)
        check(np.all(np.abs(tw[c] / closed - 1) < 5e-3), "twin vs closed form at C=%g: %s" % (C, tw[c] / closed - 1))
        check(np.allclose(ti[c], C * vt / i, rtol=1e-12), "t_ideal = C V_trip / I")
        check(np.all(np.abs(tw[c] / ts[c] - 1) < 0.02), "twin vs ngspice at C=%g: %s" % (C, tw[c] / ts[c] - 1))
    check(f["/wta/firing"].attrs["twin_vs_ngspice_max_rel"] < 0.02, "recorded agreement")

    # 2. Two inputs, 2 pF: the comparator/inhibit delay window is negligible (t_comp I/(C V_trip)
    #    < 1e-4), so the loser fires first iff (V_trip + o_w)(1 - m) > V_trip + o_l, i.e.
    #    p_error ~ Phi(-m V_trip / (sigma sqrt 2)) to first order in m.
    m = f["/lut/wta/margin"][:]
    p = f["/lut/wta/p_error"][:]
    sig = f["/wta/sigma_total"][:]
    check(p.shape == (3, len(m)), "p_error shape [capacitance, margin]")
    for j, mj in enumerate(m):
        expect = phi(-mj * vt / (sig[2] * math.sqrt(2)))
        tol = 4 * math.sqrt(max(expect * (1 - expect), 1e-3) / S) + 0.01
        check(abs(p[2, j] - expect) < tol, "p_error(2 pF, m=%.3f) = %.4f vs %.4f" % (mj, p[2, j], expect))
    # At 10 fF the firing times of close currents lie within the comparator and inhibit delays
    # (t_comp I / (C V_trip) up to 0.04): that capacitor resolves a clearly larger margin.
    res = f["/lut/wta/resolved_margin"][:]
    check(res[0] > res[2] + 0.01, "resolved margin shrinks with C: %s" % res)
    # The resolved margin is the definition applied to the stored p_error.
    rate = f["/lut/wta"].attrs["error_rate"]
    for c in range(3):
        jj = len(m)
        while jj > 0 and p[c, jj - 1] <= rate:
            jj -= 1
        if jj == len(m):
            want = float("nan")
        elif jj == 0:
            want = m[0]
        else:
            want = m[jj - 1] + (p[c, jj - 1] - rate) / (p[c, jj - 1] - p[c, jj]) * (m[jj] - m[jj - 1])
        check((math.isnan(want) and math.isnan(res[c])) or abs(res[c] - want) < 1e-12,
              "resolved margin %d: %g vs %g" % (c, res[c], want))

    # 3. Delay and energy scale with C: the same draws at every C (common random numbers),
    #    and both are proportional to C up to the (tiny) comparator and inhibit delays.
    dl = f["/lut/wta/delay"][:]
    en = f["/lut/wta/energy"][:]
    ratio = caps[2] / caps[1]
    check(abs(dl[2] / dl[1] / ratio - 1) < 0.02, "delay ratio %g vs C ratio %g" % (dl[2] / dl[1], ratio))
    check(abs(en[2] / en[1] / ratio - 1) < 0.02, "energy ratio %g vs C ratio %g" % (en[2] / en[1], ratio))
    # Decision time of a 2-input WTA is at least C V_trip / i_max and at most the slowest.
    for c in range(3):
        check(dl[c] > caps[c] * vt / 10e-6 and f["/lut/wta/delay_max"][c] < 1.3 * caps[c] * (vt + 0.05) / 1e-6,
              "delay within the current range at C=%g" % caps[c])

    # 4. ngspice check with the same draws: same winners, same decision time and energy.
    agree = f["/wta/check/winners_agree"][:]
    check(agree.shape == (3, len(m), 4), "check shape")
    check(agree.mean() >= 0.9, "winners agree in %.2f of ngspice decisions" % agree.mean())
    check(f["/wta/check"].attrs["t_decision_max_rel_diff"] < 0.02, "decision time twin vs ngspice")
    check(f["/wta/check"].attrs["energy_max_rel_diff"] < 0.02, "energy twin vs ngspice")
    f.close()

    # 5. Bad input: exit 2, the key named, nothing written.
    for bad, key in [(flow(0), "wta.samples"), (flow(10).replace('"1 mV"', '"-1 mV"'), "wta.sigma_noise"),
                     (flow(10).replace('"100 fF"', '"-100 fF"'), "wta.capacitances")]:
        o = os.path.join(d, "bad")
        r = run(d, bad, o)
        check(r.returncode == 2 and key in r.stderr and not os.path.exists(o),
              "bad input %s: %d %s" % (key, r.returncode, r.stderr))

finish()
