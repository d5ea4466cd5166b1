#!/usr/bin/python3
"""Trains the shipped associative-recall model (models/recall.h5) and exports it with its
held-out set (docs/model-format.md, models/README.md).

Task: a sequence of SEQ tokens, mostly distractor tokens, holds PAIRS key-value pair tokens
(distinct keys, one token per pair: id = key * VALUES + value) at random positions; the last
token is a query token naming one of those keys. The answer is the paired value (VALUES
classes). The query has to find one token among SEQ - 1 by content, so the model's attention
is sharply peaked and pruning schemes are meaningful.

Model: token embeddings (no position embedding: the task is content addressed), a 1-layer
pre-norm torch.nn.TransformerEncoder (d_model 32, 2 heads, FFN 64, ReLU, final LayerNorm),
a linear head on the last token. Trained on short sequences first (cheap on a CPU, and the signal is strong),
the last steps at the full SEQ (--schedule).

    /usr/bin/python3 tools/train_recall.py --out models/recall.h5

Deterministic on one machine: fixed seeds, fixed thread count, a fixed number of steps.
"""
import argparse
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_torch import export_task_model  # noqa: E402
from training import add_run_args, optimizer_step, restore, start  # noqa: E402

SEQ = 256
KEYS = 8
VALUES = 16
PAIRS = 4
DISTRACTORS = 32
PAIR0, QUERY0, DIST0 = 0, KEYS * VALUES, KEYS * VALUES + KEYS
VOCAB = DIST0 + DISTRACTORS


def make_batch(n, gen, seq=SEQ):
    """n sequences: tokens [n, seq] and labels [n]."""
    tokens = DIST0 + torch.randint(0, DISTRACTORS, (n, seq), generator=gen)
    keys = torch.argsort(torch.rand(n, KEYS, generator=gen), dim=1)[:, :PAIRS]
    values = torch.randint(0, VALUES, (n, PAIRS), generator=gen)
    where = torch.argsort(torch.rand(n, seq - 1, generator=gen), dim=1)[:, :PAIRS]
    tokens.scatter_(1, where, PAIR0 + keys * VALUES + values)
    pick = torch.randint(0, PAIRS, (n,), generator=gen)
    rows = torch.arange(n)
    tokens[:, seq - 1] = QUERY0 + keys[rows, pick]
    return tokens, values[rows, pick]


class Recall(torch.nn.Module):
    def __init__(self, d_model=32, heads=2, layers=1, d_ff=64):
        super().__init__()
        self.tok = torch.nn.Embedding(VOCAB, d_model)
        layer = torch.nn.TransformerEncoderLayer(d_model, heads, d_ff, dropout=0.0,
                                                 activation="relu", batch_first=True,
                                                 norm_first=True)
        self.encoder = torch.nn.TransformerEncoder(layer, layers, norm=torch.nn.LayerNorm(d_model),
                                                   enable_nested_tensor=False)
        self.head = torch.nn.Linear(d_model, VALUES)

    def forward(self, tokens):
        x = self.tok(tokens)
        return self.head(self.encoder(x)[:, -1])


def accuracy(model, tokens, labels):
    model.eval()
    with torch.no_grad():
        acc = (model(tokens).argmax(1) == labels).double().mean().item()
    model.train()
    return acc


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="models/recall.h5")
    ap.add_argument("--schedule", default="16:1000,64:800,256:100",
                    help="curriculum: sequence length:steps, ...")
    ap.add_argument("--layers", type=int, default=1)
    ap.add_argument("--d-model", type=int, default=32)
    ap.add_argument("--heads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--held-out", type=int, default=1024)
    ap.add_argument("--calibration", type=int, default=256,
                    help="calibration split (drawn from its own seed: never the held-out set)")
    ap.add_argument("--reference-outputs", type=int, default=64,
                    help="held-out sequences whose torch encoder output is stored")
    add_run_args(ap)
    a = ap.parse_args(argv)
    start(a)
    model = Recall(a.d_model, a.heads, a.layers, 2 * a.d_model)
    train_gen = torch.Generator().manual_seed(a.seed + 1)
    test_tokens, test_labels = make_batch(a.held_out, torch.Generator().manual_seed(a.seed + 2))
    val_tokens, val_labels = make_batch(128, torch.Generator().manual_seed(a.seed + 3))
    cal_tokens, cal_labels = make_batch(a.calibration, torch.Generator().manual_seed(a.seed + 4))
    lengths = [int(n) for part in a.schedule.split(",")
               for n in [part.split(":")[0]] * int(part.split(":")[1])]
    a.steps = len(lengths)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=0.01)
    warmup = 200
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warmup) * max(0.05, 1 - s / a.steps))
    t0 = time.time()
    if not restore(model, a):
        for step, seq in enumerate(lengths):
            tokens, labels = make_batch(a.batch, train_gen, seq)
            loss = torch.nn.functional.cross_entropy(model(tokens), labels)
            optimizer_step(model, opt, sched, loss)
            if step % 100 == 0 or step == a.steps - 1:
                print(f"step {step:5d}  seq {seq:3d}  loss {loss.item():.4f}  val acc "
                      f"{accuracy(model, val_tokens, val_labels):.4f}  {time.time() - t0:6.1f} s",
                      flush=True)
        if a.checkpoint:
            torch.save(model.state_dict(), a.checkpoint)
    minutes = (time.time() - t0) / 60
    acc = accuracy(model, test_tokens, test_labels)
    model.eval()
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    exported = export_task_model(model.encoder, a.out, model.head, test_labels, "recall",
                                 pooling="last", tokens=test_tokens,
                                 token_embedding=model.tok.weight.detach(), fp32_accuracy=acc,
                                 calibration={"tokens": cal_tokens, "labels": cal_labels},
                                 reference_outputs=a.reference_outputs)
    print(f"trained {a.steps} steps in {minutes:.1f} min; held-out fp32 accuracy {exported:.4f} "
          f"({a.held_out} sequences of {SEQ} tokens) -> {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
