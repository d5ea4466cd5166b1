#!/usr/bin/python3
"""`cimchar report` end to end: a small run folder (irdrop, variation and threshold stages, two
attention schemes on a fixture model), the report written from it, then opened in headless
Chromium: the DOM Chromium builds must hold every section, with figures where the stage ran and
"not run" where it did not, and the screenshot must not be blank. A missing run folder is exit 2."""
import os, re, subprocess, sys, tempfile

cimchar, src, chromium = sys.argv[1], sys.argv[2], sys.argv[3]
failures = []

def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)

FLOW = """
[flow]
name = "rep"
seed = 1
[irdrop]
sizes = [16, 32]
r_wire = ["1 ohm", "2.5 ohm"]
distributions = ["uniform"]
activity = [1.0]
trials = 1
maps_max_size = 32
spice_max_size = 16
[variation]
bits = 2
samples = 60
[threshold]
points = 7
samples = 10
twin_samples = 2000
"""
SWEEP = """
[sweep]
models = ["%s"]
schemes = ["attar"]
max_sequences = 8
claim = "a test claim"
operating_point = 16
[sweep.x]
key = "top_k"
values = [4, 16, 32]
"""
# section id -> minimum number of figures when its stage ran (sweep: accuracy and rel. L2
# against top_k, the Pareto fronts against sparsity and core energy)
RAN = {"irdrop": 2, "variation": 1, "threshold": 1, "attention": 1, "sweep": 4}
NOT_RUN = ["cell", "fit", "adc", "wta", "ppa"]

with tempfile.TemporaryDirectory() as d:
    run = os.path.join(d, "run")
    open(os.path.join(d, "flow.toml"), "w").write(FLOW)
    r = subprocess.run([cimchar, "run", os.path.join(d, "flow.toml"), "--out", run, "-q"], capture_output=True, text=True)
    check(r.returncode == 0, "flow: " + r.stderr[-500:])
    model = os.path.join(src, "tests/attention/data/layer_relu_post_d32_h4_s16_causal.h5")
    for s in ("rram-baseline", "sprint"):
        r = subprocess.run([cimchar, "attention", "--model", model, "--scheme", s, "--out",
                            os.path.join(run, "attention_%s.h5" % s), "-q"], capture_output=True, text=True)
        check(r.returncode == 0, s + ": " + r.stderr[-500:])
    fixture = os.path.join(src, "models/digits.h5")  # a task head: accuracy curves and fronts
    open(os.path.join(d, "sweep.toml"), "w").write(SWEEP % fixture)
    r = subprocess.run([cimchar, "sweep", os.path.join(d, "sweep.toml"), "--out",
                        os.path.join(run, "sweep_attar.h5"), "-q"], capture_output=True, text=True)
    check(r.returncode == 0, "sweep: " + r.stderr[-500:])
    r = subprocess.run([cimchar, "report", run], capture_output=True, text=True)
    check(r.returncode == 0, "report: " + r.stderr[-800:])
    page = os.path.join(run, "report.html")
    check(r.stdout.strip() == page, "report printed %r" % r.stdout)
    dom = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
                          "file://" + page], capture_output=True, text=True, timeout=120).stdout
    sections = dict(re.findall(r'<section id="([a-z]+)">(.*?)</section>', dom, re.S))
    for sid, n in RAN.items():
        body = sections.get(sid, "")
        figs = body.count("<svg")
        check(sid in sections and figs >= n and "not run" not in body,
              "section %s: %d figures rendered (want %d)" % (sid, figs, n))
    for sid in NOT_RUN:
        check("not run" in sections.get(sid, ""), "section %s not marked 'not run'" % sid)
    check("offset sigma" in sections.get("threshold", "") and "Comparator:" in sections.get("threshold", ""),
          "threshold section names its comparator and offset sigma")
    check("Claim: a test claim" in sections.get("sweep", "") and "claimed operating point" in sections.get("sweep", "")
          and "top_k = 16" in sections.get("sweep", ""), "sweep section marks the claim and its operating point")
    layers = re.findall(r"<tr><td>(rram-baseline|sprint)</td><td>[^<]*</td><td>0</td>", sections.get("attention", ""))
    check("Per-layer breakdown" in sections.get("attention", "") and sorted(layers) == ["rram-baseline", "sprint"],
          "attention section: a per-layer row (layer 0) for each run: %s" % layers)
    check("rram-baseline" in sections.get("attention", "") and "sprint" in sections.get("attention", ""),
          "attention table lacks a scheme")
    shot = os.path.join(d, "shot.png")
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    "--window-size=1200,2400", "--screenshot=" + shot, "file://" + page],
                   capture_output=True, timeout=120)
    try:
        import matplotlib.image as mpimg
        img = mpimg.imread(shot)
        check(img.shape[0] >= 2000 and img.std() > 0.05, "screenshot blank (std %.3f)" % img.std())
    except (OSError, ValueError) as e:
        check(False, "no screenshot: %s" % e)
    r = subprocess.run([cimchar, "report", os.path.join(d, "nowhere")], capture_output=True, text=True)
    check(r.returncode == 2 and "no such run folder" in r.stderr, "missing folder: exit %d, %s" % (r.returncode, r.stderr))
    print("sections:", {k: v.count("<svg") for k, v in sections.items()})

# The report's Pareto front against brute force: a point is on it iff no other point has at
# least its accuracy and at most its cost (energy) with one of the two strictly better.
sys.path.insert(0, os.path.join(src, "tools"))
import random
import report  # noqa: E402
rng = random.Random(3)
for lower in (True, False):
    pts = [(rng.choice([1.0, 2.0, 3.0, 4.0]), rng.choice([0.5, 0.6, 0.7, 0.8])) for _ in range(40)]
    key = (lambda c: c) if lower else (lambda c: -c)
    brute = sorted({p for p in pts if not any(key(q[0]) <= key(p[0]) and q[1] >= p[1] and q != p
                                                for q in pts)}, key=lambda p: key(p[0]))
    front = report.pareto_front(pts, lower)
    check(front == brute, "pareto front (lower cost better=%s): %s != %s" % (lower, front, brute))

print("%d failures" % len(failures))
sys.exit(1 if failures else 0)
