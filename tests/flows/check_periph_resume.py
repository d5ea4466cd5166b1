#!/usr/bin/python3
"""kill -9 and --resume for the adc and wta stages: each is killed (SIGKILL, by the test hook)
after a few journaled ngspice jobs, resumed, and must end with every dataset equal to a clean
run's, reusing the journaled jobs and leaving no journal behind."""
import os, subprocess, sys, tempfile
import h5py, numpy as np
from flowcheck import check, finish

cimchar = sys.argv[1]


FLOWS = {
    "adc": '[flow]\nname = "a"\n[adc]\narchitectures = ["flash", "sar"]\nbits = [4]\nsigma_offset = "1 mV"\n'
           'samples = 20\nspice_samples = 4\nspice_points_per_lsb = 4\n',
    "wta": '[flow]\nname = "w"\n[wta]\ncapacitances = ["100 fF", "200 fF"]\nmargins = [0.02, 0.1]\n'
           'samples = 50\nspice_samples = 3\n',
}

def equal(a, b):
    bad = []
    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            x, y = a[name][()], b[name][()]
            same = np.array_equal(x, y) or (getattr(x, "dtype", None) is not None and x.dtype.kind == "f"
                                            and np.array_equal(x, y, equal_nan=True))
            if not same:
                bad.append(name)
    a.visititems(visit)
    return bad

with tempfile.TemporaryDirectory() as d:
    for stage, text in FLOWS.items():
        flow = os.path.join(d, stage + ".toml")
        open(flow, "w").write(text)
        clean, killed = os.path.join(d, stage + "_clean"), os.path.join(d, stage + "_killed")
        r = subprocess.run([cimchar, stage, flow, "--out", clean, "-q"], capture_output=True, text=True)
        check(r.returncode == 0, stage + " clean: " + r.stderr[-400:])
        env = dict(os.environ, CIMCHAR_SPICE_TEST_HOOKS="1", CIMCHAR_TEST_KILL_AFTER_JOBS="1")
        r = subprocess.run([cimchar, stage, flow, "--out", killed, "-q"], capture_output=True, text=True, env=env)
        check(r.returncode != 0 and os.path.exists(os.path.join(killed, stage + ".journal"))
              and not os.path.exists(os.path.join(killed, stage + ".h5")), stage + ": not killed mid-run")
        r = subprocess.run([cimchar, stage, flow, "--out", killed, "-q", "--resume"], capture_output=True, text=True)
        check(r.returncode == 0, stage + " resume: " + r.stderr[-400:])
        if stage == "adc":
            check("resumed, 1 ngspice jobs taken" in r.stderr, "adc did not reuse the journal: " + r.stderr[-300:])
        bad = equal(h5py.File(os.path.join(clean, stage + ".h5"), "r"), h5py.File(os.path.join(killed, stage + ".h5"), "r"))
        check(not bad, stage + ": datasets differ after resume: %s" % bad[:5])
        check(not [f for f in os.listdir(killed) if "journal" in f], stage + ": journal left behind")

finish()
