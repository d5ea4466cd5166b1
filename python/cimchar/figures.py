"""Figures of the report drawn from the package's labelled LUTs (matplotlib axes in, nothing
saved): the report generator and the examples share them."""
from .lut import quantity

__all__ = ["threshold_prune_probability"]


def threshold_prune_probability(lut, ax):
    """The threshold comparator's P(prune) against the distance to the threshold (mV): the twin
    (the LUT value), the ngspice Monte Carlo and the Gaussian limit; `lut` is /lut/threshold."""
    mv = quantity(lut["distance"]).to("mV").magnitude
    ax.plot(mv, lut["p_prune"], "-", label="twin")
    ax.plot(mv, lut["p_prune_spice"], "o", ms=3, label="ngspice")
    ax.plot(mv, lut["p_prune_gaussian"], "k:", label="Gaussian limit")
    ax.set_xlabel("distance to threshold (mV)")
    ax.set_ylabel("P(prune)")
    ax.set_title("threshold comparator: prune probability")
    ax.legend()
