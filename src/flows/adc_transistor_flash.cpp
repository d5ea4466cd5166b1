#include "flows/adc_transistor_flash.hpp"

#include <chrono>
#include <cmath>
#include <limits>

#include "core/error.hpp"
#include "flows/adc_transistor_common.hpp"
#include "core/param_table.hpp"
#include "core/rng.hpp"
#include "device/mosfet_node.hpp"
#include "periph/adc_metrics.hpp"
#include "spice/pool.hpp"

namespace cimchar::flows {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();


// The input staircase: a warm-up cycle at v_lo, then the ramp (relative to v_lo).
std::vector<double> inputs(const periph::FlashStrongArmDesign& d, const periph::Ramp& r) {
  std::vector<double> v{d.v_lo_V};
  for (size_t p = 0; p < r.points; ++p) v.push_back(d.v_lo_V + r.x(p));
  return v;
}

// The fitted twin: comparator offset sigma from the transitions' spread about the taps, less
// the ramp step's quantization (step^2 / 12).
double fit_sigma(const TransistorFlashConfig& c, const TransistorFlashResult& r, double step) {
  double ss = 0;
  size_t n = 0;
  for (const auto& t : r.transitions_V)
    for (size_t k = 0; k < t.size(); ++k)
      if (std::isfinite(t[k])) ss += std::pow(t[k] - c.design.tap_V(k + 1), 2), ++n;
  if (n < 2) return kNaN;
  return std::sqrt(std::max(0.0, ss / static_cast<double>(n) - step * step / 12));
}

void twin_mc(const TransistorFlashConfig& c, uint64_t seed, TransistorFlashResult& r) {
  const periph::AdcDesign d = c.design.as_adc();
  const auto ramp = periph::make_ramp(d, 64);
  periph::AdcVariation v;
  v.sigma_offset_V = std::isfinite(r.sigma_offset_V) ? r.sigma_offset_V : 0.0;
  std::vector<double> inl, dnl;
  for (size_t i = 0; i < c.twin_samples; ++i) {
    auto rng = stream_rng(seed, (uint64_t{1} << 50) | i);
    const auto s = periph::draw_sample(d, v, rng);
    const auto a = periph::analyze(d, periph::convert_ramp(d, s, ramp), ramp);
    inl.push_back(a.inl_max);
    dnl.push_back(a.dnl_max);
  }
  r.twin_inl_mean = finite_mean(inl);
  r.twin_dnl_mean = finite_mean(dnl);
}

void areas(const TransistorFlashConfig& c, TransistorFlashResult& r) {
  double wl = 0;
  for (const auto& dev : periph::strongarm_devices(c.design.comparator)) wl += dev.w_m * dev.l_m;
  const double k = static_cast<double>(c.design.comparators());
  r.area_comparators_m2 = k * c.mismatch.layout_factor * wl;
  r.area_caps_m2 = k * c.design.c_tap_F / c.cap_density_F_m2;
}

}  // namespace

std::optional<TransistorFlashConfig> parse_transistor_flash(Section& adc) {
  if (!adc.has("transistor_flash")) return std::nullopt;
  Section s = adc.sub("transistor_flash");
  TransistorFlashConfig c;
  auto& d = c.design;
  const double vdd = parse_comparator_keys(s, d.comparator, c.mismatch);
  d.bits = static_cast<int>(s.get_int("bits", d.bits, 1, 6));
  d.v_lo_V = s.get_double("v_lo", d.v_lo_V, "V", {1e-3, vdd});
  d.v_hi_V = s.get_double("v_hi", d.v_hi_V, "V", {1e-3, vdd});
  if (!(d.v_hi_V > d.v_lo_V)) s.fail("v_hi", "must be above v_lo");
  d.r_unit_ohm = s.get_double("r_unit", d.r_unit_ohm, "ohm", {1e-3, 1e9});
  d.c_tap_F = s.get_double("c_tap", d.c_tap_F, "F", {0, 1e-9});
  d.comparator.w_in_m = s.get_double("w_in", d.comparator.w_in_m, "m", {1e-9, 1e-3});
  d.comparator.t_clk_s = s.get_double("t_clk", d.comparator.t_clk_s, "s", {1e-11, 1e-6});
  d.comparator.t_edge_s = std::min(d.comparator.t_edge_s, 0.1 * d.comparator.t_clk_s);
  c.samples = static_cast<size_t>(s.get_int("samples", 4, 1, 100000));
  c.points_per_lsb = static_cast<int>(s.get_int("points_per_lsb", 8, 2, 1024));
  c.twin_samples = static_cast<size_t>(s.get_int("twin_samples", 2000, 1, 10000000));
  c.cap_density_F_m2 = s.get_double("cap_density", c.cap_density_F_m2, "F/m^2", {1e-6, 1});
  s.finish();
  return c;
}

TransistorFlashResult run_transistor_flash(const TransistorFlashConfig& c, StageScope& scope) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto& d = c.design;
  const periph::AdcDesign a = d.as_adc();
  const auto ramp = periph::make_ramp(a, c.points_per_lsb);
  const auto vin = inputs(d, ramp);
  periph::StrongArmOptions o = c.mismatch;
  o.seed = scope.ctx().seed;
  std::vector<spice::Job> jobs;
  for (size_t s = 0; s < c.samples; ++s) {
    std::vector<std::vector<double>> dvth;
    for (size_t k = 0; k < d.comparators(); ++k)
      dvth.push_back(periph::draw_strongarm_mismatch(d.comparator, o, s * d.comparators() + k));
    const auto b = periph::render_flash_strongarm_bench(d, devices_dir().string(), vin, dvth);
    spice::Job j;
    j.name = "adc/transistor_flash/b" + std::to_string(d.bits) + "/" + std::to_string(s);
    j.netlist = b.netlist;
    j.commands = b.commands;
    j.vectors = b.vectors;
    j.cost = static_cast<double>(15 * d.comparators());
    jobs.push_back(std::move(j));
  }
  const auto res = scope.pool().run(jobs);
  TransistorFlashResult r;
  for (size_t s = 0; s < c.samples; ++s) {
    try {
      res[s].throw_if_failed(jobs[s].name);
      const auto run = periph::flash_strongarm_from_vectors(d, vin.size(), res[s].vectors);
      const std::vector<int> codes(run.codes.begin() + 1, run.codes.end());
      const auto st = periph::analyze(a, codes, ramp);
      std::vector<double> t = st.transitions_V;
      for (double& x : t) x += d.v_lo_V;
      r.transitions_V.push_back(t);
      r.inl_max.push_back(st.inl_max);
      r.dnl_max.push_back(st.dnl_max);
      r.enob.push_back(st.enob);
      r.e_comparators_J.push_back(run.energy_vdd_J);
      r.e_ladder_J.push_back(run.energy_ladder_J);
      r.e_clock_J.push_back(run.energy_clk_J);
      r.failed.emplace_back();
    } catch (const SpiceError& e) {  // one failed sample is a NaN row, not a failed stage
      r.transitions_V.emplace_back(d.comparators(), kNaN);
      for (auto* v : {&r.inl_max, &r.dnl_max, &r.enob, &r.e_comparators_J, &r.e_ladder_J, &r.e_clock_J})
        v->push_back(kNaN);
      r.failed.emplace_back(e.what());
    }
  }
  size_t ok = 0;
  for (const auto& f : r.failed) ok += f.empty();
  if (ok == 0) throw SpiceError("adc/transistor_flash", "every sample failed: " + r.failed.front());
  r.sigma_offset_V = fit_sigma(c, r, ramp.step);
  twin_mc(c, scope.ctx().seed, r);
  areas(c, r);
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

void print_transistor_flash(const TransistorFlashConfig& c, const TransistorFlashResult& r,
                            const Sink& out) {
  size_t failed = 0;
  for (const auto& f : r.failed) failed += !f.empty();
  out.print("adc: transistor-level flash (%s): %zu samples in ngspice (%.2f s), %zu failed\n",
            c.design.describe().c_str(), r.failed.size(), r.wall_s, failed);
  out.print("  INLmax %.3f LSB, DNLmax %.3f LSB, ENOB %.3f (means); fitted twin: offset sigma "
            "%.2f mV -> INLmax %.3f, DNLmax %.3f\n", finite_mean(r.inl_max), finite_mean(r.dnl_max),
            finite_mean(r.enob), r.sigma_offset_V * 1e3, r.twin_inl_mean, r.twin_dnl_mean);
  out.print("  energy per conversion %.1f fJ (comparators %.1f, ladder %.1f; clock %.1f apart), "
            "%.3g s per conversion; area %.1f um^2 comparators + %.1f um^2 tap capacitors\n",
            (finite_mean(r.e_comparators_J) + finite_mean(r.e_ladder_J)) * 1e15, finite_mean(r.e_comparators_J) * 1e15,
            finite_mean(r.e_ladder_J) * 1e15, finite_mean(r.e_clock_J) * 1e15, c.design.comparator.t_clk_s,
            r.area_comparators_m2 * 1e12, r.area_caps_m2 * 1e12);
}

void write_transistor_flash(const TransistorFlashConfig& c, const TransistorFlashResult& r,
                            H5Writer& out) {
  const std::string g = "/transistor_flash";
  const size_t S = r.failed.size(), K = c.design.comparators();
  out.group(g);
  out.attr(g, "design", c.design.describe());
  out.attr(g, "netlist", find_netlist("strongarm.lib").string());
  out.attr(g, "a_vt_V_m", c.mismatch.a_vt_V_m);
  out.attr(g, "points_per_lsb", static_cast<int64_t>(c.points_per_lsb));
  std::vector<double> t, tap;
  for (const auto& row : r.transitions_V) t.insert(t.end(), row.begin(), row.end());
  for (size_t k = 1; k <= K; ++k) tap.push_back(c.design.tap_V(k));
  out.write(g + "/tap", tap, {K}, "V");
  out.write(g + "/transitions", t, {S, K}, "V");
  out.write(g + "/inl_max", r.inl_max, {S}, "1");
  out.write(g + "/dnl_max", r.dnl_max, {S}, "1");
  out.write(g + "/enob", r.enob, {S}, "1");
  out.write(g + "/energy_comparators", r.e_comparators_J, {S}, "J");
  out.write(g + "/energy_ladder", r.e_ladder_J, {S}, "J");
  out.write(g + "/energy_clock", r.e_clock_J, {S}, "J");
  std::vector<double> failed;
  for (const auto& f : r.failed) failed.push_back(f.empty() ? 0.0 : 1.0);
  out.write(g + "/failed", failed, {S}, "1");
  out.attr(g, "energy_per_conversion_J", finite_mean(r.e_comparators_J) + finite_mean(r.e_ladder_J));
  out.attr(g, "conversion_time_s", c.design.comparator.t_clk_s);
  out.attr(g, "area_comparators_m2", r.area_comparators_m2);
  out.attr(g, "area_caps_m2", r.area_caps_m2);
  out.attr(g, "cap_density_F_m2", c.cap_density_F_m2);
  out.attr(g, "twin_sigma_offset_V", r.sigma_offset_V);
  out.attr(g, "twin_inl_max_mean", r.twin_inl_mean);
  out.attr(g, "twin_dnl_max_mean", r.twin_dnl_mean);
  out.attr(g, "twin_samples", static_cast<int64_t>(c.twin_samples));
  out.attr(g, "wall_s", r.wall_s);
}

}  // namespace cimchar::flows
