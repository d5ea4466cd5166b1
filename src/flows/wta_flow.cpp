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
#include <thread>

#include "core/error.hpp"
#include "core/h5.hpp"
#include "core/progress.hpp"
#include "core/provenance.hpp"
#include "core/rng.hpp"
#include "flows/monte_carlo.hpp"
#include "core/ranks.hpp"
#include "flows/stages.hpp"
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

// Runs f(i) for i in [0, n) on `threads` threads.
template <class F>
void parallel_for(size_t n, int threads, F f) {
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < n; i = next++) f(i);
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& th : pool) th.join();
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

std::filesystem::path run(const WtaConfig& cfg, const RunContext& ctx) {
  const size_t C = cfg.caps.size(), M = cfg.margins.size(), S = cfg.samples;
  const size_t Ssp = cfg.spice_samples, P = cfg.firing_points, N = cfg.circuit.n_inputs;
  const size_t K = cfg.circuit.k;
  const int threads = ctx.jobs > 0 ? ctx.jobs : spice::available_cores();
  const uint64_t seed = splitmix64(ctx.seed ^ 0x77A0000000000000ULL);  // this stage's streams
  spice::PoolOptions po;
  po.workers = ctx.jobs;
  po.library = ctx.ngspice_library;
  po.progress = ctx.progress;
  // Finished ngspice jobs are journaled (<out>/wta*.journal), so a killed run resumes with
  // --resume without recomputing them.
  {
    std::error_code mk;
    std::filesystem::create_directories(ctx.out_dir, mk);
  }
  spice::JobJournal sweep_journal(ctx.out_dir / "wta.journal", ctx.resume);
  std::vector<std::filesystem::path> mc_journals;
  po.progress_label = "wta";
  spice::WorkerPool pool(po);
  const auto info = pool.info();
  auto circuit_at = [&](size_t c) {
    WtaCircuit w = cfg.circuit;
    w.c_F = cfg.caps[c];
    return w;
  };

  // 1. Firing time against current: P inputs, k = P (nobody inhibited), offsets 0.
  std::vector<double> i_sweep(P);
  for (size_t p = 0; p < P; ++p)
    i_sweep[p] = cfg.noise.i_min_A * std::pow(cfg.noise.i_max_A / cfg.noise.i_min_A,
                                              static_cast<double>(p) / static_cast<double>(P - 1));
  std::vector<double> t_ideal(C * P), t_twin(C * P), t_spice(C * P), dev_ideal(C * P);
  {
    std::vector<spice::Job> jobs;
    std::vector<double> stops;
    const std::vector<double> zero(P, 0.0);
    for (size_t c = 0; c < C; ++c) {
      WtaCircuit w = circuit_at(c);
      w.n_inputs = P;
      w.k = P;
      stops.push_back(periph::wta_stop_time(w, cfg.noise.i_min_A, 0));
      spice::Job j;
      j.name = "wta/firing C=" + std::to_string(cfg.caps[c]);
      j.netlist = periph::render_wta_bench(w, periph::wta_param_values(i_sweep, zero), stops[c]);
      j.commands = {periph::wta_tran_command(stops[c])};
      j.measures = periph::wta_measures(P, stops[c]);
      jobs.push_back(j);
      const auto tw = periph::simulate_wta(w, i_sweep, zero, stops[c]);
      for (size_t p = 0; p < P; ++p) {
        t_twin[c * P + p] = tw.t_fire_s[p];
        t_ideal[c * P + p] = cfg.caps[c] * cfg.circuit.v_trip_V / i_sweep[p];
        dev_ideal[c * P + p] = t_twin[c * P + p] / t_ideal[c * P + p] - 1;
      }
    }
    const auto res = spice::run_journaled(pool, jobs, sweep_journal);
    const auto names = periph::wta_measure_names(P);
    for (size_t c = 0; c < C; ++c) {
      res[c].throw_if_failed(jobs[c].name);
      for (size_t p = 0; p < P; ++p) {
        const double t = res[c].vec(jobs[c].name, names[p]).back();
        t_spice[c * P + p] = t < periph::wta_mark_time(stops[c]) ? t : std::nan("");
      }
    }
  }
  double firing_agree = 0;
  for (size_t q = 0; q < C * P; ++q)
    firing_agree = std::max(firing_agree, std::abs(t_twin[q] / t_spice[q] - 1));
  if (!std::isfinite(firing_agree)) firing_agree = std::nan("");

  // 2. Monte Carlo on the twin: decision (c, m, s) uses stream s for every c and m.
  std::vector<double> stop(C);
  for (size_t c = 0; c < C; ++c) stop[c] = periph::wta_mc_stop_time(circuit_at(c), cfg.noise);
  std::vector<int64_t> correct(C * M * S), n_fired(C * M * S);
  std::vector<double> t_dec(C * M * S), energy(C * M * S);
  {
    Progress prog("wta twin", C * M * S, ctx.progress);
    std::mutex mu;
    std::atomic<size_t> done{0};
    parallel_for(C * M * S, threads, [&](size_t q) {
      const size_t c = q / (M * S), m = (q / S) % M, s = q % S;
      const WtaCircuit w = circuit_at(c);
      const auto d = periph::draw_wta_decision(w, cfg.noise, cfg.margins[m], seed, s);
      const auto r = periph::simulate_wta(w, d.i_A, d.offset_V, stop[c]);
      correct[q] = periph::wta_correct(d.i_A, r.fired, K);
      n_fired[q] = std::count(r.fired.begin(), r.fired.end(), true);
      t_dec[q] = r.t_decision_s;
      energy[q] = r.energy_J;
      const size_t k = ++done;
      if (k % 256 == 0) {
        std::lock_guard<std::mutex> lock(mu);
        prog.set(k);
      }
    });
    prog.finish();
  }
  // 3. ngspice on the first spice_samples decisions of every (c, m), same draws.
  std::vector<int64_t> correct_sp(C * M * Ssp, -1), agree(C * M * Ssp, 0);
  std::vector<double> t_dec_sp(C * M * Ssp, std::nan("")), energy_sp(C * M * Ssp, std::nan(""));
  size_t sp_failed = 0;
  double t_dec_diff = 0, energy_diff = 0;
  if (Ssp > 0) {
    for (size_t c = 0; c < C; ++c) {
      const WtaCircuit w = circuit_at(c);
      McSpec spec;
      spec.name = "wta/mc C=" + std::to_string(cfg.caps[c]);
      spec.params = periph::wta_param_names(N);
      const auto d0 = periph::draw_wta_decision(w, cfg.noise, cfg.margins[0], seed, 0);
      spec.nominal = periph::wta_param_values(d0.i_A, d0.offset_V);
      spec.render = [&, w, c](const std::vector<double>& v) {
        return periph::render_wta_bench(w, v, stop[c]);
      };
      spec.commands = {periph::wta_tran_command(stop[c])};
      spec.measures = periph::wta_measures(N, stop[c]);
      spec.samples = M * Ssp;
      spec.seed = seed;
      spec.samples_per_job = std::max<size_t>(1, std::min<size_t>(32, (M * Ssp + 1) / 2));
      spec.draw = [&, w](size_t i, std::mt19937_64&) {  // the twin's draws, not this stream
        const auto d = periph::draw_wta_decision(w, cfg.noise, cfg.margins[i / Ssp], seed, i % Ssp);
        return periph::wta_param_values(d.i_A, d.offset_V);
      };
      const auto mc_journal = ctx.out_dir / ("wta.c" + std::to_string(c) + ".journal");
      mc_journals.push_back(mc_journal);
      const McResult r = run_monte_carlo(pool, spec, mc_journal, ctx.resume);
      const size_t nv = r.n_vectors;  // tf1..tfN, tdec, esup
      for (size_t i = 0; i < M * Ssp; ++i) {
        const size_t m = i / Ssp, s = i % Ssp, q = (c * M + m) * Ssp + s, qt = (c * M + m) * S + s;
        if (r.failed[i]) {
          ++sp_failed;
          continue;
        }
        const double* v = &r.values[i * nv];
        const double* iv = &r.params[i * r.n_params];
        std::vector<double> i_A(iv, iv + N);
        std::vector<bool> fired(N);
        for (size_t j = 0; j < N; ++j) fired[j] = v[j] < periph::wta_mark_time(stop[c]);
        correct_sp[q] = periph::wta_correct(i_A, fired, K);
        t_dec_sp[q] = v[N] < periph::wta_mark_time(stop[c]) ? v[N] : std::nan("");
        energy_sp[q] = v[N + 1];
        // The twin's decision of the same draws.
        const auto d = periph::draw_wta_decision(w, cfg.noise, cfg.margins[m], seed, s);
        const auto tw = periph::simulate_wta(w, d.i_A, d.offset_V, stop[c]);
        agree[q] = tw.fired == fired;
        if (std::isfinite(t_dec_sp[q]) && std::isfinite(t_dec[qt]))
          t_dec_diff = std::max(t_dec_diff, std::abs(t_dec[qt] / t_dec_sp[q] - 1));
        energy_diff = std::max(energy_diff, std::abs(energy[qt] / energy_sp[q] - 1));
      }
    }
  }

  // 4. The LUT.
  std::vector<double> p_err(C * M), p_err_sp(C * M, std::nan("")), resolved(C), delay(C),
      delay_max(C), e_mean(C), sigma_tot(C);
  for (size_t c = 0; c < C; ++c) {
    for (size_t m = 0; m < M; ++m) {
      size_t wrong = 0;
      for (size_t s = 0; s < S; ++s) wrong += !correct[(c * M + m) * S + s];
      p_err[c * M + m] = static_cast<double>(wrong) / static_cast<double>(S);
      size_t n = 0, w = 0;
      for (size_t s = 0; s < Ssp; ++s) {
        const int64_t v = correct_sp[(c * M + m) * Ssp + s];
        if (v < 0) continue;
        ++n;
        w += v == 0;
      }
      if (n) p_err_sp[c * M + m] = static_cast<double>(w) / static_cast<double>(n);
    }
    resolved[c] =
        periph::resolved_margin(cfg.margins,
                                std::vector<double>(p_err.begin() + static_cast<long>(c * M),
                                                    p_err.begin() + static_cast<long>((c + 1) * M)),
                                cfg.error_rate);
    delay[c] = mean_finite(&t_dec[c * M * S], M * S, &delay_max[c]);
    e_mean[c] = mean_finite(&energy[c * M * S], M * S);
    sigma_tot[c] = cfg.noise.total_sigma_V(cfg.caps[c]);
  }
  size_t n_agree = 0, n_checked = 0;
  for (size_t q = 0; q < correct_sp.size(); ++q)
    if (correct_sp[q] >= 0) {
      ++n_checked;
      n_agree += static_cast<size_t>(agree[q]);
    }

  std::printf(
      "wta: %zu inputs, k = %zu, v_trip %.3g V, offset sigma %.3g V (+ noise %.3g V%s), "
      "t_comp %.3g s, t_inhibit %.3g s\n",
      N, K, cfg.circuit.v_trip_V, cfg.noise.sigma_offset_V, cfg.noise.sigma_noise_V,
      cfg.noise.ktc ? " + kT/C" : "", cfg.circuit.t_comp_s, cfg.circuit.t_inhibit_s);
  std::printf(
      "firing time vs current (no inhibition, no offset):\n"
      "   C_fF      I_uA  C*Vtrip/I_ns   twin_ns  ngspice_ns  twin/ideal-1  twin/ngspice-1\n");
  for (size_t c = 0; c < C; ++c)
    for (size_t p = 0; p < P; ++p) {
      const size_t q = c * P + p;
      std::printf("  %6.1f %9.3f %13.4f %9.4f %11.4f %13.4f %15.2e\n", cfg.caps[c] * 1e15,
                  i_sweep[p] * 1e6, t_ideal[q] * 1e9, t_twin[q] * 1e9, t_spice[q] * 1e9,
                  dev_ideal[q], t_twin[q] / t_spice[q] - 1);
    }
  std::printf("  largest twin vs ngspice firing-time difference: %.2e (relative)\n", firing_agree);
  std::printf(
      "error probability vs relative margin (twin, %zu decisions per point; ngspice, %zu):\n", S,
      Ssp);
  std::printf("   C_fF");
  for (double m : cfg.margins) std::printf(" %8.3f", m);
  std::printf("\n");
  for (size_t c = 0; c < C; ++c) {
    std::printf("  %6.1f", cfg.caps[c] * 1e15);
    for (size_t m = 0; m < M; ++m) std::printf(" %8.4f", p_err[c * M + m]);
    std::printf("  (twin)\n");
    if (Ssp) {
      std::printf("  %6s", "");
      for (size_t m = 0; m < M; ++m) std::printf(" %8.3f", p_err_sp[c * M + m]);
      std::printf("  (ngspice)\n");
    }
  }
  if (Ssp)
    std::printf(
        "  ngspice check: %zu of %zu decisions with the same winners as the twin; decision "
        "time within %.2e, energy within %.2e (relative)%s\n",
        n_agree, n_checked, t_dec_diff, energy_diff,
        sp_failed ? (", " + std::to_string(sp_failed) + " ngspice samples failed").c_str() : "");
  std::printf("   C_fF  resolved margin @ %.3g   delay mean_ns  delay max_ns  energy mean_fJ\n",
              cfg.error_rate);
  for (size_t c = 0; c < C; ++c)
    std::printf("  %6.1f %20.4f %14.4f %13.4f %15.4f\n", cfg.caps[c] * 1e15, resolved[c],
                delay[c] * 1e9, delay_max[c] * 1e9, e_mean[c] * 1e15);

  auto path = ctx.out_dir / "wta.h5";
  std::error_code ec;
  std::filesystem::create_directories(ctx.out_dir, ec);
  if (!ranks().root()) {  // under mpirun rank 0 writes the file
    sweep_journal.remove();
    for (const auto& j : mc_journals) std::filesystem::remove(rank_journal(j), ec);
    return path;
  }
  H5Writer out(path);
  write_provenance(out, {ctx.config_text, ctx.seed, info.version});
  const auto& w = cfg.circuit;
  out.group("/wta");
  out.attr("/wta", "n_inputs", static_cast<int64_t>(N));
  out.attr("/wta", "k", static_cast<int64_t>(K));
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
  out.write("/wta/capacitance", cfg.caps, {C}, "F");
  out.write("/wta/sigma_total", sigma_tot, {C}, "V");
  out.write("/wta/firing/current", i_sweep, {P}, "A");
  for (auto [name, v] :
       {std::pair{"t_ideal", &t_ideal}, {"t_twin", &t_twin}, {"t_ngspice", &t_spice}}) {
    out.write(std::string("/wta/firing/") + name, *v, {C, P}, "s");
    out.attr(std::string("/wta/firing/") + name, "axes", std::string("capacitance,current"));
  }
  out.write("/wta/firing/rel_dev_ideal", dev_ideal, {C, P}, "");
  out.attr("/wta/firing/rel_dev_ideal", "axes", std::string("capacitance,current"));
  out.attr("/wta/firing", "twin_vs_ngspice_max_rel", firing_agree);
  out.write("/wta/mc/margin", cfg.margins, {M}, "");
  out.write_int("/wta/mc/correct", correct, {C, M, S}, "");
  out.write_int("/wta/mc/n_fired", n_fired, {C, M, S}, "");
  out.write("/wta/mc/t_decision", t_dec, {C, M, S}, "s");
  out.write("/wta/mc/energy", energy, {C, M, S}, "J");
  for (const char* n : {"correct", "n_fired", "t_decision", "energy"})
    out.attr(std::string("/wta/mc/") + n, "axes", std::string("capacitance,margin,sample"));
  if (Ssp) {
    out.write_int("/wta/check/correct_ngspice", correct_sp, {C, M, Ssp}, "");
    out.write_int("/wta/check/winners_agree", agree, {C, M, Ssp}, "");
    out.write("/wta/check/t_decision_ngspice", t_dec_sp, {C, M, Ssp}, "s");
    out.write("/wta/check/energy_ngspice", energy_sp, {C, M, Ssp}, "J");
    for (const char* n :
         {"correct_ngspice", "winners_agree", "t_decision_ngspice", "energy_ngspice"})
      out.attr(std::string("/wta/check/") + n, "axes", std::string("capacitance,margin,sample"));
    out.attr(
        "/wta/check", "agree_fraction",
        n_checked ? static_cast<double>(n_agree) / static_cast<double>(n_checked) : std::nan(""));
    out.attr("/wta/check", "t_decision_max_rel_diff", t_dec_diff);
    out.attr("/wta/check", "energy_max_rel_diff", energy_diff);
    out.attr("/wta/check", "failed", static_cast<int64_t>(sp_failed));
  }
  out.write("/lut/wta/capacitance", cfg.caps, {C}, "F");
  out.write("/lut/wta/margin", cfg.margins, {M}, "");
  out.write("/lut/wta/p_error", p_err, {C, M}, "");
  out.attr("/lut/wta/p_error", "axes", std::string("capacitance,margin"));
  out.write("/lut/wta/p_error_ngspice", p_err_sp, {C, M}, "");
  out.attr("/lut/wta/p_error_ngspice", "axes", std::string("capacitance,margin"));
  out.write("/lut/wta/resolved_margin", resolved, {C}, "");
  out.write("/lut/wta/delay", delay, {C}, "s");
  out.write("/lut/wta/delay_max", delay_max, {C}, "s");
  out.write("/lut/wta/energy", e_mean, {C}, "J");
  for (const char* n : {"resolved_margin", "delay", "delay_max", "energy"})
    out.attr(std::string("/lut/wta/") + n, "axes", std::string("capacitance"));
  out.attr("/lut/wta", "error_rate", cfg.error_rate);
  out.attr("/lut/wta", "n_inputs", static_cast<int64_t>(N));
  out.attr("/lut/wta", "k", static_cast<int64_t>(K));
  out.attr("/lut/wta", "samples", static_cast<int64_t>(S));
  out.attr("/lut/wta", "definition",
           std::string("p_error: fraction of decisions whose fired set is not the k largest "
                       "currents, at relative margin (I_k - I_k+1)/I_k; resolved_margin: smallest "
                       "margin with p_error <= error_rate there and above; delay: mean time to "
                       "the inhibit (decision); energy: vdd times the charge the bit-line "
                       "sources deliver per decision (comparators and reset not included)"));
  out.commit();
  sweep_journal.remove();
  for (const auto& j : mc_journals) std::filesystem::remove(rank_journal(j), ec);
  return path;
}

}  // namespace

PreparedStage prepare_wta_stage(Section& table, const RunContext&) {
  auto cfg = std::make_shared<WtaConfig>(parse(table));
  return [cfg](const RunContext& ctx) { return run(*cfg, ctx); };
}

}  // namespace cimchar::flows
