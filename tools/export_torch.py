#!/usr/bin/python3
"""Export a PyTorch attention module, an input batch and the torch outputs to one HDF5 model
file that `cimchar attention --model FILE` runs (layout: docs/model-format.md).

As a module (Debian's /usr/bin/python3 with python3-torch, python3-h5py, python3-numpy):

    import sys; sys.path.insert(0, "tools")
    from export_torch import export_attention
    export_attention(module, x, "model.h5", attn_mask=None, key_padding_mask=None)

handles torch.nn.MultiheadAttention (self-attention: query = key = value = x),
torch.nn.TransformerEncoderLayer, torch.nn.TransformerEncoder and, when the `transformers`
package is importable, Hugging Face BertSelfAttention / BertAttention / BertLayer. x is
batch-first, [batch, seq, d_model], whatever the module's own batch_first is.

As a script it builds a randomly initialised module and exports it:

    /usr/bin/python3 tools/export_torch.py encoder --d-model 32 --heads 4 --layers 2 \\
        --seq 16 --batch 2 --out model.h5

The module runs in eval mode through torch's standard (non-fused) code path, once as given
(float32: /output/y) and once as a float64 copy (/output/y_fp64), so a reimplementation can
be checked both against what torch computes in float32 and against the exact function.
"""
import argparse
import copy
import datetime
import math
import os
import sys

import h5py
import numpy as np
import torch
import torch.nn.functional as F

FORMAT = "cimchar-attention-model"
FORMAT_VERSION = 1


class ExportError(ValueError):
    """The module or its inputs cannot be expressed in the model format."""


# ---------------------------------------------------------------------------------------------
# Module description: every supported module becomes a list of layers, each a dict of numpy
# arrays and attributes in the same vocabulary (docs/model-format.md).


def _np(t):
    return t.detach().cpu().to(torch.float32).numpy().copy()


def _activation_name(act):
    if act is F.relu or isinstance(act, torch.nn.ReLU):
        return "relu"
    if act is F.gelu:
        return "gelu"
    if isinstance(act, torch.nn.GELU):
        return "gelu_tanh" if getattr(act, "approximate", "none") == "tanh" else "gelu"
    raise ExportError(f"unsupported activation {act!r}: only ReLU and GELU (exact or tanh) are "
                      "modelled")


def _layer_norm(ln):
    if not isinstance(ln, torch.nn.LayerNorm):
        raise ExportError(f"expected torch.nn.LayerNorm, got {type(ln).__name__}")
    (d,) = ln.normalized_shape
    w = _np(ln.weight) if ln.weight is not None else np.ones(d, np.float32)
    b = _np(ln.bias) if ln.bias is not None else np.zeros(d, np.float32)
    return {"weight": w, "bias": b, "eps": float(ln.eps)}


def _linear(lin, d_out, d_in):
    w = _np(lin.weight)
    if w.shape != (d_out, d_in):
        raise ExportError(f"linear layer weight has shape {w.shape}, expected {(d_out, d_in)}")
    b = _np(lin.bias) if lin.bias is not None else np.zeros(d_out, np.float32)
    return w, b


def _mha_attn(mha):
    if not isinstance(mha, torch.nn.MultiheadAttention):
        raise ExportError(f"expected torch.nn.MultiheadAttention, got {type(mha).__name__}")
    if not mha._qkv_same_embed_dim:
        raise ExportError("MultiheadAttention with kdim/vdim != embed_dim is not supported "
                          "(self-attention only)")
    if mha.bias_k is not None or mha.add_zero_attn:
        raise ExportError("MultiheadAttention with add_bias_kv or add_zero_attn is not supported")
    d = mha.embed_dim
    w = _np(mha.in_proj_weight)
    b = _np(mha.in_proj_bias) if mha.in_proj_bias is not None else np.zeros(3 * d, np.float32)
    w_o, b_o = _linear(mha.out_proj, d, d)
    return {"n_heads": int(mha.num_heads),
            "w_q": w[:d], "w_k": w[d:2 * d], "w_v": w[2 * d:],
            "b_q": b[:d], "b_k": b[d:2 * d], "b_v": b[2 * d:],
            "w_o": w_o, "b_o": b_o}


def _encoder_layer(layer):
    attn = _mha_attn(layer.self_attn)
    d = layer.self_attn.embed_dim
    d_ff = layer.linear1.out_features
    w1, b1 = _linear(layer.linear1, d_ff, d)
    w2, b2 = _linear(layer.linear2, d, d_ff)
    return {"attn": attn, "residual": 1, "norm_first": int(bool(layer.norm_first)),
            "norm1": _layer_norm(layer.norm1), "norm2": _layer_norm(layer.norm2),
            "ffn": {"w1": w1, "b1": b1, "w2": w2, "b2": b2,
                    "activation": _activation_name(layer.activation)}}


def _is_hf(module, name):
    return type(module).__name__ == name and type(module).__module__.startswith("transformers")


def _bert_self(sa):
    if getattr(sa, "position_embedding_type", "absolute") != "absolute":
        raise ExportError("BertSelfAttention with relative position embeddings is not supported")
    if getattr(sa, "is_decoder", False):
        raise ExportError("BertSelfAttention as a decoder (cross-attention, cache) is not supported")
    d = sa.query.in_features
    if sa.all_head_size != d:
        raise ExportError("BertSelfAttention with all_head_size != hidden size is not supported")
    w_q, b_q = _linear(sa.query, d, d)
    w_k, b_k = _linear(sa.key, d, d)
    w_v, b_v = _linear(sa.value, d, d)
    return {"n_heads": int(sa.num_attention_heads), "w_q": w_q, "w_k": w_k, "w_v": w_v,
            "b_q": b_q, "b_k": b_k, "b_v": b_v}


def _bert_attention_layer(att):
    """BertAttention: LayerNorm(x + dense(self_attention(x))), post-norm, no FFN."""
    attn = _bert_self(att.self)
    d = att.self.query.in_features
    attn["w_o"], attn["b_o"] = _linear(att.output.dense, d, d)
    return {"attn": attn, "residual": 1, "norm_first": 0, "norm1": _layer_norm(att.output.LayerNorm)}


def _bert_layer(layer):
    if getattr(layer, "add_cross_attention", False):
        raise ExportError("BertLayer with cross-attention is not supported")
    out = _bert_attention_layer(layer.attention)
    d = layer.attention.self.query.in_features
    d_ff = layer.intermediate.dense.out_features
    w1, b1 = _linear(layer.intermediate.dense, d_ff, d)
    w2, b2 = _linear(layer.output.dense, d, d_ff)
    act = layer.intermediate.intermediate_act_fn
    name = type(act).__name__
    if name == "GELUActivation" and not getattr(act, "use_gelu_python", False):
        act_name = "gelu"
    elif name in ("GELUActivation",):
        act_name = "gelu"
    elif name in ("NewGELUActivation", "GELUTanh", "PytorchGELUTanh"):
        act_name = "gelu_tanh"
    else:
        act_name = _activation_name(act)
    out["ffn"] = {"w1": w1, "b1": b1, "w2": w2, "b2": b2, "activation": act_name}
    out["norm2"] = _layer_norm(layer.output.LayerNorm)
    return out


# ---------------------------------------------------------------------------------------------
# Custom modules (BERT-style: separate q/k/v Linear layers, post- or pre-LN, GELU): the caller
# says where each layer keeps its parts, and how to run the module.


class Adapter:
    """Where a custom transformer keeps its parts, for export_attention(..., adapter=...).

    layers: one dict per layer of dotted attribute paths from the module, with keys
      q, k, v (torch.nn.Linear d -> d, required), o (the output projection, optional),
      norm1, norm2 (torch.nn.LayerNorm), ffn1 (Linear d -> d_ff), ffn2 (Linear d_ff -> d).
    n_heads: heads of every layer. Attention is softmax(q k^T / sqrt(d_head) + mask) v per head,
      the heads concatenated in order (head h = features h*d_head .. (h+1)*d_head - 1).
    norm_first: False (post-LN, BERT: x = LN(x + attn(x)), x = LN(x + ffn(x))) or True (pre-LN).
    activation: the FFN's, "gelu" (exact erf), "gelu_tanh" or "relu".
    final_norm: a dotted path to a LayerNorm after the last layer, or None.
    forward(module, x, attn_mask): the module's output [batch, seq, d] for batch-first x and
      an additive float mask [seq, seq] or None (default: module(x), which must then take no
      mask).
    After the module has run, the exporter recomputes the described function in float64 and
    refuses the export (ExportError) when the module computes something else."""

    PARTS = ("q", "k", "v", "o", "norm1", "norm2", "ffn1", "ffn2")

    def __init__(self, layers, n_heads, norm_first=False, activation="gelu", final_norm=None,
                 forward=None, residual=True):
        if not layers:
            raise ExportError("adapter: no layers")
        for i, l in enumerate(layers):
            unknown = sorted(set(l) - set(self.PARTS))
            if unknown:
                raise ExportError(f"adapter: layer {i}: unknown part(s) {unknown} "
                                  f"(allowed: {', '.join(self.PARTS)})")
            for need in ("q", "k", "v"):
                if need not in l:
                    raise ExportError(f"adapter: layer {i}: '{need}' is required")
            if ("ffn1" in l) != ("ffn2" in l):
                raise ExportError(f"adapter: layer {i}: give both ffn1 and ffn2, or neither")
        if activation not in ("gelu", "gelu_tanh", "relu"):
            raise ExportError(f"adapter: activation {activation!r}: gelu, gelu_tanh or relu")
        self.layers, self.n_heads, self.norm_first = list(layers), int(n_heads), bool(norm_first)
        self.activation, self.final_norm, self.residual = activation, final_norm, bool(residual)
        self.forward = forward or (lambda m, x, attn_mask: m(x))


def _part(module, path, kind, where):
    obj = module
    for name in path.split("."):
        if not hasattr(obj, name):
            raise ExportError(f"adapter: {where} = '{path}': {type(obj).__name__} has no "
                              f"attribute '{name}'")
        obj = getattr(obj, name)
    if not isinstance(obj, kind):
        raise ExportError(f"adapter: {where} = '{path}' is a {type(obj).__name__}, expected "
                          f"torch.nn.{kind.__name__}")
    return obj


def _adapter_layers(module, ad):
    layers = []
    for i, l in enumerate(ad.layers):
        lin = {k: _part(module, l[k], torch.nn.Linear, f"layer {i} {k}")
               for k in ("q", "k", "v", "o", "ffn1", "ffn2") if k in l}
        d = lin["q"].in_features
        if d % ad.n_heads:
            raise ExportError(f"adapter: n_heads {ad.n_heads} does not divide d_model {d}")
        attn = {"n_heads": ad.n_heads}
        for k in ("q", "k", "v", "o"):
            if k in lin:
                attn[f"w_{k}"], attn[f"b_{k}"] = _linear(lin[k], d, d)
        layer = {"attn": attn, "residual": int(ad.residual), "norm_first": int(ad.norm_first)}
        for nk in ("norm1", "norm2"):
            if nk in l:
                layer[nk] = _layer_norm(_part(module, l[nk], torch.nn.LayerNorm, f"layer {i} {nk}"))
        if "ffn1" in lin:
            d_ff = lin["ffn1"].out_features
            w1, b1 = _linear(lin["ffn1"], d_ff, d)
            w2, b2 = _linear(lin["ffn2"], d, d_ff)
            layer["ffn"] = {"w1": w1, "b1": b1, "w2": w2, "b2": b2, "activation": ad.activation}
        layers.append(layer)
    final = (_layer_norm(_part(module, ad.final_norm, torch.nn.LayerNorm, "final_norm"))
             if ad.final_norm else None)
    return "custom", layers, final


def _ln64(x, n):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + n["eps"]) * n["weight"] + n["bias"]


def _act64(x, name):
    if name == "relu":
        return np.maximum(x, 0)
    if name == "gelu_tanh":
        return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    return 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))


def _described_forward(layers, final_norm, x, mask):
    """The function the layer description states, in float64 numpy ([b, s, d] -> [b, s, d])."""
    h = x.astype(np.float64)
    f64 = lambda a: np.asarray(a, dtype=np.float64)
    for l in layers:
        a = l["attn"]
        nh = a["n_heads"]

        def attend(z):
            b, s, d = z.shape
            dh = d // nh
            q, k, v = (z @ f64(a[f"w_{c}"]).T + f64(a[f"b_{c}"]) for c in "qkv")
            split = lambda t: t.reshape(b, s, nh, dh).transpose(0, 2, 1, 3)
            sc = split(q) @ split(k).transpose(0, 1, 3, 2) / math.sqrt(dh)
            if mask is not None:
                sc = sc + mask
            sc = np.exp(sc - sc.max(-1, keepdims=True))
            ctx = (sc / sc.sum(-1, keepdims=True)) @ split(v)
            ctx = ctx.transpose(0, 2, 1, 3).reshape(b, s, d)
            return ctx @ f64(a["w_o"]).T + f64(a["b_o"]) if "w_o" in a else ctx

        def ffn(z):
            f = l["ffn"]
            u = _act64(z @ f64(f["w1"]).T + f64(f["b1"]), f["activation"])
            return u @ f64(f["w2"]).T + f64(f["b2"])

        n1 = (lambda z: _ln64(z, l["norm1"])) if "norm1" in l else (lambda z: z)
        n2 = (lambda z: _ln64(z, l["norm2"])) if "norm2" in l else (lambda z: z)
        r = 1.0 if l["residual"] else 0.0
        if l["norm_first"]:
            h = r * h + attend(n1(h))
            if "ffn" in l:
                h = h + ffn(n2(h))
        else:
            h = n1(r * h + attend(h))
            if "ffn" in l:
                h = n2(h + ffn(h))
    return _ln64(h, final_norm) if final_norm is not None else h


def describe(module, adapter=None):
    """(kind, layers, final_norm or None) for a supported module."""
    if adapter is not None:
        return _adapter_layers(module, adapter)
    if isinstance(module, torch.nn.MultiheadAttention):
        return "mha", [{"attn": _mha_attn(module), "residual": 0, "norm_first": 0}], None
    if isinstance(module, torch.nn.TransformerEncoderLayer):
        return "encoder_layer", [_encoder_layer(module)], None
    if isinstance(module, torch.nn.TransformerEncoder):
        final = _layer_norm(module.norm) if module.norm is not None else None
        return "encoder", [_encoder_layer(l) for l in module.layers], final
    if _is_hf(module, "BertSelfAttention"):
        return "bert_self_attention", [{"attn": _bert_self(module), "residual": 0,
                                        "norm_first": 0}], None
    if _is_hf(module, "BertAttention"):
        return "bert_attention", [_bert_attention_layer(module)], None
    if _is_hf(module, "BertLayer"):
        return "bert_layer", [_bert_layer(module)], None
    raise ExportError(f"unsupported module {type(module).__module__}.{type(module).__name__}: "
                      "expected MultiheadAttention, TransformerEncoderLayer, TransformerEncoder "
                      "or a transformers BertSelfAttention/BertAttention/BertLayer; for a custom "
                      "module give an Adapter (export_torch.Adapter: where its q/k/v/o Linear, "
                      "LayerNorm and FFN layers are)")


# ---------------------------------------------------------------------------------------------
# Running the module.


def _additive(mask, dtype):
    """A torch attn_mask (bool: True = blocked, or float: added) as a float additive mask."""
    if mask is None:
        return None
    mask = torch.as_tensor(mask)
    if mask.dtype == torch.bool:
        out = torch.zeros(mask.shape, dtype=dtype)
        return out.masked_fill(mask, float("-inf"))
    return mask.to(dtype)


def _run(module, kind, x, attn_mask, key_padding_mask, capture):
    """Forward pass through torch's standard path; `capture` collects per-layer attention
    probabilities [batch, heads, seq, seq]."""
    b, s, _ = x.shape
    if kind in ("mha", "encoder_layer", "encoder"):
        mhas = ([module] if kind == "mha" else
                [module.self_attn] if kind == "encoder_layer" else [l.self_attn for l in module.layers])
        batch_first = mhas[0].batch_first
        originals = []
        for m in mhas:
            orig = m.forward

            def wrapped(*args, _orig=orig, **kw):
                kw["need_weights"] = True
                kw["average_attn_weights"] = False
                out, w = _orig(*args, **kw)
                capture.append(w.detach())
                return out, w

            originals.append((m, orig))
            m.forward = wrapped
        try:
            xin = x if batch_first else x.transpose(0, 1)
            # Grad enabled with parameters that require grad keeps torch off its fused fast path
            # (which, with a key padding mask, zeros the outputs at padded positions).
            with torch.enable_grad():
                if kind == "mha":
                    y = module(xin, xin, xin, attn_mask=attn_mask,
                               key_padding_mask=key_padding_mask, need_weights=False)[0]
                elif kind == "encoder_layer":
                    y = module(xin, src_mask=attn_mask, src_key_padding_mask=key_padding_mask)
                else:
                    y = module(xin, mask=attn_mask, src_key_padding_mask=key_padding_mask)
        finally:
            for m, orig in originals:
                del m.forward
        y = y if batch_first else y.transpose(0, 1)
        return y.detach()
    # Hugging Face modules take one extended additive mask [batch, 1 or heads, seq, seq].
    dtype = x.dtype
    ext = torch.zeros((b, 1, s, s), dtype=dtype)
    if attn_mask is not None:
        am = _additive(attn_mask, dtype)
        ext = ext + (am.view(b, -1, s, s) if am.dim() == 3 else am.view(1, 1, s, s))
    if key_padding_mask is not None:
        kp = torch.as_tensor(key_padding_mask).to(torch.bool).view(b, 1, 1, s)
        ext = ext.masked_fill(kp, torch.finfo(dtype).min)
    sa = module if kind == "bert_self_attention" else (
        module.self if kind == "bert_attention" else module.attention.self)
    with torch.no_grad():
        out = sa(x, attention_mask=ext, output_attentions=True)
        capture.append(out[1].detach())
        if kind == "bert_self_attention":
            y = out[0]
        else:
            y = module(x, attention_mask=ext)[0]
    return y.detach()


def _check_inputs(module, kind, layers, x, attn_mask, key_padding_mask):
    if not isinstance(x, torch.Tensor) or x.dim() != 3:
        raise ExportError("x must be a tensor [batch, seq, d_model]")
    d_model = layers[0]["attn"]["w_q"].shape[1]
    b, s, d = x.shape
    if d != d_model:
        raise ExportError(f"x has d_model {d}, the module expects {d_model}")
    heads = layers[0]["attn"]["n_heads"]
    blocked = torch.zeros((b, heads, s, s), dtype=torch.bool)
    if attn_mask is not None:
        am = _additive(attn_mask, torch.float64)
        if am.dim() == 2:
            if tuple(am.shape) != (s, s):
                raise ExportError(f"attn_mask has shape {tuple(am.shape)}, expected ({s}, {s}) "
                                  f"or ({b * heads}, {s}, {s})")
            blocked |= torch.isneginf(am).view(1, 1, s, s)
        elif am.dim() == 3:
            if tuple(am.shape) != (b * heads, s, s):
                raise ExportError(f"attn_mask has shape {tuple(am.shape)}, expected ({s}, {s}) "
                                  f"or ({b * heads}, {s}, {s})")
            blocked |= torch.isneginf(am).view(b, heads, s, s)
        else:
            raise ExportError("attn_mask must be 2-D [seq, seq] or 3-D [batch*heads, seq, seq]")
    if key_padding_mask is not None:
        kp = torch.as_tensor(key_padding_mask)
        if kp.dtype != torch.bool:
            raise ExportError("key_padding_mask must be a bool tensor (True = padded key)")
        if tuple(kp.shape) != (b, s):
            raise ExportError(f"key_padding_mask has shape {tuple(kp.shape)}, expected ({b}, {s})")
        blocked |= kp.view(b, 1, 1, s)
    if bool(blocked.all(dim=-1).any()):
        raise ExportError("a query row has every key masked (torch would return NaN there)")


def _run_adapted(module, ad, x, attn_mask, layers, final_norm):
    """A custom module through its adapter: (float32 output, float64 output), the float64 run
    checked against the function the description states."""
    b, s, _ = x.shape
    with torch.no_grad():
        y32 = ad.forward(module, x, _additive(attn_mask, torch.float32))
        m64 = copy.deepcopy(module).double().eval()
        y64 = ad.forward(m64, x.double(), _additive(attn_mask, torch.float64))
    if not isinstance(y32, torch.Tensor) or tuple(y32.shape) != tuple(x.shape):
        raise ExportError(f"adapter: forward returned {getattr(y32, 'shape', type(y32))}, "
                          f"expected a tensor of shape {tuple(x.shape)}")
    mask = None if attn_mask is None else _additive(attn_mask, torch.float64).numpy().reshape(1, 1, s, s)
    want = _described_forward(layers, final_norm, x.double().numpy(), mask)
    got = y64.detach().numpy()
    err = float(np.abs(got - want).max() / max(np.abs(want).max(), 1e-300))
    if not err < 1e-6:
        raise ExportError(f"adapter: the module does not compute what the adapter describes "
                          f"(max relative difference {err:.3g} in float64): check its parts, "
                          f"n_heads, norm_first, activation and final_norm")
    return y32.detach(), y64.detach()


def export_attention(module, x, path, attn_mask=None, key_padding_mask=None, extra=None,
                     compact=False, store_x=True, keep_outputs=None, adapter=None):
    """Runs `module` in eval mode on x ([batch, seq, d_model], batch-first) and writes its
    weights, the inputs, the torch outputs (float32 and a float64 rerun) and the per-layer
    attention probabilities to the HDF5 file `path` (written to a temporary name, then renamed).

    attn_mask: [seq, seq] or [batch*heads, seq, seq], bool (True = blocked) or float (added to
    the scores), as torch.nn.MultiheadAttention takes it. key_padding_mask: bool [batch, seq],
    True = padded key. extra: optional callable(h5py.File, y32) that adds more groups (task
    data) from the file and the float32 output of every batch item.
    compact: write only the float32 output (gzip-compressed), without the float64 rerun and
    the attention probabilities, for shipped models with long sequences. store_x=False leaves
    /input/x out (extra then stores the input another way: tokens, patches). keep_outputs
    (compact only): store /output/y for the first N batch items only.
    adapter: an Adapter for a module of no supported class (a custom BERT-style layer stack);
    it takes a 2-D attn_mask only and no key_padding_mask, and the file has no attention
    probabilities.
    Returns the float32 torch output."""
    kind, layers, final_norm = describe(module, adapter)
    x = torch.as_tensor(x).to(torch.float32)
    _check_inputs(module, kind, layers, x, attn_mask, key_padding_mask)
    if adapter is not None and (key_padding_mask is not None or
                                (attn_mask is not None and torch.as_tensor(attn_mask).dim() != 2)):
        raise ExportError("adapter: only a 2-D attn_mask [seq, seq] (no key_padding_mask)")
    was_training = module.training
    module.eval()
    try:
        attn32 = []
        if adapter is not None:
            y32, y64 = _run_adapted(module, adapter, x, attn_mask, layers, final_norm)
            y64 = None if compact else y64
        else:
            y32, y64 = _run_standard(module, kind, x, attn_mask, key_padding_mask, compact, attn32)
    finally:
        module.train(was_training)
    if y32.shape != x.shape:
        raise ExportError(f"module output has shape {tuple(y32.shape)}, expected {tuple(x.shape)}")
    _write_file(path, module, kind, layers, final_norm, x, attn_mask, key_padding_mask, y32, y64,
                None if compact else attn32, store_x, keep_outputs, extra)
    return y32


def _run_standard(module, kind, x, attn_mask, key_padding_mask, compact, attn32):
    """A supported module: its float32 output (attention probabilities into attn32) and, unless
    compact, the float64 rerun."""
    def mask_as(dtype):
        if attn_mask is not None and torch.as_tensor(attn_mask).dtype != torch.bool:
            return _additive(attn_mask, dtype)
        return attn_mask
    y32 = _run(module, kind, x, mask_as(torch.float32), key_padding_mask, attn32)
    if compact:
        return y32, None
    m64 = copy.deepcopy(module).double().eval()
    for p in m64.parameters():
        p.requires_grad_(True)
    return y32, _run(m64, kind, x.double(), mask_as(torch.float64), key_padding_mask, [])


def _write_file(path, module, kind, layers, final_norm, x, attn_mask, key_padding_mask, y32, y64,
                attn32, store_x, keep_outputs, extra):
    path = os.fspath(path)
    tmp = f"{path}.tmp.{os.getpid()}"
    try:
        with h5py.File(tmp, "w") as f:
            _write(f, module, kind, layers, final_norm, x, attn_mask, key_padding_mask,
                   y32 if keep_outputs is None else y32[:keep_outputs], y64, attn32, store_x)
            if extra is not None:
                extra(f, y32)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def export_task_model(encoder, path, head, labels, name, pooling="last", x=None, tokens=None,
                      token_embedding=None, position_embedding=None, patches=None,
                      patch_projection=None, fp32_accuracy=None, key_padding_mask=None,
                      compact=True, calibration=None, reference_outputs=None, attn_mask=None):
    """Exports a trained classifier: an encoder (anything export_attention takes), its input
    and a linear task head on the pooled encoder output, with the held-out labels.

    The input is one of: x ([batch, seq, d_model], already embedded); tokens ([batch, seq]
    int) with token_embedding ([vocab, d_model]) and an optional position_embedding
    ([>= seq, d_model]), x = E[token] + P[t]; patches ([batch, seq, p] float) with
    patch_projection (a torch.nn.Linear p -> d_model) and an optional position_embedding,
    x = patches W^T + b + P[t]. In the last two cases /input/x is not stored: the reader
    builds it from the stored tokens or patches.

    head: torch.nn.Linear(d_model, classes); pooling: "first", "last" or "mean" (over
    unpadded tokens), or "token" for a language model: the head on every position (a tied
    head is a Linear whose weight is the token embedding), labels [batch, seq] with the next
    token at each position and -1 where there is none; its next-token accuracy and perplexity
    (exp of the mean cross-entropy over labelled positions) are stored as /task attributes
    fp32_accuracy and fp32_perplexity, and no per-token logits are stored. attn_mask: as
    export_attention takes it (a causal mask for a decoder). The logits torch computes from the float32 output (/output/logits) and
    from the float64 rerun (/output/logits_fp64, unless compact: see export_attention) are stored; the accuracy of the float32
    logits is stored as /task attribute fp32_accuracy and returned. When fp32_accuracy is
    given it must equal that (a check that the exported path is the trained model's).

    calibration: optional dict with the calibration split, drawn apart from the held-out set
    and from training, in the same form as the input ("tokens" or "patches") plus "labels";
    stored as /calibration/{tokens|patches,labels} for `cimchar attention`'s calibration pass,
    which never reads /input. reference_outputs: store torch's float32 encoder output
    /output/y for only the first N held-out sequences (the logits are stored for all), to keep
    files with large held-out sets small."""
    def pos(n, dtype):
        if position_embedding is None:
            return torch.zeros((n, d_model), dtype=dtype)
        return torch.as_tensor(position_embedding)[:n].to(dtype)

    d_model = head.in_features
    if sum(v is not None for v in (x, tokens, patches)) != 1:
        raise ExportError("give exactly one of x, tokens, patches")
    if tokens is not None:
        if token_embedding is None:
            raise ExportError("tokens need token_embedding")
        tokens = torch.as_tensor(tokens).to(torch.int64)
        emb = torch.as_tensor(token_embedding).to(torch.float32)
        x = emb[tokens] + pos(tokens.shape[1], torch.float32)
    elif patches is not None:
        if not isinstance(patch_projection, torch.nn.Linear):
            raise ExportError("patches need patch_projection, a torch.nn.Linear")
        patches = torch.as_tensor(patches).to(torch.float32)
        with torch.no_grad():
            x = patch_projection(patches) + pos(patches.shape[1], torch.float32)
    x = torch.as_tensor(x).to(torch.float32).detach()
    labels = np.asarray(labels, dtype=np.int64)
    want = tuple(x.shape[:2]) if pooling == "token" else (x.shape[0],)
    if labels.shape != want:
        raise ExportError(f"labels have shape {labels.shape}, expected {want}")
    if pooling not in ("first", "last", "mean", "token"):
        raise ExportError(f"pooling {pooling!r}: first, last, mean or token")
    result = {}

    def logits_of(y, dtype):
        y = torch.as_tensor(y).to(dtype)
        if pooling == "token":  # a language model: the head on every position
            pooled = y
        elif pooling == "first":
            pooled = y[:, 0]
        elif pooling == "last":
            pooled = y[:, -1]
        else:
            keep = (torch.ones(y.shape[:2], dtype=dtype) if key_padding_mask is None else
                    (~torch.as_tensor(key_padding_mask).to(torch.bool)).to(dtype))
            pooled = (y * keep[..., None]).sum(1) / keep.sum(1, keepdim=True).clamp(min=1)
        w = head.weight.detach().to(dtype)
        b = head.bias.detach().to(dtype) if head.bias is not None else torch.zeros(w.shape[0], dtype=dtype)
        return pooled @ w.T + b

    def extra(f, y32):
        lg32 = logits_of(y32, torch.float32)
        if pooling == "token":
            return extra_token(f, lg32)
        acc = float((lg32.argmax(1).numpy() == labels).mean())
        if fp32_accuracy is not None and abs(acc - fp32_accuracy) > 1e-12:
            raise ExportError(f"exported logits give accuracy {acc}, the caller measured "
                              f"{fp32_accuracy}")
        result["accuracy"] = acc
        f.create_dataset("output/logits", data=lg32.numpy())
        if "output/y_fp64" in f:
            lg64 = logits_of(f["output/y_fp64"][()], torch.float64)
            f.create_dataset("output/logits_fp64", data=lg64.numpy())
        write_task(f, acc)

    def extra_token(f, lg32):
        # Next-token accuracy and perplexity over the positions with a label (>= 0); the
        # per-token logits ([batch, seq, vocab]) are not stored.
        keep = torch.as_tensor(labels) >= 0
        lab = torch.as_tensor(labels)[keep]
        acc = float((lg32.argmax(-1)[keep] == lab).double().mean())
        nll = torch.nn.functional.cross_entropy(lg32[keep].double(), lab, reduction="mean")
        if fp32_accuracy is not None and abs(acc - fp32_accuracy) > 1e-12:
            raise ExportError(f"exported logits give accuracy {acc}, the caller measured {fp32_accuracy}")
        result["accuracy"] = acc
        result["perplexity"] = float(torch.exp(nll))
        write_task(f, acc)
        f["task"].attrs["fp32_perplexity"] = result["perplexity"]

    def write_task(f, acc):
        if tokens is not None or patches is not None:
            e = f.require_group("model/embedding")
            if tokens is not None:
                f.create_dataset("input/tokens", data=tokens.numpy(), compression="gzip")
                e.create_dataset("token", data=_np(torch.as_tensor(token_embedding)))
            else:
                f.create_dataset("input/patches", data=_np(patches), compression="gzip")
                w, b = _linear(patch_projection, d_model, patches.shape[2])
                e.create_dataset("patch/w", data=w)
                e.create_dataset("patch/b", data=b)
            if position_embedding is not None:
                e.create_dataset("position", data=_np(torch.as_tensor(position_embedding)))
        t = f.create_group("task")
        t.attrs["name"] = name
        t.attrs["pooling"] = pooling
        t.attrs["fp32_accuracy"] = acc
        w, b = _linear(head, head.out_features, d_model)
        t.create_dataset("head/w", data=w)
        t.create_dataset("head/b", data=b)
        t.create_dataset("labels", data=labels)
        if calibration is not None:
            _write_calibration(f, calibration, "tokens" if tokens is not None else
                               "patches" if patches is not None else "x", pooling == "token")
            if attn_mask is not None:  # the calibration run sees the held-out run's mask
                if torch.as_tensor(attn_mask).dim() != 2:
                    raise ExportError("calibration with a 3-D attn_mask: give a [seq, seq] mask")
                f["calibration"].create_dataset("attn_mask", data=_additive(attn_mask, torch.float32).numpy())

    if reference_outputs is not None and not compact:
        raise ExportError("reference_outputs needs compact=True")
    export_attention(encoder, x, path, attn_mask=attn_mask, key_padding_mask=key_padding_mask, extra=extra,
                     keep_outputs=reference_outputs,
                     compact=compact, store_x=tokens is None and patches is None)
    return result["accuracy"]


def _write_calibration(f, calibration, form, per_token=False):
    """The calibration split of export_task_model, in the held-out set's input form."""
    if set(calibration) != {form, "labels"}:
        raise ExportError(f"calibration needs exactly '{form}' and 'labels', got {sorted(calibration)}")
    data = np.asarray(calibration[form])
    held = f["input/" + form] if "input/" + form in f else None
    if held is not None and data.shape[1:] != held.shape[1:]:
        raise ExportError(f"calibration {form} have shape {data.shape}, the held-out set "
                          f"{held.shape}")
    labels = np.asarray(calibration["labels"], dtype=np.int64)
    want = tuple(data.shape[:2]) if per_token else (data.shape[0],)
    if labels.shape != want:
        raise ExportError(f"calibration labels have shape {labels.shape}, expected {want}")
    g = f.create_group("calibration")
    g.create_dataset(form, data=data.astype(np.int64 if form == "tokens" else np.float32),
                     compression="gzip")
    g.create_dataset("labels", data=labels)


def _write(f, module, kind, layers, final_norm, x, attn_mask, key_padding_mask, y32, y64, attn,
           store_x=True):
    f.attrs["format"] = FORMAT
    f.attrs["format_version"] = np.int64(FORMAT_VERSION)
    f.attrs["kind"] = kind
    f.attrs["source_class"] = f"{type(module).__module__}.{type(module).__name__}"
    f.attrs["torch_version"] = str(torch.__version__)
    f.attrs["exporter"] = "tools/export_torch.py"
    f.attrs["created"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    d_model = layers[0]["attn"]["w_q"].shape[1]
    m = f.create_group("model")
    m.attrs["d_model"] = np.int64(d_model)
    m.attrs["n_heads"] = np.int64(layers[0]["attn"]["n_heads"])
    m.attrs["n_layers"] = np.int64(len(layers))
    for i, layer in enumerate(layers):
        g = m.create_group(f"layers/{i}")
        g.attrs["residual"] = np.int64(layer["residual"])
        g.attrs["norm_first"] = np.int64(layer["norm_first"])
        a = g.create_group("attn")
        a.attrs["n_heads"] = np.int64(layer["attn"]["n_heads"])
        a.attrs["out_proj"] = np.int64("w_o" in layer["attn"])
        for k in ("w_q", "w_k", "w_v", "w_o", "b_q", "b_k", "b_v", "b_o"):
            if k in layer["attn"]:
                a.create_dataset(k, data=layer["attn"][k])
        for nk in ("norm1", "norm2"):
            if nk in layer:
                n = g.create_group(nk)
                n.create_dataset("weight", data=layer[nk]["weight"])
                n.create_dataset("bias", data=layer[nk]["bias"])
                n.attrs["eps"] = layer[nk]["eps"]
        if "ffn" in layer:
            ff = g.create_group("ffn")
            for k in ("w1", "b1", "w2", "b2"):
                ff.create_dataset(k, data=layer["ffn"][k])
            ff.attrs["activation"] = layer["ffn"]["activation"]
    if final_norm is not None:
        n = m.create_group("final_norm")
        n.create_dataset("weight", data=final_norm["weight"])
        n.create_dataset("bias", data=final_norm["bias"])
        n.attrs["eps"] = final_norm["eps"]

    inp = f.create_group("input")
    if store_x:
        inp.create_dataset("x", data=_np(x))
    if attn_mask is not None:
        am = _additive(attn_mask, torch.float32)
        b, s, _ = x.shape
        if am.dim() == 3:
            am = am.view(b, -1, s, s)
        inp.create_dataset("attn_mask", data=am.numpy())
    if key_padding_mask is not None:
        inp.create_dataset("key_padding_mask",
                           data=torch.as_tensor(key_padding_mask).numpy().astype(np.uint8))
    out = f.create_group("output")
    if y64 is None:  # compact
        out.create_dataset("y", data=_np(y32), compression="gzip", shuffle=True)
        return
    out.create_dataset("y", data=_np(y32))
    out.create_dataset("y_fp64", data=y64.detach().numpy().astype(np.float64))
    for i, w in enumerate(attn):
        out.create_dataset(f"attn/{i}", data=_np(w))


# ---------------------------------------------------------------------------------------------
# Script: random modules.


def build_module(kind, d_model, heads, layers=1, d_ff=None, activation="relu", norm_first=False,
                 final_norm=False, batch_first=True, seed=0):
    torch.manual_seed(seed)
    d_ff = d_ff or 2 * d_model
    act = {"relu": "relu", "gelu": "gelu", "gelu_tanh": torch.nn.GELU(approximate="tanh")}[activation]
    if kind == "mha":
        return torch.nn.MultiheadAttention(d_model, heads, batch_first=batch_first)

    def layer():
        return torch.nn.TransformerEncoderLayer(d_model, heads, d_ff, dropout=0.1, activation=act,
                                                batch_first=batch_first, norm_first=norm_first)
    if kind == "encoder_layer":
        mod = layer()
    elif kind == "encoder":
        mod = torch.nn.TransformerEncoder(layer(), layers,
                                          norm=torch.nn.LayerNorm(d_model) if final_norm else None,
                                          enable_nested_tensor=False)
    else:
        raise ExportError(f"unknown kind {kind!r}")
    # Non-trivial layer-norm affine parameters, so they are exercised.
    with torch.no_grad():
        for m in mod.modules():
            if isinstance(m, torch.nn.LayerNorm):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
    return mod


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("kind", choices=["mha", "encoder_layer", "encoder"])
    ap.add_argument("--d-model", type=int, default=32)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--d-ff", type=int, default=None)
    ap.add_argument("--activation", choices=["relu", "gelu", "gelu_tanh"], default="relu")
    ap.add_argument("--norm-first", action="store_true")
    ap.add_argument("--final-norm", action="store_true")
    ap.add_argument("--seq", type=int, default=16)
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--causal", action="store_true", help="causal attn_mask")
    ap.add_argument("--pad", type=int, default=0, help="pad the last N keys of batch item 0")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    mod = build_module(a.kind, a.d_model, a.heads, a.layers, a.d_ff, a.activation, a.norm_first,
                       a.final_norm, seed=a.seed)
    g = torch.Generator().manual_seed(a.seed + 1)
    x = torch.randn(a.batch, a.seq, a.d_model, generator=g)
    attn_mask = (torch.triu(torch.ones(a.seq, a.seq, dtype=torch.bool), diagonal=1)
                 if a.causal else None)
    kpm = None
    if a.pad:
        kpm = torch.zeros(a.batch, a.seq, dtype=torch.bool)
        kpm[0, a.seq - a.pad:] = True
    try:
        export_attention(mod, x, a.out, attn_mask=attn_mask, key_padding_mask=kpm)
    except ExportError as e:
        print(f"export_torch: error: {e}", file=sys.stderr)
        return 2
    print(a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
