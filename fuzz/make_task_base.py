#!/usr/bin/env python3
"""Writes fuzz/bases/task_tiny.h5, the task-model base file of the model-file fuzz target: the
weights, embedding, final norm and task head of models/recall.h5 with only the first 2 held-out
and 2 calibration sequences, cut to 8 tokens, and no torch outputs (they belong to full
sequences). Run from the repository root: /usr/bin/python3 fuzz/make_task_base.py"""
import h5py

SRC, DST, B, S = "models/recall.h5", "fuzz/bases/task_tiny.h5", 2, 8

with h5py.File(SRC, "r") as src, h5py.File(DST, "w") as dst:
    for k, v in src.attrs.items():
        dst.attrs[k] = v
    src.copy("model", dst)
    src.copy("task/head", dst.require_group("task"))
    for k, v in src["task"].attrs.items():
        dst["task"].attrs[k] = v
    dst["task/labels"] = src["task/labels"][:B]
    dst["input/tokens"] = src["input/tokens"][:B, :S]
    dst["calibration/tokens"] = src["calibration/tokens"][:B, :S]
    dst["calibration/labels"] = src["calibration/labels"][:B]
