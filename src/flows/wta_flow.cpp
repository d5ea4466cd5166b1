// The wta stage (`cimchar wta`, [wta] in a flow): characterization of the time-domain
// winner-take-all (netlists/wta.lib, src/periph/wta_*.hpp) per integration capacitance:
//  - firing time against the bit-line current (free-running bench, no inhibition), from the
//    twin and from ngspice, against the ideal C V_trip / I;
//  - error probability against the relative current margin: a Monte Carlo of comparator
//    offsets (mismatch + noise + kT/C, drawn per decision from each sample's stream) run on the
//    twin, the first `spice_samples` per margin also run in ngspice with the same draws;
//  - the smallest margin resolved at `error_rate`, the delay and the energy per decision.
// Output wta.h5 with the LUT /lut/wta that the attention executor reads (docs/results-format.md).
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <mutex>
#include <optional>

#include "core/error.hpp"
#include "core/parallel.hpp"
#include "core/h5.hpp"
#include "core/progress.hpp"
#include "core/rng.hpp"
#include "flows/monte_carlo.hpp"
#include "flows/stage_scope.hpp"
#include "flows/stages.hpp"
#include "flows/wta_transistor_stage.hpp"
#include "lut/periph_records.hpp"
#include "spice/job_journal.hpp"
#include "periph/wta_stats.hpp"
#include "periph/wta_twin.hpp"

namespace cimchar::flows {

namespace {

using periph::WtaCircuit;
using periph::WtaNoise;

struct WtaConfig {
  WtaCircuit circuit;  // c_F set per capacitance
  WtaNoise noise;
  std::vector<double> caps, margins;
  size_t samples = 1000, spice_samples = 10, firing_points = 9;
  double error_rate = 0.01;
  std::optional<WtaTransistorConfig> transistor;  // [wta.transistor]
};

WtaConfig parse(Section& t) {
  WtaConfig c;
  auto& w = c.circuit;
  c.caps = t.get_doubles("capacitances", {50e-15, 100e-15, 200e-15, 500e-15}, "F", {1e-18, 1e-6});
  if (c.caps.empty()) t.fail("capacitances", "give at least one capacitance");
  w.vdd_V = t.get_double("vdd", 1.0, "V", {0.1, 10});
  w.v_trip_V = t.get_double("v_trip", 0.5, "V");
  if (!(w.v_trip_V > 0 && w.v_trip_V < w.vdd_V))
    t.fail("v_trip", "must lie inside (0, vdd) = (0, " + std::to_string(w.vdd_V) + " V)");
  auto& nz = c.noise;
  nz.i_min_A = t.get_double("i_min", 1e-6, "A", {1e-12, 1});
  nz.i_max_A = t.get_double("i_max", 100e-6, "A", {1e-12, 1});
  if (nz.i_max_A <= nz.i_min_A) t.fail("i_max", "must be larger than i_min");
  w.g_out_S = t.get_double("g_out", 1e-8, "S", {0, 1});
  nz.sigma_offset_V = t.get_double("sigma_offset", 5e-3, "V", {0, 1});
  nz.sigma_noise_V = t.get_double("sigma_noise", 1e-3, "V", {0, 1});
  nz.ktc = t.get_bool("ktc_noise", true);
  nz.temperature_K = t.get_double("temperature", 300, "K", {1, 1000});
  w.t_comp_s = t.get_double("t_comp", 20e-12, "s", {1e-15, 1e-6});
  w.t_inhibit_s = t.get_double("t_inhibit", 20e-12, "s", {1e-15, 1e-6});
  w.v_width_V = t.get_double("v_width", 2e-3, "V", {1e-6, 0.1});
  w.n_inputs = static_cast<size_t>(t.get_int("n_inputs", 4, 2, 64));
  w.k = static_cast<size_t>(t.get_int("k", 1, 1, 64));
  if (w.k >= w.n_inputs)
    t.fail("k", "must be smaller than n_inputs (" + std::to_string(w.n_inputs) + ")");
  c.margins = t.get_doubles("margins", {0.005, 0.01, 0.02, 0.03, 0.05, 0.07, 0.1, 0.15, 0.2, 0.3},
                            "", {1e-6, 0.99});
  if (c.margins.empty()) t.fail("margins", "give at least one margin");
  for (size_t j = 1; j < c.margins.size(); ++j)
    if (c.margins[j] <= c.margins[j - 1]) t.fail("margins", "must be strictly increasing");
  c.samples = static_cast<size_t>(t.get_int("samples", 1000, 1, 100000000));
  c.spice_samples = static_cast<size_t>(t.get_int("spice_samples", 10, 0, 100000000));
  if (c.spice_samples > c.samples) t.fail("spice_samples", "must not exceed samples");
  c.error_rate = t.get_double("error_rate", 0.01, "", {1e-9, 0.5});
  c.firing_points = static_cast<size_t>(t.get_int("firing_points", 9, 2, 64));
  c.transistor = parse_wta_transistor(t, c.caps, c.circuit);
  t.finish();
  // The smallest current must charge every capacitor past the trip point (plus 6 sigma of
  // offset) against the output conductance, with room to spare.
  for (double cap : c.caps) {
    const double v = w.v_trip_V + 6 * nz.total_sigma_V(cap);
    if (w.g_out_S * v >= 0.8 * nz.i_min_A)
      t.fail("g_out",
             "the source's droop g_out * (v_trip + 6 sigma) reaches 80% of i_min: "
             "the smallest current would barely charge to the trip point");
  }
  return c;
}

double mean_finite(const double* x, size_t n, double* max_out = nullptr) {
  double s = 0, mx = -std::numeric_limits<double>::infinity();
  size_t k = 0;
  for (size_t i = 0; i < n; ++i)
    if (std::isfinite(x[i])) {
      s += x[i];
      mx = std::max(mx, x[i]);
      ++k;
    }
  if (max_out) *max_out = k ? mx : std::nan("");
  return k ? s / static_cast<double>(k) : std::nan("");
}

WtaCircuit circuit_at(const WtaConfig& cfg, size_t c) {
  WtaCircuit w = cfg.circuit;
  w.c_F = cfg.caps[c];
  return w;
}

struct WtaResult {
  uint64_t seed = 0;  // this stage's streams
  // 1. firing time against current, [capacitance, current]
  std::vector<double> i_sweep, t_ideal, t_twin, t_spice, dev_ideal;
  double firing_agree = 0;
  // 2. the twin's Monte Carlo, [capacitance, margin, sample]
  std::vector<double> stop;  // [capacitance] end of the decision window
  std::vector<int64_t> correct, n_fired;
  std::vector<double> t_dec, energy;
  // 3. ngspice on the first spice_samples decisions, [capacitance, margin, sample]
  std::vector<int64_t> correct_sp, agree;
  std::vector<double> t_dec_sp, energy_sp;
  size_t sp_failed = 0, n_agree = 0, n_checked = 0;
  double t_dec_diff = 0, energy_diff = 0;
  // 4. the LUT
  std::vector<double> p_err, p_err_sp, resolved, delay, delay_max, e_mean, sigma_tot;
};

std::vector<double> firing_currents(const WtaConfig& cfg) {
  const size_t P = cfg.firing_points;
  std::vector<double> i(P);
  for (size_t p = 0; p < P; ++p)
    i[p] = cfg.noise.i_min_A * std::pow(cfg.noise.i_max_A / cfg.noise.i_min_A,
                                        static_cast<double>(p) / static_cast<double>(P - 1));
  return i;
}

// The firing-time bench of capacitance c: P inputs, k = P (nobody inhibited), offsets 0.
spice::Job firing_job(const WtaConfig& cfg, size_t c, const std::vector<double>& i_sweep,
                      double* stop_out = nullptr) {
  const size_t P = i_sweep.size();
  WtaCircuit w = circuit_at(cfg, c);
  w.n_inputs = P;
  w.k = P;
  const double stop = periph::wta_stop_time(w, cfg.noise.i_min_A, 0);
  if (stop_out) *stop_out = stop;
  spice::Job j;
  j.name = "wta/firing C=" + std::to_string(cfg.caps[c]);
  j.netlist = periph::render_wta_bench(w, periph::wta_param_values(i_sweep, std::vector<double>(P, 0.0)), stop);
  j.commands = {periph::wta_tran_command(stop)};
  j.measures = periph::wta_measures(P, stop);
  return j;
}

void firing_sweep(const WtaConfig& cfg, StageScope& scope, WtaResult& o) {
  const size_t C = cfg.caps.size(), P = cfg.firing_points;
  o.i_sweep = firing_currents(cfg);
  o.t_ideal.resize(C * P), o.t_twin.resize(C * P), o.t_spice.resize(C * P), o.dev_ideal.resize(C * P);
  std::vector<spice::Job> jobs;
  std::vector<double> stops(C);
  for (size_t c = 0; c < C; ++c) {
    jobs.push_back(firing_job(cfg, c, o.i_sweep, &stops[c]));
    WtaCircuit w = circuit_at(cfg, c);
    w.n_inputs = P;
    w.k = P;
    const auto tw = periph::simulate_wta(w, o.i_sweep, std::vector<double>(P, 0.0), stops[c]);
    for (size_t p = 0; p < P; ++p) {
      o.t_twin[c * P + p] = tw.t_fire_s[p];
      o.t_ideal[c * P + p] = cfg.caps[c] * cfg.circuit.v_trip_V / o.i_sweep[p];
      o.dev_ideal[c * P + p] = o.t_twin[c * P + p] / o.t_ideal[c * P + p] - 1;
    }
  }
  spice::JobJournal journal(scope.journal(), scope.ctx().resume, scope.run_id());
  const auto res = spice::run_journaled(scope.pool(), jobs, journal);
  const auto names = periph::wta_measure_names(P);
  for (size_t c = 0; c < C; ++c) {
    res[c].throw_if_failed(jobs[c].name);
    for (size_t p = 0; p < P; ++p) {
      const double t = res[c].vec(jobs[c].name, names[p]).back();
      o.t_spice[c * P + p] = t < periph::wta_mark_time(stops[c]) ? t : std::nan("");
    }
  }
  for (size_t q = 0; q < C * P; ++q)
    o.firing_agree = std::max(o.firing_agree, std::abs(o.t_twin[q] / o.t_spice[q] - 1));
  if (!std::isfinite(o.firing_agree)) o.firing_agree = std::nan("");
}

// Decision (c, m, s) uses stream s for every c and m.
void twin_mc(const WtaConfig& cfg, const RunContext& ctx, WtaResult& o) {
  const size_t C = cfg.caps.size(), M = cfg.margins.size(), S = cfg.samples;
  o.stop.resize(C);
  for (size_t c = 0; c < C; ++c) o.stop[c] = periph::wta_mc_stop_time(circuit_at(cfg, c), cfg.noise);
  o.correct.resize(C * M * S), o.n_fired.resize(C * M * S);
  o.t_dec.resize(C * M * S), o.energy.resize(C * M * S);
  Progress prog("wta twin", C * M * S, ctx.progress);
  std::mutex mu;
  std::atomic<size_t> done{0};
  const int threads = ctx.jobs > 0 ? ctx.jobs : spice::available_cores();
  parallel_for(C * M * S, [&](size_t q) {
    const size_t c = q / (M * S), m = (q / S) % M, s = q % S;
    const WtaCircuit w = circuit_at(cfg, c);
    const auto d = periph::draw_wta_decision(w, cfg.noise, cfg.margins[m], o.seed, s);
    const auto r = periph::simulate_wta(w, d.i_A, d.offset_V, o.stop[c]);
    o.correct[q] = periph::wta_correct(d.i_A, r.fired, cfg.circuit.k);
    o.n_fired[q] = std::count(r.fired.begin(), r.fired.end(), true);
    o.t_dec[q] = r.t_decision_s;
    o.energy[q] = r.energy_J;
    const size_t k = ++done;
    if (k % 256 == 0) {
      std::lock_guard<std::mutex> lock(mu);
      prog.set(k);
    }
  }, static_cast<unsigned>(threads));
  prog.finish();
}

McSpec check_spec(const WtaConfig& cfg, size_t c, const WtaResult& o) {
  const size_t N = cfg.circuit.n_inputs, M = cfg.margins.size(), Ssp = cfg.spice_samples;
  const WtaCircuit w = circuit_at(cfg, c);
  const double stop = o.stop[c];
  const uint64_t seed = o.seed;
  McSpec spec;
  spec.name = "wta/mc C=" + std::to_string(cfg.caps[c]);
  spec.params = periph::wta_param_names(N);
  const auto d0 = periph::draw_wta_decision(w, cfg.noise, cfg.margins[0], seed, 0);
  spec.nominal = periph::wta_param_values(d0.i_A, d0.offset_V);
  spec.render = [w, stop](const std::vector<double>& v) { return periph::render_wta_bench(w, v, stop); };
  spec.commands = {periph::wta_tran_command(stop)};
  spec.measures = periph::wta_measures(N, stop);
  spec.samples = M * Ssp;
  spec.seed = seed;
  spec.samples_per_job = std::max<size_t>(1, std::min<size_t>(32, (M * Ssp + 1) / 2));
  spec.draw = [&cfg, w, seed, Ssp](size_t i, std::mt19937_64&) {  // the twin's draws, not this stream
    const auto d = periph::draw_wta_decision(w, cfg.noise, cfg.margins[i / Ssp], seed, i % Ssp);
    return periph::wta_param_values(d.i_A, d.offset_V);
  };
  return spec;
}

// ngspice's decisions of capacitance c against the twin's on the same draws.
void tally_check(const WtaConfig& cfg, size_t c, const McResult& r, WtaResult& o) {
  const size_t N = cfg.circuit.n_inputs, M = cfg.margins.size(), S = cfg.samples;
  const size_t Ssp = cfg.spice_samples, nv = r.n_vectors;  // tf1..tfN, tdec, esup
  const WtaCircuit w = circuit_at(cfg, c);
  const double mark = periph::wta_mark_time(o.stop[c]);
  for (size_t i = 0; i < M * Ssp; ++i) {
    const size_t m = i / Ssp, s = i % Ssp, q = (c * M + m) * Ssp + s, qt = (c * M + m) * S + s;
    if (r.failed[i]) {
      ++o.sp_failed;
      continue;
    }
    const double* v = &r.values[i * nv];
    const double* iv = &r.params[i * r.n_params];
    std::vector<double> i_A(iv, iv + N);
    std::vector<bool> fired(N);
    for (size_t j = 0; j < N; ++j) fired[j] = v[j] < mark;
    o.correct_sp[q] = periph::wta_correct(i_A, fired, cfg.circuit.k);
    o.t_dec_sp[q] = v[N] < mark ? v[N] : std::nan("");
    o.energy_sp[q] = v[N + 1];
    const auto d = periph::draw_wta_decision(w, cfg.noise, cfg.margins[m], o.seed, s);
    const auto tw = periph::simulate_wta(w, d.i_A, d.offset_V, o.stop[c]);
    o.agree[q] = tw.fired == fired;
    if (std::isfinite(o.t_dec_sp[q]) && std::isfinite(o.t_dec[qt]))
      o.t_dec_diff = std::max(o.t_dec_diff, std::abs(o.t_dec[qt] / o.t_dec_sp[q] - 1));
    o.energy_diff = std::max(o.energy_diff, std::abs(o.energy[qt] / o.energy_sp[q] - 1));
  }
}

void spice_check(const WtaConfig& cfg, StageScope& scope, WtaResult& o) {
  const size_t n = cfg.caps.size() * cfg.margins.size() * cfg.spice_samples;
  o.correct_sp.assign(n, -1), o.agree.assign(n, 0);
  o.t_dec_sp.assign(n, std::nan("")), o.energy_sp.assign(n, std::nan(""));
  if (cfg.spice_samples == 0) return;
  for (size_t c = 0; c < cfg.caps.size(); ++c) {
    McSpec spec = check_spec(cfg, c, o);
    spec.run_id = scope.run_id();
    const McResult r = run_monte_carlo(scope.pool(), spec, scope.journal("c" + std::to_string(c)),
                                       scope.ctx().resume);
    tally_check(cfg, c, r, o);
  }
  for (size_t q = 0; q < o.correct_sp.size(); ++q)
    if (o.correct_sp[q] >= 0) {
      ++o.n_checked;
      o.n_agree += static_cast<size_t>(o.agree[q]);
    }
}

void tally_lut(const WtaConfig& cfg, WtaResult& o) {
  const size_t C = cfg.caps.size(), M = cfg.margins.size(), S = cfg.samples, Ssp = cfg.spice_samples;
  o.p_err.assign(C * M, 0.0), o.p_err_sp.assign(C * M, std::nan(""));
  o.resolved.resize(C), o.delay.resize(C), o.delay_max.resize(C), o.e_mean.resize(C), o.sigma_tot.resize(C);
  for (size_t c = 0; c < C; ++c) {
    for (size_t m = 0; m < M; ++m) {
      size_t wrong = 0;
      for (size_t s = 0; s < S; ++s) wrong += !o.correct[(c * M + m) * S + s];
      o.p_err[c * M + m] = static_cast<double>(wrong) / static_cast<double>(S);
      size_t n = 0, w = 0;
      for (size_t s = 0; s < Ssp; ++s) {
        const int64_t v = o.correct_sp[(c * M + m) * Ssp + s];
        if (v < 0) continue;
        ++n;
        w += v == 0;
      }
      if (n) o.p_err_sp[c * M + m] = static_cast<double>(w) / static_cast<double>(n);
    }
    o.resolved[c] = periph::resolved_margin(
        cfg.margins,
        std::vector<double>(o.p_err.begin() + static_cast<long>(c * M),
                            o.p_err.begin() + static_cast<long>((c + 1) * M)),
        cfg.error_rate);
    o.delay[c] = mean_finite(&o.t_dec[c * M * S], M * S, &o.delay_max[c]);
    o.e_mean[c] = mean_finite(&o.energy[c * M * S], M * S);
    o.sigma_tot[c] = cfg.noise.total_sigma_V(cfg.caps[c]);
  }
}

WtaResult compute(const WtaConfig& cfg, StageScope& scope) {
  WtaResult o;
  o.seed = splitmix64(scope.ctx().seed ^ 0x77A0000000000000ULL);
  firing_sweep(cfg, scope, o);
  twin_mc(cfg, scope.ctx(), o);
  spice_check(cfg, scope, o);
  tally_lut(cfg, o);
  return o;
}

void print_firing(const WtaConfig& cfg, const WtaResult& o, const Sink& out) {
  const size_t P = cfg.firing_points;
  out.print("wta: %zu inputs, k = %zu, v_trip %.3g V, offset sigma %.3g V (+ noise %.3g V%s), "
            "t_comp %.3g s, t_inhibit %.3g s\n",
            cfg.circuit.n_inputs, cfg.circuit.k, cfg.circuit.v_trip_V, cfg.noise.sigma_offset_V,
            cfg.noise.sigma_noise_V, cfg.noise.ktc ? " + kT/C" : "", cfg.circuit.t_comp_s,
            cfg.circuit.t_inhibit_s);
  out.print("firing time vs current (no inhibition, no offset):\n"
            "   C_fF      I_uA  C*Vtrip/I_ns   twin_ns  ngspice_ns  twin/ideal-1  twin/ngspice-1\n");
  for (size_t c = 0; c < cfg.caps.size(); ++c)
    for (size_t p = 0; p < P; ++p) {
      const size_t q = c * P + p;
      out.print("  %6.1f %9.3f %13.4f %9.4f %11.4f %13.4f %15.2e\n", cfg.caps[c] * 1e15,
                o.i_sweep[p] * 1e6, o.t_ideal[q] * 1e9, o.t_twin[q] * 1e9, o.t_spice[q] * 1e9,
                o.dev_ideal[q], o.t_twin[q] / o.t_spice[q] - 1);
    }
  out.print("  largest twin vs ngspice firing-time difference: %.2e (relative)\n", o.firing_agree);
}

void print_errors(const WtaConfig& cfg, const WtaResult& o, const Sink& out) {
  const size_t M = cfg.margins.size(), Ssp = cfg.spice_samples;
  out.print("error probability vs relative margin (twin, %zu decisions per point; ngspice, %zu):\n",
            cfg.samples, Ssp);
  std::string line = "   C_fF";
  char b[32];
  for (double m : cfg.margins) line += (std::snprintf(b, sizeof b, " %8.3f", m), b);
  out.print("%s\n", line.c_str());
  for (size_t c = 0; c < cfg.caps.size(); ++c) {
    line = (std::snprintf(b, sizeof b, "  %6.1f", cfg.caps[c] * 1e15), b);
    for (size_t m = 0; m < M; ++m) line += (std::snprintf(b, sizeof b, " %8.4f", o.p_err[c * M + m]), b);
    out.print("%s  (twin)\n", line.c_str());
    if (!Ssp) continue;
    line = (std::snprintf(b, sizeof b, "  %6s", ""), b);
    for (size_t m = 0; m < M; ++m) line += (std::snprintf(b, sizeof b, " %8.3f", o.p_err_sp[c * M + m]), b);
    out.print("%s  (ngspice)\n", line.c_str());
  }
  if (Ssp)
    out.print("  ngspice check: %zu of %zu decisions with the same winners as the twin; decision "
              "time within %.2e, energy within %.2e (relative)%s\n",
              o.n_agree, o.n_checked, o.t_dec_diff, o.energy_diff,
              o.sp_failed ? (", " + std::to_string(o.sp_failed) + " ngspice samples failed").c_str() : "");
  out.print("   C_fF  resolved margin @ %.3g   delay mean_ns  delay max_ns  energy mean_fJ\n",
            cfg.error_rate);
  for (size_t c = 0; c < cfg.caps.size(); ++c)
    out.print("  %6.1f %20.4f %14.4f %13.4f %15.4f\n", cfg.caps[c] * 1e15, o.resolved[c],
              o.delay[c] * 1e9, o.delay_max[c] * 1e9, o.e_mean[c] * 1e15);
}

void write_circuit(const WtaConfig& cfg, const WtaResult& o, H5Writer& out) {
  const auto& w = cfg.circuit;
  out.group("/wta");
  out.attr("/wta", "n_inputs", static_cast<int64_t>(w.n_inputs));
  out.attr("/wta", "k", static_cast<int64_t>(w.k));
  out.attr("/wta", "v_trip_V", w.v_trip_V);
  out.attr("/wta", "vdd_V", w.vdd_V);
  out.attr("/wta", "g_out_S", w.g_out_S);
  out.attr("/wta", "t_comp_s", w.t_comp_s);
  out.attr("/wta", "t_inhibit_s", w.t_inhibit_s);
  out.attr("/wta", "v_width_V", w.v_width_V);
  out.attr("/wta", "inhibit_width", w.inhibit_width);
  out.attr("/wta", "i_min_A", cfg.noise.i_min_A);
  out.attr("/wta", "i_max_A", cfg.noise.i_max_A);
  out.attr("/wta", "sigma_offset_V", cfg.noise.sigma_offset_V);
  out.attr("/wta", "sigma_noise_V", cfg.noise.sigma_noise_V);
  out.attr("/wta", "ktc_noise", static_cast<int64_t>(cfg.noise.ktc));
  out.attr("/wta", "temperature_K", cfg.noise.temperature_K);
  out.write("/wta/capacitance", cfg.caps, {cfg.caps.size()}, "F");
  out.write("/wta/sigma_total", o.sigma_tot, {cfg.caps.size()}, "V");
}

void write_firing_mc(const WtaConfig& cfg, const WtaResult& o, H5Writer& out) {
  const size_t C = cfg.caps.size(), M = cfg.margins.size(), S = cfg.samples, P = cfg.firing_points;
  out.write("/wta/firing/current", o.i_sweep, {P}, "A");
  for (auto [name, v] :
       {std::pair{"t_ideal", &o.t_ideal}, {"t_twin", &o.t_twin}, {"t_ngspice", &o.t_spice}}) {
    out.write(std::string("/wta/firing/") + name, *v, {C, P}, "s");
    out.attr(std::string("/wta/firing/") + name, "axes", std::string("capacitance,current"));
  }
  out.write("/wta/firing/rel_dev_ideal", o.dev_ideal, {C, P}, "");
  out.attr("/wta/firing/rel_dev_ideal", "axes", std::string("capacitance,current"));
  out.attr("/wta/firing", "twin_vs_ngspice_max_rel", o.firing_agree);
  out.write("/wta/mc/margin", cfg.margins, {M}, "");
  out.write_int("/wta/mc/correct", o.correct, {C, M, S}, "");
  out.write_int("/wta/mc/n_fired", o.n_fired, {C, M, S}, "");
  out.write("/wta/mc/t_decision", o.t_dec, {C, M, S}, "s");
  out.write("/wta/mc/energy", o.energy, {C, M, S}, "J");
  for (const char* n : {"correct", "n_fired", "t_decision", "energy"})
    out.attr(std::string("/wta/mc/") + n, "axes", std::string("capacitance,margin,sample"));
}

void write_check(const WtaConfig& cfg, const WtaResult& o, H5Writer& out) {
  const size_t C = cfg.caps.size(), M = cfg.margins.size(), Ssp = cfg.spice_samples;
  if (!Ssp) return;
  out.write_int("/wta/check/correct_ngspice", o.correct_sp, {C, M, Ssp}, "");
  out.write_int("/wta/check/winners_agree", o.agree, {C, M, Ssp}, "");
  out.write("/wta/check/t_decision_ngspice", o.t_dec_sp, {C, M, Ssp}, "s");
  out.write("/wta/check/energy_ngspice", o.energy_sp, {C, M, Ssp}, "J");
  for (const char* n : {"correct_ngspice", "winners_agree", "t_decision_ngspice", "energy_ngspice"})
    out.attr(std::string("/wta/check/") + n, "axes", std::string("capacitance,margin,sample"));
  out.attr("/wta/check", "agree_fraction",
           o.n_checked ? static_cast<double>(o.n_agree) / static_cast<double>(o.n_checked)
                       : std::nan(""));
  out.attr("/wta/check", "t_decision_max_rel_diff", o.t_dec_diff);
  out.attr("/wta/check", "energy_max_rel_diff", o.energy_diff);
  out.attr("/wta/check", "failed", static_cast<int64_t>(o.sp_failed));
}

void write_lut(const WtaConfig& cfg, const WtaResult& o, H5Writer& out) {
  lut::WtaDecisionLut l;
  l.capacitance = cfg.caps;
  l.margin = cfg.margins;
  l.p_error = o.p_err;
  l.p_error_ngspice = o.p_err_sp;
  l.resolved_margin = o.resolved;
  l.delay = o.delay;
  l.delay_max = o.delay_max;
  l.energy = o.e_mean;
  l.sigma_total = o.sigma_tot;
  l.error_rate = cfg.error_rate;
  l.n_inputs = static_cast<double>(cfg.circuit.n_inputs);
  l.k = static_cast<double>(cfg.circuit.k);
  l.samples = static_cast<double>(cfg.samples);
  l.v_trip_V = cfg.circuit.v_trip_V;
  l.i_min_A = cfg.noise.i_min_A;
  l.i_max_A = cfg.noise.i_max_A;
  l.definition = "p_error: fraction of decisions whose fired set is not the k largest "
                 "currents, at relative margin (I_k - I_k+1)/I_k; resolved_margin: smallest "
                 "margin with p_error <= error_rate there and above; delay: mean time to "
                 "the inhibit (decision); energy: vdd times the charge the bit-line "
                 "sources deliver per decision (comparators and reset not included)";
  lut::write(out, l);
}

std::filesystem::path run(const WtaConfig& cfg, const RunContext& ctx) {
  StageScope scope("wta", ctx);
  // The transistors' trip mismatch first: the twin's Monte Carlo may take its offset sigma.
  WtaConfig used = cfg;
  std::string offset_source = "configured (sigma_offset)";
  const auto mismatch = cfg.transistor ? run_wta_mismatch(*cfg.transistor, scope) : std::nullopt;
  if (mismatch && cfg.transistor->twin_offset_from_mismatch) {
    used.noise.sigma_offset_V = twin_offset_sigma_V(*mismatch, cfg.circuit.v_trip_V);
    offset_source = "the transistor trip path's Pelgrom Monte Carlo (/lut/wta_transistor trip_sigma_V "
                    "x v_trip / x_trip)";
  }
  const WtaResult o = compute(used, scope);
  print_firing(used, o, scope.out());
  print_errors(used, o, scope.out());
  std::optional<WtaTransistorResult> tr;
  if (cfg.transistor) {
    tr = run_wta_transistor_stage(*cfg.transistor, scope);
    tr->mismatch = mismatch;
    tr->twin_sigma_offset_V = used.noise.sigma_offset_V;
    print_wta_transistor(*cfg.transistor, *tr, scope.out());
  }
  return scope.write([&](H5Writer& out) {
    write_circuit(used, o, out);
    out.attr("/wta", "sigma_offset_source", offset_source);
    write_firing_mc(used, o, out);
    write_check(used, o, out);
    write_lut(used, o, out);
    if (tr) write_wta_transistor(*cfg.transistor, *tr, out);
  });
}

// The firing-time bench of the first capacitance (every wta bench includes wta.lib), before the
// sweep.
Probe wta_probe(const WtaConfig& cfg) {
  Probe p;
  p.file = find_netlist("wta.lib").string();
  p.job = firing_job(cfg, 0, firing_currents(cfg));
  p.job.name = "wta/probe";
  p.job.vectors.clear();
  return p;
}

}  // namespace

PreparedStage prepare_wta_stage(Section& table, const RunContext&) {
  auto cfg = std::make_shared<WtaConfig>(parse(table));
  std::vector<Probe> probes = {wta_probe(*cfg)};
  if (cfg->transistor) probes.push_back(wta_transistor_probe(*cfg->transistor));
  return {[cfg](const RunContext& ctx) { return run(*cfg, ctx); }, std::move(probes)};
}

}  // namespace cimchar::flows
