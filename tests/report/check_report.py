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
# section id -> minimum number of figures when its stage ran
RAN = {"irdrop": 2, "variation": 1, "threshold": 1, "attention": 1}
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

print("%d failures" % len(failures))
sys.exit(1 if failures else 0)
