#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets, fuzz/corpus/<target>/seed-*, from the
repository's own files (flow files, device cards, model files) and small .npy files of every
dtype and header form the reader supports. Reproducers of fixed bugs (crash-*, leak-*, ...)
live beside the seeds and are never rewritten. Run from the repository root:
    /usr/bin/python3 fuzz/make_seeds.py"""
import glob
import io
import os
import shutil

import numpy as np

C = "fuzz/corpus"


def put(target, name, data):
    os.makedirs(f"{C}/{target}", exist_ok=True)
    with open(f"{C}/{target}/seed-{name}", "wb") as f:
        f.write(data)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def npy(a, version=None, fortran=False):
    buf = io.BytesIO()
    if fortran:
        a = np.asfortranarray(a)
    if version:
        np.lib.format.write_array(buf, a, version=version)
    else:
        np.save(buf, a)
    return buf.getvalue()


for f in sorted(glob.glob("characterization/*.toml")):
    put("flow", os.path.basename(f), read(f))
for f in sorted(glob.glob("devices/*.toml")):
    put("device_card", os.path.basename(f), read(f))
    put("netlist", os.path.basename(f), read(f) + b"\n#%%\n" + bytes(range(0, 256, 3)))

put("npy", "f8_2x3.npy", npy(np.arange(6, dtype="<f8").reshape(2, 3)))
put("npy", "f4_5.npy", npy(np.linspace(0, 1, 5).astype("<f4")))
put("npy", "i8_scalar.npy", npy(np.array(7, dtype="<i8")))
put("npy", "i4_2x2x2.npy", npy(np.arange(8, dtype="<i4").reshape(2, 2, 2)))
put("npy", "f8_v2.npy", npy(np.ones((3, 1), dtype="<f8"), version=(2, 0)))
put("npy", "f8_fortran.npy", npy(np.ones((2, 3), dtype="<f8"), fortran=True))
put("npy", "f8_empty.npy", npy(np.zeros((0, 4), dtype="<f8")))

# model_file: byte 0 picks the base file (4 bases), the rest the edits.
for base in range(4):
    put("model_file", f"base{base}", bytes([base]))
    put("model_file", f"base{base}-edits", bytes([base]) + bytes(range(7, 200, 11)))
