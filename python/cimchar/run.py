"""A cimchar run folder: its stage files, LUTs, attention metrics and PPA breakdowns."""
import glob
import os

import h5py
import numpy as np

from .lut import lut_groups, open_lut

__all__ = ["Run", "open_run", "attention_table"]

STAGES = ("cell", "fit", "irdrop", "variation", "adc", "wta", "threshold", "schemes")


def _text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def _scalar(f, path, default=float("nan")):
    return float(np.asarray(f[path][()]).reshape(-1)[0]) if path in f else default


def _pair(f, path, i):
    return float(f[path][()][i]) if path in f else float("nan")


class Run:
    """The files one `cimchar run` (or one stage command) wrote into a folder."""

    def __init__(self, folder):
        if not os.path.isdir(folder):
            raise FileNotFoundError("%s: no such run folder" % folder)
        self.folder = folder
        self.files = {s: os.path.join(folder, s + ".h5") for s in STAGES
                      if os.path.exists(os.path.join(folder, s + ".h5"))}
        self.attention_files = sorted(glob.glob(os.path.join(folder, "attention*.h5")))
        self.ppa_files = sorted(glob.glob(os.path.join(folder, "ppa*.h5")))

    def __repr__(self):
        return "Run(%r: %s; %d attention, %d ppa files)" % (
            self.folder, ", ".join(self.files), len(self.attention_files), len(self.ppa_files))

    def lut_names(self):
        """Every LUT of the run as (stage, group), e.g. ("threshold", "/lut/threshold")."""
        return [(s, g) for s, p in self.files.items() for g in lut_groups(p)]

    def lut(self, name):
        """One LUT as an xarray Dataset: `name` is a group ("/lut/adc/sar/b4") or its last part(s)
        ("threshold", "adc/sar/b4", "read_current"). KeyError listing the LUTs if none matches."""
        want = name if name.startswith("/lut/") else "/lut/" + name.strip("/")
        hits = [(s, g) for s, g in self.lut_names() if g == want or g.endswith("/" + name.strip("/"))]
        if len(hits) != 1:
            raise KeyError("%s: %s LUT named %r (LUTs: %s)" % (
                self.folder, "no" if not hits else "more than one", name,
                ", ".join(g for _, g in self.lut_names())))
        stage, group = hits[0]
        return open_lut(self.files[stage], group)

    def attention(self):
        """One row per attention file (see `attention_table`)."""
        return attention_table(self.attention_files)

    def ppa(self):
        """One row per PPA run (every ppa*.h5): scheme, energy breakdown (J), latency (s),
        throughput (op/s), area (mm^2), TOPS/W, GOPS/mm^2 and the GPU ratios where present."""
        import pandas as pd
        rows = []
        for path in self.ppa_files:
            with h5py.File(path, "r") as f:
                for k in sorted((k for k in f.get("runs", {}) if k.isdigit()), key=int):
                    g = f["/runs/" + k]
                    row = {"file": os.path.basename(path), "run": int(k),
                           "scheme": _text(g.attrs.get("scheme", "")),
                           "attention_file": os.path.basename(_text(g.attrs.get("attention_file", "")))}
                    for sub in ("energy", "area"):
                        if sub in g:
                            for n, d in g[sub].items():
                                if isinstance(d, h5py.Dataset):
                                    row["%s_%s" % (sub, n)] = float(d[()])
                    for n in ("latency/total", "throughput", "tops_per_w", "gops_per_mm2",
                              "gpu/time_ratio", "gpu/time_ratio_launch_floor", "gpu/energy_ratio"):
                        row[n.replace("/", "_")] = _scalar(g, n)
                    rows.append(row)
        return pd.DataFrame(rows)


def attention_table(files):
    """One row per attention file: scheme, model, accuracy with its 95% Wilson interval and n,
    the ideal run's and torch's fp32 accuracy, the scheme minus the ideal run on the same items
    with its paired 95% interval, the perplexity of a language model (scheme,
    ideal run, torch's; NaN for classifiers), and the output metrics vs fp32."""
    import pandas as pd
    rows = []
    for path in files:
        with h5py.File(path, "r") as f:
            lo, hi = (f["/task/accuracy_ci95"][()] if "/task/accuracy_ci95" in f
                      else (float("nan"), float("nan")))
            rows.append({
                "file": os.path.basename(path),
                "scheme": _text(f.attrs.get("scheme", os.path.basename(path))),
                "model": os.path.basename(_text(f.attrs.get("model_file", ""))),
                "accuracy": _scalar(f, "/task/accuracy"), "accuracy_lo": float(lo),
                "accuracy_hi": float(hi), "n": int(_scalar(f, "/task/n", 0)),
                "accuracy_ideal": _scalar(f, "/task/accuracy_ideal"),
                "accuracy_delta": _scalar(f, "/task/accuracy_delta"),
                "accuracy_delta_lo": _pair(f, "/task/accuracy_delta_ci95", 0),
                "accuracy_delta_hi": _pair(f, "/task/accuracy_delta_ci95", 1),
                "fp32_accuracy": _scalar(f, "/task/fp32_accuracy_recorded"),
                "perplexity": _scalar(f, "/task/perplexity"),
                "perplexity_ideal": _scalar(f, "/task/perplexity_ideal"),
                "fp32_perplexity": _scalar(f, "/task/fp32_perplexity_recorded"),
                **{k: _scalar(f, "/metrics/" + k)
                   for k in ("rel_l2", "cosine", "kl", "topk_recall", "sparsity")},
            })
    return pd.DataFrame(rows)


def open_run(folder):
    """The run folder `folder` (FileNotFoundError if it is not one)."""
    return Run(folder)
