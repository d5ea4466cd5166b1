#!/usr/bin/python3
"""A causal language model written here (untrained, random weights; not the shipped one) through
tools/export_torch.py's export_task_model(pooling="token") and `cimchar attention --scheme ideal`:
next-token accuracy and perplexity over the labelled positions equal those computed here in
float64 torch, a position labelled -1 is left out, the calibration split carries the causal mask,
and a file whose calibration split lacks the held-out mask is refused (exit 2, naming it)."""
import math, os, shutil, subprocess, sys, tempfile

import h5py
import torch

cimchar_bin, src = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(src, "tools"))
from export_torch import export_task_model  # noqa: E402
from flowcheck import check, finish  # noqa: E402

torch.manual_seed(5)
V, S, D, H = 11, 12, 16, 2
emb = torch.nn.Embedding(V, D)
pos = 0.3 * torch.randn(S, D)
layer = torch.nn.TransformerEncoderLayer(D, H, 4 * D, dropout=0.0, batch_first=True, norm_first=True,
                                         activation=torch.nn.GELU(approximate="tanh"))
dec = torch.nn.TransformerEncoder(layer, 2, norm=torch.nn.LayerNorm(D), enable_nested_tensor=False).eval()
head = torch.nn.Linear(D, V, bias=False)
head.weight = emb.weight  # tied
mask = torch.nn.Transformer.generate_square_subsequent_mask(S)
tokens = torch.randint(0, V, (6, S))
labels = torch.roll(tokens, -1, 1)
labels[:, -1] = -1  # the last position has no next token
labels[2, 3] = -1   # and one more left out
cal_tokens = torch.randint(0, V, (3, S))

# The reference: float64 torch on the same weights.
with torch.no_grad():
    d64 = dec.double()
    x = emb.weight.double()[tokens] + pos.double()
    lg = d64(x, mask=mask.double()) @ emb.weight.double().T
    keep = labels >= 0
    ref_acc = (lg.argmax(-1)[keep] == labels[keep]).double().mean().item()
    ref_ppl = math.exp(torch.nn.functional.cross_entropy(lg[keep], labels[keep]).item())
    dec.float()

with tempfile.TemporaryDirectory() as d:
    model = os.path.join(d, "lm.h5")
    export_task_model(dec, model, head, labels, "next-token", pooling="token", tokens=tokens,
                      token_embedding=emb.weight.detach(), position_embedding=pos, attn_mask=mask,
                      calibration={"tokens": cal_tokens, "labels": torch.roll(cal_tokens, -1, 1)})
    with h5py.File(model, "r") as f:
        check("calibration/attn_mask" in f, "the calibration split has the causal mask")
        check(f["task"].attrs["pooling"] == "token", "pooling attribute")
        check("output/logits" not in f, "no per-token logits stored")
        recorded = float(f["task"].attrs["fp32_perplexity"])
    check(abs(recorded - ref_ppl) < 1e-4 * ref_ppl, "exporter's float32 perplexity %g vs float64 %g" % (recorded, ref_ppl))
    out = os.path.join(d, "a.h5")
    cfg = os.path.join(d, "sprint.toml")
    open(cfg, "w").write('[attention]\nscheme = "sprint"\nkeep_ratio = 0.5\nanalog_products = []\n')
    r = subprocess.run([cimchar_bin, "-q", "attention", "--model", model, "--config", cfg, "--out", out],
                       capture_output=True, text=True)
    check(r.returncode == 0, "sprint run: " + r.stderr[-400:])
    if r.returncode == 0:
        # The threshold is calibrated over the pairs the causal mask leaves open: 3 x 2 layers x 2
        # heads x S (S + 1) / 2.
        check("of %d exact scores" % (3 * 2 * 2 * S * (S + 1) // 2) in r.stdout, "calibration pairs: " + r.stdout[:400])
    r = subprocess.run([cimchar_bin, "-q", "attention", "--model", model, "--scheme", "ideal", "--out", out],
                       capture_output=True, text=True)
    check(r.returncode == 0, "ideal run: " + r.stderr[-400:])
    if r.returncode == 0:
        with h5py.File(out, "r") as f:
            t = f["task"]
            check(int(t["n"][()]) == int(keep.sum()), "n = labelled positions: %d" % t["n"][()])
            check(abs(t["perplexity_ideal"][()] - ref_ppl) < 1e-9 * ref_ppl,
                  "perplexity %r vs torch float64 %r" % (t["perplexity_ideal"][()], ref_ppl))
            check(abs(t["accuracy_ideal"][()] - ref_acc) < 1e-12, "accuracy %r vs %r" % (t["accuracy_ideal"][()], ref_acc))
            check("logits" not in t, "no per-token logits written")
    broken = os.path.join(d, "broken.h5")
    shutil.copy(model, broken)
    with h5py.File(broken, "a") as f:
        del f["calibration/attn_mask"]
    r = subprocess.run([cimchar_bin, "-q", "attention", "--model", broken, "--scheme", "ideal", "--out",
                        os.path.join(d, "b.h5")], capture_output=True, text=True)
    check(r.returncode == 2 and "broken.h5" in r.stderr and "/calibration" in r.stderr,
          "calibration without the mask: exit %d, %s" % (r.returncode, r.stderr[-300:]))
    check(not os.path.exists(os.path.join(d, "b.h5")), "nothing written for the broken file")
finish()
