#!/usr/bin/python3
"""The ngspice sweeps (cell, irdrop, adc, wta) under `mpirun -n 2`: every rank runs its share of
the ngspice jobs and rank 0 writes files whose datasets equal a single-process run's, with no
rank journal left behind. Skipped (passes with a note) where mpirun is absent."""
import os, shutil, subprocess, sys, tempfile
import h5py, numpy as np
from flowcheck import check, finish

cimchar = sys.argv[1]


FLOW = """
[flow]
name = "mp"
seed = 3
[cell]
[cell.program]
bits = [1, 2]
trials = 2
max_pulses = 30
[cell.disturb]
reads = 50
[irdrop]
sizes = [16, 32]
r_wire = ["1 ohm", "2.5 ohm"]
distributions = ["uniform"]
activity = [0.5, 1.0]
trials = 1
spice_max_size = 16
[adc]
architectures = ["flash", "sar"]
bits = [4]
sigma_offset = "1 mV"
samples = 20
spice_samples = 3
spice_points_per_lsb = 4
[wta]
capacitances = ["100 fF"]
margins = [0.02, 0.1]
samples = 50
spice_samples = 4
"""

if not shutil.which("mpirun"):
    print("note: mpirun not found, MPI check skipped")
    sys.exit(0)
env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1")
with tempfile.TemporaryDirectory() as d:
    flow = os.path.join(d, "f.toml")
    open(flow, "w").write(FLOW)
    one, two = os.path.join(d, "one"), os.path.join(d, "two")
    r = subprocess.run([cimchar, "run", flow, "--out", one, "-q"], capture_output=True, text=True)
    check(r.returncode == 0, "1 process: " + r.stderr[-500:])
    r = subprocess.run(["mpirun", "-n", "2", cimchar, "run", flow, "--out", two, "-q"], capture_output=True,
                       text=True, env=env)
    check(r.returncode == 0, "mpirun -n 2: " + r.stderr[-800:])
    for stage in ("cell", "irdrop", "adc", "wta"):
        pa, pb = os.path.join(one, stage + ".h5"), os.path.join(two, stage + ".h5")
        if not (os.path.exists(pa) and os.path.exists(pb)):
            check(False, stage + ".h5 missing")
            continue
        a, b = h5py.File(pa, "r"), h5py.File(pb, "r")
        bad, n = [], [0]
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                n[0] += 1
                x, y = a[name][()], b[name][()]
                if not (np.array_equal(x, y) or (getattr(x, "dtype", None) is not None and x.dtype.kind == "f"
                                                 and np.array_equal(x, y, equal_nan=True))):
                    bad.append(name)
        a.visititems(visit)
        check(not bad and n[0] > 0, "%s: %d datasets differ between 1 and 2 ranks: %s" % (stage, len(bad), bad[:5]))
    check(sorted(os.listdir(two)) == ["adc.h5", "cell.h5", "irdrop.h5", "wta.h5"],
          "files after mpirun: %s" % sorted(os.listdir(two)))

finish()
