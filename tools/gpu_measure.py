#!/usr/bin/env python3
"""Measures one transformer encoder layer on a CUDA GPU with torch and prints the [measured]
table of a cimchar GPU card (docs/ppa.md, "GPU baseline"), to append to e.g.
characterization/tech/gpu_a100.toml when the GPU is the card's.

  python3 tools/gpu_measure.py --d-model 768 --heads 12 --d-ff 3072 --seq 128 --batch 1 \
      [--iters 200] [--warmup 20] >> characterization/tech/gpu_a100.toml

The layer is torch.nn.TransformerEncoderLayer (GELU, FP16, eval mode, no dropout) as
tools/export_torch.py builds it for the attention runs; the time is the median over --iters
runs of one forward pass, timed with CUDA events after --warmup passes. `cimchar ppa` then uses
layer_time x the workload's layers instead of the roofline when the workload has this shape.
Exit 2 on bad arguments or without a CUDA device (nothing printed).
"""
import argparse
import statistics
import sys


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--d-model", type=int, required=True)
    p.add_argument("--heads", type=int, required=True)
    p.add_argument("--d-ff", type=int, required=True)
    p.add_argument("--seq", type=int, required=True)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--iters", type=int, default=200)
    p.add_argument("--warmup", type=int, default=20)
    a = p.parse_args(argv)
    for k in ("d_model", "heads", "d_ff", "seq", "batch", "iters", "warmup"):
        if getattr(a, k) < (0 if k == "warmup" else 1):
            p.error(f"--{k.replace('_', '-')} must be positive")
    if a.d_model % a.heads:
        p.error("--d-model must be a multiple of --heads")
    return a


def measure(a):
    try:
        import torch
    except ImportError:
        print("gpu_measure: torch is not installed", file=sys.stderr)
        sys.exit(2)
    if not torch.cuda.is_available():
        print("gpu_measure: no CUDA device", file=sys.stderr)
        sys.exit(2)
    dev = torch.device("cuda")
    layer = torch.nn.TransformerEncoderLayer(a.d_model, a.heads, a.d_ff, dropout=0.0,
                                             activation="gelu", batch_first=True)
    layer = layer.to(dev, torch.float16).eval()
    x = torch.randn(a.batch, a.seq, a.d_model, device=dev, dtype=torch.float16)
    times = []
    with torch.inference_mode():
        for _ in range(a.warmup):
            layer(x)
        torch.cuda.synchronize()
        for _ in range(a.iters):
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            layer(x)
            end.record()
            torch.cuda.synchronize()
            times.append(start.elapsed_time(end) * 1e-3)  # ms -> s
    return statistics.median(times), torch.cuda.get_device_name(dev), torch.__version__


def main(argv):
    a = parse(argv)
    t, name, version = measure(a)
    src = (f"measured: tools/gpu_measure.py on {name}, torch {version}, FP16 "
           f"TransformerEncoderLayer (GELU), median of {a.iters} forward passes (CUDA events)")
    print("[measured]")
    print(f'layer_time = {{ value = "{t:.6g} s", source = "{src}" }}')
    print(f"batch = {a.batch}\nseq = {a.seq}\nd_model = {a.d_model}\nheads = {a.heads}\nd_ff = {a.d_ff}")


if __name__ == "__main__":
    main(sys.argv[1:])
