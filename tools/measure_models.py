#!/usr/bin/python3
"""Runs every scheme preset (characterization/attention/*.toml) on the shipped models and
prints a Markdown table: held-out accuracy with its 95% Wilson interval and n, the settings the
calibration pass chose, sparsity, top-k recall vs ideal, rel. L2 vs ideal and wall time. Slow (minutes); not part of the test suite.

    /usr/bin/python3 tools/measure_models.py [--cimchar build/cimchar] [--models recall digits]
"""
import argparse
import glob
import os
import subprocess
import sys
import tempfile
import time

import h5py


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cimchar", default="build/cimchar")
    ap.add_argument("--models", nargs="+", default=["recall", "digits"])
    ap.add_argument("--presets", nargs="*", default=None, help="preset names (default: all)")
    a = ap.parse_args(argv)
    presets = sorted(glob.glob("characterization/attention/*.toml"))
    if a.presets:
        presets = [p for p in presets if os.path.basename(p)[:-5] in a.presets]
    print("| model | preset | accuracy [95% CI] | n | fp32 (torch) | calibrated | sparsity | "
          "top-8 recall | rel. L2 | perplexity (fp32) | wall s |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as tmp:
        for m in a.models:
            for p in presets:
                name = os.path.basename(p)[:-5]
                out = os.path.join(tmp, f"{m}_{name}.h5")
                t0 = time.time()
                r = subprocess.run([a.cimchar, "attention", "--model", f"models/{m}.h5",
                                    "--config", p, "--out", out],
                                   capture_output=True, text=True)
                wall = time.time() - t0
                if r.returncode != 0:
                    print(f"| {m} | {name} | failed: {r.stderr.strip()[:80]} | | | | | | | | |",
                          flush=True)
                    continue
                with h5py.File(out) as f:
                    acc = f["task/accuracy"][()]
                    lo, hi = f["task/accuracy_ci95"][()]
                    n = int(f["task/n"][()])
                    cal = ", ".join(f"{k} {f['calibration'][k][()]:g}" for k in f["calibration"]
                                    if f["calibration"][k].attrs["source"] == "calibration") \
                        if "calibration" in f else ""
                    fp32 = f["task/fp32_accuracy_recorded"][()]
                    sp = f["metrics/sparsity"][()]
                    rec = f["metrics/topk_recall"][()]
                    l2 = f["metrics/rel_l2"][()]
                    ppl = (f"{f['task/perplexity'][()]:.3f} ({f['task/fp32_perplexity_recorded'][()]:.3f})"
                           if "task/perplexity" in f else "-")  # language models only
                print(f"| {m} | {name} | {acc:.4f} [{lo:.3f}, {hi:.3f}] | {n} | {fp32:.4f} | "
                      f"{cal or '-'} | {sp:.3f} | {rec:.3f} | "
                      f"{l2:.3g} | {ppl} | {wall:.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
