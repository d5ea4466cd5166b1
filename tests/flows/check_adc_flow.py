#!/usr/bin/python3
"""`cimchar adc` end to end: an ideal converter measures INL/DNL ~ 0 in the twin and in ngspice;
comparator offsets and capacitor mismatch give the transition-error sigma that the circuit's
equations predict (flash: sigma_offset / Q per transition; SAR: charge redistribution over the
binary-weighted array); twin and ngspice agree with the same draws (noise included); every
dataset has units; bad input writes nothing and exits 2."""
import math, os, subprocess, sys, tempfile
import h5py, numpy as np
from flowcheck import check, finish

cimchar = sys.argv[1]


def flow(body):
    return "[flow]\nname = \"e2e_adc\"\nseed = 5\n[adc]\n" + body

def run(d, text, out):
    p = os.path.join(d, "f.toml")
    open(p, "w").write(text)
    return subprocess.run([cimchar, "adc", p, "--out", out, "-q"], capture_output=True, text=True)

with tempfile.TemporaryDirectory() as d:
    # 1. Ideal converters (no offsets, mismatch or noise), twin and ngspice.
    out = os.path.join(d, "ideal")
    r = run(d, flow('architectures = ["flash", "sar"]\nbits = [3, 4]\nsamples = 3\n'
                    'spice_samples = 1\nspice_points_per_lsb = 32\n'), out)
    check(r.returncode == 0, "ideal run: " + r.stderr[-800:])
    f = h5py.File(os.path.join(out, "adc.h5"), "r")
    for attr in ["cimchar_version", "git_hash", "ngspice_version", "config", "seed", "created"]:
        check(attr in f.attrs, "root attribute " + attr)
    check(f.attrs["ngspice_version"] != "", "ngspice version recorded")
    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            check("units" in obj.attrs, "units on " + name)
    f.visititems(visit)
    for arch in ["flash", "sar"]:
        for b in [3, 4]:
            g = f["/adc/%s/b%d" % (arch, b)]
            n = 2 ** b - 1
            check(g["transitions"].shape == (3, n), "transitions shape")
            check(np.all(g["inl_max"][:] < 0.05) and np.all(g["dnl_max"][:] < 0.05), "twin ideal INL/DNL")
            check(np.all(g["spice/inl_max"][:] < 0.05) and np.all(g["spice/dnl_max"][:] < 0.05),
                  "ngspice ideal %s %d: INL %s DNL %s" % (arch, b, g["spice/inl_max"][:], g["spice/dnl_max"][:]))
            # Ideal transitions at k vref / 2^N, to the ramp's resolution.
            q = 1.0 / 2 ** b
            k = np.arange(1, n + 1)
            check(np.max(np.abs(g["spice/transitions"][0] - k * q)) <= q / 32 + 1e-12, "ngspice transitions at k Q")
            check(np.all(g["spice/codes_differ"][:] == 0), "twin = ngspice codes")
            lut = f["/lut/adc/%s/b%d" % (arch, b)]
            check(lut["transition_error_mean"].shape == (n,), "LUT shape")
            check(np.all(np.abs(lut["transition_error_mean"][:]) < 1.0 / 64), "ideal LUT mean ~ 0")
            check(abs(lut.attrs["enob_mean"] - b) < 1e-3, "ideal ENOB %g" % lut.attrs["enob_mean"])
    f.close()

    # 2. Flash with comparator offsets only: transition k moves by offset_k, so the LUT's sigma
    #    per transition is sigma_offset / Q (chi-square spread over S samples, plus ramp steps).
    S = 400
    so = 4e-3
    out = os.path.join(d, "offset")
    r = run(d, flow('architectures = ["flash", "sar"]\nbits = [4]\nsamples = %d\nspice_samples = 0\n'
                    'sigma_offset = "%g V"\npoints_per_lsb = 256\n' % (S, so)), out)
    check(r.returncode == 0, "offset run: " + r.stderr[-800:])
    f = h5py.File(os.path.join(out, "adc.h5"), "r")
    q = 1.0 / 16
    sig = f["/lut/adc/flash/b4/transition_error_sigma"][:]
    tol = 4 * math.sqrt(1 / (2 * S)) + 0.01
    check(np.all(np.abs(sig / (so / q) - 1) < tol), "flash sigma %s vs %g" % (sig, so / q))
    # SAR: one comparator, the same offset for every transition: offset sigma = sigma_offset/Q,
    # the code widths unchanged.
    check(abs(f["/lut/adc/sar/b4"].attrs["offset_sigma"] / (so / q) - 1) < tol, "SAR offset sigma")
    check(f["/lut/adc/sar/b4"].attrs["dnl_max_mean"] < 2.0 / 256 + 1e-9, "SAR offset leaves DNL at 0")
    f.close()

    # 3. SAR with capacitor mismatch only: the mid-scale transition sits at
    #    vref C_{N-1} / Ctot; linearized, its sigma in LSB follows from the unit sigma.
    su, b = 0.02, 5
    out = os.path.join(d, "caps")
    r = run(d, flow('architectures = ["sar"]\nbits = [%d]\nsamples = %d\nspice_samples = 0\n'
                    'sigma_cap = %g\npoints_per_lsb = 256\n' % (b, S, su)), out)
    check(r.returncode == 0, "cap run: " + r.stderr[-800:])
    f = h5py.File(os.path.join(out, "adc.h5"), "r")
    N = 2 ** b
    m = b - 1
    var = (N / 2) ** 2 * ((1 - 2 ** m / N) ** 2 * su ** 2 / 2 ** m
                          + sum((2 ** i / N) ** 2 * su ** 2 / 2 ** i for i in range(m))
                          + su ** 2 / N ** 2)
    sig = f["/lut/adc/sar/b%d/transition_error_sigma" % b][N // 2 - 1]
    check(abs(sig / math.sqrt(var) - 1) < tol, "mid-scale sigma %g vs %g" % (sig, math.sqrt(var)))
    f.close()

    # 4. Offsets, mismatch and per-decision noise: ngspice with the same draws as the twin.
    out = os.path.join(d, "mc")
    r = run(d, flow('bits = [3, 5]\nsamples = 4\nspice_samples = 2\nsigma_offset = "3 mV"\n'
                    'sigma_cap = 0.02\nsigma_noise = "2 mV"\nspice_points_per_lsb = 16\n'), out)
    check(r.returncode == 0, "mc run: " + r.stderr[-800:])
    f = h5py.File(os.path.join(out, "adc.h5"), "r")
    for arch in ["flash", "sar"]:
        for b in [3, 5]:
            g = f["/adc/%s/b%d/spice" % (arch, b)]
            check(np.all(g["failed"][:] == 0), "ngspice ran")
            check(np.all(g["max_abs_transition_diff"][:] <= 1.0 / 16 + 1e-9),
                  "%s %d twin vs ngspice %s LSB" % (arch, b, g["max_abs_transition_diff"][:]))
            check(np.allclose(g["twin/transitions"][:], f["/adc/%s/b%d/transitions" % (arch, b)][:2],
                              atol=1.0 / 2 ** b / 16 + 4 * 2e-3),  # ramps differ: noise draws too
                  "twin rows are the first MC samples")
    f.close()

    # 6. The flash at transistor level ([adc.transistor_flash]: a 200 ohm ladder, 0.5 pF per tap,
    # seven StrongARMs on PTM 45 nm HP): the ladder's energy is its closed form
    # (v_hi - v_lo)^2 / (8 R) x t_clk, the areas are 7 x layout x sum(W L) and 7 C / density,
    # the transitions rise and scatter about the taps by a Pelgrom-sized offset.
    out = os.path.join(d, "tflash")
    r = run(d, flow('architectures = ["flash"]\nbits = [3]\nsamples = 4\nspice_samples = 0\n'
                    '[adc.transistor_flash]\nsamples = 3\ntwin_samples = 400\n'), out)
    check(r.returncode == 0, "transistor flash run: " + r.stderr[-800:])
    with h5py.File(os.path.join(out, "adc.h5"), "r") as f:
        g = f["/transistor_flash"]
        check(np.all(g["failed"][:] == 0), "every transistor-level sample ran")
        t, tap = g["transitions"][:], g["tap"][:]
        check(t.shape == (3, 7) and np.allclose(tap, 0.55 + 0.05 * np.arange(1, 8)), "taps %s" % tap)
        check(np.all(np.diff(t, axis=1) > 0), "transitions rise: %s" % t)
        spread = np.sqrt(np.mean((t - tap) ** 2))
        check(0.005 < spread < 0.06, "offsets about the taps, rms %.4f V" % spread)
        e_ladder = 0.4 ** 2 / (8 * 200) * 500e-12
        check(np.allclose(g["energy_ladder"][:], e_ladder, rtol=0.02),
              "ladder energy %s vs %.3g J" % (g["energy_ladder"][:], e_ladder))
        check(np.all((g["energy_comparators"][:] > 7 * 10e-15) & (g["energy_comparators"][:] < 7 * 100e-15)),
              "comparator energy %s J" % g["energy_comparators"][:])
        wl = (2 + 2 * 4 + 2 * 1 + 2 * 1 + 4 * 0.5 + 2 * 0.5 + 2 * 1) * 1e-6 * 45e-9
        check(math.isclose(g.attrs["area_comparators_m2"], 7 * 10 * wl, rel_tol=1e-9),
              "comparator area %g" % g.attrs["area_comparators_m2"])
        check(math.isclose(g.attrs["area_caps_m2"], 7 * 0.5e-12 / 2e-3, rel_tol=1e-9), "cap area")
        check(0.005 < g.attrs["twin_sigma_offset_V"] < 0.06, "fitted twin sigma")
        check(g["inl_max"].attrs["units"] == "1" and g["transitions"].attrs["units"] == "V", "units")
    # 7. The SAR deciding with the StrongARM ([adc.transistor_sar]): each sample's transitions
    # are the behavioural twin's on the same capacitors with that comparator's searched offset,
    # within one ramp step (1/8 LSB) and the search's resolution.
    out = os.path.join(d, "tsar")
    r = run(d, flow('architectures = ["sar"]\nbits = [4]\nsamples = 2\nspice_samples = 0\n'
                    '[adc.transistor_sar]\nsamples = 1\n'), out)
    check(r.returncode == 0, "transistor SAR run: " + r.stderr[-800:])
    with h5py.File(os.path.join(out, "adc.h5"), "r") as f:
        g = f["/transistor_sar"]
        check(np.all(g["failed"][:] == 0), "the transistor-level SAR sample ran")
        check(g["transitions"].shape == (1, 15), "SAR transitions shape")
        check(np.all(g["max_abs_transition_diff"][:] <= 1.0 / 8 + 0.02),
              "SAR transistor vs twin %s LSB" % g["max_abs_transition_diff"][:])
        check(np.all(np.abs(g["offset"][:]) < 0.1), "comparator offset %s" % g["offset"][:])
        check(math.isclose(g.attrs["area_caps_m2"], 16 * 50e-15 / 2e-3, rel_tol=1e-9), "DAC area")
        check(np.all((g["energy_comparator"][:] > 4 * 10e-15) & (g["energy_comparator"][:] < 4 * 100e-15)),
              "comparator energy %s" % g["energy_comparator"][:])
    for body, key in [("[adc.transistor_flash]\nv_lo = 0.9\nv_hi = 0.6\n", "adc.transistor_flash.v_hi"),
                      ("[adc.transistor_sar]\nbits = 12\n", "adc.transistor_sar.bits"),
                      ("[adc.transistor_flash]\nbits = 9\n", "adc.transistor_flash.bits"),
                      ("[adc.transistor_flash]\nnode = \"ptm7\"\n", "adc.transistor_flash.node")]:
        out = os.path.join(d, "bad_tf")
        r = run(d, flow('architectures = ["flash"]\nbits = [3]\nsamples = 2\nspice_samples = 0\n' + body), out)
        check(r.returncode == 2 and key in r.stderr and not os.path.exists(out),
              "bad input %s: %d %s" % (key, r.returncode, r.stderr[-300:]))

    # 5. Bad input: exit 2, nothing written.
    for body, key in [("bits = [0]\n", "adc.bits"), ("vref = -1\n", "adc.vref"),
                      ("samples = 0\n", "adc.samples"), ("sigma_noise = -1\n", "adc.sigma_noise"),
                      ('architectures = ["delta"]\n', "adc.architectures")]:
        out = os.path.join(d, "bad")
        r = run(d, flow(body), out)
        check(r.returncode == 2 and key in r.stderr and not os.path.exists(out),
              "bad input %s: %d %s" % (key, r.returncode, r.stderr))

finish()
