#!/usr/bin/python3
"""Trains the shipped causal language model (models/lm.h5) and exports it with its held-out set
(docs/model-format.md, models/README.md).

Corpus: the licence texts Debian ships in every installation (/usr/share/common-licenses, package
base-files), read byte by byte as characters. Split by document, so no held-out text is trained
or calibrated on: the GNU licences (GPL, LGPL, GFDL: the training text), the Mozilla and Apache
licences (the held-out text) and the Artistic, BSD and CC0 texts (the calibration split). The
GNU licences share much of their wording with each other, not with the held-out licences.

Model, GPT-2-style (Radford et al. 2019): token embeddings and learned position embeddings, a
pre-norm decoder stack with a causal mask (torch.nn.TransformerEncoder, GELU in its tanh
approximation as GPT-2's), a final LayerNorm, the output head tied to the token embedding.
Metrics: next-token accuracy and perplexity (exp of the mean cross-entropy) over every
position of the held-out windows but the last.

    /usr/bin/python3 tools/train_lm.py --out models/lm.h5

Deterministic on one machine: fixed seeds, fixed thread count, a fixed number of steps.
"""
import argparse
import math
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_torch import export_task_model  # noqa: E402
from training import add_run_args, optimizer_step, restore, start  # noqa: E402

CORPUS = "/usr/share/common-licenses"
TRAIN = ["GPL-1", "GPL-2", "GPL-3", "LGPL-2", "LGPL-2.1", "LGPL-3", "GFDL-1.2", "GFDL-1.3"]
HELD_OUT = ["Apache-2.0", "MPL-1.1", "MPL-2.0"]
CALIBRATION = ["Artistic", "BSD", "CC0-1.0"]


def read_corpus(names):
    """The documents' bytes, each ending in a blank line, as one byte string."""
    out = b""
    for n in names:
        with open(os.path.join(CORPUS, n), "rb") as f:
            out += f.read().rstrip() + b"\n\n"
    return out


def windows(ids, seq):
    """Non-overlapping windows of seq + 1 ids: tokens [n, seq] and next-token labels [n, seq]."""
    n = (len(ids) - 1) // seq
    t = torch.as_tensor(ids[: n * seq + 1])
    tokens = torch.stack([t[i * seq: (i + 1) * seq] for i in range(n)])
    labels = torch.stack([t[i * seq + 1: (i + 1) * seq + 1] for i in range(n)])
    return tokens, labels


class CausalLM(torch.nn.Module):
    def __init__(self, vocab, seq, d_model, heads, layers, dropout):
        super().__init__()
        self.tok = torch.nn.Embedding(vocab, d_model)
        torch.nn.init.normal_(self.tok.weight, std=0.02)  # GPT-2's initialisation
        self.pos = torch.nn.Parameter(0.02 * torch.randn(seq, d_model))
        layer = torch.nn.TransformerEncoderLayer(d_model, heads, 4 * d_model, dropout=dropout,
                                                 activation=torch.nn.GELU(approximate="tanh"),
                                                 batch_first=True, norm_first=True)
        self.decoder = torch.nn.TransformerEncoder(layer, layers, norm=torch.nn.LayerNorm(d_model),
                                                   enable_nested_tensor=False)
        self.head = torch.nn.Linear(d_model, vocab, bias=False)
        self.head.weight = self.tok.weight  # tied
        self.register_buffer("mask", torch.nn.Transformer.generate_square_subsequent_mask(seq))

    def forward(self, tokens):
        s = tokens.shape[1]
        x = self.tok(tokens) + self.pos[:s]
        return self.head(self.decoder(x, mask=self.mask[:s, :s]))


def evaluate(model, tokens, labels):
    """Next-token accuracy and perplexity of the float32 model."""
    model.eval()
    with torch.no_grad():
        lg = model(tokens)
        acc = (lg.argmax(-1) == labels).double().mean().item()
        ppl = math.exp(torch.nn.functional.cross_entropy(lg.reshape(-1, lg.shape[-1]).double(),
                                                         labels.reshape(-1)).item())
    model.train()
    return acc, ppl


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="models/lm.h5")
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--d-model", type=int, default=64)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--dropout", type=float, default=0.1, help="in training (the small corpus is learnt by heart without it)")
    ap.add_argument("--held-out", type=int, default=256, help="held-out windows (at most)")
    ap.add_argument("--calibration", type=int, default=64, help="calibration windows (at most)")
    ap.add_argument("--reference-outputs", type=int, default=16,
                    help="held-out windows whose torch decoder output is stored")
    add_run_args(ap, threads=1)
    a = ap.parse_args(argv)
    start(a)
    train, held, cal = read_corpus(TRAIN), read_corpus(HELD_OUT), read_corpus(CALIBRATION)
    vocab = sorted(set(train) | set(held) | set(cal))
    index = {c: i for i, c in enumerate(vocab)}
    ids = {k: [index[c] for c in v] for k, v in (("train", train), ("held", held), ("cal", cal))}
    test_tokens, test_labels = windows(ids["held"], a.seq)
    test_tokens, test_labels = test_tokens[: a.held_out], test_labels[: a.held_out]
    cal_tokens, cal_labels = windows(ids["cal"], a.seq)
    cal_tokens, cal_labels = cal_tokens[: a.calibration], cal_labels[: a.calibration]
    train_ids = torch.as_tensor(ids["train"])
    model = CausalLM(len(vocab), a.seq, a.d_model, a.heads, a.layers, a.dropout)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=0.01)
    warmup = 200
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warmup) * max(0.05, 0.5 * (1 + math.cos(math.pi * s / a.steps))))
    gen = torch.Generator().manual_seed(a.seed + 1)
    t0 = time.time()
    if not restore(model, a):
        for step in range(a.steps):
            first = torch.randint(0, len(train_ids) - a.seq - 1, (a.batch,), generator=gen)
            rows = first[:, None] + torch.arange(a.seq + 1)[None, :]
            chunk = train_ids[rows]
            lg = model(chunk[:, :-1])
            loss = torch.nn.functional.cross_entropy(lg.reshape(-1, lg.shape[-1]), chunk[:, 1:].reshape(-1))
            optimizer_step(model, opt, sched, loss)
            if step % 250 == 0 or step == a.steps - 1:
                acc, ppl = evaluate(model, cal_tokens, cal_labels)
                print(f"step {step:5d}  loss {loss.item():.4f}  calibration acc {acc:.4f} ppl {ppl:.3f}"
                      f"  {time.time() - t0:6.1f} s", flush=True)
        if a.checkpoint:
            torch.save(model.state_dict(), a.checkpoint)
    minutes = (time.time() - t0) / 60
    acc, ppl = evaluate(model, test_tokens, test_labels)
    model.eval()
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    exported = export_task_model(model.decoder, a.out, model.head, test_labels, "next-token",
                                 pooling="token", tokens=test_tokens,
                                 token_embedding=model.tok.weight.detach(),
                                 position_embedding=model.pos.detach(), fp32_accuracy=acc,
                                 attn_mask=model.mask,
                                 calibration={"tokens": cal_tokens, "labels": cal_labels},
                                 reference_outputs=a.reference_outputs)
    print(f"trained {a.steps} steps in {minutes:.1f} min; vocabulary {len(vocab)}; held-out fp32 "
          f"next-token accuracy {exported:.4f}, perplexity {ppl:.4f} ({len(test_tokens)} windows "
          f"of {a.seq} characters) -> {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
