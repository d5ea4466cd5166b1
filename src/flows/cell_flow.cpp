// The cell characterization stage (`cimchar cell`, [cell] in a flow): DC I-V hysteresis loop,
// read I-V at several states, multi-level write-and-verify for 2^b levels, read disturb, and a
// LUT of read current vs (state, read voltage). All currents come from ngspice (the ground
// truth) through the worker pool; the layout is in docs/results-format.md.
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "core/error.hpp"
#include "core/h5.hpp"
#include "core/progress.hpp"
#include "core/rng.hpp"
#include "device/model.hpp"
#include "device/pulse_sim.hpp"
#include "flows/cell_jobs.hpp"
#include "flows/stage_scope.hpp"
#include "flows/stages.hpp"
#include "flows/write_verify.hpp"
#include "lut/cell_records.hpp"
#include "spice/job_journal.hpp"

namespace cimchar::flows {

namespace {

struct CellConfig {
  ParamTable card;
  CellBenchSettings bench;
  double state_lo = 0, state_hi = 0;  // the model's state range
  // I-V loop
  double loop_v_max = 1.5, loop_v_min = -1.5, loop_rate = 1e6, loop_state0 = 0;
  // read I-V
  std::vector<double> read_states;
  std::vector<double> read_v;
  // programming
  std::vector<int64_t> bits;
  double g_min = 0, g_max = 0, v_read = 0.1, tol_frac = 0.25;
  int trials = 3;
  IsppConfig ispp;
  // disturb
  int disturb_reads = 1000;
  double disturb_v = 0.3, disturb_width = 100e-9;
  std::vector<double> disturb_states;
  // lut
  std::vector<double> lut_states, lut_v;
};

std::vector<double> linspace(double a, double b, size_t n) {
  std::vector<double> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = n == 1 ? a : a + (b - a) * static_cast<double>(i) / static_cast<double>(n - 1);
  return v;
}

// States given as fractions of the model's state range (0 = lo end, 1 = hi end).
std::vector<double> states_from_fractions(const std::vector<double>& f, double lo, double hi) {
  std::vector<double> s;
  for (double x : f) s.push_back(lo + x * (hi - lo));
  return s;
}

CellConfig parse(Section& t) {
  CellConfig c;
  c.card = device_from_table(t, "device", "params");
  auto model = device::make_read_model(c.card);
  c.state_lo = model->state_min();
  c.state_hi = model->state_max();
  c.bench.r_series_ohm = t.get_double("r_series", 20e3, "ohm", {0, 1e9});
  c.bench.temp_K = t.get_double("temperature", 300, "K", {1, 1000});
  c.bench.c_cell_F = t.get_double("c_cell", 1e-15, "F", {1e-18, 1e-9});

  Section loop = t.sub("iv_loop");
  c.loop_v_max = loop.get_double("v_max", 2.5, "V", {0.01, 10});
  c.loop_v_min = loop.get_double("v_min", -3.0, "V", {-10, -0.01});
  c.loop_rate = loop.get_double("sweep_rate", 1e6, "V/s", {1e-3, 1e12});
  c.loop_state0 = states_from_fractions({loop.get_double("initial_state", 1.0, "", {0, 1})},
                                        c.state_lo, c.state_hi)[0];
  loop.finish();

  Section read = t.sub("read_iv");
  c.read_states = states_from_fractions(
      read.get_doubles("states", {0.0, 0.25, 0.5, 0.75, 1.0}, "", {0, 1}), c.state_lo, c.state_hi);
  const double rv = read.get_double("v_max", 0.3, "V", {1e-3, 5});
  c.read_v = linspace(-rv, rv, static_cast<size_t>(read.get_int("points", 13, 2, 10001)));
  read.finish();

  Section prog = t.sub("program");
  c.bits = prog.get_ints("bits", {1, 2, 3, 4}, 1, 8);
  c.v_read = prog.get_double("v_read", 0.1, "V", {1e-3, 2});
  // Default range: from twice the model's high-resistance conductance at v_read up to the
  // low-resistance end, but no higher than 1/(2 r_series) so the series resistor (which also
  // limits the SET current) does not take most of the read voltage.
  const double g_a = std::min(model->current_A(c.v_read, c.state_lo),
                              model->current_A(c.v_read, c.state_hi)) / c.v_read;
  const double g_b = std::max(model->current_A(c.v_read, c.state_lo),
                              model->current_A(c.v_read, c.state_hi)) / c.v_read;
  const double g_cap = c.bench.r_series_ohm > 0 ? 0.5 / c.bench.r_series_ohm : g_b;
  c.g_min = prog.get_double("g_min", 2 * g_a, "S", {1e-12, 1});
  c.g_max = prog.get_double("g_max", std::min(0.9 * g_b, g_cap), "S", {1e-12, 1});
  if (c.g_min >= c.g_max) prog.fail("g_max", "g_max must be larger than g_min");
  c.tol_frac = prog.get_double("tolerance", 0.25, "", {1e-3, 0.5});
  c.trials = static_cast<int>(prog.get_int("trials", 3, 1, 1000));
  c.ispp.v_set_start_V = prog.get_double("v_set_start", c.ispp.v_set_start_V, "V", {0, 10});
  c.ispp.v_set_step_V = prog.get_double("v_set_step", c.ispp.v_set_step_V, "V", {0, 5});
  c.ispp.v_set_max_V = prog.get_double("v_set_max", c.ispp.v_set_max_V, "V", {0, 10});
  c.ispp.v_reset_start_V = prog.get_double("v_reset_start", c.ispp.v_reset_start_V, "V", {-10, 0});
  c.ispp.v_reset_step_V = prog.get_double("v_reset_step", c.ispp.v_reset_step_V, "V", {0, 5});
  c.ispp.v_reset_min_V = prog.get_double("v_reset_min", c.ispp.v_reset_min_V, "V", {-10, 0});
  c.ispp.pulse_width_s = prog.get_double("pulse_width", c.ispp.pulse_width_s, "s", {1e-12, 1});
  c.ispp.min_pulse_width_s =
      prog.get_double("min_pulse_width", c.ispp.min_pulse_width_s, "s", {1e-12, 1});
  c.ispp.max_pulses = static_cast<int>(prog.get_int("max_pulses", 100, 1, 100000));
  prog.finish();

  Section dist = t.sub("disturb");
  c.disturb_reads = static_cast<int>(dist.get_int("reads", 1000, 1, 1000000));
  c.disturb_v = dist.get_double("v_read", 0.3, "V", {1e-3, 5});
  c.disturb_width = dist.get_double("read_width", 100e-9, "s", {1e-12, 1});
  c.disturb_states = states_from_fractions(
      dist.get_doubles("states", {0.0, 0.5, 1.0}, "", {0, 1}), c.state_lo, c.state_hi);
  dist.finish();

  Section lut = t.sub("lut");
  c.lut_states = states_from_fractions(
      linspace(0, 1, static_cast<size_t>(lut.get_int("states", 9, 2, 1001))), c.state_lo,
      c.state_hi);
  const double lv = lut.get_double("v_max", 0.3, "V", {1e-3, 5});
  c.lut_v = linspace(0, lv, static_cast<size_t>(lut.get_int("points", 7, 2, 10001)));
  lut.finish();
  t.finish();
  return c;
}

// Runs a batch (through the journal) and throws the first failure: in the cell flow every job
// is needed.
std::vector<spice::JobResult> run_all(spice::WorkerPool& pool, const std::vector<spice::Job>& jobs,
                                      spice::JobJournal& journal) {
  auto results = spice::run_journaled(pool, jobs, journal);
  for (size_t i = 0; i < jobs.size(); ++i) results[i].throw_if_failed(jobs[i].name);
  return results;
}

struct Level {
  int bits;
  size_t level;
  WriteVerifyTrial trial;
};

// Per resolution: the write-and-verify outcome of every level and trial, and per-level summaries.
struct ProgramStats {
  int64_t bits = 0;
  std::vector<double> target, achieved, mean, sd, gmin, gmax, pmean;
  std::vector<int64_t> pulses, set_p, reset_p, conv, nconv;
};

struct CellResult {
  IvLoop loop;
  size_t limited = 0;  // loop points where the model's numerical limiter set the velocity
  std::vector<double> read_i, lut_i;
  std::vector<Level> trials;
  std::vector<ProgramStats> program;
  std::vector<double> dstate, di;  // [start state, read]
};

// Start states of the write-and-verify trials: uniform over the states whose read conductance
// lies in [g_min/2, g_max] (found on the C++ twin of the read bench). A cell deep in the
// low-resistance state cannot be RESET through the series resistor, which takes nearly all of
// the pulse.
std::vector<Level> start_trials(const CellConfig& c, const device::ReadModel& model,
                                uint64_t seed) {
  auto rng = stream_rng(seed, 0xCE11);
  std::uniform_real_distribution<double> start(0.0, 1.0);
  auto g_read = [&](double st) {
    const double v = device::device_voltage(model, c.v_read, c.bench.r_series_ohm, st);
    return model.current_A(v, st) / v;
  };
  auto state_at = [&](double g) {  // the read conductance is monotone in the state
    double a = c.state_lo, b = c.state_hi;
    const bool up = g_read(b) > g_read(a);
    for (int i = 0; i < 100; ++i) {
      const double mid = 0.5 * (a + b);
      if ((g_read(mid) < g) == up) a = mid;
      else b = mid;
    }
    return 0.5 * (a + b);
  };
  const double s_a = state_at(c.g_max), s_b = state_at(0.5 * c.g_min);
  std::vector<Level> trials;
  for (int64_t b : c.bits) {
    const size_t n = size_t(1) << b;
    const double spacing = (c.g_max - c.g_min) / static_cast<double>(n - 1);
    for (size_t l = 0; l < n; ++l)
      for (int k = 0; k < c.trials; ++k) {
        Level lv{static_cast<int>(b), l, {}};
        lv.trial.g_target_S = c.g_min + spacing * static_cast<double>(l);
        lv.trial.tol_S = c.tol_frac * spacing;
        lv.trial.state = s_a + start(rng) * (s_b - s_a);
        trials.push_back(lv);
      }
  }
  return trials;
}

// One round of pulses: every trial not yet done gets its next pulse and a verify read. False
// when no trial needed one.
bool pulse_round(const CellConfig& c, double scale, StageScope& scope, spice::JobJournal& journal,
                 std::vector<Level>& trials) {
  std::vector<spice::Job> pj;
  std::vector<size_t> who;
  for (size_t k = 0; k < trials.size(); ++k) {
    Pulse p;
    if (!next_pulse(c.ispp, trials[k].trial, &p)) continue;
    pj.push_back(pulse_read_job(c.card, c.bench, trials[k].trial.state, p.v_V, p.width_s, c.v_read));
    who.push_back(k);
  }
  if (pj.empty()) return false;
  auto pr = spice::run_journaled(scope.pool(), pj, journal);
  for (size_t m = 0; m < pj.size(); ++m) {
    auto& t = trials[who[m]].trial;
    if (!pr[m].ok()) {  // a failed pulse ends that trial; it is reported, the rest go on
      t.done = t.failed = true;
      scope.out().note("cimchar: cell: pulse job %s failed: %s\n", pj[m].name.c_str(),
                       pr[m].message.c_str());
      continue;
    }
    const PulseRead o = parse_pulse_read(pj[m].name, pr[m], scale);
    record_pulse(t, o.state_after, o.g_read_S());
  }
  return true;
}

// Write-and-verify, all levels and trials advancing together, one batch per round.
std::vector<Level> write_verify(const CellConfig& c, const device::ReadModel& model,
                                StageScope& scope, spice::JobJournal& journal) {
  const double scale = model.node_scale();
  std::vector<Level> trials = start_trials(c, model, scope.ctx().seed);
  std::vector<spice::Job> reads;  // initial reads, through the same bench as the verify reads
  for (auto& t : trials)
    reads.push_back(pulse_read_job(c.card, c.bench, t.trial.state, 0.0, 0.0, c.v_read));
  auto rr = run_all(scope.pool(), reads, journal);
  for (size_t k = 0; k < trials.size(); ++k) {
    const PulseRead o = parse_pulse_read(reads[k].name, rr[k], scale);
    trials[k].trial.state = o.state_after;
    trials[k].trial.g_S = o.g_read_S();
  }
  scope.pool().set_progress(false);
  // One progress line for the whole write-and-verify (its rounds are short batches).
  const bool progress = scope.ctx().progress && scope.root();
  Progress wv_progress("cell: write-and-verify (trials done)", trials.size(), progress);
  for (int round = 0; round <= c.ispp.max_pulses; ++round) {
    size_t finished = 0;
    for (const auto& t : trials) finished += t.trial.done ? 1 : 0;
    wv_progress.set(finished);
    if (!pulse_round(c, scale, scope, journal, trials)) break;
  }
  wv_progress.set(trials.size());
  wv_progress.finish();
  scope.pool().set_progress(progress);
  return trials;
}

std::vector<ProgramStats> program_stats(const CellConfig& c, const std::vector<Level>& trials) {
  std::vector<ProgramStats> all;
  size_t k = 0;
  const size_t T = static_cast<size_t>(c.trials);
  for (int64_t b : c.bits) {
    const size_t n = size_t(1) << b;
    ProgramStats p;
    p.bits = b;
    for (size_t l = 0; l < n; ++l) {
      double s = 0, s2 = 0, ps = 0, lo = 1e300, hi = -1e300;
      int64_t nconv = 0;
      for (size_t tr = 0; tr < T; ++tr, ++k) {
        const auto& t = trials[k].trial;
        p.achieved.push_back(t.g_S);
        p.pulses.push_back(t.pulses);
        p.set_p.push_back(t.set_pulses);
        p.reset_p.push_back(t.reset_pulses);
        p.conv.push_back(t.converged ? 1 : 0);
        nconv += t.converged ? 1 : 0;
        s += t.g_S;
        s2 += t.g_S * t.g_S;
        ps += t.pulses;
        lo = std::min(lo, t.g_S);
        hi = std::max(hi, t.g_S);
      }
      p.target.push_back(trials[k - 1].trial.g_target_S);
      p.mean.push_back(s / c.trials);
      p.sd.push_back(c.trials > 1 ? std::sqrt(std::max(0.0, (s2 - s * s / c.trials) / (c.trials - 1))) : 0);
      p.gmin.push_back(lo);
      p.gmax.push_back(hi);
      p.pmean.push_back(ps / c.trials);
      p.nconv.push_back(nconv);
    }
    all.push_back(std::move(p));
  }
  return all;
}

CellResult compute(const CellConfig& c, StageScope& scope) {
  const auto model = device::make_read_model(c.card, read_model_options(scope.ctx()));
  const double scale = model->node_scale();
  // Every finished ngspice job is journaled, so a killed run resumes with --resume.
  spice::JobJournal journal(scope.journal(), scope.ctx().resume, scope.run_id());
  CellResult o;
  // 1. I-V loop.
  auto loop_job = iv_loop_job(c.card, c.bench, c.loop_state0, c.loop_v_max, c.loop_v_min, c.loop_rate);
  auto loop_res = spice::run_one_journaled(scope.pool(), loop_job, journal);
  loop_res.throw_if_failed(loop_job.name);
  o.loop = parse_iv_loop(loop_job.name, loop_res, scale);
  for (size_t k = 0; k < o.loop.v_V.size(); ++k)
    o.limited += model->limiter_active(o.loop.v_V[k], o.loop.state[k]) ? 1 : 0;
  // 2. Read I-V at several states, and 5. the LUT grid (both: state held, DC sweep).
  std::vector<spice::Job> jobs;
  for (double s : c.read_states) jobs.push_back(read_iv_job(c.card, s, c.read_v));
  for (double s : c.lut_states) jobs.push_back(read_iv_job(c.card, s, c.lut_v));
  auto res = run_all(scope.pool(), jobs, journal);
  for (size_t k = 0; k < jobs.size(); ++k) {
    auto i = parse_read_iv(jobs[k].name, res[k]);
    auto& dst = k < c.read_states.size() ? o.read_i : o.lut_i;
    dst.insert(dst.end(), i.begin(), i.end());
  }
  // 3. Write-and-verify.
  o.trials = write_verify(c, *model, scope, journal);
  o.program = program_stats(c, o.trials);
  // 4. Read disturb.
  std::vector<spice::Job> dj;
  for (double s : c.disturb_states)
    dj.push_back(disturb_job(c.card, c.bench, s, c.disturb_v, c.disturb_width, c.disturb_reads));
  auto dr = run_all(scope.pool(), dj, journal);
  for (size_t s = 0; s < dj.size(); ++s) {
    auto tr = parse_disturb(dj[s].name, dr[s], c.disturb_reads, c.disturb_width, scale);
    o.dstate.insert(o.dstate.end(), tr.state.begin(), tr.state.end());
    o.di.insert(o.di.end(), tr.i_read_A.begin(), tr.i_read_A.end());
  }
  scope.report_resumed(journal);
  return o;
}

void print(const CellConfig& c, const CellResult& o, const Sink& out) {
  // A numerical limiter of the model (e.g. vel_max) setting the speed is reported, not hidden.
  if (o.limited > 0)
    out.note("cell: warning: the model's numerical limiter (vel_max) sets the state velocity at "
             "%zu of %zu I-V loop points\n", o.limited, o.loop.v_V.size());
  out.print("write-and-verify (%d trials per level, v_read %g V, tolerance %g of the level "
            "spacing)\n", c.trials, c.v_read, c.tol_frac);
  out.print("  bits level  target_uS   mean_uS    std_uS  pulses(mean)  converged\n");
  for (const auto& p : o.program)
    for (size_t l = 0; l < p.target.size(); ++l)
      out.print("  %4lld %5zu %10.3f %9.3f %9.3f %13.1f  %lld/%d\n", static_cast<long long>(p.bits),
                l, p.target[l] * 1e6, p.mean[l] * 1e6, p.sd[l] * 1e6, p.pmean[l],
                static_cast<long long>(p.nconv[l]), c.trials);
}

void write_reads(const CellConfig& c, const CellResult& o, const std::string& unit, H5Writer& out) {
  const size_t nl = o.loop.t_s.size();
  out.write("/iv_loop/time", o.loop.t_s, {nl}, "s");
  out.write("/iv_loop/v", o.loop.v_V, {nl}, "V");
  out.write("/iv_loop/i", o.loop.i_A, {nl}, "A");
  out.write("/iv_loop/state", o.loop.state, {nl}, unit);
  // How many loop points had the model's numerical limiter (vel_max) setting the velocity.
  out.attr("/iv_loop", "limiter_active_points", static_cast<int64_t>(o.limited));
  out.write("/read_iv/state", c.read_states, {c.read_states.size()}, unit);
  out.write("/read_iv/v", c.read_v, {c.read_v.size()}, "V");
  out.write("/read_iv/i", o.read_i, {c.read_states.size(), c.read_v.size()}, "A");
  out.attr("/read_iv/i", "axes", std::string("state,v"));
  std::vector<double> fv, fs;  // the same read I-V as flat columns, the form `cimchar fit` reads
  for (double s : c.read_states)
    for (double v : c.read_v) {
      fs.push_back(s);
      fv.push_back(v);
    }
  const size_t n = fv.size();
  out.write("/read_iv/flat/v", fv, {n}, "V");
  out.write("/read_iv/flat/i", o.read_i, {n}, "A");
  out.write("/read_iv/flat/state", fs, {n}, unit);
  lut::ReadCurrentLut l;
  l.state = c.lut_states;
  l.v_read = c.lut_v;
  l.i = o.lut_i;
  l.state_units = unit.empty() ? "1" : unit;
  lut::write(out, l);
}

void write_program(const CellConfig& c, const CellResult& o, H5Writer& out) {
  const size_t T = static_cast<size_t>(c.trials);
  for (const auto& p : o.program) {
    const size_t n = p.target.size();
    const std::string g = "/program/b" + std::to_string(p.bits);
    out.write(g + "/target_g", p.target, {n}, "S");
    out.write(g + "/achieved_g", p.achieved, {n, T}, "S");
    out.attr(g + "/achieved_g", "axes", std::string("level,trial"));
    out.write_int(g + "/pulses", p.pulses, {n, T}, "");
    out.write_int(g + "/set_pulses", p.set_p, {n, T}, "");
    out.write_int(g + "/reset_pulses", p.reset_p, {n, T}, "");
    out.write_int(g + "/converged", p.conv, {n, T}, "");
    out.write(g + "/g_mean", p.mean, {n}, "S");
    out.write(g + "/g_std", p.sd, {n}, "S");
    out.write(g + "/g_min", p.gmin, {n}, "S");
    out.write(g + "/g_max", p.gmax, {n}, "S");
    out.write(g + "/pulses_mean", p.pmean, {n}, "");
    out.attr(g, "tolerance_S", c.tol_frac * (c.g_max - c.g_min) / static_cast<double>(n - 1));
    out.attr(g, "v_read_V", c.v_read);
  }
}

void write_disturb(const CellConfig& c, const CellResult& o, const std::string& unit,
                   H5Writer& out) {
  const size_t ns = c.disturb_states.size(), nr = static_cast<size_t>(c.disturb_reads);
  out.write("/disturb/start_state", c.disturb_states, {ns}, unit);
  out.write("/disturb/state", o.dstate, {ns, nr}, unit);
  out.write("/disturb/i_read", o.di, {ns, nr}, "A");
  out.attr("/disturb/i_read", "axes", std::string("start_state,read"));
  out.attr("/disturb", "v_read_V", c.disturb_v);
  out.attr("/disturb", "read_width_s", c.disturb_width);
}

std::filesystem::path run(const CellConfig& c, const RunContext& ctx) {
  StageScope scope("cell", ctx);
  const CellResult o = compute(c, scope);
  print(c, o, scope.out());
  const std::string unit =
      device::has_twin(c.card) ? device::make_model(c.card)->state_unit() : c.card.state_unit();
  return scope.write([&](H5Writer& out) {
    c.card.write_attrs(out, "/device");
    out.attr("/device", "r_series_ohm", c.bench.r_series_ohm);
    out.attr("/device", "state_unit", unit.empty() ? std::string("1") : unit);
    write_reads(c, o, unit, out);
    write_program(c, o, out);
    write_disturb(c, o, unit, out);
  });
}

// Before the sweep, both subcircuits of the device library: the static one in the read I-V
// bench and the dynamic one in the pulse-and-read bench (a read without a pulse), at the first
// read state.
std::vector<Probe> cell_probes(const CellConfig& c) {
  Probe read, pulse;
  read.file = pulse.file = c.card.lib_path().string();
  read.job = read_iv_job(c.card, c.read_states.front(), c.read_v);
  read.job.name = "cell/probe/read_iv";
  pulse.job = pulse_read_job(c.card, c.bench, c.read_states.front(), 0.0, 0.0, c.v_read);
  pulse.job.name = "cell/probe/pulse_read";
  return {read, pulse};
}

}  // namespace

PreparedStage prepare_cell_stage(Section& table, const RunContext&) {
  auto cfg = std::make_shared<CellConfig>(parse(table));
  return {[cfg](const RunContext& ctx) { return run(*cfg, ctx); }, cell_probes(*cfg)};
}

}  // namespace cimchar::flows
