#!/usr/bin/python3
"""The exporter's Adapter (tools/export_torch.py) on custom BERT-style modules written here (not
a torch or transformers class: separate q/k/v Linear layers, GELU, post-LN and pre-LN, a causal
mask): the exported file, run by `cimchar attention --scheme ideal`, reproduces torch's float64
output; an adapter that names a missing part, a part of the wrong type, or describes another
function (relu for a GELU module, the wrong head count) is refused with ExportError naming it."""
import math, os, subprocess, sys, tempfile

import h5py
import numpy as np
import torch
from torch import nn

cimchar_bin, src = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(src, "tools"))
from export_torch import Adapter, ExportError, export_attention  # noqa: E402
from flowcheck import check, finish  # noqa: E402


class SelfAttention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.query, self.key, self.value = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)
        self.dense = nn.Linear(d, d)

    def forward(self, x, mask):
        b, s, d = x.shape
        split = lambda t: t.view(b, s, self.heads, d // self.heads).transpose(1, 2)
        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        sc = q @ k.transpose(-1, -2) / math.sqrt(d // self.heads)
        if mask is not None:
            sc = sc + mask
        ctx = (sc.softmax(-1) @ v).transpose(1, 2).reshape(b, s, d)
        return self.dense(ctx)


class Block(nn.Module):
    def __init__(self, d, heads, pre_ln):
        super().__init__()
        self.pre_ln = pre_ln
        self.attn = SelfAttention(d, heads)
        self.ln_a, self.ln_f = nn.LayerNorm(d), nn.LayerNorm(d)
        self.up, self.down = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)

    def forward(self, x, mask):
        ffn = lambda z: self.down(nn.functional.gelu(self.up(z)))
        if self.pre_ln:
            x = x + self.attn(self.ln_a(x), mask)
            return x + ffn(self.ln_f(x))
        x = self.ln_a(x + self.attn(x, mask))
        return self.ln_f(x + ffn(x))


class Net(nn.Module):
    def __init__(self, d=24, heads=3, layers=2, pre_ln=False):
        super().__init__()
        self.blocks = nn.ModuleList([Block(d, heads, pre_ln) for _ in range(layers)])
        self.final = nn.LayerNorm(d)

    def forward(self, x, mask=None):
        for blk in self.blocks:
            x = blk(x, mask)
        return self.final(x)


def adapter(net, **kw):
    parts = [{"q": f"blocks.{i}.attn.query", "k": f"blocks.{i}.attn.key",
              "v": f"blocks.{i}.attn.value", "o": f"blocks.{i}.attn.dense",
              "norm1": f"blocks.{i}.ln_a", "norm2": f"blocks.{i}.ln_f",
              "ffn1": f"blocks.{i}.up", "ffn2": f"blocks.{i}.down"} for i in range(len(net.blocks))]
    args = dict(n_heads=3, norm_first=net.blocks[0].pre_ln, activation="gelu",
                final_norm="final", forward=lambda m, x, mask: m(x, mask))
    args.update(kw)
    if "layers" in args:
        parts = args.pop("layers")
    return Adapter(parts, **args)


def refused(net, x, path, ad, words):
    try:
        export_attention(net, x, path, adapter=ad)
    except ExportError as e:
        check(all(w in str(e) for w in words), "ExportError %r lacks %s" % (str(e), words))
        check(not os.path.exists(path), "a refused export left %s" % path)
        return
    check(False, "export accepted an adapter that should be refused (%s)" % words)


torch.manual_seed(0)
with tempfile.TemporaryDirectory() as d:
    for pre_ln, causal in ((False, False), (True, True)):
        net = Net(pre_ln=pre_ln)
        with torch.no_grad():
            for m in net.modules():
                if isinstance(m, nn.LayerNorm):
                    m.weight.uniform_(0.5, 1.5)
                    m.bias.uniform_(-0.2, 0.2)
        x = torch.randn(3, 10, 24)
        mask = torch.triu(torch.ones(10, 10, dtype=torch.bool), diagonal=1) if causal else None
        path = os.path.join(d, "bertlike_%d.h5" % pre_ln)
        export_attention(net, x, path, attn_mask=mask, adapter=adapter(net))
        out = os.path.join(d, "ideal_%d.h5" % pre_ln)
        r = subprocess.run([cimchar_bin, "-q", "attention", "--model", path, "--scheme", "ideal",
                            "--out", out], capture_output=True, text=True)
        check(r.returncode == 0, "cimchar attention: %s" % r.stderr[-1500:])
        with h5py.File(path) as f, h5py.File(out) as g:
            y64, y = f["/output/y_fp64"][()], g["/y"][()]
            check(f.attrs["kind"] == "custom", "kind %s" % f.attrs["kind"])
        err = np.abs(y - y64).max() / np.abs(y64).max()
        print("  %s-LN%s: cimchar ideal vs torch float64: max rel diff %.2e"
              % ("pre" if pre_ln else "post", ", causal" if causal else "", err))
        check(err < 1e-9, "cimchar vs torch float64 %.3g" % err)

    net = Net()
    x = torch.randn(2, 6, 24)
    bad = os.path.join(d, "bad.h5")
    refused(net, x, bad, adapter(net, activation="relu"), ["does not compute"])
    refused(net, x, bad, adapter(net, n_heads=5), ["n_heads 5", "d_model 24"])
    refused(net, x, bad, adapter(net, n_heads=2), ["does not compute"])
    layers = adapter(net).layers
    layers[1] = dict(layers[1], q="blocks.1.attn.querry")
    refused(net, x, bad, adapter(net, layers=layers), ["layer 1 q", "querry"])
    layers = adapter(net).layers
    layers[0] = dict(layers[0], norm1="blocks.0.up")
    refused(net, x, bad, adapter(net, layers=layers), ["layer 0 norm1", "LayerNorm"])
    try:
        export_attention(net, x, bad)
        check(False, "a custom module without an adapter was accepted")
    except ExportError as e:
        check("Adapter" in str(e), "the refusal does not point to the Adapter: %s" % e)
finish()
