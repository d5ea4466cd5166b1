#!/usr/bin/python3
"""`cimchar cell` killed with SIGKILL in the middle of its sweep, then `--resume`: the resumed
run takes every job the killed run finished from <out>/cell.journal (a torn tail record is
dropped), runs only the rest, and its cell.h5 datasets equal a clean run's bit for bit. A whole
flow resumed keeps a stage whose output was written with the same flow text and seed.
The kill point is made deterministic with the test hook CIMCHAR_TEST_KILL_AFTER_JOBS (the
process SIGKILLs itself right after journaling that many jobs; only with
CIMCHAR_SPICE_TEST_HOOKS=1)."""
import os, re, signal, subprocess, sys, tempfile
import h5py, numpy as np
from flowcheck import check, finish

cimchar = sys.argv[1]


flow = """
[flow]
name = "e2e_cell_resume"
seed = 5
[cell]
device = "stanford_asu"
r_series = "5 kohm"
[cell.read_iv]
states = [0.0, 0.5, 1.0]
points = 5
[cell.program]
bits = [1, 2]
trials = 2
[cell.disturb]
reads = 20
states = [0.0, 1.0]
[cell.lut]
states = 3
points = 3
"""

def counts(stderr):
    m = re.search(r"cell: resumed, (\d+) ngspice jobs taken from .*, (\d+) run", stderr)
    return (int(m.group(1)), int(m.group(2))) if m else None

def datasets(path):
    out = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda n, o: out.__setitem__(n, o[()]) if isinstance(o, h5py.Dataset) else None)
    return out

with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "flow.toml")
    open(path, "w").write(flow)
    env = dict(os.environ, CIMCHAR_SPICE_TEST_HOOKS="1")

    # Clean run (--resume with no journal runs everything; it prints the job count).
    clean = os.path.join(d, "clean")
    r = subprocess.run([cimchar, "cell", path, "--out", clean, "-q", "--resume"],
                       capture_output=True, text=True)
    check(r.returncode == 0, "clean run: " + r.stderr[-500:])
    c = counts(r.stderr)
    check(c is not None and c[0] == 0, "clean run reports 0 reused jobs (%s)" % (c,))
    total = c[1] if c else 0
    check(total > 20, "the sweep has jobs to kill in the middle of (%d)" % total)
    check(not os.path.exists(os.path.join(clean, "cell.journal")), "journal removed after success")

    # Killed by SIGKILL after half the jobs were journaled.
    n_kill = total // 2
    out = os.path.join(d, "killed")
    r = subprocess.run([cimchar, "cell", path, "--out", out, "-q"], capture_output=True, text=True,
                       env=dict(env, CIMCHAR_TEST_KILL_AFTER_JOBS=str(n_kill)))
    check(r.returncode == -signal.SIGKILL, "killed by SIGKILL (rc %d)" % r.returncode)
    journal = os.path.join(out, "cell.journal")
    check(os.path.exists(journal) and not os.path.exists(os.path.join(out, "cell.h5")),
          "killed run left a journal and no cell.h5")
    # A torn record at the tail, as if the kill had come in the middle of a write.
    with open(journal, "ab") as f:
        f.write((1000).to_bytes(8, "little") + b"\x01" * 40)

    # Resumed: the killed run's jobs are taken from the journal, only the rest run.
    r = subprocess.run([cimchar, "cell", path, "--out", out, "-q", "--resume"],
                       capture_output=True, text=True, env=env)
    check(r.returncode == 0, "resume: " + r.stderr[-500:])
    c = counts(r.stderr)
    check(c is not None, "resume reports its counts: " + r.stderr[-300:])
    if c:
        reused, ran = c
        print("clean run: %d jobs; killed after %d; resumed: %d from the journal, %d run"
              % (total, n_kill, reused, ran))
        check(reused >= n_kill, "every journaled job reused (%d >= %d)" % (reused, n_kill))
        check(reused + ran == total, "reused + run = clean total (%d + %d = %d)" % (reused, ran, total))
        check(ran <= total - n_kill, "finished jobs not recomputed (%d <= %d)" % (ran, total - n_kill))
    check(not os.path.exists(journal), "journal removed after the resumed run")

    a, b = datasets(os.path.join(clean, "cell.h5")), datasets(os.path.join(out, "cell.h5"))
    check(sorted(a) == sorted(b), "same datasets")
    check(len(a) > 20, "datasets compared (%d)" % len(a))
    for name in a:
        if name in b:
            x, y = np.asarray(a[name]), np.asarray(b[name])
            same = x.shape == y.shape and (np.array_equal(x, y, equal_nan=True) if x.dtype.kind == "f"
                                           else np.array_equal(x, y))
            check(same, "resumed %s equals the clean run's" % name)

    # A whole flow resumed: a stage whose .h5 was written (same flow text and seed) is kept,
    # not recomputed; the stage that had not finished runs; another seed reruns everything.
    flow2 = flow + """
[irdrop]
sizes = [8, 16]
r_wire = ["1 ohm", "5 ohm"]
distributions = ["uniform"]
activity = [0.5, 1.0]
trials = 1
spice_max_size = 8
"""
    path2 = os.path.join(d, "flow2.toml")
    open(path2, "w").write(flow2)
    out = os.path.join(d, "flow")
    r = subprocess.run([cimchar, "run", path2, "--out", out, "-q"], capture_output=True, text=True)
    check(r.returncode == 0, "flow run: " + r.stderr[-500:])
    cell_h5, irdrop_h5 = os.path.join(out, "cell.h5"), os.path.join(out, "irdrop.h5")
    before = os.stat(cell_h5)
    os.remove(irdrop_h5)  # as if killed during the irdrop stage
    r = subprocess.run([cimchar, "run", path2, "--out", out, "-q", "--resume"], capture_output=True,
                       text=True)
    check(r.returncode == 0, "flow resume: " + r.stderr[-500:])
    check("stage cell already finished" in r.stderr, "cell stage kept: " + r.stderr[-300:])
    check("cell: resumed" not in r.stderr, "cell stage not run again")
    after = os.stat(cell_h5)
    check((after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns), "cell.h5 untouched")
    check(os.path.exists(irdrop_h5), "irdrop stage ran")
    r = subprocess.run([cimchar, "run", path2, "--out", out, "-q", "--resume", "--seed", "9"],
                       capture_output=True, text=True)
    check(r.returncode == 0 and "already finished" not in r.stderr, "another seed: stages rerun")
    check(os.stat(cell_h5).st_ino != before.st_ino, "cell.h5 rewritten for the new seed")

finish()
