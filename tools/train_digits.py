#!/usr/bin/python3
"""Trains the shipped vision transformer on handwritten digits (models/digits.h5) and exports
it with its held-out set (docs/model-format.md, models/README.md).

Data: the 1797 8x8 digit images bundled with Debian's python3-sklearn
(sklearn.datasets.load_digits, pixel values 0..16, scaled to 0..1). A fixed, seeded split
keeps --held-out images for the exported held-out set and trains on the rest.

Tokens: every image is zero-padded to 9x9 and cut into the 64 overlapping 2x2 patches at
stride 1 (one per pixel, the pixel and its right, lower and lower-right neighbours), so a
sequence has 64 tokens of 4 values. Model: a linear patch embedding (4 -> d_model) plus learned
position embeddings, a 2-layer pre-norm torch.nn.TransformerEncoder (d_model 32, 4 heads, FFN
64, ReLU, final LayerNorm), mean pooling over the tokens and a linear head (10 classes).

    /usr/bin/python3 tools/train_digits.py --out models/digits.h5

Deterministic on one machine: fixed seeds, fixed thread count, a fixed number of epochs.
"""
import argparse
import os
import sys
import time

import numpy as np
import torch
from sklearn.datasets import load_digits

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_torch import export_task_model  # noqa: E402
from training import add_run_args, optimizer_step, restore, start  # noqa: E402

SIDE = 8
SEQ = SIDE * SIDE
PATCH = 4


def patches_of(images):
    """[n, 8, 8] in 0..1 -> [n, 64, 4]: 2x2 patches at stride 1 of the image padded to 9x9."""
    p = np.pad(images, ((0, 0), (0, 1), (0, 1)))
    out = np.stack([p[:, :SIDE, :SIDE], p[:, :SIDE, 1:], p[:, 1:, :SIDE], p[:, 1:, 1:]], axis=-1)
    return torch.tensor(out.reshape(len(images), SEQ, PATCH), dtype=torch.float32)


class DigitsViT(torch.nn.Module):
    def __init__(self, d_model=32, heads=4, layers=2, d_ff=64):
        super().__init__()
        self.patch = torch.nn.Linear(PATCH, d_model)
        self.pos = torch.nn.Parameter(0.1 * torch.randn(SEQ, d_model))
        layer = torch.nn.TransformerEncoderLayer(d_model, heads, d_ff, dropout=0.0,
                                                 activation="relu", batch_first=True,
                                                 norm_first=True)
        self.encoder = torch.nn.TransformerEncoder(layer, layers, norm=torch.nn.LayerNorm(d_model),
                                                   enable_nested_tensor=False)
        self.head = torch.nn.Linear(d_model, 10)

    def forward(self, patches):
        return self.head(self.encoder(self.patch(patches) + self.pos).mean(1))


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        acc = (model(x).argmax(1) == y).double().mean().item()
    model.train()
    return acc


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="models/digits.h5")
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--held-out", type=int, default=256)
    ap.add_argument("--calibration", type=int, default=256,
                    help="training images also stored as the calibration split (the data set "
                         "is too small for a third split; never the held-out images)")
    add_run_args(ap)
    a = ap.parse_args(argv)
    start(a)
    digits = load_digits()
    images = digits.images.astype(np.float32) / 16.0
    labels = torch.tensor(digits.target, dtype=torch.int64)
    order = np.random.default_rng(a.seed).permutation(len(images))
    test_idx, train_idx = order[:a.held_out], order[a.held_out:]
    x_all = patches_of(images)
    x_train, y_train = x_all[train_idx], labels[train_idx]
    x_test, y_test = x_all[test_idx], labels[test_idx]
    model = DigitsViT()
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=0.05)
    steps_per_epoch = (len(train_idx) + a.batch - 1) // a.batch
    total = a.epochs * steps_per_epoch
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / 100) * max(0.02, 1 - s / total))
    gen = torch.Generator().manual_seed(a.seed + 1)
    t0 = time.time()
    if not restore(model, a):
        for epoch in range(a.epochs):
            perm = torch.randperm(len(train_idx), generator=gen)
            for i in range(steps_per_epoch):
                idx = perm[i * a.batch:(i + 1) * a.batch]
                loss = torch.nn.functional.cross_entropy(model(x_train[idx]), y_train[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
            if epoch % 5 == 0 or epoch == a.epochs - 1:
                print(f"epoch {epoch:3d}  loss {loss.item():.4f}  train acc "
                      f"{accuracy(model, x_train, y_train):.4f}  {time.time() - t0:6.1f} s", flush=True)
        if a.checkpoint:
            torch.save(model.state_dict(), a.checkpoint)
    minutes = (time.time() - t0) / 60
    acc = accuracy(model, x_test, y_test)
    model.eval()
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    exported = export_task_model(model.encoder, a.out, model.head, y_test, "digits",
                                 pooling="mean", patches=x_test, patch_projection=model.patch,
                                 position_embedding=model.pos.detach(), fp32_accuracy=acc,
                                 calibration={"patches": x_train[:a.calibration],
                                              "labels": y_train[:a.calibration]})
    print(f"trained {a.epochs} epochs in {minutes:.1f} min; held-out fp32 accuracy "
          f"{exported:.4f} ({a.held_out} images) -> {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
