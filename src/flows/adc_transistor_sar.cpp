#include "flows/adc_transistor_sar.hpp"

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


// One sample's draws: the comparator's threshold shifts and the DAC's capacitor errors.
struct SampleDraws {
  std::vector<double> dvth;
  periph::AdcSample tw;  // cap_rel here; offset_V once searched
};

SampleDraws draw_sample(const TransistorSarConfig& c, const StageScope& scope, size_t s) {
  const auto& d = c.design;
  periph::StrongArmOptions o = c.mismatch;
  o.seed = scope.ctx().seed;
  SampleDraws x;
  x.dvth = periph::draw_strongarm_mismatch(d.comparator, o, s);
  auto rng = stream_rng(scope.ctx().seed, (uint64_t{3} << 48) | s);
  std::normal_distribution<double> n01(0, 1);
  for (int i = 0; i <= d.bits; ++i)
    x.tw.cap_rel.push_back(c.sigma_cap_rel * n01(rng) / std::sqrt(std::ldexp(1.0, i < d.bits ? i : 0)));
  return x;
}

// Every sample's comparator offset searched alone, as one batch; if the batch fails, sample by
// sample (NaN and the message for a sample whose search fails).
std::vector<double> search_all(const TransistorSarConfig& c, StageScope& scope,
                               const std::vector<SampleDraws>& x, std::vector<std::string>& why) {
  periph::StrongArmOptions o = c.mismatch;
  o.seed = scope.ctx().seed;
  std::vector<std::vector<double>> dvth;
  for (const auto& s : x) dvth.push_back(s.dvth);
  double res = 0;
  const std::string dir = devices_dir().string();
  try {
    return periph::search_offsets(scope.pool(), c.design.comparator, o, dir, dvth, res);
  } catch (const SpiceError&) {
    std::vector<double> off;
    for (size_t s = 0; s < x.size(); ++s) {
      try {
        off.push_back(periph::search_offsets(scope.pool(), c.design.comparator, o, dir, {dvth[s]}, res)[0]);
      } catch (const SpiceError& e) {
        off.push_back(kNaN);
        why[s] = e.what();
      }
    }
    return off;
  }
}

std::vector<double> ramp_inputs(const TransistorSarConfig& c) {
  const auto ramp = periph::make_ramp(c.design.as_adc(), c.points_per_lsb);
  std::vector<double> vin;
  for (size_t p = 0; p < ramp.points; ++p) vin.push_back(ramp.x(p));
  return vin;
}

// One sample's transistor run analyzed, and the twin on the same capacitors with its offset.
void append_sample(const TransistorSarConfig& c, const SampleDraws& x, const periph::SarStrongArmRun& run,
                   TransistorSarResult& r) {
  const periph::AdcDesign a = c.design.as_adc();
  const auto ramp = periph::make_ramp(a, c.points_per_lsb);
  const auto st = periph::analyze(a, run.codes, ramp);
  const auto tt = periph::histogram_transitions(periph::convert_ramp(a, x.tw, ramp), ramp, a.transitions());
  double m = 0;
  for (size_t k = 0; k < tt.size(); ++k) m = std::max(m, std::abs(st.transitions_V[k] - tt[k]) / a.lsb_V());
  r.transitions_V.push_back(st.transitions_V);
  r.twin_transitions_V.push_back(tt);
  r.offset_V.push_back(x.tw.offset_V[0]);
  r.inl_max.push_back(st.inl_max);
  r.dnl_max.push_back(st.dnl_max);
  r.enob.push_back(st.enob);
  r.max_diff_lsb.push_back(m);
  r.e_comparator_J.push_back(run.energy_vdd_J);
  r.e_clock_J.push_back(run.energy_clk_J);
  r.failed.emplace_back();
}

void append_failed(size_t transitions, const std::string& why, TransistorSarResult& r) {
  r.transitions_V.emplace_back(transitions, kNaN);
  r.twin_transitions_V.emplace_back(transitions, kNaN);
  for (auto* v : {&r.offset_V, &r.inl_max, &r.dnl_max, &r.enob, &r.max_diff_lsb, &r.e_comparator_J, &r.e_clock_J})
    v->push_back(kNaN);
  r.failed.push_back(why);
}

// The samples' transients as one pool batch (the workers share them); a failed one is its
// sample's NaN row, not a failed stage.
void run_samples(const TransistorSarConfig& c, StageScope& scope, std::vector<SampleDraws>& x,
                 std::vector<std::string>& why, TransistorSarResult& r) {
  const std::vector<double> vin = ramp_inputs(c);
  std::vector<spice::Job> jobs;
  std::vector<size_t> of;
  for (size_t s = 0; s < x.size(); ++s)
    if (why[s].empty()) {
      jobs.push_back(periph::sar_strongarm_job(c.design, devices_dir().string(), vin, x[s].tw.cap_rel, x[s].dvth));
      of.push_back(s);
    }
  const auto res = scope.pool().run(jobs);
  std::vector<const spice::JobResult*> by_sample(x.size(), nullptr);
  for (size_t j = 0; j < jobs.size(); ++j) {
    by_sample[of[j]] = &res[j];
    if (!res[j].ok()) why[of[j]] = jobs[j].name + ": " + res[j].message;
  }
  const size_t n = c.design.as_adc().transitions();
  for (size_t s = 0; s < x.size(); ++s) {
    if (!why[s].empty()) {
      append_failed(n, why[s], r);
      continue;
    }
    try {
      const auto run = periph::sar_strongarm_from_vectors(c.design, vin.size(), by_sample[s]->vectors);
      append_sample(c, x[s], run, r);
    } catch (const SpiceError& e) {  // (append_sample appends only after its last read)
      append_failed(n, e.what(), r);
    }
  }
}

}  // namespace

std::optional<TransistorSarConfig> parse_transistor_sar(Section& adc) {
  if (!adc.has("transistor_sar")) return std::nullopt;
  Section s = adc.sub("transistor_sar");
  TransistorSarConfig c;
  auto& d = c.design;
  const double vdd = parse_comparator_keys(s, d.comparator, c.mismatch);
  d.bits = static_cast<int>(s.get_int("bits", d.bits, 1, 8));
  d.vref_V = s.get_double("vref", d.vref_V, "V", {1e-3, 10});
  d.unit_cap_F = s.get_double("unit_cap", d.unit_cap_F, "F", {1e-18, 1e-9});
  d.comparator.vcm_V = s.get_double("vcm", d.comparator.vcm_V, "V", {1e-3, vdd});
  d.t_bit_s = s.get_double("t_bit", d.t_bit_s, "s", {1e-11, 1e-5});
  d.t_sample_s = s.get_double("t_sample", d.t_sample_s, "s", {1e-11, 1e-5});
  if (d.t_bit_s < d.comparator.t_clk_s) s.fail("t_bit", "must be at least the comparator's clock period");
  c.sigma_cap_rel = s.get_double("sigma_cap", c.sigma_cap_rel, "", {0, 0.5});
  c.samples = static_cast<size_t>(s.get_int("samples", 2, 1, 100000));
  c.points_per_lsb = static_cast<int>(s.get_int("points_per_lsb", 8, 2, 1024));
  c.cap_density_F_m2 = s.get_double("cap_density", c.cap_density_F_m2, "F/m^2", {1e-6, 1});
  s.finish();
  return c;
}

TransistorSarResult run_transistor_sar(const TransistorSarConfig& c, StageScope& scope) {
  const auto t0 = std::chrono::steady_clock::now();
  TransistorSarResult r;
  std::vector<SampleDraws> x;
  for (size_t s = 0; s < c.samples; ++s) x.push_back(draw_sample(c, scope, s));
  std::vector<std::string> why(c.samples);
  const std::vector<double> off = search_all(c, scope, x, why);
  for (size_t s = 0; s < c.samples; ++s) x[s].tw.offset_V = {off[s]};
  run_samples(c, scope, x, why, r);
  size_t ok = 0;
  for (const auto& f : r.failed) ok += f.empty();
  if (ok == 0) throw SpiceError("adc/transistor_sar", "every sample failed: " + r.failed.front());
  double wl = 0;
  for (const auto& dev : periph::strongarm_devices(c.design.comparator)) wl += dev.w_m * dev.l_m;
  r.area_comparator_m2 = c.mismatch.layout_factor * wl;
  r.area_caps_m2 = std::ldexp(1.0, c.design.bits) * c.design.unit_cap_F / c.cap_density_F_m2;
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

void print_transistor_sar(const TransistorSarConfig& c, const TransistorSarResult& r, const Sink& out) {
  size_t failed = 0;
  for (const auto& f : r.failed) failed += !f.empty();
  out.print("adc: SAR on the transistor-level StrongARM (%d bits, unit cap %.3g F): %zu samples "
            "in ngspice (%.2f s), %zu failed\n", c.design.bits, c.design.unit_cap_F, r.failed.size(),
            r.wall_s, failed);
  out.print("  INLmax %.3f LSB, DNLmax %.3f LSB, ENOB %.3f (means); vs the twin with each "
            "comparator's searched offset: max |T - T_twin| %.3f LSB (mean over samples)\n",
            finite_mean(r.inl_max), finite_mean(r.dnl_max), finite_mean(r.enob), finite_mean(r.max_diff_lsb));
  out.print("  comparator energy per conversion %.1f fJ (clock %.1f apart; the DAC's is not "
            "measured), %.3g s per conversion; area %.1f um^2 comparator + %.1f um^2 DAC\n",
            finite_mean(r.e_comparator_J) * 1e15, finite_mean(r.e_clock_J) * 1e15,
            c.design.conversion_s(), r.area_comparator_m2 * 1e12, r.area_caps_m2 * 1e12);
}

void write_transistor_sar(const TransistorSarConfig& c, const TransistorSarResult& r, H5Writer& out) {
  const std::string g = "/transistor_sar";
  const size_t S = r.failed.size(), K = c.design.as_adc().transitions();
  out.group(g);
  out.attr(g, "design", c.design.describe());
  out.attr(g, "netlists", find_netlist("strongarm.lib").string() + ", " + find_netlist("adc.lib").string());
  out.attr(g, "a_vt_V_m", c.mismatch.a_vt_V_m);
  out.attr(g, "sigma_cap_rel", c.sigma_cap_rel);
  out.attr(g, "points_per_lsb", static_cast<int64_t>(c.points_per_lsb));
  std::vector<double> t, tt, failed;
  for (const auto& row : r.transitions_V) t.insert(t.end(), row.begin(), row.end());
  for (const auto& row : r.twin_transitions_V) tt.insert(tt.end(), row.begin(), row.end());
  for (const auto& f : r.failed) failed.push_back(f.empty() ? 0.0 : 1.0);
  out.write(g + "/transitions", t, {S, K}, "V");
  out.write(g + "/twin_transitions", tt, {S, K}, "V");
  out.write(g + "/offset", r.offset_V, {S}, "V");
  out.write(g + "/inl_max", r.inl_max, {S}, "1");
  out.write(g + "/dnl_max", r.dnl_max, {S}, "1");
  out.write(g + "/enob", r.enob, {S}, "1");
  out.write(g + "/max_abs_transition_diff", r.max_diff_lsb, {S}, "1");
  out.write(g + "/energy_comparator", r.e_comparator_J, {S}, "J");
  out.write(g + "/energy_clock", r.e_clock_J, {S}, "J");
  out.write(g + "/failed", failed, {S}, "1");
  out.attr(g, "conversion_time_s", c.design.conversion_s());
  out.attr(g, "area_comparator_m2", r.area_comparator_m2);
  out.attr(g, "area_caps_m2", r.area_caps_m2);
  out.attr(g, "cap_density_F_m2", c.cap_density_F_m2);
  out.attr(g, "wall_s", r.wall_s);
}

}  // namespace cimchar::flows
