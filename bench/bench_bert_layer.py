#!/usr/bin/python3
"""One BERT-base-size encoder layer (sequence 512, d_model 768, 12 heads, d_ff 3072, batch 1)
through `cimchar attention` under each scheme, against the same layer in fp32 PyTorch on the
same machine at the same time. Usage:

    /usr/bin/python3 bench/bench_bert_layer.py build/cimchar [--seq 512] [--schemes a,b] [--repeat 3]
        [--readout statistical|per_read]

Nonideal rows: nonideal-lut runs rram-baseline with characterization LUTs made first by
`cimchar variation` (measured conductance spread) and `cimchar adc` (8-bit SAR transfer
errors); nonideal-exact adds the exact IR-drop solver (1 ohm per segment) to it;
nonideal-model uses the analytic variation models instead (d2d and 1% read noise).

--readout sets the `readout` of every scheme's [attention.crossbar] (docs/schemes.md; the
approximate score arrays of sprint, hardsea and hybrid-cim stay per-read: one 3-bit slice
read in one cycle per sign, and hybrid-cim's 4-bit ADC range clips): "statistical" (default) runs
each product once through the programmed arrays and draws the ADC and read errors; "per_read"
simulates every read cycle (about 128x the MACs; minutes per scheme). Without exact IR drop the
nonideal rows have none (statistical) or the compact IR-drop model (per_read).

Every `cimchar attention` run also runs the ideal (double-precision) reference it compares
against, and writes its stage times to /timing (docs/results-format.md): `program` (the static
weights written into the arrays, once per model) and `scheme` (the sequence under the scheme,
K and V writes included). Prints, per scheme, the median over --repeat runs of the whole run,
of those two stages, and the ratios of `scheme` and of `program + scheme` to PyTorch's layer;
results are recorded in bench/RESULTS.md."""
import argparse, os, statistics, subprocess, sys, tempfile, time

import h5py
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
from export_torch import export_attention  # noqa: E402

# The analytic variation models (nonideal-model).
MODEL = """[attention]
scheme = "rram-baseline"
[attention.crossbar]
readout = "%s"
[attention.crossbar.nonideal]
ir_drop = "%s"
r_wire = "1 ohm"
[attention.crossbar.nonideal.model.d2d]
enabled = true
c0 = "0.5 uS"
c1 = 0.03
[attention.crossbar.nonideal.model.read_noise]
enabled = true
sigma_rel = 0.01
"""
# Characterization LUTs (nonideal-lut, nonideal-exact): the programmed-conductance spread
# measured by `cimchar variation` (the Stanford-ASU card's d2d, c2c and drift, read in ngspice)
# and the 8-bit SAR ADC's transfer errors from `cimchar adc` (offsets, capacitor mismatch and
# noise), on arrays of the variation LUT's conductance range.
LUT = """[attention]
scheme = "rram-baseline"
[attention.crossbar]
readout = "%s"
g_on = "100 uS"
g_off = "10 uS"
[attention.crossbar.nonideal]
variation = "%s"
adc = "%s"
adc_arch = "sar"
ir_drop = "%s"
r_wire = "1 ohm"
"""
VARIATION_FLOW = """[flow]
name = "bench_variation"
seed = 1
[variation]
device = "stanford_asu"
bits = 2
g_min = "10 uS"
g_max = "100 uS"
v_verify = "0.1 V"
v_read = "0.2 V"
t_read = "1 s"
samples = 200
[variation.model.d2d]
enabled = true
[variation.model.c2c]
enabled = true
[variation.model.drift]
enabled = true
"""
ADC_FLOW = """[flow]
name = "bench_adc"
seed = 1
[adc]
architectures = ["sar"]
bits = [8]
sigma_offset = "1 mV"
sigma_cap = 0.005
sigma_noise = "0.3 mV"
samples = 64
spice_samples = 1
spice_points_per_lsb = 4
"""


def make_luts(cimchar, d):
    """Runs the variation and ADC stages into d; returns (variation.h5, adc.h5)."""
    out = []
    for stage, text in (("variation", VARIATION_FLOW), ("adc", ADC_FLOW)):
        cfg = os.path.join(d, stage + "_flow.toml")
        open(cfg, "w").write(text)
        r = subprocess.run([cimchar, stage, cfg, "--out", os.path.join(d, stage), "-q"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit("%s stage failed: %s" % (stage, r.stderr[-600:]))
        out.append(os.path.join(d, stage, stage + ".h5"))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cimchar")
    ap.add_argument("--seq", type=int, default=512)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--readout", default="statistical", choices=["statistical", "per_read"])
    ap.add_argument("--schemes", default="ideal,rram-baseline,nonideal-lut,nonideal-model,attar,star,sprint,"
                    "hardsea,hybrid-cim", help="also: nonideal-exact (minutes)")
    a = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(a.threads)
    layer = torch.nn.TransformerEncoderLayer(768, 12, 3072, dropout=0.0, batch_first=True).eval()
    x = torch.randn(1, a.seq, 768)
    with torch.no_grad():
        layer(x)
        ts = []
        for _ in range(max(5, a.repeat)):
            t0 = time.perf_counter()
            layer(x)
            ts.append(time.perf_counter() - t0)
    t_torch = statistics.median(ts)
    print("PyTorch fp32, %d threads: %.4f s per layer (median of %d)" % (a.threads, t_torch, len(ts)))
    with tempfile.TemporaryDirectory() as d:
        model = os.path.join(d, "bert_layer.h5")
        export_attention(layer, x, model)
        cfgs = {}
        names = a.schemes.split(",")
        if any(n in ("nonideal-lut", "nonideal-exact") for n in names):
            var_lut, adc_lut = make_luts(a.cimchar, d)
        # Without IR drop, or (per_read) with the compact model; exact: the native solver.
        ir = "off" if a.readout == "statistical" else "model"
        for name in names:
            p = os.path.join(d, name + ".toml")
            if name in ("nonideal-lut", "nonideal-exact"):
                mode = ir if name == "nonideal-lut" else "exact"
                open(p, "w").write(LUT % (a.readout, var_lut, adc_lut, mode))
                cfgs[name] = ["--config", p]
            elif name == "nonideal-model":
                open(p, "w").write(MODEL % (a.readout, ir))
                cfgs[name] = ["--config", p]
            elif name == "ideal":
                cfgs[name] = ["--scheme", name]
            else:
                text = '[attention]\nscheme = "%s"\n[attention.crossbar]\nreadout = "%s"\n' % (name, a.readout)
                open(p, "w").write(text)
                cfgs[name] = ["--config", p]
        times = {}
        for name, args in cfgs.items():
            runs = []
            for _ in range(a.repeat if name != "nonideal-exact" else 1):
                out = os.path.join(d, name + ".h5")
                t0 = time.perf_counter()
                r = subprocess.run([a.cimchar, "attention", "--model", model, "--out", out, "-q"] + args,
                                   capture_output=True, text=True)
                wall = time.perf_counter() - t0
                if r.returncode != 0:
                    print(name, "failed:", r.stderr[-400:])
                    break
                with h5py.File(out, "r") as f:
                    runs.append((wall, float(f["/timing/program"][()]), float(f["/timing/scheme"][()])))
            if runs:
                times[name] = tuple(statistics.median(r[i] for r in runs) for i in range(3))
                print("  %-16s run %6.2f s, program %6.2f s, scheme %6.2f s" % ((name,) + times[name]), flush=True)
    print("\n| scheme | run (s) | static weights programmed (s) | sequence under the scheme (s) "
          "| scheme / PyTorch | (program + scheme) / PyTorch |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, (run, prog, sch) in times.items():
        print("| %s | %.2f | %.2f | %.2f | %.1fx | %.1fx |" % (name, run, prog, sch, sch / t_torch,
                                                            (prog + sch) / t_torch))
    print("\nPyTorch fp32: %.4f s (seq %d, d_model 768, 12 heads, d_ff 3072, %d threads); readout %s; "
          "median of %d runs per scheme" % (t_torch, a.seq, a.threads, a.readout, a.repeat))


if __name__ == "__main__":
    main()
