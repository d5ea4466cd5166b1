#!/usr/bin/python3
"""One self-contained HTML report of a run folder (`cimchar report <run-dir>`).

Reads every stage file the folder holds (cell.h5, fit.h5, irdrop.h5, variation.h5, adc.h5,
wta.h5, threshold.h5, attention*.h5, ppa*.h5) with h5py and draws its figures with matplotlib;
the figures are embedded as inline SVG, so the file needs nothing else to display. A stage whose
file is absent gets its section marked "not run". Usage: report.py RUN_DIR [--out FILE]
(default RUN_DIR/report.html). Exit codes: 0 written, 2 bad input (no such folder)."""
import argparse, glob, html, io, math, os, sys

import h5py
# The project's Python package (python/cimchar): installed by scripts/setup.sh, else beside us.
sys.path.insert(1, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import cimchar  # noqa: E402
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

plt.rcParams.update({"figure.figsize": (5.2, 3.4), "font.size": 9, "svg.fonttype": "none"})


def svg(fig):
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buf.getvalue()
    return '<figure>' + text[text.index("<svg"):] + "</figure>"


def table(header, rows):
    out = ["<table><tr>" + "".join("<th>%s</th>" % html.escape(str(h)) for h in header) + "</tr>"]
    for r in rows:
        out.append("<tr>" + "".join("<td>%s</td>" % html.escape(fmt(x)) for x in r) + "</tr>")
    return "".join(out) + "</table>"


def fmt(x):
    if isinstance(x, (float, np.floating)):
        return "%.4g" % x if math.isfinite(x) else "\u2013"  # NaN: not measured / not costed
    if isinstance(x, bytes):
        return x.decode()
    return str(x)


def attr(f, obj, name, default=""):
    try:
        v = f[obj].attrs[name]
        return v.decode() if isinstance(v, bytes) else v
    except KeyError:
        return default


def units(ds):
    u = ds.attrs.get("units", "")
    return u.decode() if isinstance(u, bytes) else u


# ---- sections: each takes the open file and returns HTML ----

def cell_section(f):
    parts = []
    if "/iv_loop/v" in f:
        parts.append(iv_loop_figure(f["/iv_loop/v"][:], f["/iv_loop/i"][:],
                                    f["/iv_loop/state"][:] if "/iv_loop/state" in f else None))
    if "/program" in f:
        fig, ax = plt.subplots()
        for name in sorted(f["/program"].keys()):
            g = f["/program/%s/achieved_g" % name][:] * 1e6
            t = f["/program/%s/target_g" % name][:] * 1e6
            for lvl in range(g.shape[0]):
                ax.scatter(np.full(g.shape[1], t[lvl]), g[lvl], s=8)
            ax.plot(t, t, "k:", lw=0.8)
        ax.set_xlabel("target conductance (uS)")
        ax.set_ylabel("after write-verify (uS)")
        ax.set_title("programmed levels")
        parts.append(svg(fig))
    return "".join(parts)


def iv_loop_figure(v, i, state):
    """The I-V loop on linear axes, each leg of the triangle sweep in its own colour (SET on the
    way up, RESET on the negative side), so the hysteresis shows; the state along it beside."""
    dv = np.diff(v, prepend=v[0])
    legs = [("0 to +v (SET)", (v >= 0) & (dv >= 0), "C0"), ("+v to 0", (v >= 0) & (dv < 0), "C1"),
            ("0 to -v (RESET)", (v < 0) & (dv <= 0), "C3"), ("-v to 0", (v < 0) & (dv > 0), "C2")]
    out = []
    for y, scale, label, title in ((i, 1e6, "current (uA)", "I-V loop (ngspice)"),
                                   (state, 1e9, "state (nm)", "state along the loop")):
        if y is None:
            continue
        fig, ax = plt.subplots()
        for name, m, c in legs:
            ax.plot(np.where(m, v, np.nan), np.where(m, y * scale, np.nan), color=c, lw=1.2, label=name)
        ax.set_xlabel("cell voltage (V)")
        ax.set_ylabel(label)
        ax.set_title(title)
        ax.ticklabel_format(axis="y", useOffset=False)
        ax.legend(fontsize=7)
        out.append(svg(fig))
    return "".join(out)


def log_floor(ax, values):
    """A log axis that starts a decade below the smallest positive value shown (not at the
    1e-15 added to keep zeros on the plot)."""
    pos = np.abs(np.asarray(values, dtype=float))
    pos = pos[np.isfinite(pos) & (pos > 0)]
    if pos.size:
        ax.set_ylim(bottom=pos.min() / 10)


def fit_section(f):
    parts = []
    if "/data/v" in f:
        fig, ax = plt.subplots()
        v, i, fi = f["/data/v"][:], f["/data/i"][:], f["/data/i_fit"][:]
        st = f["/data/state"][:] if "/data/state" in f else np.zeros_like(v)
        ax.semilogy(v, np.abs(i) + 1e-15, ".", ms=3, color="C0", label="data")
        for k, s_ in enumerate(np.unique(st)):  # one fitted curve per state, in voltage order
            m = np.flatnonzero(st == s_)
            m = m[np.argsort(v[m])]
            ax.semilogy(v[m], np.abs(fi[m]) + 1e-15, "-", lw=0.8, color="C1",
                        label="fit" if k == 0 else None)
        log_floor(ax, np.abs(i)[np.abs(v) > 0])
        ax.set_xlabel("V")
        ax.set_ylabel("|I| (A)")
        ax.legend()
        parts.append(svg(fig))
    if "/fit/names" in f:
        rows = []
        for n in f["/fit/names"][:]:
            n = n.decode() if isinstance(n, bytes) else n
            val = f["/fit/params/%s/value" % n]
            err = f["/fit/params/%s/std_error" % n]
            rows.append([n, val[()], err[()], units(val)])
        parts.append(table(["parameter", "value", "standard error", "unit"], rows))
    return "".join(parts)


def irdrop_section(f):
    parts = []
    sizes = [k for k in f["/irdrop"].keys() if k.startswith("N")] if "/irdrop" in f else []
    mapped = [s for s in sizes if "v_cell" in f["/irdrop/" + s]]
    if mapped:
        s = max(mapped, key=lambda k: int(k[1:]))
        vc = f["/irdrop/%s/v_cell" % s][:]
        m = vc.reshape((-1,) + vc.shape[-2:])[-1]  # largest wire resistance, first pattern
        fig, ax = plt.subplots()
        im = ax.imshow(m, cmap="viridis")
        fig.colorbar(im, ax=ax, label="cell voltage (V)")
        ax.set_title("IR-drop map, %s (largest wire resistance)" % s)
        ax.set_xlabel("column")
        ax.set_ylabel("row")
        parts.append(svg(fig))
    if "/lut/irdrop/ratio" in f:
        ratio = f["/lut/irdrop/ratio"][:]
        rw = f["/irdrop/r_wire"][:]
        sz = [int(s[1:]) for s in sorted(sizes, key=lambda k: int(k[1:]))]
        fig, ax = plt.subplots()
        for ri, r in enumerate(rw):
            err = [1 - ratio[si, ri].mean() for si in range(len(sz))]
            ax.plot(sz, err, "o-", label="%.3g ohm" % r)
        ax.set_xlabel("array size N")
        ax.set_ylabel("mean column-current loss 1 - I/I_ideal")
        ax.set_title("IR-drop error vs array size and wire resistance")
        ax.legend(title="wire per segment")
        parts.append(svg(fig))
    if "/lut/irdrop/model" in f:
        names = ["native_vs_ngspice_max", "native_vs_ngspice_rms", "rel_err_vs_ngspice_max",
                 "rel_err_vs_native_max", "rel_err_vs_native_rms"]
        rows = [[n, attr(f, "/lut/irdrop/model", n)] for n in names]
        parts.append("<h3>Agreement with ngspice</h3>" + table(["quantity (relative current)", "value"], rows))
    return "".join(parts)


def variation_section(f):
    parts = []
    if "/mc/g_read" in f:
        g = f["/mc/g_read"][:] * 1e6
        t = f["/mc/target_g"][:] * 1e6
        fig, ax = plt.subplots()
        for lvl in range(g.shape[0]):
            x = g[lvl][np.isfinite(g[lvl])]
            ax.hist(x, bins=40, alpha=0.6, label="%.3g uS" % t[lvl])
        ax.set_xlabel("read conductance (uS)")
        ax.set_ylabel("samples")
        ax.set_title("Monte Carlo: programmed conductance per level (ngspice reads)")
        ax.legend(title="target", fontsize=7)
        parts.append(svg(fig))
    if "/lut/cell_error/sigma_rel" in f:
        rows = [[t * 1e6, m, s] for t, m, s in zip(f["/lut/cell_error/target_g"][:],
                                                   f["/lut/cell_error/mean_rel"][:],
                                                   f["/lut/cell_error/sigma_rel"][:])]
        parts.append(table(["target (uS)", "mean rel. error", "sigma rel. error"], rows))
    return "".join(parts)


def adc_section(f):
    parts, rows = [], []
    if "/lut/adc" not in f:
        return "<p>no ADC LUT in this file</p>"
    for arch in f["/lut/adc"].keys():
        for b in sorted(f["/lut/adc/" + arch].keys(), key=lambda k: int(k[1:]) if k[1:].isdigit() else 0):
            g = f["/lut/adc/%s/%s" % (arch, b)]
            if "transition_error_mean" not in g:
                continue
            m = g["transition_error_mean"][:]
            s = g["transition_error_sigma"][:] if "transition_error_sigma" in g else np.zeros_like(m)
            fig, ax = plt.subplots()
            k = np.arange(1, len(m) + 1)
            ax.plot(k, m, "-", lw=0.8, label="mean (INL of the mean transfer)")
            ax.fill_between(k, m - s, m + s, alpha=0.3, label="+- sigma over Monte Carlo")
            dnl = np.diff(m, prepend=0)
            ax.plot(k, dnl, "-", lw=0.6, label="DNL of the mean transfer")
            ax.set_xlabel("code transition")
            ax.set_ylabel("LSB")
            ax.set_title("%s ADC, %s: transition errors (INL/DNL)" % (arch, b))
            ax.legend(fontsize=7)
            parts.append(svg(fig))
            rows.append([arch, b] + [float(g.attrs.get(k, float("nan"))) for k in (
                "inl_max_mean", "dnl_max_mean", "enob_mean", "enob_sine_mean", "sinad_mean",
                "sfdr_mean")])
    if rows:
        parts.append(table(["architecture", "bits", "INL max (LSB, endpoint)", "DNL max (LSB)",
                            "ENOB (ramp)", "ENOB (sine, IEEE 1241)", "SINAD (dB)", "SFDR (dBc)"], rows))
    parts.append(adc_transistor_table(f))
    return "".join(parts) or "<p>no ADC transition tables in this file</p>"


def finite_mean(ds):
    x = np.asarray(ds[:], dtype=float)
    x = x[np.isfinite(x)]
    return float(x.mean()) if x.size else float("nan")


def adc_transistor_table(f):
    """The ADCs built from transistors (/transistor_flash, /transistor_sar: StrongARM comparators
    in ngspice, Monte Carlo of Pelgrom and capacitor mismatch) next to their behavioural twins."""
    rows = []
    for name, g in (("flash", "/transistor_flash"), ("SAR", "/transistor_sar")):
        if g not in f:
            continue
        t, a = f[g], f[g].attrs
        ok = int((np.asarray(t["failed"][:]) == 0).sum())
        if name == "flash":
            twin = "offset sigma %.1f mV (fitted); INL %.2f, DNL %.2f LSB (%d twin samples)" % (
                float(a["twin_sigma_offset_V"]) * 1e3, float(a["twin_inl_max_mean"]),
                float(a["twin_dnl_max_mean"]), int(a["twin_samples"]))
            energy = float(a["energy_per_conversion_J"])
            area = float(a["area_comparators_m2"]) + float(a["area_caps_m2"])
        else:
            twin = "max |T - T_twin| %.3f LSB (same capacitors, each sample's searched offset)" % (
                finite_mean(t["max_abs_transition_diff"]))
            energy = finite_mean(t["energy_comparator"])
            area = float(a["area_comparator_m2"]) + float(a["area_caps_m2"])
        rows.append([name, "%d / %d" % (ok, len(t["failed"][:])), finite_mean(t["inl_max"]),
                     finite_mean(t["dnl_max"]), finite_mean(t["enob"]), energy * 1e15,
                     float(a["conversion_time_s"]) * 1e9, area * 1e12, twin])
    if not rows:
        return ("<p>Comparators: behavioural (tanh) only; nothing measured at transistor level "
                "(<code>[adc.transistor_flash]</code>, <code>[adc.transistor_sar]</code> run "
                "StrongARM comparators in ngspice).</p>")
    return ("<p>Transistor level (StrongARM comparators on BSIM4 cards, Monte Carlo of Pelgrom "
            "and capacitor mismatch, one ngspice transient per sample), next to the behavioural "
            "twin fitted to it. Energy: the flash's comparators and ladder; the SAR's comparator "
            "(its DAC's switching not measured).</p>" +
            table(["ADC", "samples ok", "INL max (LSB)", "DNL max (LSB)", "ENOB (ramp)",
                   "energy / conversion (fJ)", "conversion (ns)", "area (um^2)", "twin"], rows))


def wta_section(f):
    if "/lut/wta" not in f:
        return "<p>no WTA LUT in this file</p>"
    g = f["/lut/wta"]
    parts = []
    if "p_error" in g and "margin" in g:
        p = g["p_error"][:]
        m = g["margin"][:]
        caps = g["capacitance"][:] if "capacitance" in g else np.arange(p.shape[0])
        fig, ax = plt.subplots()
        for ci in range(p.shape[0]):
            ax.semilogy(m * 100, np.maximum(p[ci], 1e-5), "o-", ms=3, label="%.3g fF" % (caps[ci] * 1e15))
        ax.set_xlabel("current margin (%)")
        ax.set_ylabel("P(wrong winner)")
        ax.set_title("time-domain WTA: error vs margin")
        ax.legend(title="C")
        parts.append(svg(fig))
    rows = []
    for n in ("resolved_margin", "delay", "energy"):
        if n in g:
            rows.append([n + " (" + units(g[n]) + ")"] + list(np.atleast_1d(g[n][:])))
    if rows:
        caps = g["capacitance"][:] if "capacitance" in g else None
        head = (["C = %.3g fF" % (c * 1e15) for c in caps] if caps is not None and len(caps) == len(rows[0]) - 1
                else ["C%d" % i for i in range(len(rows[0]) - 1)])
        parts.append(table(["quantity"] + head, rows))
    parts.append(wta_transistor_table(f))
    return "".join(parts)


def wta_transistor_table(f):
    """The WTA at transistor level next to the behavioural twin: per capacitance the measured
    decision delay and energy (bit lines + comparators), the twin's (bit lines only), the area
    and the twin's parameters fitted to the transistors (/lut/wta_transistor, /lut/wta)."""
    if "/lut/wta_transistor" not in f:
        return ("<p>Comparators: behavioural (tanh) only; nothing measured at transistor level "
                "(<code>[wta.transistor]</code> runs them in ngspice).</p>")
    t, b = f["/lut/wta_transistor"], f["/lut/wta"]
    caps_b = list(b["capacitance"][:]) if "capacitance" in b else []
    rows = []
    for i, c in enumerate(t["capacitance"][:]):
        j = caps_b.index(c) if c in caps_b else None
        twin_delay = b["delay"][j] * 1e9 if j is not None else float("nan")
        twin_energy = b["energy"][j] * 1e15 if j is not None else float("nan")
        rows.append(["%.4g fF" % (c * 1e15), t["t_decision"][i] * 1e9, twin_delay,
                     t["e_decision"][i] * 1e15, t["e_inputs"][i] * 1e15, t["e_comparators"][i] * 1e15,
                     twin_energy, t["area"][i] * 1e12, t["v_trip_fit"][i], t["x_trip"][i],
                     t["t_comp_fit"][i] * 1e12, t["fit_max_rel_err"][i] * 100])
    return ("<p>Transistor level (%s): one ngspice transient per capacitance and current "
            "level; the twin's trip voltage and delay fitted to the transistors' fire times. The "
            "behavioural columns are the Monte Carlo's (random currents, offsets), the transistor "
            "columns the bench's nominal currents.</p>" % (
                html.escape(attr(f, "/lut/wta_transistor", "design")),) +
            table(["C", "decision (ns), transistors", "decision (ns), twin MC",
                   "energy (fJ), transistors", "of it: bit lines", "of it: comparators",
                   "energy (fJ), twin MC (bit lines only)", "area (um^2)", "fitted v_trip (V)",
                   "quasi-static trip (V)", "fitted t_comp (ps)", "twin vs transistors, max (%)"],
                  rows) + wta_mismatch_text(f))


def wta_mismatch_text(f):
    """The trip path's Pelgrom Monte Carlo (/lut/wta_transistor trip_sigma_V ...) and the offset
    sigma the behavioural Monte Carlo used (/wta sigma_offset_V, sigma_offset_source)."""
    a = f["/lut/wta_transistor"].attrs
    used = attr(f, "/wta", "sigma_offset_V", float("nan"))
    src = html.escape(str(attr(f, "/wta", "sigma_offset_source", "configured")))
    if "trip_sigma_V" not in a:
        return ("<p>Mismatch: not measured at transistor level (<code>mismatch_samples</code>); the "
                "behavioural Monte Carlo used an offset sigma of %.2f mV (%s).</p>" % (used * 1e3, src))
    return ("<p>Mismatch (Pelgrom, A_VT %.2f mV um, %d samples of both inverters' devices): "
            "trip-level sigma %.2f mV (linearized %.2f mV), mean shift %+.2f mV. The behavioural "
            "Monte Carlo's offset sigma: %.2f mV, from %s.</p>" % (
                float(a["a_vt_V_m"]) * 1e9, int(a["mismatch_samples"]), float(a["trip_sigma_V"]) * 1e3,
                float(a["trip_linear_sigma_V"]) * 1e3, float(a["trip_mean_shift_V"]) * 1e3, used * 1e3, src))


def threshold_section(f):
    if "/lut/threshold/distance" not in f:
        return "<p>no threshold LUT in this file</p>"
    fig, ax = plt.subplots()  # the same figure as python/examples/threshold_figure.py
    cimchar.figures.threshold_prune_probability(cimchar.open_lut(f.filename, "/lut/threshold"), ax)
    return comparator_table(f) + svg(fig)


def comparator_table(f):
    """The comparator behind the threshold decisions (/lut/threshold_comparator): the configured
    behavioural offset, or what ngspice measured of the transistor-level StrongARM."""
    if "/lut/threshold_comparator" not in f:
        return ""
    a = f["/lut/threshold_comparator"].attrs
    get = lambda k: float(a[k]) if k in a else float("nan")
    kind = attr(f, "/lut/threshold_comparator", "kind")
    if kind != "strongarm":  # behavioural: only the configured offset, nothing measured
        return ("<p>Comparator: behavioural (tanh), configured offset; nothing measured at "
                "transistor level (<code>comparator = \"strongarm\"</code> measures it).</p>" +
                table(["quantity", "value", "unit"], [["offset sigma (configured)",
                                                       get("offset_sigma_V") * 1e3, "mV"]]))
    rows = [["kind", kind, ""],
            ["offset sigma", get("offset_sigma_V") * 1e3, "mV (%d samples)" % get("offset_samples")
             if math.isfinite(get("offset_samples")) else "mV"],
            ["input pair alone (Pelgrom)", get("pelgrom_pair_sigma_V") * 1e3, "mV"],
            ["delay t0 / tau", "%s / %s" % (fmt(get("t0_s") * 1e12), fmt(get("tau_s") * 1e12)), "ps"],
            ["delay at one sigma of overdrive", get("delay_s") * 1e12, "ps"],
            ["energy per decision (supply + clock)", (get("energy_J") + get("energy_clk_J")) * 1e15, "fJ"],
            ["area", get("area_m2") * 1e12, "um^2"],
            ["integrating node's threshold shift (kickback; the offsets' mean)",
             get("node_shift_V") * 1e3, "mV (the node flips at %s V)" % fmt(get("node_flip_V"))]]
    return ("<p>Comparator: %s</p>" % html.escape(attr(f, "/lut/threshold_comparator", "design") or kind) +
            table(["quantity", "value", "unit"], rows))


def layer_breakdown(files):
    """Per run and layer: relative L2 and cosine of the layer's output against the ideal run,
    KL of its attention rows, sparsity and top-k recall (attention.h5 /metrics/layers/<i>)."""
    rows = []
    for path in files:
        with h5py.File(path, "r") as f:
            if "metrics/layers" not in f:
                continue
            scheme = attr(f, "/", "scheme")
            model = os.path.basename(attr(f, "/", "model_file"))
            for i in sorted(f["metrics/layers"], key=int):
                g = f["metrics/layers"][i]
                rows.append([scheme, model, int(i)] + [float(g[k][()]) if k in g else float("nan")
                                                       for k in ("rel_l2", "cosine", "kl", "sparsity", "topk_recall")])
    if not rows:
        return ""
    return ("<details><summary>Per-layer breakdown (%d layers of %d runs)</summary>" % (len(rows), len(files)) +
            table(["scheme", "model", "layer", "rel. L2 vs ideal", "cosine", "KL (nat)", "sparsity",
                   "top-k recall"], rows) + "</details>")


def attention_section(files):
    rows, acc, l2 = [], [], []
    for _, r in cimchar.attention_table(files).iterrows():
        a, lo, hi = r.accuracy, r.accuracy_lo, r.accuracy_hi
        if not math.isfinite(lo):
            lo = hi = a
        ci = "%.4f [%.3f, %.3f]" % (a, lo, hi) if math.isfinite(a) else "nan"
        ppl = ("%.3f (fp32 %.3f)" % (r.perplexity, r.fp32_perplexity)
               if math.isfinite(r.perplexity) else "\u2013")  # language models only
        rows.append([r.scheme, r.model, r.rel_l2, r.cosine, r.topk_recall, r.sparsity, ci, r.n,
                     r.fp32_accuracy, ppl])
        acc.append((r.scheme + " / " + r.model, r.sparsity, a, lo, hi))
        l2.append((r.scheme + " / " + r.model, r.rel_l2))
    parts = [table(["scheme", "model", "rel. L2 vs fp32", "cosine", "top-k recall", "sparsity",
                    "accuracy [95% Wilson]", "n", "fp32 (torch)", "perplexity"], rows)]
    schemes = sorted({n.split(" / ")[0] for n, *_ in acc})
    models = sorted({n.split(" / ")[1] for n, *_ in acc})
    colour = {sc: "C%d" % (k % 10) for k, sc in enumerate(schemes)}
    marker = {m: "osD^v<>"[k % 7] for k, m in enumerate(models)}
    if any(math.isfinite(a) for _, _, a, _, _ in acc):
        fig, ax = plt.subplots()
        for name, sp, a, lo, hi in acc:
            sc, m = name.split(" / ")
            if math.isfinite(a):
                ax.errorbar([sp], [a], yerr=[[a - lo], [hi - a]], fmt=marker[m], color=colour[sc],
                            capsize=3, ms=4)
        for sc in schemes:  # one legend entry per scheme (colour) and per model (marker)
            ax.plot([], [], "s", color=colour[sc], label=sc)
        for m in models:
            ax.plot([], [], marker[m], color="0.4", label=m)
        ax.set_xlabel("sparsity (fraction of scores pruned)")
        ax.set_ylabel("accuracy")
        ax.set_title("accuracy vs sparsity (95% Wilson intervals)")
        ax.legend(fontsize=6, ncol=2)
        parts.append(svg(fig))
    shown = [(n, v) for n, v in l2 if v > 0]  # the ideal run is the reference: 0 by definition
    if shown:
        fig, ax = plt.subplots(figsize=(5.2, 0.35 * len(shown) + 1.2))
        ax.barh([n for n, _ in shown], [v for _, v in shown],
                color=[colour[n.split(" / ")[0]] for n, _ in shown])
        ax.set_xscale("log")
        ax.set_xlabel("relative L2 error of the outputs vs fp32 (ideal = 0, not shown)")
        ax.set_title("output error per scheme")
        parts.append(svg(fig))
    parts.append(layer_breakdown(files))
    return "".join(parts)


def ppa_section(files):
    parts = []
    for path in files:
        with h5py.File(path, "r") as f:
            if "/runs" not in f:
                continue
            runs = sorted((k for k in f["/runs"].keys() if k.isdigit()), key=int)
            labels = [os.path.basename(str(attr(f, "/runs/" + r, "attention_file", r))).replace("attention_", "")
                      .replace(".h5", "") for r in runs]
            parts_e = ["xbar_read", "xbar_write", "dac", "adc", "comparator", "shift_add", "digital_mac",
                       "softmax", "select", "buffer", "interconnect"]
            fig, ax = plt.subplots(figsize=(6.5, 0.3 * len(runs) + 1.5))
            left = np.zeros(len(runs))
            for p in parts_e:
                v = np.array([f["/runs/%s/energy/%s" % (r, p)][()] if "/runs/%s/energy/%s" % (r, p) in f else 0.0
                              for r in runs]) * 1e6
                if v.any():
                    ax.barh(labels, v, left=left, label=p)
                    left += v
            ax.set_xlabel("energy per run (uJ)")
            ax.set_title("energy breakdown (%s)" % attr(f, "/", "tech_name", ""))
            ax.legend(fontsize=6)
            parts.append(svg(fig))
            for group, unit, scale, title in (("latency/stages", "us", 1e6, "stage time by stage"),
                                              ("area", "mm^2", 1.0, "area by component")):
                names = [n for n in f["/runs/%s/%s" % (runs[0], group)].keys()
                         if n != "total" and isinstance(f["/runs/%s/%s/%s" % (runs[0], group, n)], h5py.Dataset)] \
                    if "/runs/%s/%s" % (runs[0], group) in f else []
                if not names:
                    continue
                fig, ax = plt.subplots(figsize=(6.5, 0.3 * len(runs) + 1.5))
                left = np.zeros(len(runs))
                for n in names:
                    v = np.array([f["/runs/%s/%s/%s" % (r, group, n)][()] for r in runs]) * scale
                    ax.barh(labels, v, left=left, label=n)
                    left += v
                ax.set_xlabel("%s (%s)" % (title.split(" by ")[0], unit))
                ax.set_title(title + (" (one layer, one sequence; the layer pipeline overlaps them)"
                                      if "latency" in group else ""))
                ax.legend(fontsize=6)
                parts.append(svg(fig))
            rows = []
            for r, lab in zip(runs, labels):
                g = "/runs/" + r
                get = lambda n: f[g + "/" + n][()] if g + "/" + n in f else float("nan")
                rows.append([lab, get("energy/total") * 1e6, get("latency/total") * 1e3,
                             get("throughput_tokens"), get("mapping/replication"),
                             str(attr(f, g, "bottleneck", "")), get("area/total"),
                             get("tops_per_w"), get("gops_per_mm2"), get("assumptions/read_cycle") * 1e9,
                             get("gpu/time_ratio"), get("gpu/time_ratio_launch_floor"), get("gpu/energy_ratio"),
                             get("gpu/core_time_ratio"), get("gpu/core_time_ratio_launch_floor")])
            parts.append(table(["run", "energy (uJ)", "latency (ms)", "tokens/s", "weight copies", "bottleneck",
                                "area (mm^2)", "TOPS/W", "GOPS/mm^2", "read cycle (ns)", "GPU time / ours (roofline)",
                                "GPU time / ours (launch floor)", "GPU energy / ours", "GPU core time / ours (roofline)",
                                "GPU core time / ours (launch floor)"],
                               rows))
            parts.append(gpu_assumptions(f, runs))
    parts.append(seed_table())
    return "".join(parts) or "<p>no PPA tables found</p>"


def gpu_assumptions(f, runs):
    """The GPU card's fields with their sources (ppa.h5 /gpu_card) and the baseline's basis."""
    if "/gpu_card" not in f:
        return ""
    rows = []
    text = lambda v: v.decode() if isinstance(v, bytes) else str(v)

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            value = float(np.ravel(obj[()])[0])
            rows.append([name, "%.4g %s" % (value, text(obj.attrs.get("units", ""))),
                         text(obj.attrs.get("source", ""))])
    f["/gpu_card"].visititems(visit)
    basis = f["/runs/%s/gpu" % runs[0]].attrs.get("basis", "") if "/runs/%s/gpu" % runs[0] in f else ""
    basis = text(basis)
    return ("<h4>GPU baseline assumptions (%s; energy = board power x time)</h4>" % basis
            + table(["field", "value", "source"], rows))


def seed_table():
    """The seed comparison table of docs/ppa.md (BERT-base-shaped layer), rendered as HTML."""
    doc = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs", "ppa.md")
    try:
        text = open(doc).read()
    except OSError:
        return ""
    if "## Seed comparison" not in text:
        return ""
    sec = text.split("## Seed comparison", 1)[1].split("\n## ", 1)[0]
    rows = [l for l in sec.splitlines() if l.startswith("|") and not l.startswith("| ---")]
    if len(rows) < 2:
        return ""
    cells = [[c.strip().replace("`", "") for c in r.strip("|").split("|")] for r in rows]
    return ("<h3>Seed comparison (docs/ppa.md: one BERT-base-shaped layer, 128 tokens)</h3>"
            + table(cells[0], cells[1:]))


SECTIONS = [
    ("cell", "RRAM cell: I-V loop and programmed levels", "cell.h5", cell_section),
    ("fit", "Compact-model fit", "fit.h5", fit_section),
    ("irdrop", "Crossbar IR drop", "irdrop.h5", irdrop_section),
    ("variation", "Variation Monte Carlo", "variation.h5", variation_section),
    ("adc", "ADC: INL and DNL", "adc.h5", adc_section),
    ("wta", "Time-domain winner-take-all", "wta.h5", wta_section),
    ("threshold", "Threshold comparator", "threshold.h5", threshold_section),
]

CSS = """body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}
section{border-top:1px solid #ccc;padding:0.5em 0}figure{display:inline-block;margin:0.5em}
figure svg{max-width:520px;height:auto}table{border-collapse:collapse;margin:0.5em 0}
td,th{border:1px solid #ccc;padding:2px 6px;font-size:90%}.not-run{color:#a00;font-weight:bold}
pre{background:#f6f6f6;padding:0.5em;overflow-x:auto;font-size:80%}"""


def provenance(run_dir, files):
    rows, configs = [], []
    for p in files:
        with h5py.File(p, "r") as f:
            rows.append([os.path.basename(p), attr(f, "/", "cimchar_version"), attr(f, "/", "git_hash"),
                         attr(f, "/", "ngspice_version"), attr(f, "/", "seed"), attr(f, "/", "created")])
            c = attr(f, "/", "config")
            if c and c not in configs:
                configs.append(c)
    out = table(["file", "cimchar", "git", "ngspice", "seed", "created"], rows)
    for c in configs:
        out += "<pre>%s</pre>" % html.escape(c)
    return out


def section(sid, title, body):
    return '<section id="%s"><h2>%s</h2>%s</section>' % (sid, html.escape(title), body)


SWEEP_FIELDS = ("accuracy", "accuracy_lo", "accuracy_hi", "accuracy_n", "accuracy_ideal", "sparsity",
                "rel_l2", "energy_core", "accuracy_delta", "accuracy_delta_lo", "accuracy_delta_hi")


def sweep_curves(path):
    """One sweep*.h5 as (file info, curves): info holds x_key, y_key, claim and operating_point;
    each curve is (model, scheme, x, y, {field: [x, y] array})."""
    with h5py.File(path, "r") as f:
        op = attr(f, "/", "operating_point", float("nan"))
        info = {"name": os.path.basename(path), "x_key": attr(f, "/", "x_key"),
                "y_key": attr(f, "/", "y_key"), "claim": attr(f, "/", "claim"), "op": float(op)}
        curves = []
        for model in f["sweep"]:
            for scheme in f["sweep"][model]:
                g = f["sweep"][model][scheme]
                curves.append((model, scheme, g["x"][()], g["y"][()],
                               {k: g[k][()] for k in SWEEP_FIELDS if k in g}))
    return info, curves


def pareto_front(pts, lower_is_better):
    """The non-dominated (cost, accuracy) points, sorted by cost: higher accuracy is better;
    the cost is better lower (energy) or higher (sparsity) as `lower_is_better` says."""
    pts = [(c if lower_is_better else -c, a) for c, a in pts if math.isfinite(c) and math.isfinite(a)]
    front, best = [], -math.inf
    for c, a in sorted(pts, key=lambda t: (t[0], -t[1])):
        if a > best:
            front.append((c if lower_is_better else -c, a))
            best = a
    return front


def sweep_curve_figure(info, curves, field):
    """Accuracy (with its interval) or rel. L2 against the swept key for one file, the claim's
    operating point dashed."""
    fig, ax = plt.subplots()
    k = 0
    for model, scheme, x, y, d in curves:
        for j in range(len(y)):
            v = d[field][:, j]
            if not np.isfinite(v).any():
                continue
            lab = model + " / " + scheme + ("" if not info["y_key"] else " %s=%g" % (info["y_key"], y[j]))
            col = plt.cm.tab20(k % 20) if len(curves) * len(y) > 10 else "C%d" % k
            if field == "accuracy":
                ax.errorbar(x, v, yerr=[v - d["accuracy_lo"][:, j], d["accuracy_hi"][:, j] - v],
                            marker="o", ms=3, capsize=2, color=col, label=lab)
                ax.plot(x, d["accuracy_ideal"][:, j], ls=":", color=col, lw=1)
            else:  # below 1e-9 is round-off (an exact point): left off the log axis
                ax.plot(x, np.where(v < 1e-9, np.nan, v), marker="o", ms=3, color=col, label=lab)
            k += 1
    if not k:
        plt.close(fig)
        return ""
    if math.isfinite(info["op"]):
        ax.axvline(info["op"], ls="--", color="k", lw=1, label="claimed operating point")
    ax.set_xlabel(info["x_key"])
    ax.set_ylabel("accuracy (95% Wilson; dotted: ideal)" if field == "accuracy" else
                  "relative L2 vs ideal (exact points not drawn)")
    if field == "rel_l2":
        ax.set_yscale("log")
    ax.legend(fontsize=6)
    ax.set_title(info["name"], fontsize=8)
    return svg(fig)


def whole(x):
    """A count stored as a float: an int, or NaN (no task head) shown as not measured."""
    return int(x) if math.isfinite(x) else float("nan")


def sweep_op_table(info, curves):
    """Every curve at the sweep point nearest the claimed operating point."""
    if not math.isfinite(info["op"]):
        return ""
    rows = []
    for model, scheme, x, y, d in curves:
        i = int(np.argmin(np.abs(x - info["op"])))
        for j in range(len(y)):
            a = d["accuracy"][i, j]
            ci = ("%.3f [%.3f, %.3f]" % (a, d["accuracy_lo"][i, j], d["accuracy_hi"][i, j])
                  if math.isfinite(a) else "n/a")
            e = d.get("energy_core", np.full_like(d["accuracy"], np.nan))[i, j]
            dl = d.get("accuracy_delta", np.full_like(d["accuracy"], np.nan))
            delta = ("%+.3f [%+.3f, %+.3f]" % (dl[i, j], d["accuracy_delta_lo"][i, j], d["accuracy_delta_hi"][i, j])
                     if math.isfinite(dl[i, j]) else "n/a")
            rows.append([model, scheme, "%s = %g" % (info["x_key"], x[i]) +
                         ("" if not info["y_key"] else ", %s = %g" % (info["y_key"], y[j])),
                         ci, delta, whole(d["accuracy_n"][i, j]), d["accuracy_ideal"][i, j], d["sparsity"][i, j],
                         e * 1e6])
    return table(["model", "scheme", "point", "accuracy [95% CI]", "\u2212 ideal [paired 95% CI]", "n", "ideal",
                  "sparsity", "core energy / seq (uJ)"], rows)


def sweep_pareto_figure(all_curves, cost, xlabel, scale, lower_is_better):
    """Accuracy against sparsity or core energy over every point of every sweep, one marker per
    model and scheme, the non-dominated points of each model joined by a black step line."""
    fig, ax = plt.subplots()
    by_model, k = {}, 0
    for info, (model, scheme, x, y, d) in all_curves:
        if cost not in d:
            continue
        c, a = (d[cost] * scale).ravel(), d["accuracy"].ravel()
        ok = np.isfinite(c) & np.isfinite(a)
        if not ok.any():
            continue
        ax.plot(c[ok], a[ok], ls="", marker="os^vD<>ph*"[k % 10], ms=4,
                color=plt.cm.tab20(k % 20), label=model + " / " + scheme + " (" + info["x_key"] + ")")
        by_model.setdefault(model, []).extend(zip(c[ok], a[ok]))
        k += 1
    if not k:
        plt.close(fig)
        return ""
    for model, pts in by_model.items():
        fr = pareto_front(pts, lower_is_better)
        ax.step([p[0] for p in fr], [p[1] for p in fr], where="post", color="k", lw=0.8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("accuracy")
    if not lower_is_better:
        ax.invert_xaxis()
    else:
        ax.set_xscale("log")
    ax.legend(fontsize=5, ncol=2)
    return svg(fig)


def sweep_section(files):
    """The curves of `cimchar sweep` (sweep*.h5): per file, accuracy with its Wilson interval and
    the output error against the swept key with the claimed operating point marked, and a table
    at that point; then the Pareto fronts of accuracy against sparsity and core energy over all."""
    parts, all_curves = [], []
    for path in files:
        info, curves = sweep_curves(path)
        all_curves.extend((info, c) for c in curves)
        head = "<h3>%s: %s</h3>" % (html.escape(info["name"]), html.escape(info["x_key"]))
        if info["claim"]:
            head += "<p>Claim: %s</p>" % html.escape(info["claim"])
        figs = "".join(sweep_curve_figure(info, curves, f) for f in ("accuracy", "rel_l2"))
        parts.append(head + figs + sweep_op_table(info, curves))
    pareto = (sweep_pareto_figure(all_curves, "sparsity", "sparsity (fraction of attention weights pruned)",
                                  1.0, False) +
              sweep_pareto_figure(all_curves, "energy_core", "attention-core energy per sequence (uJ)",
                                  1e6, True))
    if pareto:
        parts.append("<h3>Pareto fronts over every sweep point</h3><p>Black steps: per model, the points "
                     "no other point beats in both accuracy and sparsity (left) or accuracy and "
                     "core energy (right).</p>" + pareto)
    return "".join(parts) or "<p>no curves in these files</p>"


def attribution_tables(files):
    """Every attribution*.h5's /attribution record as dicts of numpy arrays and name lists."""
    out = []
    for path in files:
        with h5py.File(path, "r") as f:
            g = f["attribution"]
            names = {k: (g.attrs[k].decode() if isinstance(g.attrs[k], bytes) else str(g.attrs[k])).split("\n")
                     for k in ("models", "schemes", "nonidealities")}
            d = {k: g[k][()] for k in ("d_accuracy", "d_rel_l2", "accuracy", "rel_l2",
                                       "full_accuracy", "ideal_accuracy", "dominant")}
            for k in ("d_accuracy_lo", "d_accuracy_hi"):  # files before the paired intervals lack them
                d[k] = g[k][()] if k in g else np.full_like(d["d_accuracy"], np.nan)
            out.append((names, d))
    return out


def dominant_nonideality(files):
    """{(scheme, model stem): name of the nonideality whose removal gains most} from attribution*.h5."""
    dom = {}
    for names, d in attribution_tables(files):
        for m, model in enumerate(names["models"]):
            for s, scheme in enumerate(names["schemes"]):
                k = d["dominant"][m, s]
                if math.isfinite(k):
                    text = names["nonidealities"][int(k)]
                    # What removing it gains, with its paired 95% interval (mode 1: full - removed).
                    gain, lo, hi = (-d[f][m, s][int(k), 1] for f in ("d_accuracy", "d_accuracy_hi", "d_accuracy_lo"))
                    if math.isfinite(gain) and math.isfinite(lo):
                        text += " (removing it: %+.3f [%+.3f, %+.3f])" % (gain, lo, hi)
                    dom[(scheme, os.path.splitext(os.path.basename(model))[0])] = text
    return dom


def attribution_section(files):
    """`cimchar attribution`: per scheme and model, a bar per nonideality of its effect switched on
    alone (from the ideal arm) and off alone (from the full set): accuracy where the model has a
    task head, else the relative L2 error."""
    parts = []
    for names, d in attribution_tables(files):
        for m, model in enumerate(names["models"]):
            for s, scheme in enumerate(names["schemes"]):
                task = math.isfinite(d["full_accuracy"][m, s])
                field = "d_accuracy" if task else "d_rel_l2"
                v = d[field][m, s]
                keep = [k for k in range(v.shape[0]) if np.isfinite(v[k]).any()]
                if not keep:
                    continue
                fig, ax = plt.subplots()
                x = np.arange(len(keep))
                for mode, label in ((0, "on alone (vs ideal arm)"), (1, "removed alone (full - removed)")):
                    y = np.array([v[k, mode] for k in keep])
                    err = None
                    if task:  # the paired 95% interval of each delta, where it was recorded
                        lo = np.array([d["d_accuracy_lo"][m, s][k, mode] for k in keep])
                        hi = np.array([d["d_accuracy_hi"][m, s][k, mode] for k in keep])
                        if np.isfinite(lo).any():
                            err = np.nan_to_num(np.vstack([y - lo, hi - y]))
                    ax.bar(x + (mode - 0.5) * 0.4, y, 0.4, label=label, color="C%d" % mode,
                           yerr=err, capsize=2, error_kw={"lw": 0.7})
                ax.set_xticks(x)
                ax.set_xticklabels([names["nonidealities"][k] for k in keep], rotation=30, fontsize=7)
                ax.axhline(0, color="k", lw=0.5)
                ax.set_ylabel("accuracy change" if task else "relative L2 change")
                ax.set_title("%s / %s" % (os.path.basename(model), scheme), fontsize=9)
                ax.legend(fontsize=6)
                parts.append(svg(fig))
    note = ("<p>Each bar: the change from switching that nonideality on, alone from the config with "
            "every nonideality off, or last on top of all the others (docs/schemes.md, "
            "\"Attribution\"). Every arm runs with the same seed (paired); the whiskers are the paired "
            "95% interval of each accuracy change, item by item between its two arms.</p>")
    return note + ("".join(parts) or "<p>no attribution in these files</p>")


class BadStageFile(Exception):
    """A stage file the report cannot read: the message names the file and what is wrong."""


def read_section(paths, fn):
    """fn(files) for the stage files `paths`; BadStageFile naming them if one cannot be read."""
    try:
        return fn(paths)
    except (OSError, KeyError, ValueError, IndexError, TypeError) as e:
        raise BadStageFile("%s: cannot be read as a cimchar stage file (%s: %s)"
                           % (", ".join(paths), type(e).__name__, e)) from e


def read_stage(path, fn):
    def one(paths):
        with h5py.File(paths[0], "r") as f:
            return fn(f)
    return read_section([path], one)


def summary_section(run_dir, att, ppa, attr_files=()):
    """Per scheme and model: accuracy with its interval against fp32, sparsity, energy, latency
    and speed and energy against the GPU (from ppa*.h5 where it costs that attention run)."""
    acc = cimchar.attention_table(att)
    costs = {}
    for _, r in cimchar.Run(run_dir).ppa().iterrows() if ppa else []:
        costs[r.attention_file] = r
    dom = dominant_nonideality(attr_files)
    rows = []
    for _, a in acc.iterrows():
        c = costs.get(a.file)
        ci = ("%.3f [%.3f, %.3f]" % (a.accuracy, a.accuracy_lo, a.accuracy_hi)
              if math.isfinite(a.accuracy) else "n/a")
        get = (lambda k, scale=1.0: float(c[k]) * scale if c is not None and k in c and
               math.isfinite(float(c[k])) else float("nan"))
        delta = ("%+.3f [%+.3f, %+.3f]" % (a.accuracy_delta, a.accuracy_delta_lo, a.accuracy_delta_hi)
                 if math.isfinite(a.accuracy_delta) else "n/a")
        rows.append([a.scheme, a.model, ci, delta, a.n, a.fp32_accuracy, a.sparsity,
                     get("energy_total", 1e6), get("latency_total", 1e3), get("gpu_time_ratio"),
                     get("gpu_time_ratio_launch_floor"), get("gpu_energy_ratio"), dom.get((a.scheme, os.path.splitext(a.model)[0]), "")])
    note = ("<p>Accuracy on the first n held-out sequences with its 95% Wilson interval (for a "
            "language model, next-token accuracy over the n labelled positions of those sequences); "
            "&minus; ideal: the scheme's accuracy minus the ideal run's on the same items, with its paired "
            "95% interval (Newcombe), which resolves losses the two accuracies' intervals cannot; fp32 is "
            "torch's accuracy on the whole held-out set recorded in the model file. Energy and "
            "latency per run from <code>cimchar ppa</code>; GPU columns are GPU / ours (&gt; 1: "
            "ours is faster / spends less energy) from the roofline baseline, and with every GPU "
            "kernel at least the GPU card's launch interval (the launch floor; docs/ppa.md). "
            "Dominant nonideality: the one whose removal gains most accuracy, from this run's "
            "attribution*.h5 (<code>cimchar attribution</code> or an [attribution] stage, "
            "docs/schemes.md); blank where this run attributed none.</p>")
    return note + table(["scheme", "model", "accuracy [95% CI]", "\u2212 ideal [paired 95% CI]", "n", "fp32", "sparsity",
                         "energy (uJ)", "latency (ms)", "GPU time / ours (roofline)",
                         "GPU time / ours (launch floor)", "GPU energy / ours",
                         "dominant nonideality"], rows)


def sections(run_dir):
    """Every section of the report as (id, title, html), in order (BadStageFile on a file that
    cannot be read): the summary, each stage, attention, PPA, then provenance."""
    present = sorted(glob.glob(os.path.join(run_dir, "*.h5")))
    att = sorted(glob.glob(os.path.join(run_dir, "attention*.h5")))
    ppa = sorted(glob.glob(os.path.join(run_dir, "ppa*.h5")))
    swp = sorted(glob.glob(os.path.join(run_dir, "sweep*.h5")))
    atr = sorted(glob.glob(os.path.join(run_dir, "attribution*.h5")))
    not_run = '<p class="not-run">not run</p>'
    out = [("summary", "Summary: accuracy, energy and speed per scheme",
            read_section(att + ppa + atr, lambda ps: summary_section(run_dir, att, ppa, atr)) if att else not_run)]
    for sid, title, name, fn in SECTIONS:
        p = os.path.join(run_dir, name)
        out.append((sid, title, read_stage(p, fn) if os.path.exists(p) else not_run))
    out.append(("attention", "Attention schemes: accuracy, sparsity, output error",
                read_section(att, attention_section) if att else not_run))
    out.append(("attribution", "Attribution: what each nonideality costs",
                read_section(atr, attribution_section) if atr else not_run))
    out.append(("sweep", "Sweeps: accuracy and output error against a scheme key",
                read_section(swp, sweep_section) if swp else not_run))
    out.append(("ppa", "Power, performance and area",
                read_section(ppa, ppa_section) if ppa else not_run))
    prov = read_section(present, lambda ps: provenance(run_dir, ps)) if present else not_run
    out.append(("provenance", "Configuration and provenance",
                "<details><summary>files, versions, seeds and the flow's configuration</summary>"
                + prov + "</details>"))
    return out


def contents(parts):
    return ('<nav><b>Contents</b><ol>' + "".join('<li><a href="#%s">%s</a></li>' % (sid, html.escape(t))
                                              for sid, t, _ in parts) + "</ol></nav>")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run_dir")
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    if not os.path.isdir(a.run_dir):
        print("cimchar report: error: %s: no such run folder" % a.run_dir, file=sys.stderr)
        return 2
    out = a.out or os.path.join(a.run_dir, "report.html")
    try:
        parts = sections(a.run_dir)
        body = [contents(parts)] + [section(sid, t, h) for sid, t, h in parts]
    except BadStageFile as e:
        # A truncated, foreign or older stage file: bad input naming the file, no traceback.
        print("cimchar report: error: %s" % e, file=sys.stderr)
        return 2
    doc = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>cimchar report: %s</title>"
           "<style>%s</style></head><body><h1>cimchar report</h1><p>run folder: <code>%s</code></p>%s"
           "</body></html>") % (html.escape(a.run_dir), CSS, html.escape(os.path.abspath(a.run_dir)), "".join(body))
    tmp = out + ".tmp"
    with open(tmp, "w") as fh:
        fh.write(doc)
    os.replace(tmp, out)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
