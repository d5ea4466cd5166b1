#!/usr/bin/python3
"""Characterization LUTs into the attention executor, end to end: `cimchar variation` measures a
programmed-conductance distribution in ngspice, `cimchar attention` reads it back as the
crossbar conductance model; IR drop from the exact native solver and from the compact model.
Each nonideality must move the outputs away from the ideal-readout baseline, and the compact
IR-drop model must reproduce most of the exact solver's effect. Then `cimchar threshold`
characterizes the comparator and the `sprint` scheme draws its offsets from that LUT: with a
negligible offset (large volts per score unit) the recall is the error-free one, with a large
one the recall of the true top-k keys drops. Read with h5py."""
import os, subprocess, sys, tempfile
import h5py, numpy as np
from flowcheck import check, finish

cimchar, src = sys.argv[1], sys.argv[2]
model = os.path.join(src, "tests/attention/data/layer_relu_post_d32_h4_s16_causal.h5")


VAR = """
[flow]
name = "v"
seed = 2
[variation]
bits = 2
g_min = "10 uS"
g_max = "100 uS"
v_verify = "0.1 V"
v_read = "0.1 V"
t_read = "0 s"
samples = 100
[variation.model.d2d]
enabled = true
c0 = "1 uS"
c1 = 0.05
"""
BASE = """
[attention]
scheme = "rram-baseline"
[attention.crossbar]
rows = 32
cols = 64
adc_bits = 0
g_on = "100 uS"
g_off = "10 uS"
"""
with tempfile.TemporaryDirectory() as d:
    open(os.path.join(d, "var.toml"), "w").write(VAR)
    r = subprocess.run([cimchar, "variation", os.path.join(d, "var.toml"), "--out", os.path.join(d, "var"), "-q"],
                       capture_output=True, text=True)
    check(r.returncode == 0, "variation: " + r.stderr[-500:])
    lut = os.path.join(d, "var", "variation.h5")
    extra = {
        "base": "",
        "var_lut": '[attention.crossbar.nonideal]\nvariation = "%s"\n' % lut,
        "exact": '[attention.crossbar.nonideal]\nir_drop = "exact"\nr_wire = "2 ohm"\n',
        "model": '[attention.crossbar.nonideal]\nir_drop = "model"\nr_wire = "2 ohm"\n',
        "both": '[attention.crossbar.nonideal]\nir_drop = "both"\nr_wire = "2 ohm"\n',
        "exact_stat": 'readout = "statistical"\n[attention.crossbar.nonideal]\nir_drop = "exact"\nr_wire = "2 ohm"\n',
    }
    ir_reported = {}
    y, l2 = {}, {}
    for name, text in extra.items():
        cfg = os.path.join(d, name + ".toml")
        open(cfg, "w").write(BASE + text)
        out = os.path.join(d, name + ".h5")
        r = subprocess.run([cimchar, "attention", "--model", model, "--config", cfg, "--out", out, "-q"],
                           capture_output=True, text=True)
        check(r.returncode == 0, name + ": " + r.stderr[-500:])
        f = h5py.File(out, "r")
        y[name], l2[name] = f["/y"][:], f["/metrics/rel_l2"][()]
        if "/metrics/ir_drop" in f:
            ir_reported = {k: f["/metrics/ir_drop/" + k][()] for k in ("model_vs_exact_rel_l2", "model_rel_l2")}
    print("relative L2 error vs fp32:", {k: round(float(v), 5) for k, v in l2.items()})
    check(l2["var_lut"] > 5 * l2["base"], "measured variation changes little: %g vs %g" % (l2["var_lut"], l2["base"]))
    check(l2["exact"] > 5 * l2["base"], "IR drop changes little: %g vs %g" % (l2["exact"], l2["base"]))
    effect = np.linalg.norm(y["exact"] - y["base"])
    miss = np.linalg.norm(y["model"] - y["exact"])
    print("IR drop: exact solver moves the outputs by %.4g (relative), compact model differs from it by %.4g"
          % (effect / np.linalg.norm(y["base"]), miss / np.linalg.norm(y["base"])))
    check(miss < 0.2 * effect, "compact IR-drop model misses %.3g of an effect of %.3g" % (miss, effect))
    # ir_drop = "both": the exact run's outputs, and the model's difference from them reported.
    check(np.array_equal(y["both"], y["exact"]), "ir_drop = both: outputs are not the exact solver's")
    want = np.linalg.norm(y["model"] - y["exact"]) / np.linalg.norm(y["exact"])
    got = ir_reported.get("model_vs_exact_rel_l2", -1)
    print("ir_drop = both reports model vs exact %.6g (separate runs: %.6g), model rel_l2 %.6g (separate: %.6g)"
          % (got, want, ir_reported.get("model_rel_l2", -1), l2["model"]))
    check(abs(got - want) <= 1e-9 * want, "ir_drop = both reports %g, the separate runs differ by %g" % (got, want))
    check(abs(ir_reported.get("model_rel_l2", -1) - l2["model"]) <= 1e-9 * l2["model"],
          "ir_drop = both: the model run's rel_l2 differs from a separate model run's")
    # The statistical readout through the exact IR-drop transfer matrices, ideal readout: the
    # per-read outputs to rounding.
    stat_diff = np.linalg.norm(y["exact_stat"] - y["exact"]) / np.linalg.norm(y["exact"])
    print("statistical readout vs per-read, exact IR drop, ideal readout: %.3g" % stat_diff)
    check(stat_diff < 1e-9, "statistical readout differs from per-read by %g" % stat_diff)

    # The threshold comparator LUT into the sprint scheme.
    open(os.path.join(d, "thr.toml"), "w").write(
        '[flow]\nname = "t"\nseed = 1\n[threshold]\npoints = 11\nsamples = 20\ntwin_samples = 5000\n')
    r = subprocess.run([cimchar, "threshold", os.path.join(d, "thr.toml"), "--out", os.path.join(d, "thr"), "-q"],
                       capture_output=True, text=True)
    check(r.returncode == 0, "threshold: " + r.stderr[-500:])
    thr = os.path.join(d, "thr", "threshold.h5")
    recall, ys = {}, {}
    for name, text in {"clean": "", "small": 'comparator_lut = "%s"\ncomparator_volts_per_score = 100\n' % thr,
                       "large": 'comparator_lut = "%s"\ncomparator_volts_per_score = 1e-4\n' % thr}.items():
        cfg = os.path.join(d, "sprint_" + name + ".toml")
        open(cfg, "w").write('[attention]\nscheme = "sprint"\n' + text)
        out = os.path.join(d, "sprint_" + name + ".h5")
        r = subprocess.run([cimchar, "attention", "--model", model, "--config", cfg, "--out", out, "-q"],
                           capture_output=True, text=True)
        check(r.returncode == 0, "sprint " + name + ": " + r.stderr[-500:])
        f = h5py.File(out, "r")
        recall[name], ys[name] = f["/metrics/topk_recall"][()], f["/y"][:]
    print("sprint top-k recall: clean %.4f, comparator LUT at 100 V/score %.4f, at 1e-4 V/score %.4f"
          % (recall["clean"], recall["small"], recall["large"]))
    # (4-bit approximate scores tie exactly at the threshold, so even a tiny offset flips a few)
    check(abs(recall["small"] - recall["clean"]) < 0.01, "a negligible comparator offset changed the recall")
    check(recall["large"] < recall["clean"] - 0.02, "a large comparator offset did not lower the recall")

    # The WTA LUT into the hardsea scheme: with a small capacitor's offsets relative to a tiny
    # current range the k-WTA's choice degrades; a top_k of 4 of 16 keys makes choice matter.
    open(os.path.join(d, "wta.toml"), "w").write(
        '[flow]\nname = "w"\nseed = 1\n[wta]\ncapacitances = ["100 fF"]\nmargins = [0.02, 0.1]\n'
        'samples = 50\nspice_samples = 1\nsigma_offset = "20 mV"\n')
    r = subprocess.run([cimchar, "wta", os.path.join(d, "wta.toml"), "--out", os.path.join(d, "wta"), "-q"],
                       capture_output=True, text=True)
    check(r.returncode == 0, "wta: " + r.stderr[-500:])
    wta = os.path.join(d, "wta", "wta.h5")
    rec = {}
    for name, text in {"clean": "", "wta": 'wta_lut = "%s"\n' % wta}.items():
        cfg = os.path.join(d, "hardsea_" + name + ".toml")
        open(cfg, "w").write('[attention]\nscheme = "hardsea"\ntop_k = 4\n' + text)
        out = os.path.join(d, "hardsea_" + name + ".h5")
        r = subprocess.run([cimchar, "attention", "--model", model, "--config", cfg, "--out", out, "-q"],
                           capture_output=True, text=True)
        check(r.returncode == 0, "hardsea " + name + ": " + r.stderr[-500:])
        rec[name] = h5py.File(out, "r")["/metrics/topk_recall"][()]
    sig = h5py.File(wta, "r")["/wta/sigma_total"][0] / 0.5
    print("hardsea top-k recall: clean %.4f, with WTA offsets (relative current sigma %.3f) %.4f"
          % (rec["clean"], sig, rec["wta"]))
    check(rec["wta"] < rec["clean"], "WTA offsets did not lower the recall")

finish()
