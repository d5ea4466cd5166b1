// The threshold stage (`cimchar threshold`, [threshold] in a flow): the charge-mode threshold
// comparator of in-memory score pruning (SPRINT-style; netlists/threshold.lib). For a grid of
// distances d between the integrated bit-line voltage and the threshold, Monte Carlo samples draw
// the comparator's offset and a per-decision noise, and ngspice integrates the bit-line current
// and decides keep/prune. Outputs the false-prune and false-keep rates vs distance, the twin's
// rates from many more samples, and the Gaussian limit, as a LUT for the attention executor.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>

#include "core/error.hpp"
#include "core/h5.hpp"
#include "core/param_table.hpp"
#include "core/rng.hpp"
#include "device/mosfet_node.hpp"
#include "flows/monte_carlo.hpp"
#include "flows/stage_scope.hpp"
#include "flows/stages.hpp"
#include "lut/periph_records.hpp"
#include "periph/strongarm.hpp"
#include "periph/threshold.hpp"
#include "periph/threshold_strongarm.hpp"

namespace cimchar::flows {

namespace {

struct ThresholdConfig {
  periph::ThresholdCircuit circuit;
  std::vector<double> distances;  // V, integrated voltage minus threshold
  double sigma_offset = 5e-3, sigma_noise = 1e-3;  // V
  size_t samples = 200, twin_samples = 20000, samples_per_job = 64;
  std::string lib;
  // "behavioural": sigma_offset as configured; "strongarm": measured on the transistor-level
  // StrongARM (periph/strongarm.hpp), whose input common mode is v_th.
  std::string comparator = "behavioural";
  periph::StrongArmDesign sa_design;
  periph::StrongArmOptions sa_options;
  // strongarm: the mean of the decision offset, the integrating node's threshold shift measured
  // with the StrongARM on it (measure_node_shift); 0 behavioural.
  double offset_mean = 0;
  bool strongarm() const { return comparator == "strongarm"; }
};

// [threshold.strongarm]: the comparator's design and its characterization. The supply is the
// node's VDD and the input common mode v_th, so `vdd` and `v_th` of [threshold] set them.
void parse_strongarm(Section& t, ThresholdConfig& c) {
  Section s = t.sub("strongarm");
  auto& d = c.sa_design;
  auto& o = c.sa_options;
  d.node = s.get_string("node", d.node);
  try {
    device::mosfet_node(d.node);
  } catch (const ConfigError& e) {
    s.fail("node", e.what());
  }
  d.l_m = s.get_double("l", d.l_m, "m", {1e-9, 1e-5});
  d.w_tail_m = s.get_double("w_tail", d.w_tail_m, "m", {1e-9, 1e-3});
  d.w_in_m = s.get_double("w_in", d.w_in_m, "m", {1e-9, 1e-3});
  d.w_nlatch_m = s.get_double("w_nlatch", d.w_nlatch_m, "m", {1e-9, 1e-3});
  d.w_platch_m = s.get_double("w_platch", d.w_platch_m, "m", {1e-9, 1e-3});
  d.t_clk_s = s.get_double("t_clk", d.t_clk_s, "s", {1e-11, 1e-6});
  d.t_edge_s = std::min(d.t_edge_s, 0.1 * d.t_clk_s);
  o.a_vt_V_m = 1e-9 * s.get_double("a_vt_mV_um", 4.5, "", {0, 99.9});
  o.mc_samples = static_cast<int>(s.get_int("mc_samples", 16, 2, 100000));
  o.samples_per_job = static_cast<int>(s.get_int("samples_per_job", 8, 1, 10000));
  o.layout_factor = s.get_double("layout_factor", o.layout_factor, "", {1, 1000});
  s.finish();
  d.vcm_V = c.circuit.v_th;
  const double vdd = device::mosfet_node(d.node).vdd_V;
  if (std::abs(c.circuit.vdd - vdd) > 1e-9 * vdd)
    t.fail("vdd", "the StrongARM runs at its node's supply: set vdd = " + std::to_string(vdd) +
                      " V (node " + d.node + ")");
}

ThresholdConfig parse(Section& t) {
  ThresholdConfig c;
  auto& k = c.circuit;
  k.vdd = t.get_double("vdd", 1.0, "V", {0.1, 5});
  k.c_int = t.get_double("c_int", 100e-15, "F", {1e-18, 1e-6});
  k.t_int = t.get_double("t_int", 10e-9, "s", {1e-12, 1e-3});
  k.v_th = t.get_double("v_th", 0.5, "V");
  if (!(k.v_th > 0 && k.v_th < k.vdd))
    t.fail("v_th", "the threshold must lie inside the supply, 0 < v_th < vdd (" +
                       std::to_string(k.vdd) + " V)");
  k.g_leak = t.get_double("g_leak", 0, "S", {0, 1});
  k.v_early = t.get_double("v_early", 10, "V", {0.1, 1e6});
  k.v_gain = t.get_double("comparator_range", 1e-3, "V", {1e-6, 0.1});
  c.comparator = t.get_choice("comparator", "behavioural", {"behavioural", "strongarm"});
  if (c.strongarm() && t.has("sigma_offset"))
    t.fail("sigma_offset", "is measured with comparator = \"strongarm\"; remove it");
  if (!c.strongarm() && t.has("strongarm"))
    t.fail("strongarm", "the table applies only with comparator = \"strongarm\"");
  c.sigma_offset = t.get_double("sigma_offset", 5e-3, "V", {0, 1});
  c.sigma_noise = t.get_double("sigma_noise", 1e-3, "V", {0, 1});
  const double dmax = t.get_double("max_distance", 20e-3, "V", {1e-6, 1});
  const int64_t points = t.get_int("points", 21, 2, 1001);
  if (k.v_th - dmax <= 0 || k.v_th + dmax >= k.vdd)
    t.fail("max_distance", "v_th +- max_distance must stay inside the supply (0, vdd)");
  for (int64_t p = 0; p < points; ++p)
    c.distances.push_back(-dmax + 2 * dmax * static_cast<double>(p) / static_cast<double>(points - 1));
  c.samples = static_cast<size_t>(t.get_int("samples", 200, 1, 10000000));
  c.twin_samples = static_cast<size_t>(t.get_int("twin_samples", 20000, 1, 100000000));
  c.samples_per_job = static_cast<size_t>(t.get_int("samples_per_job", 64, 1, 100000));
  if (c.strongarm()) parse_strongarm(t, c);
  t.finish();
  try {  // the largest voltage asked for must be reachable by the bit-line current
    periph::current_for_voltage(k, k.v_th + dmax);
  } catch (const std::domain_error& e) {
    t.fail("max_distance", std::string("with this leakage and early voltage ") + e.what());
  }
  c.lib = find_netlist("threshold.lib").string();
  return c;
}

// Offset and per-decision noise of one decision, drawn from its own stream.
double draw_offset(const ThresholdConfig& c, std::mt19937_64& rng) {
  std::normal_distribution<double> n01(0.0, 1.0);
  const double off = c.sigma_offset * n01(rng);
  return c.offset_mean + off + c.sigma_noise * n01(rng);
}

McSpec threshold_spec(const ThresholdConfig& c, const std::vector<double>& current,
                      uint64_t seed) {
  const auto& k = c.circuit;
  const size_t S = c.samples;
  McSpec spec;
  spec.name = "threshold";
  spec.params = {"iin", "vos"};
  spec.nominal = {periph::current_for_voltage(k, k.v_th), 0.0};
  spec.render = [&c](const std::vector<double>& v) {
    return periph::threshold_netlist(c.circuit, c.lib, v[0], v[1]);
  };
  spec.commands = {periph::threshold_tran_command(k)};
  spec.vectors = periph::threshold_vectors();
  spec.samples = current.size() * S;
  spec.seed = seed;
  spec.samples_per_job = c.samples_per_job;
  spec.draw = [&c, current, S](size_t i, std::mt19937_64& rng) {
    return std::vector<double>{current[i / S], draw_offset(c, rng)};
  };
  return spec;
}

// The integrating node at transistor level with the StrongARM on it (nominal devices): where its
// decision flips, in the node's own voltage, and the comparator's nominal offset measured alone.
struct NodeShift {
  double flip_V = std::nan(""), offset_alone_V = std::nan(""), resolution_V = std::nan("");
  double shift_V = std::nan("");  // flip - v_th - offset_alone: what the node adds (kickback)
};

// Per distance: ngspice's decisions and the twin's on the same draws, the twin's rates from its
// own many draws, and the Gaussian limit.
struct ThresholdResult {
  periph::StrongArmResult sa;     // strongarm only
  periph::StrongArmTwin sa_twin;  // strongarm only
  NodeShift node;                 // strongarm only
  double overdrive_V = 0, comparator_delay_s = 0;
  std::vector<double> current, offset, v_top;
  std::vector<int64_t> keep, failed;
  std::vector<std::string> messages;
  std::vector<double> p_prune, p_twin, p_gauss, p_false_prune, p_false_keep;
  size_t n_failed = 0, agree = 0, compared = 0;
  double max_rel_v = 0, i_th = 0, sigma = 0;
};

void tally_spice(const ThresholdConfig& c, const McResult& r, ThresholdResult& o) {
  const auto& k = c.circuit;
  const size_t D = c.distances.size(), S = c.samples;
  o.offset.resize(D * S);
  o.v_top.resize(D * S);
  o.keep.resize(D * S);
  o.p_prune.resize(D);
  for (size_t d = 0; d < D; ++d) {
    size_t pruned = 0, ok = 0;
    const double v_twin = periph::integrated_V(k, o.current[d]);
    for (size_t s = 0; s < S; ++s) {
      const size_t i = d * S + s;
      o.offset[i] = r.params[i * 2 + 1];
      o.v_top[i] = r.values[i * 2 + 1];
      if (r.failed[i]) {
        o.keep[i] = -1;
        ++o.n_failed;
        continue;
      }
      o.keep[i] = r.values[i * 2] > 0.5 * k.vdd ? 1 : 0;
      pruned += o.keep[i] == 0;
      ++ok;
      o.max_rel_v = std::max(o.max_rel_v, std::abs(o.v_top[i] - v_twin) / v_twin);
      // Decisions within a few comparator input ranges of the trip point are the comparator's
      // finite gain, not a disagreement of the models.
      if (std::abs(v_twin - k.v_th - o.offset[i]) > 5 * k.v_gain) {
        ++o.compared;
        o.agree += periph::twin_keeps(k, o.current[d], o.offset[i]) == (o.keep[i] == 1);
      }
    }
    o.p_prune[d] = ok ? static_cast<double>(pruned) / static_cast<double>(ok) : std::nan("");
  }
}

void tally_twin(const ThresholdConfig& c, uint64_t seed, ThresholdResult& o) {
  const size_t D = c.distances.size();
  const double nan = std::nan("");
  o.sigma = std::hypot(c.sigma_offset, c.sigma_noise);
  for (size_t d = 0; d < D; ++d) {
    size_t tp = 0;
    for (size_t s = 0; s < c.twin_samples; ++s) {
      auto rng = stream_rng(seed, 0x7D00000000000ULL + d * c.twin_samples + s);
      tp += !periph::twin_keeps(c.circuit, o.current[d], draw_offset(c, rng));
    }
    const double p = static_cast<double>(tp) / static_cast<double>(c.twin_samples);
    o.p_twin.push_back(p);
    o.p_gauss.push_back(periph::p_prune_gaussian(c.distances[d] - c.offset_mean, o.sigma));
    o.p_false_prune.push_back(c.distances[d] > 0 ? p : nan);
    o.p_false_keep.push_back(c.distances[d] < 0 ? 1 - p : nan);
  }
}

// A staircase of currents integrating to v_th +- 60 mV in 2 mV steps (at C alone; the node's
// parasitics lower them, the bench reports the voltage it reached) decided by the StrongARM on
// the node in one transient; the flip between the last prune and the first keep.
NodeShift measure_node_shift(const ThresholdConfig& c, StageScope& scope) {
  const auto& k = c.circuit;
  periph::ThresholdStrongArmDesign d;
  d.c_int_F = k.c_int, d.t_int_s = k.t_int, d.v_th_V = k.v_th, d.comparator = c.sa_design;
  std::vector<double> i;
  for (int s = -30; s <= 30; ++s) i.push_back((k.v_th + 0.002 * s) * k.c_int / k.t_int);
  const std::string dir = devices_dir().string();
  const auto r = periph::run_threshold_strongarm(scope.pool(), d, dir, i, {});
  NodeShift n;
  for (size_t s = 1; s < r.keep.size(); ++s)
    if (!r.keep[s - 1] && r.keep[s]) {
      n.flip_V = 0.5 * (r.v_int_V[s] + r.v_int_V[s - 1]);
      n.resolution_V = 0.5 * (r.v_int_V[s] - r.v_int_V[s - 1]);
      break;
    }
  if (!std::isfinite(n.flip_V))
    throw SpiceError("threshold/strongarm node bench",
                     "the decision never flips between v_th - 60 mV and v_th + 60 mV");
  double res = 0;
  const std::vector<double> nominal(periph::strongarm_devices(c.sa_design).size(), 0.0);
  n.offset_alone_V = periph::search_offsets(scope.pool(), c.sa_design, c.sa_options, dir, {nominal}, res)[0];
  n.shift_V = n.flip_V - k.v_th - n.offset_alone_V;
  return n;
}

// The StrongARM in ngspice (offsets by Monte Carlo with the flow's seed, delay and energy on
// nominal devices); its offset sigma replaces the configured one, and the integrating node's
// threshold shift with the StrongARM on it becomes the offsets' mean.
void characterize_comparator(ThresholdConfig& c, StageScope& scope, ThresholdResult& o) {
  c.sa_options.seed = scope.ctx().seed;
  o.sa = periph::characterize_strongarm(scope.pool(), c.sa_design, c.sa_options,
                                        devices_dir().string());
  o.sa_twin = periph::fit_strongarm_twin(c.sa_design, o.sa);
  c.sigma_offset = o.sa_twin.offset_sigma_V;
  o.node = measure_node_shift(c, scope);
  c.offset_mean = o.node.shift_V;
}

ThresholdResult compute(ThresholdConfig& c, StageScope& scope) {
  const auto& k = c.circuit;
  ThresholdResult o;
  if (c.strongarm()) characterize_comparator(c, scope, o);
  for (double d : c.distances) o.current.push_back(periph::current_for_voltage(k, k.v_th + d));
  o.i_th = periph::current_for_voltage(k, k.v_th);
  McSpec spec = threshold_spec(c, o.current, scope.ctx().seed);
  spec.run_id = scope.run_id();
  McResult r = run_monte_carlo(scope.pool(), spec, scope.journal(), scope.ctx().resume);
  scope.report_resumed(r.resumed, spec.samples, "samples");
  tally_spice(c, r, o);
  tally_twin(c, scope.ctx().seed, o);
  o.failed = r.failed;
  o.messages = r.messages;
  // A key one total sigma from the threshold: where decisions become uncertain and slow.
  o.overdrive_V = o.sigma;
  if (c.strongarm()) o.comparator_delay_s = o.sa_twin.delay_s(o.overdrive_V);
  return o;
}

void print(const ThresholdConfig& c, const ThresholdResult& o, const Sink& out) {
  const auto& k = c.circuit;
  out.print("threshold: v_th %.4g V, C %.4g fF, window %.4g ns, offset sigma %.3g mV, noise "
            "sigma %.3g mV; %zu distances x %zu ngspice samples, %zu twin samples each\n",
            k.v_th, k.c_int * 1e15, k.t_int * 1e9, c.sigma_offset * 1e3, c.sigma_noise * 1e3,
            c.distances.size(), c.samples, c.twin_samples);
  out.print("  d_mV    I_uA      P(prune) ngspice  twin      Gaussian\n");
  for (size_t d = 0; d < c.distances.size(); ++d)
    out.print("  %7.3f %9.4f %10.4f %14.4f %9.4f\n", c.distances[d] * 1e3, o.current[d] * 1e6,
              o.p_prune[d], o.p_twin[d], o.p_gauss[d]);
  out.print("  twin vs ngspice: integrated voltage within %.2e relative; %zu of %zu decisions "
            "agree (those more than 5 comparator ranges from the trip point)\n",
            o.max_rel_v, o.agree, o.compared);
  if (o.n_failed)
    out.print("  %zu samples failed (recorded in /mc/failed and /mc/messages)\n", o.n_failed);
  if (!c.strongarm()) return;
  const auto& r = o.sa;
  out.print("  comparator: transistor-level StrongARM (%s)\n", c.sa_design.describe().c_str());
  out.print(
      "    offset sigma %.3f mV over %d samples (mean %.3f mV, resolution %.2f mV; input pair "
      "Pelgrom %.3f mV)\n",
      r.offset_sigma_V * 1e3, c.sa_options.mc_samples, r.offset_mean_V * 1e3,
      r.offset_resolution_V * 1e3, r.pelgrom_pair_sigma_V * 1e3);
  out.print("    on the integrating node (%.3g fF, nominal devices): flips at %.4f V (+- %.2f mV), "
            "the comparator alone at %+.2f mV: threshold shift %+.2f mV, the decision offsets' "
            "mean\n", c.circuit.c_int * 1e15, o.node.flip_V, o.node.resolution_V * 1e3,
            o.node.offset_alone_V * 1e3, o.node.shift_V * 1e3);
  out.print(
      "    delay t0 %.2f ps + tau %.2f ps ln(VDD/dV) (r^2 %.4f): %.2f ps at %.3f mV; energy "
      "%.2f fJ supply + %.2f fJ clock; area %.3f um^2\n",
      r.t0_s * 1e12, r.tau_s * 1e12, r.fit_r2, o.comparator_delay_s * 1e12, o.overdrive_V * 1e3,
      r.energy_J * 1e15, r.energy_clk_J_mean * 1e15, r.area_m2 * 1e12);
}

void write_circuit(const ThresholdConfig& c, H5Writer& out) {
  const auto& k = c.circuit;
  out.group("/circuit");
  out.attr("/circuit", "netlist", c.lib);
  out.attr("/circuit", "vdd_V", k.vdd);
  out.attr("/circuit", "c_int_F", k.c_int);
  out.attr("/circuit", "t_int_s", k.t_int);
  out.attr("/circuit", "v_th_V", k.v_th);
  out.attr("/circuit", "g_leak_S", k.g_leak);
  out.attr("/circuit", "v_early_V", k.v_early);
  out.attr("/circuit", "comparator_range_V", k.v_gain);
  out.attr("/circuit", "sigma_offset_V", c.sigma_offset);
  out.attr("/circuit", "sigma_noise_V", c.sigma_noise);
  out.attr("/circuit", "comparator", c.comparator);
}

// The StrongARM's raw measurements (per-sample offsets and shifts, delay and energy curves).
void write_strongarm(const ThresholdConfig& c, const ThresholdResult& o, H5Writer& out) {
  const auto& r = o.sa;
  const size_t n = r.offset_V.size(), m = r.dvth_V.empty() ? 0 : r.dvth_V[0].size();
  std::vector<double> dvth;
  for (const auto& x : r.dvth_V) dvth.insert(dvth.end(), x.begin(), x.end());
  out.group("/strongarm");
  out.attr("/strongarm", "netlist", find_netlist("strongarm.lib").string());
  out.attr("/strongarm", "design", c.sa_design.describe());
  out.attr("/strongarm", "options", c.sa_options.describe());
  out.write("/strongarm/offset", r.offset_V, {n}, "V");
  out.write("/strongarm/dvth", dvth, {n, m}, "V");
  out.attr("/strongarm/dvth", "axes", std::string("sample,device (strongarm_devices order)"));
  const size_t k = r.overdrive_V.size();
  out.write("/strongarm/overdrive", r.overdrive_V, {k}, "V");
  out.write("/strongarm/delay", r.delay_s, {k}, "s");
  out.write("/strongarm/energy_vdd", r.energy_vdd_J, {k}, "J");
  out.write("/strongarm/energy_clk", r.energy_clk_J, {k}, "J");
}

lut::ThresholdComparatorLut comparator_record(const ThresholdConfig& c, const ThresholdResult& o) {
  lut::ThresholdComparatorLut t;
  const double nan = std::nan("");
  t.kind = c.comparator;
  t.offset_sigma_V = c.sigma_offset;
  t.overdrive_V = o.overdrive_V;
  if (!c.strongarm()) {
    t.offset_mean_V = t.offset_resolution_V = t.pelgrom_pair_sigma_V = t.a_vt_V_m = nan;
    t.t0_s = t.tau_s = t.delay_fit_r2 = t.area_m2 = t.gate_area_m2 = nan;
    t.energy_J = t.energy_clk_J = t.delay_s = nan;  // not measured (0 would read as free)
    t.node_shift_V = t.node_flip_V = t.node_offset_alone_V = nan;
    return t;
  }
  t.node_shift_V = o.node.shift_V;
  t.node_flip_V = o.node.flip_V;
  t.node_offset_alone_V = o.node.offset_alone_V;
  // The fitted twin's figures as the stage used them, and the measurement's own details.
  const auto& tw = o.sa_twin;
  const auto& r = o.sa;
  t.design = c.sa_design.describe() + "; " + c.sa_options.describe();
  t.offset_mean_V = tw.offset_mean_V;
  t.t0_s = tw.t0_s;
  t.tau_s = tw.tau_s;
  t.energy_J = tw.energy_J;
  t.energy_clk_J = tw.energy_clk_J;
  t.area_m2 = tw.area_m2;
  t.delay_s = o.comparator_delay_s;
  t.offset_samples = static_cast<double>(r.offset_V.size());
  t.offset_resolution_V = r.offset_resolution_V;
  t.pelgrom_pair_sigma_V = r.pelgrom_pair_sigma_V;
  t.a_vt_V_m = c.sa_options.a_vt_V_m;
  t.delay_fit_r2 = r.fit_r2;
  t.gate_area_m2 = r.gate_area_m2;
  return t;
}

void write_mc(const ThresholdConfig& c, const ThresholdResult& o, H5Writer& out) {
  const size_t D = c.distances.size(), S = c.samples;
  out.write("/mc/distance", c.distances, {D}, "V");
  out.write("/mc/current", o.current, {D}, "A");
  out.write("/mc/offset", o.offset, {D, S}, "V");
  out.attr("/mc/offset", "axes", std::string("distance,sample"));
  out.write("/mc/v_top", o.v_top, {D, S}, "V");
  out.attr("/mc/v_top", "axes", std::string("distance,sample"));
  out.write_int("/mc/keep", o.keep, {D, S}, "");
  out.attr("/mc/keep", "definition", std::string("ngspice decision: 1 keep, 0 prune, -1 failed"));
  out.write_int("/mc/failed", o.failed, {D, S}, "");
  out.write_strings("/mc/messages", o.messages);
  out.attr("/mc", "twin_max_rel_v_error", o.max_rel_v);
  out.attr("/mc", "twin_decisions_compared", static_cast<int64_t>(o.compared));
  out.attr("/mc", "twin_decisions_agree", static_cast<int64_t>(o.agree));
}

void write_lut(const ThresholdConfig& c, const ThresholdResult& o, H5Writer& out) {
  const auto& k = c.circuit;
  lut::ThresholdLut t;
  t.distance = c.distances;
  for (double i : o.current) t.distance_current.push_back(i - o.i_th);
  t.p_prune = o.p_twin;
  t.p_prune_spice = o.p_prune;
  t.p_prune_gaussian = o.p_gauss;
  t.p_false_prune = o.p_false_prune;
  t.p_false_keep = o.p_false_keep;
  t.sigma_total_V = o.sigma;
  t.current_threshold_A = o.i_th;
  const auto cmp = comparator_record(c, o);
  // The behavioural comparator's own delay and energy are not modelled (NaN in its record):
  // the decision is the integration alone (e_decision_definition says so).
  const bool sa = c.strongarm();
  t.t_decision_s = k.t_int + (sa ? cmp.delay_s : 0.0);
  t.e_decision_J = k.c_int * k.v_th * k.vdd + (sa ? cmp.energy_J + cmp.energy_clk_J : 0.0);
  t.definition = "distance = integrated bit-line voltage minus v_th; p_prune = P(decision prune) "
                 "from the twin (twin_samples draws per distance); false prune = pruned with "
                 "distance > 0, false keep = kept with distance < 0";
  const char* with_strongarm =
      "charge C v_th drawn from the supply vdd to integrate up to the threshold, plus the "
      "StrongARM's supply and clock energy per decision (ngspice, mean over the delay bench's "
      "overdrives); t_decision_s = t_int + its delay at one total sigma of overdrive";
  const char* behavioural =
      "charge C v_th drawn from the supply vdd to integrate up to the threshold (the behavioural "
      "comparator's own energy and delay are not modelled)";
  t.e_decision_definition = c.strongarm() ? with_strongarm : behavioural;
  lut::write(out, t);
  lut::write(out, cmp);
}

std::filesystem::path run(const ThresholdConfig& cfg, const RunContext& ctx) {
  StageScope scope("threshold", ctx);
  ThresholdConfig c = cfg;  // sigma_offset becomes the StrongARM's measured one
  const ThresholdResult o = compute(c, scope);
  print(c, o, scope.out());
  return scope.write([&](H5Writer& out) {
    write_circuit(c, out);
    write_mc(c, o, out);
    if (c.strongarm()) write_strongarm(c, o, out);
    write_lut(c, o, out);
  });
}

// One nominal decision of the comparator netlist, run before the sweep.
Probe threshold_probe(const ThresholdConfig& c) {
  const auto& k = c.circuit;
  Probe p;
  p.file = c.lib;
  p.job.name = "threshold/probe";
  p.job.netlist = periph::threshold_netlist(k, c.lib, periph::current_for_voltage(k, k.v_th), 0.0);
  p.job.commands = {periph::threshold_tran_command(k)};
  p.job.vectors = periph::threshold_vectors();
  return p;
}

// One nominal StrongARM cycle at +10 mV, so an unreadable card or netlist fails
// before the run.
Probe strongarm_probe(const ThresholdConfig& c) {
  const std::string dir = devices_dir().string();
  const auto b = periph::render_strongarm_bench(c.sa_design, dir, {"0.01"}, false);
  Probe p;
  p.file = dir + "/" + device::mosfet_node(c.sa_design.node).mod_file + ", " +
           find_netlist("strongarm.lib").string();
  p.job.name = "threshold/strongarm probe";
  p.job.netlist = b.netlist;
  p.job.commands = b.commands;
  p.job.vectors = b.vectors;
  p.job.cost = 15;
  return p;
}

}  // namespace

PreparedStage prepare_threshold_stage(Section& table, const RunContext&) {
  auto cfg = std::make_shared<ThresholdConfig>(parse(table));
  std::vector<Probe> probes = {threshold_probe(*cfg)};
  if (cfg->strongarm()) probes.push_back(strongarm_probe(*cfg));
  return {[cfg](const RunContext& ctx) { return run(*cfg, ctx); }, std::move(probes)};
}

}  // namespace cimchar::flows
