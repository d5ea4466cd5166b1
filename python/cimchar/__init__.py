"""Read cimchar's results from Python: a run folder's LUTs as labelled xarray Datasets with
units, its attention metrics and PPA breakdowns as pandas tables (python/README.md)."""
from . import figures
from .lut import lut_groups, open_lut, quantity
from .run import Run, attention_table, open_run

__all__ = ["figures", "Run", "open_run", "attention_table", "lut_groups", "open_lut", "quantity"]
__version__ = "0.1"
