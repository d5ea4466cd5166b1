#!/usr/bin/python3
"""One BERT-base-size encoder layer (sequence 512, d_model 768, 12 heads, d_ff 3072, batch 1)
through `cimchar attention` under each scheme, against the same layer in fp32 PyTorch on the
same machine at the same time. Usage:

    /usr/bin/python3 bench/bench_bert_layer.py build/cimchar [--seq 512] [--schemes a,b] [--repeat 3]
        [--readout statistical|per_read]

--readout sets the `readout` of every scheme's [attention.crossbar] (docs/schemes.md; the
approximate score arrays of sprint, hardsea and hybrid-cim stay per-read: one 3-bit slice
read in one cycle per sign, and hybrid-cim's 4-bit ADC range clips): "statistical" (default) runs
each product once through the programmed arrays and draws the ADC and read errors; "per_read"
simulates every read cycle (about 128x the MACs; minutes per scheme). The nonideal runs use the
variation models (d2d) and read noise, with IR drop off (nonideal-lut; per_read: the compact
IR-drop model) or by the exact solver's transfer matrices (nonideal-exact).

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

NONIDEAL = """[attention]
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


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cimchar")
    ap.add_argument("--seq", type=int, default=512)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--readout", default="statistical", choices=["statistical", "per_read"])
    ap.add_argument("--schemes", default="ideal,rram-baseline,nonideal-lut,attar,star,sprint,hardsea,hybrid-cim")
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
        for name in a.schemes.split(","):
            p = os.path.join(d, name + ".toml")
            if name.startswith("nonideal"):
                lut_ir = "off" if a.readout == "statistical" else "model"
                mode = {"nonideal-lut": lut_ir, "nonideal-exact": "exact"}[name]
                open(p, "w").write(NONIDEAL % (a.readout, mode))
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
