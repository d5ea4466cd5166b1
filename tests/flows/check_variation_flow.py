#!/usr/bin/python3
"""`cimchar variation` end to end: statistics against the variation model's analytic sigma,
ngspice reads against the Stanford/ASU conduction law, kill -9 then --resume giving the same
result as a clean run, and bad input rejected."""
import math, os, signal, subprocess, sys, tempfile, time
import h5py, numpy as np
from flowcheck import check, finish

cimchar = sys.argv[1]


def flow(samples, extra, v_read="0.1 V", t_read="0 s"):
    return """
[flow]
name = "e2e_variation"
seed = 3
[variation]
device = "stanford_asu"
bits = 2
g_min = "10 uS"
g_max = "100 uS"
v_verify = "0.1 V"
v_read = "%s"
t_read = "%s"
samples = %d
%s
""" % (v_read, t_read, samples, extra)

def run(d, text, out, *args):
    p = os.path.join(d, "f.toml")
    open(p, "w").write(text)
    return subprocess.run([cimchar, "variation", p, "--out", out, "-q"] + list(args),
                          capture_output=True, text=True)

with tempfile.TemporaryDirectory() as d:
    # 1. Device-to-device only, read where verified, no drift: sigma_rel = (c0 + c1 G)/G.
    d2d = "[variation.model.d2d]\nenabled = true\nc0 = \"1 uS\"\nc1 = 0.05\n"
    out = os.path.join(d, "a")
    r = run(d, flow(2000, d2d), out)
    check(r.returncode == 0, "d2d run: " + r.stderr[-500:])
    f = h5py.File(os.path.join(out, "variation.h5"), "r")
    tg = f["/lut/cell_error/target_g"][:]
    sig = f["/lut/cell_error/sigma_rel"][:]
    mean = f["/lut/cell_error/mean_rel"][:]
    expect = (1e-6 + 0.05 * tg) / tg
    for k in range(len(tg)):
        check(abs(sig[k] / expect[k] - 1) < 4 / math.sqrt(2 * 2000) + 0.01,
              "sigma at %.0f uS: %.4f vs %.4f" % (tg[k] * 1e6, sig[k], expect[k]))
        check(abs(mean[k]) < 4 * expect[k] / math.sqrt(2000) + 1e-4, "mean %.2g" % mean[k])
    # ngspice read of each sampled state reproduces the sampled conductance.
    gp = f["/mc/g_programmed"][:]
    gr = f["/mc/g_read"][:]
    ok = gp > 5e-6  # below ~4.6 uS the cell cannot go (gap_max): realized at its end
    check(np.max(np.abs(gr[ok] - gp[ok]) / gp[ok]) < 1e-6, "ngspice reads the sampled conductance")
    # The model used: the flow's c0, c1 over the card's [variation] values (read here from the
    # card itself), the card's sources recorded.
    import tomllib
    card = tomllib.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                          "devices", "stanford_asu.toml"), "rb"))["variation"]
    a = f["/mc"].attrs
    check(a["model_d2d_enabled"] == 1 and a["model_c2c_enabled"] == 0, "enabled flags from the flow")
    check(a["model_d2d_c0_S"] == 1e-6 and a["model_d2d_c1"] == 0.05, "flow overrides c0, c1")
    check(a["model_d2d_c2_per_S"] == card["d2d"]["c2"], "c2 from the card")
    check(a["model_c2c_sigma_rel"] == card["c2c"]["sigma_rel"], "c2c sigma from the card")
    check(a["model_drift_nu_mean"] == card["drift"]["nu_mean"], "drift nu from the card")
    check(a["model_stuck_p_on"] == card["stuck"]["p_on"], "stuck rate from the card")
    src = a["model_d2d_card_source"]
    src = src.decode() if isinstance(src, bytes) else str(src)
    check(src == card["d2d"]["source"], "card source recorded")
    f.close()

    # 2. No variation, read at 0.2 V: the ratio is the sinh nonlinearity of the conduction law.
    out = os.path.join(d, "b")
    r = run(d, flow(10, ""), out) if False else run(d, flow(10, "", v_read="0.2 V"), out)
    check(r.returncode == 0, "nonlinearity run")
    f = h5py.File(os.path.join(out, "variation.h5"), "r")
    V0 = 0.25
    ratio = (math.sinh(0.2 / V0) / 0.2) / (math.sinh(0.1 / V0) / 0.1)
    m = f["/lut/cell_error/mean_rel"][:]
    check(np.all(np.abs(m - (ratio - 1)) < 1e-6), "mean_rel %s vs %.6f" % (m, ratio - 1))
    f.close()

    # 2b. Crossbar part: with no variation and no IR drop the column currents are the ideal
    #     sums exactly; with wire resistance they can only drop.
    xb = "[variation.crossbar]\nsizes = [8, 32]\narrays = 4\nr_wire = \"2 ohm\"\n"
    out = os.path.join(d, "xb")
    r = run(d, flow(10, xb), out)
    check(r.returncode == 0, "crossbar run: " + r.stderr[-500:])
    f = h5py.File(os.path.join(out, "variation.h5"), "r")
    mean = f["/lut/column_error/mean"][:]
    q05 = f["/lut/column_error/q05"][:]
    q95 = f["/lut/column_error/q95"][:]
    check(mean.shape == (2, 2), "column_error shape [size, ir_drop]")
    check(np.all(np.abs(q05[:, 0]) < 1e-9) and np.all(np.abs(q95[:, 0]) < 1e-9),
          "no variation, no IR drop: exact (%s, %s)" % (q05[:, 0], q95[:, 0]))
    check(np.all(q95[:, 1] <= 1e-12) and mean[1, 1] < mean[0, 1] < 0,
          "IR drop lowers currents, more in the larger array (%s)" % mean[:, 1])
    f.close()

    # 3. kill -9 in the middle, --resume, same numbers as a clean run.
    big = flow(6000, d2d)
    clean = os.path.join(d, "clean")
    t0 = time.time()
    r = run(d, big, clean)
    t_clean = time.time() - t0
    check(r.returncode == 0, "clean big run")
    out = os.path.join(d, "killed")
    p = os.path.join(d, "f.toml")
    open(p, "w").write(big)
    proc = subprocess.Popen([cimchar, "variation", p, "--out", out, "-q"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    time.sleep(max(0.3, t_clean * 0.4))
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    journal = os.path.join(out, "variation.journal")
    check(os.path.exists(journal) and not os.path.exists(os.path.join(out, "variation.h5")),
          "killed run left a journal and no output file")
    r = run(d, big, out, "--resume")
    check(r.returncode == 0, "resume: " + r.stderr[-500:])
    check("taken from" in r.stderr, "resume reused finished samples")
    a = h5py.File(os.path.join(clean, "variation.h5"), "r")
    b = h5py.File(os.path.join(out, "variation.h5"), "r")
    for ds in ["/mc/g_programmed", "/mc/g_read", "/mc/state", "/lut/cell_error/sigma_rel"]:
        check(np.array_equal(a[ds][:], b[ds][:], equal_nan=True), "resumed %s equals clean" % ds)
    check(not os.path.exists(journal), "journal removed after success")

    # 3b. The same run sharded over 2 MPI ranks gives the same file (datasets).
    import shutil
    if shutil.which("mpirun"):
        env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
                   OMPI_MCA_rmaps_base_oversubscribe="1")
        out = os.path.join(d, "mpi")
        r = subprocess.run(["mpirun", "-n", "2", cimchar, "variation", p, "--out", out, "-q"],
                           capture_output=True, text=True, env=env)
        check(r.returncode == 0, "mpirun -n 2: " + r.stderr[-800:])
        if r.returncode == 0:
            m = h5py.File(os.path.join(out, "variation.h5"), "r")
            for ds in ["/mc/g_programmed", "/mc/g_read", "/mc/state", "/mc/failed",
                       "/lut/cell_error/sigma_rel"]:
                check(np.array_equal(a[ds][:], m[ds][:], equal_nan=True), "2 ranks: %s equals 1 rank" % ds)
            check(not any(n.startswith("variation.journal") for n in os.listdir(out)),
                  "rank journals removed")
    else:
        print("note: mpirun not found, MPI check skipped")

    # 4. Bad input: nothing written, exit 2.
    for bad, key in [(flow(0, ""), "variation.samples"),
                     (flow(10, "[variation.model.c2c]\nsigma_rel = -0.1\n"), "sigma_rel")]:
        out = os.path.join(d, "bad")
        r = run(d, bad, out)
        check(r.returncode == 2 and key in r.stderr and not os.path.exists(out),
              "bad input %s: %d %s" % (key, r.returncode, r.stderr))

finish()
