#!/usr/bin/python3
"""Makes the test fixtures under tests/attention/data/: small randomly initialised torch
attention modules with input batches and masks, exported by tools/export_torch.py (so the C++
tests need no torch). Shapes, head counts, masks and sequence lengths vary from case to case.
Run from the repository root: /usr/bin/python3 tools/make_attention_fixtures.py"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_torch import build_module, export_attention  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "attention", "data")


def causal(s):
    return torch.triu(torch.ones(s, s, dtype=torch.bool), diagonal=1)


def padding(b, s, pads):
    m = torch.zeros(b, s, dtype=torch.bool)
    for i, p in enumerate(pads):
        if p:
            m[i, s - p:] = True
    return m


def main():
    os.makedirs(OUT, exist_ok=True)
    cases = []

    def case(name, module, batch, seq, d_model, attn_mask=None, kpm=None, seed=0):
        g = torch.Generator().manual_seed(1000 + seed)
        x = torch.randn(batch, seq, d_model, generator=g)
        path = os.path.join(OUT, name + ".h5")
        export_attention(module, x, path, attn_mask=attn_mask, key_padding_mask=kpm)
        cases.append((name, os.path.getsize(path)))

    case("mha_d16_h2_s5", build_module("mha", 16, 2, seed=1), 3, 5, 16, seed=1)
    case("mha_seq_first_d24_h3_s9_pad",
         build_module("mha", 24, 3, batch_first=False, seed=2), 2, 9, 24,
         kpm=padding(2, 9, [3, 0]), seed=2)
    # Float 3-D mask [batch*heads, seq, seq]: random additive biases with some blocked keys.
    g = torch.Generator().manual_seed(3)
    b, h, s = 2, 8, 12
    fmask = torch.randn(b * h, s, s, generator=g) * 0.5
    fmask[torch.rand(b * h, s, s, generator=g) < 0.2] = float("-inf")
    fmask[:, :, 0] = 0.0  # every row keeps key 0
    case("mha_d32_h8_s12_float3d", build_module("mha", 32, 8, seed=3), b, s, 32,
         attn_mask=fmask, seed=3)
    case("mha_d8_h1_s1", build_module("mha", 8, 1, seed=4), 2, 1, 8, seed=4)
    case("layer_relu_post_d32_h4_s16_causal", build_module("encoder_layer", 32, 4, seed=5),
         2, 16, 32, attn_mask=causal(16), seed=5)
    case("layer_gelu_pre_d20_h5_s7_pad",
         build_module("encoder_layer", 20, 5, activation="gelu", norm_first=True, d_ff=48,
                      seed=6), 2, 7, 20, kpm=padding(2, 7, [0, 2]), seed=6)
    case("encoder3_gelutanh_final_d32_h4_s33_causal_pad",
         build_module("encoder", 32, 4, layers=3, activation="gelu_tanh", final_norm=True,
                      seed=7), 2, 33, 32, attn_mask=causal(33), kpm=padding(2, 33, [5, 0]),
         seed=7)
    case("encoder2_relu_pre_d16_h2_s64", build_module("encoder", 16, 2, layers=2,
                                                      norm_first=True, seed=8), 1, 64, 16, seed=8)
    for name, size in cases:
        print(f"{name}.h5  {size} bytes")


if __name__ == "__main__":
    main()
