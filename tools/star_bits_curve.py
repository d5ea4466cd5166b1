#!/usr/bin/python3
"""STAR's softmax precision against accuracy (issue 19, item 5: "STAR's 7-9-bit softmax without
loss", Zhai et al., arXiv:2401.17582): runs the `star` scheme's softmax engine alone
(analog_products = [], so the products are exact and only the LUT softmax acts) on a shipped
model's full held-out set for each score/exp bit width, the score format calibrated on the
model file's calibration split, and prints a Markdown table: bits, the calibrated fractional
bits, accuracy with its 95% Wilson interval, n, and torch's fp32 accuracy.

    /usr/bin/python3 tools/star_bits_curve.py [--model models/recall.h5] [--bits 4 5 6 7 8 9 10]
"""
import argparse
import os
import subprocess
import sys
import tempfile

import h5py


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cimchar", default="build/cimchar")
    ap.add_argument("--model", default="models/recall.h5")
    ap.add_argument("--bits", type=int, nargs="+", default=[4, 5, 6, 7, 8, 9, 10])
    a = ap.parse_args(argv)
    print("| score and exp bits | score_frac_bits (calibrated) | accuracy [95% CI] | n | fp32 (torch) |")
    print("| --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as tmp:
        for b in a.bits:
            cfg = os.path.join(tmp, f"star{b}.toml")
            with open(cfg, "w") as f:
                f.write(f'[attention]\nscheme = "star"\nanalog_products = []\n'
                        f"score_bits = {b}\nexp_bits = {b}\n")
            out = os.path.join(tmp, f"star{b}.h5")
            r = subprocess.run([a.cimchar, "attention", "--model", a.model, "--config", cfg,
                                "--out", out], capture_output=True, text=True)
            if r.returncode != 0:
                print(f"| {b} | failed: {r.stderr.strip()[:80]} | | | |", flush=True)
                continue
            with h5py.File(out) as f:
                frac = int(f["calibration/score_frac_bits"][()])
                acc = f["task/accuracy"][()]
                lo, hi = f["task/accuracy_ci95"][()]
                n = int(f["task/n"][()])
                fp32 = f["task/fp32_accuracy_recorded"][()]
            print(f"| {b} | {frac} | {acc:.4f} [{lo:.3f}, {hi:.3f}] | {n} | {fp32:.4f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
