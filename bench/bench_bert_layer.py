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
against, so the scheme's own time is estimated as  t(run) - t(ideal run)/2  (the ideal run
computes the reference twice). Prints a table of seconds and ratios to PyTorch; results are
recorded in bench/RESULTS.md."""
import argparse, os, statistics, subprocess, sys, tempfile, time

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
            ts = []
            for _ in range(a.repeat if name != "nonideal-exact" else 1):
                t0 = time.perf_counter()
                r = subprocess.run([a.cimchar, "attention", "--model", model, "--out", os.path.join(d, name + ".h5"),
                                    "-q"] + args, capture_output=True, text=True)
                ts.append(time.perf_counter() - t0)
                if r.returncode != 0:
                    print(name, "failed:", r.stderr[-400:])
                    break
            times[name] = statistics.median(ts)
            print("  %-16s %8.2f s (run)" % (name, times[name]), flush=True)
    half_ideal = times.get("ideal", 0) / 2
    print("\n| scheme | run (s) | scheme alone, est. (s) | ratio to PyTorch fp32 |")
    print("| --- | --- | --- | --- |")
    for name, t in times.items():
        own = t - half_ideal if name != "ideal" else half_ideal
        print("| %s | %.2f | %.2f | %.1fx |" % (name, t, own, own / t_torch))
    print("\nPyTorch fp32: %.4f s (seq %d, d_model 768, 12 heads, d_ff 3072, %d threads); readout %s"
          % (t_torch, a.seq, a.threads, a.readout))


if __name__ == "__main__":
    main()
