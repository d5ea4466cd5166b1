#!/usr/bin/python3
"""`cimchar threshold` end to end, read back with h5py: the LUT's prune rates against the
Gaussian limit erfc(d/(sqrt2 sigma))/2 (computed here independently), the ngspice integration
against the closed-form charge on the capacitor, and the LUT's units; then the StrongARM comparator
flow, its sigma recomputed from the per-sample offsets."""
import math, os, subprocess, sys, tempfile
import h5py, numpy as np
from flowcheck import check, finish

cimchar = sys.argv[1]


FLOW = """
[flow]
name = "e2e_threshold"
seed = 5
[threshold]
c_int = "50 fF"
t_int = "5 ns"
v_th = "0.4 V"
g_leak = "0 S"
v_early = "1e6 V"
sigma_offset = "4 mV"
sigma_noise = "3 mV"
max_distance = "10 mV"
points = 5
samples = 120
twin_samples = 20000
"""

with tempfile.TemporaryDirectory() as d:
    p = os.path.join(d, "f.toml")
    open(p, "w").write(FLOW)
    out = os.path.join(d, "out")
    r = subprocess.run([cimchar, "threshold", p, "--out", out, "-q", "-j", "2"],
                       capture_output=True, text=True)
    check(r.returncode == 0, "run: " + r.stderr[-800:])
    print(r.stdout)
    f = h5py.File(os.path.join(out, "threshold.h5"), "r")
    bc = f["/lut/threshold_comparator"].attrs
    check(bc["kind"] == "behavioural" and bc["offset_sigma_V"] == 4e-3, "behavioural comparator record")
    check(all(math.isnan(bc[k]) for k in ("energy_J", "energy_clk_J", "delay_s", "t0_s", "area_m2")),
          "the behavioural comparator's unmeasured figures are NaN, not 0")
    dist = f["/lut/threshold/distance"][:]
    check(f["/lut/threshold/distance"].attrs["units"] == "V", "distance units")
    check(np.allclose(dist, np.linspace(-10e-3, 10e-3, 5)), "distance grid %s" % dist)
    sigma = math.hypot(4e-3, 3e-3)
    gauss = np.array([0.5 * math.erfc(x / (math.sqrt(2) * sigma)) for x in dist])
    twin = f["/lut/threshold/p_prune"][:]
    spice = f["/lut/threshold/p_prune_spice"][:]
    for k in range(len(dist)):
        se_t = math.sqrt(gauss[k] * (1 - gauss[k]) / 20000) + 1e-4
        se_s = math.sqrt(gauss[k] * (1 - gauss[k]) / 120) + 0.01
        check(abs(twin[k] - gauss[k]) < 4 * se_t, "twin %.4f vs %.4f at %g" % (twin[k], gauss[k], dist[k]))
        check(abs(spice[k] - gauss[k]) < 4 * se_s, "ngspice %.4f vs %.4f at %g" % (spice[k], gauss[k], dist[k]))
    # Loss-free integration: v = I t / C, so the current for v_th + d is C (v_th + d) / t.
    cur = f["/mc/current"][:]
    check(np.allclose(cur, 50e-15 * (0.4 + dist) / 5e-9, rtol=1e-5), "currents %s" % cur)
    vtop = f["/mc/v_top"][:]
    check(np.allclose(vtop, (0.4 + dist)[:, None], rtol=1e-4), "ngspice v(top) off the ramp")
    fp = f["/lut/threshold/p_false_prune"][:]
    fk = f["/lut/threshold/p_false_keep"][:]
    check(np.isnan(fp[0]) and fp[-1] == twin[-1] and fk[0] == 1 - twin[0], "false rates")
    check(not os.path.exists(os.path.join(out, "threshold.journal")), "journal left behind")
    check(f["/lut/threshold"].attrs["format_version"] == 1, "format_version")
    check(f["/lut/threshold"].attrs["interpolation"] == "linear", "interpolation attribute")
    f.close()

    # The LUT as labelled data (xarray through h5netcdf needs the dimension scales), looked up
    # between grid points, against numpy's interpolation of the raw arrays; every unit parses.
    import xarray as xr, pint
    ds = xr.open_dataset(os.path.join(out, "threshold.h5"), group="/lut/threshold",
                         engine="h5netcdf")
    check(ds["p_prune"].dims == ("distance",), "p_prune dims %s" % (ds["p_prune"].dims,))
    at = 0.0031
    check(abs(float(ds["p_prune"].interp(distance=at)) - np.interp(at, dist, twin)) < 1e-12,
          "xarray interp")
    ureg = pint.UnitRegistry()
    for name in ds.variables:
        u = ds[name].attrs["units"]
        try:
            ureg(u)
        except Exception as e:
            check(False, "units %r of %s do not parse: %s" % (u, name, e))
    check(str(ureg(ds["distance"].attrs["units"]).units) == "volt", "distance is in volts")

# comparator = "strongarm" (characterization/threshold_strongarm.toml): the record read back with
# h5py, its sigma recomputed here from the per-sample offsets, the prune curve against the
# Gaussian limit with that sigma and the node's measured shift as its mean, the energy per
# decision from its parts, every unit parsed.
import pint
root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
with tempfile.TemporaryDirectory() as d:
    out = os.path.join(d, "out")
    r = subprocess.run([cimchar, "threshold", os.path.join(root, "characterization",
                        "threshold_strongarm.toml"), "--out", out, "-q", "-j", "2"],
                       capture_output=True, text=True)
    check(r.returncode == 0, "strongarm run: " + r.stderr[-800:])
    f = h5py.File(os.path.join(out, "threshold.h5"), "r")
    c = f["/lut/threshold_comparator"].attrs
    check(c["kind"] == "strongarm", "kind %r" % c["kind"])
    off = f["/strongarm/offset"][:]
    check(len(off) == 16 and c["offset_samples"] == 16, "16 offset samples")
    check(abs(c["offset_sigma_V"] - np.std(off, ddof=1)) < 1e-12, "sigma vs numpy std")
    check(f["/circuit"].attrs["sigma_offset_V"] == c["offset_sigma_V"], "sigma used")
    sigma = math.hypot(c["offset_sigma_V"], 1e-3)
    # the integrating node's kickback shift is the offsets' mean: positive, about 14 mV at 100 fF
    shift = c["node_shift_V"]
    check(0.008 < shift < 0.02 and abs(shift - (c["node_flip_V"] - 0.7 - c["node_offset_alone_V"])) < 1e-15,
          "node shift %g" % shift)
    dist = f["/lut/threshold/distance"][:]
    twin = f["/lut/threshold/p_prune"][:]
    for k in range(len(dist)):
        g = 0.5 * math.erfc((dist[k] - shift) / (math.sqrt(2) * sigma))
        check(abs(twin[k] - g) < 4 * (math.sqrt(g * (1 - g) / 20000) + 1e-4),
              "strongarm twin %.4f vs %.4f at %g" % (twin[k], g, dist[k]))
    t = f["/lut/threshold"].attrs
    e = 100e-15 * 0.7 * 1.0 + c["energy_J"] + c["energy_clk_J"]
    check(abs(t["e_decision_J"] - e) < 1e-21, "e_decision %g vs %g" % (t["e_decision_J"], e))
    check(10e-15 < c["energy_J"] < 100e-15, "StrongARM energy %g" % c["energy_J"])
    check("StrongARM" in t["e_decision_definition"], "e_decision_definition")
    ureg = pint.UnitRegistry()
    for name in c:
        if name.endswith("_units"):
            try:
                ureg(c[name])
            except Exception as ex:
                check(False, "units %r of %s do not parse: %s" % (c[name], name, ex))
    check(str(ureg(c["a_vt_V_m_units"]).units) == "meter * volt", "a_vt units")
    f.close()

finish()
