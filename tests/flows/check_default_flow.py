#!/usr/bin/python3
"""The README's default flow, end to end: `cimchar run characterization/default.toml` into a
temporary folder; the fit stage must recover the card's conduction parameters from the I-V that
the cell stage simulated in ngspice (noise-free data: within 0.1%); every stage writes its file,
every scheme runs with this run's LUTs wired in, and the report is written and printed."""
import os, re, subprocess, sys, tempfile
import h5py
import numpy as np
from flowcheck import check, finish

cimchar, src, lut_dump = sys.argv[1], sys.argv[2], sys.argv[3]
chromium = sys.argv[4] if len(sys.argv) > 4 and sys.argv[4] and "NOTFOUND" not in sys.argv[4] else None


def check_plain_xarray(d):
    """Every record group of the run (every /lut group) opens with plain xarray (h5netcdf engine, no phony dimensions: every axis is a
    dimension scale) as labelled data with format_version and interpolation; the read-current
    LUT at an off-grid point (state and voltage between grid points) equals the C++ reader's
    bilinear interpolation, and every value and attribute xarray sees equals what the C++ record
    reader returns (build/src/lut/lut_dump: lut::read<R>, printed as JSON)."""
    import json
    import xarray as xr
    import glob
    groups = []
    for stage in ("cell", "irdrop", "variation", "adc", "wta", "threshold"):
        with h5py.File(os.path.join(d, stage + ".h5"), "r") as f:
            f["lut"].visititems(lambda n, o: groups.append((stage, "/lut/" + n)) if isinstance(o, h5py.Group)
                                and any(isinstance(v, h5py.Dataset) for v in o.values()) else None)
    # read_current, irdrop, irdrop/model, cell_error, 4 ADC designs, wta, threshold
    # (column_error needs xbar_sizes, which the default flow does not set).
    check(len(groups) >= 10, "record groups: %s" % groups)
    # The hardware counters of every crossbar scheme's attention run (lut::ProductCounters).
    counters = 0
    for path in sorted(glob.glob(os.path.join(d, "attention_*.h5"))):
        with h5py.File(path, "r") as f:
            if "counters" in f:
                groups.append((os.path.basename(path)[:-3], "/counters"))
                counters += 1
    check(counters >= 4, "attention runs with /counters: %d" % counters)
    for stage, g in groups:
        try:
            ds = xr.open_dataset(os.path.join(d, stage + ".h5"), group=g, engine="h5netcdf").load()
        except Exception as e:
            check(False, "%s:%s does not open with xarray.open_dataset: %s" % (stage, g, e))
            continue
        axes = ds.attrs.get("axes", "").split(",")
        check(set(ds.dims) == set(axes) and all(a in ds.coords for a in axes),
              "%s: dims %s are the coordinates %s" % (g, sorted(ds.dims), axes))
        check(not [x for x in ds.dims if x.startswith("phony_dim")], "%s: phony dims %s" % (g, list(ds.dims)))
        check(int(ds.attrs.get("format_version", 0)) >= 1, "%s: format_version" % g)
        check(ds.attrs.get("interpolation") in ("linear", "monotone", "nearest", "none"),
              "%s: interpolation %r" % (g, ds.attrs.get("interpolation")))
        check(all("units" in ds[v].attrs for v in ds.variables), "%s: units on every variable" % g)
        for v in ds.data_vars:
            check(ds[v].dims == tuple(ds[v].attrs.get("axes", "").split(",")), "%s/%s: dims %s" % (g, v, ds[v].dims))
        r = subprocess.run([lut_dump, os.path.join(d, stage + ".h5"), g], capture_output=True, text=True)
        check(r.returncode == 0, "lut_dump %s: %s" % (g, r.stderr))
        if r.returncode != 0:
            continue
        cpp = json.loads(r.stdout)
        for k, want in cpp.items():
            if isinstance(want, list):
                got = ds[k].values.reshape(-1) if k in ds.variables else None
                check(got is not None and np.array_equal(got, np.array(want, dtype=float), equal_nan=True),
                      "%s/%s: xarray and the C++ reader differ" % (g, k))
            elif isinstance(want, str):
                check(str(ds.attrs.get(k, "")) == want, "%s@%s: text differs" % (g, k))
            else:
                got = float(ds.attrs.get(k, float("nan")))
                check(got == want or (np.isnan(got) and np.isnan(want)), "%s@%s: %r vs C++ %r" % (g, k, got, want))
        extra = [k for k in ds.variables if k not in cpp]
        check(not extra, "%s: variables the C++ record does not declare: %s" % (g, extra))
    rc = xr.open_dataset(os.path.join(d, "cell.h5"), group="/lut/read_current", engine="h5netcdf").load()
    check(rc.attrs["interpolation"] == "linear", "read-current LUT is linear")
    st = float(0.3 * rc["state"][1] + 0.7 * rc["state"][2])
    v = float(0.6 * rc["v_read"][1] + 0.4 * rc["v_read"][2])
    got = float(rc["i"].interp(state=st, v_read=v))
    r = subprocess.run([lut_dump, os.path.join(d, "cell.h5"), "/lut/read_current", "--at", repr(st), repr(v)],
                       capture_output=True, text=True)
    check(r.returncode == 0, "lut_dump --at: %s" % r.stderr)
    if r.returncode == 0:
        cpp = float(r.stdout)
        check(abs(got - cpp) <= 1e-12 * abs(cpp) and cpp != 0,
              "read current at state %.6g, %.6g V: xarray %.12g A, C++ %.12g A" % (st, v, got, cpp))
        # Off-grid: bilinear is not the value at any grid point.
        check(not np.any(np.isclose(rc["i"].values, cpp, rtol=1e-9, atol=0)), "the point is off the grid")
    bad = subprocess.run([lut_dump, os.path.join(d, "cell.h5"), "/lut/read_current", "--at", "1e9", repr(v)],
                         capture_output=True, text=True)
    check(bad.returncode == 2 and "outside" in bad.stderr, "an off-table point is refused: %s" % bad.stderr)


with tempfile.TemporaryDirectory() as d:
    r = subprocess.run([cimchar, "run", os.path.join(src, "characterization/default.toml"),
                        "--out", d, "-q"], capture_output=True, text=True)
    check(r.returncode == 0, "exit code %d: %s" % (r.returncode, r.stderr[-2000:]))
    for stage in ("cell", "fit", "irdrop", "variation", "adc", "wta", "threshold", "schemes", "attribution"):
        p = os.path.join(d, stage + ".h5")
        check(os.path.exists(p), stage + ".h5 written")
        check(p in r.stdout, "path printed: " + p)
    # The default I-V loop is a loop: it SETs (the gap closes) and RESETs (it reopens).
    with h5py.File(os.path.join(d, "cell.h5"), "r") as c:
        gap = c["/iv_loop/state"][:]
    check(gap[0] - gap.min() > 0.3e-9 and gap[-1] - gap.min() > 0.3e-9,
          "I-V loop SETs and RESETs: gap %.3g -> %.3g -> %.3g m" % (gap[0], gap.min(), gap[-1]))
    f = h5py.File(os.path.join(d, "fit.h5"), "r")
    truth = {"I0": 1e-3, "g0": 0.25e-9, "V0": 0.25}
    for name, t in truth.items():
        v = float(f["/fit/params/%s/value" % name][()])
        check(abs(v - t) / t < 1e-3, "%s = %.6g (card %.6g)" % (name, v, t))
        check(f["/fit/params/%s/value" % name].attrs["units"] in ("A", "m", "V"), name + " units")
    check(f["/fit"].attrs["converged"] == 1, "fit converged")
    s = h5py.File(os.path.join(d, "schemes.h5"), "r")
    schemes = [x.decode() for x in s["/runs/scheme"][:]]
    check(set(schemes) >= {"ideal", "rram-baseline", "attar", "star", "sprint", "hardsea", "hybrid-cim"},
          "schemes run: %s" % schemes)
    i = schemes.index("ideal")
    check(s["/runs/rel_l2"][i] == 0, "the ideal scheme is its own reference")
    desc = [x.decode() for x in s["/runs/description"][:]]
    sprint = desc[schemes.index("sprint")]
    check("threshold.h5" in sprint and "variation.h5" in sprint and "adc.h5" in sprint,
          "sprint uses this run's LUTs: " + sprint)
    with h5py.File(os.path.join(d, "attention_rram-baseline_recall.h5"), "r") as f:  # calibration_sequences = 8
        basis = f["/calibration/crossbar.adc_full_scale.q_proj"].attrs["basis"]
        basis = basis.decode() if isinstance(basis, bytes) else basis
        check("of 8 calibration sequences" in basis, "[schemes] calibration_sequences reaches the run: " + basis)
    hardsea = desc[schemes.index("hardsea")]
    check("wta.h5" in hardsea, "hardsea uses this run's WTA LUT: " + hardsea)
    with h5py.File(os.path.join(d, "wta.h5"), "r") as f:  # [wta.transistor]: measured, every case right
        check("/lut/wta_transistor" in f and f["/wta/transistor/correct"][:].min() == 1,
              "wta.h5 has the transistor-level WTA, every decision correct")
        t = f["/lut/wta_transistor"].attrs
        check("trip_sigma_V" in t and abs(f["/wta"].attrs["sigma_offset_V"] - t["twin_sigma_offset_V"]) < 1e-12
              and 5e-3 < t["trip_sigma_V"] < 40e-3,
              "the WTA twin's offset sigma is the transistors' trip mismatch: %s" % dict(t))
    check(os.path.exists(os.path.join(d, "ppa.h5")), "ppa.h5 written")
    if os.path.exists(os.path.join(d, "ppa.h5")):
        p = h5py.File(os.path.join(d, "ppa.h5"), "r")
        runs = [k for k in p["/runs"].keys() if k.isdigit()]
        check(len(runs) == len(schemes) - schemes.count("ideal"), "a PPA roll-up per crossbar run")
        for k in runs:
            if p["/runs/%s" % k].attrs["scheme"] in ("hardsea", b"hardsea"):
                src_wta = p["/runs/%s" % k].attrs.get("source_wta", b"")
                src_wta = src_wta.decode() if isinstance(src_wta, bytes) else src_wta
                check("/lut/wta_transistor" in src_wta, "hardsea's WTA cost from the transistor record: " + src_wta)
                src_area = p["/runs/%s" % k].attrs.get("source_area_decision", b"")
                src_area = src_area.decode() if isinstance(src_area, bytes) else src_area
                check("/lut/wta_transistor" in src_area and p["/runs/%s/area/decision" % k][()] > 0,
                      "hardsea's WTA area from the transistor record: " + src_area)
            g = p["/runs/%s/gpu" % k]
            check(g["time_ratio_launch_floor"][()] >= g["time_ratio"][()] > 0,
                  "run %s: the launch floor only slows the GPU down" % k)
            e = p["/runs/%s/energy" % k]
            parts = sum(e[n][()] for n in e.keys() if n not in ("total", "per_layer", "static_write", "attention_core"))
            check(abs(parts - e["total"][()]) <= 1e-9 * e["total"][()], "run %s: breakdown sums to the total" % k)
    # Every unit the flow writes parses with pint (issue 15): each numeric dataset's `units`
    # and every `<name>_unit(s)` attribute; "1" is dimensionless, "" is allowed only on strings.
    import glob
    import numpy as np
    import pint
    ureg = pint.UnitRegistry()
    bad = set()
    def parses(u):
        # "nat" (KL in nats) parses, but as a nano technical atmosphere: refused by name.
        if u in ("nat", "F^2"):
            return False
        try:
            ureg(u)
            return u != ""
        except Exception:
            return False
    for path in sorted(glob.glob(os.path.join(d, "*.h5"))):
        with h5py.File(path, "r") as f:
            check(int(f.attrs.get("format_version", 0)) >= 1,
                  "%s: no root format_version" % os.path.basename(path))
            def visit(name, obj, base=os.path.basename(path)):
                for k, v in obj.attrs.items():
                    u = v.decode() if isinstance(v, bytes) else v
                    if k.endswith("_unit") or k.endswith("_units"):
                        if not parses(u):
                            bad.add("%s:/%s@%s = %r" % (base, name, k, u))
                if isinstance(obj, h5py.Dataset) and obj.dtype.kind in "fiub":
                    u = obj.attrs.get("units", None)
                    u = u.decode() if isinstance(u, bytes) else u
                    if u is None or not parses(u):
                        bad.add("%s:/%s units %r" % (base, name, u))
            f.visititems(visit)
    check(not bad, "units that pint cannot parse (%d): %s" % (len(bad), sorted(bad)[:8]))
    # Every LUT of the run opens as labelled data (python/cimchar: dimension scales through
    # xarray's h5netcdf engine, `axes` attributes otherwise): named dimensions, units.
    sys.path.insert(0, os.path.join(src, "python"))
    import cimchar
    run = cimchar.open_run(d)
    names = [g for _, g in run.lut_names()]
    check(len(names) >= 10, "LUT groups of the default flow: %s" % names)
    for g in names:
        try:
            ds = run.lut(g)
            unnamed = [dim for dim in ds.dims if "_dim" in dim]
            check(not unnamed, "%s: unnamed dimensions %s" % (g, unnamed))
            check(all("units" in ds[v].attrs for v in ds.variables), "%s: units on every variable" % g)
        except Exception as e:
            check(False, "%s does not open as labelled data: %s" % (g, e))
    check(abs(float(run.lut("read_current")["i"].interp(state=run.lut("read_current")["state"][1],
                                                          v_read=0.1)) -
              float(run.lut("read_current")["i"].sel(state=run.lut("read_current")["state"][1])
                    .interp(v_read=0.1))) < 1e-15, "read-current LUT interpolates")
    check_plain_xarray(d)
    report = os.path.join(d, "report.html")
    check(os.path.exists(report) and report in r.stdout, "report written and printed")
    if chromium:  # every section rendered by a real browser, each with its figures
        dom = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
                              "file://" + report], capture_output=True, text=True, timeout=120).stdout
        sections = dict(re.findall(r'<section id="([a-z]+)">(.*?)</section>', dom, re.S))
        want = {"cell": 2, "fit": 1, "irdrop": 2, "variation": 1, "adc": 2, "wta": 1, "threshold": 1,
                "attention": 2, "ppa": 3}
        for sid, n in want.items():
            figs = sections.get(sid, "").count("<svg")
            check(figs >= n and "not run" not in sections.get(sid, ""),
                  "report section %s: %d figures rendered (want %d)" % (sid, figs, n))
        check("Seed comparison" in sections.get("ppa", ""), "seed comparison table in the report")
        check("Transistor level" in sections.get("wta", ""), "the WTA section shows the transistor level")
        adc_sec = sections.get("adc", "")
        check("Transistor level" in adc_sec and "<td>flash</td>" in adc_sec and "<td>SAR</td>" in adc_sec,
              "the ADC section shows the transistor-level flash and SAR next to their twins")
        summary = sections.get("summary", "")
        check(summary.count("<tr>") - 1 == len(schemes) and "GPU time / ours" in summary,
              "summary: one row per attention run (%d), with the GPU columns" % len(schemes))
        # The attribution stage explains the rram-baseline rows: their "dominant nonideality" cell
        # is the one attribution.h5 names, for both attributed models.
        with h5py.File(os.path.join(d, "attribution.h5"), "r") as f:
            g = f["attribution"]
            names = g.attrs["nonidealities"].split("\n")
            for m, model in enumerate(g.attrs["models"].split("\n")):
                k = g["dominant"][m, 0]
                want = names[int(k)] if np.isfinite(k) else ""
                row = re.search(r"<tr><td>rram-baseline</td><td>%s</td>(.*?)</tr>" % re.escape(os.path.basename(model)),
                                summary, re.S)
                # The name, then what removing it gains with its paired interval.
                check(row is not None and want and re.search(r"<td>%s \(removing it: [+-][0-9.]+ \[[+-][0-9.]+, [+-][0-9.]+\]\)</td>$"
                                                            % re.escape(want), row.group(1)) is not None,
                      "summary: rram-baseline / %s names the dominant nonideality %r with its gain: %s"
                      % (model, want, row.group(1)[-120:] if row else ""))
        check("attribution" in sections and sections["attribution"].count("<svg") >= 2,
              "attribution section: a chart per attributed model")
        check(dom.find('id="summary"') < dom.find('id="cell"') < dom.find('id="provenance"'),
              "summary first, provenance last")
        check("<table" in sections.get("provenance", ""), "provenance table")

finish()
