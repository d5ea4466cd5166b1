#!/usr/bin/python3
"""Reproduces the report's threshold-comparator figure from a run folder's files alone, with the
cimchar Python package: the prune probability against the distance to the threshold, from the
behavioural twin, the ngspice Monte Carlo and the Gaussian limit.

    python3 python/examples/threshold_figure.py results/default threshold.png
"""
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import cimchar  # noqa: E402


def main(folder, png):
    run = cimchar.open_run(folder)
    lut = run.lut("threshold")                      # an xarray Dataset, dimension "distance"
    fig, ax = plt.subplots()
    cimchar.figures.threshold_prune_probability(lut, ax)
    fig.savefig(png, dpi=120)
    # The LUT between grid points, as a higher-level tool would look it up.
    print("P(prune) at +3 mV: %.4f" % float(lut["p_prune"].interp(distance=0.003)))
    print(run.attention()[["scheme", "model", "accuracy", "accuracy_lo", "accuracy_hi", "n"]]
          .to_string(index=False) if run.attention_files else "no attention runs")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
