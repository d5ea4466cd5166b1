// The variation stage (`cimchar variation`, [variation] in a flow): Monte Carlo of programmed
// cells. For each target level (conductance at the verify voltage), every sample draws a
// programmed conductance from the variation models (src/device/variation.hpp: device-to-device,
// cycle-to-cycle, read noise, drift at a read time, stuck-at), realizes it as the cell state
// that has that conductance, and reads the cell in ngspice at the array's read voltage (so the
// I-V nonlinearity between verify and read is included). Outputs per-level distributions and a
// LUT of error statistics for the attention executor (docs/results-format.md).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "core/units.hpp"
#include "core/error.hpp"
#include "core/h5.hpp"
#include "device/model.hpp"
#include "device/variation.hpp"
#include "flows/monte_carlo.hpp"
#include "flows/stage_scope.hpp"
#include "core/rng.hpp"
#include "flows/stages.hpp"
#include "lut/cell_records.hpp"
#include "xbar/solver.hpp"

namespace cimchar::flows {

namespace {

struct VariationConfig {
  ParamTable card;
  device::VariationParams var;
  std::vector<double> targets;  // S, at v_verify
  double v_verify = 0.1, v_read = 0.2, t_read = 1.0;
  size_t samples = 200, samples_per_job = 64;
  // Crossbar part: column-current error of programmed arrays, IR drop on and off.
  std::vector<int64_t> xbar_sizes;  // empty: no crossbar part
  size_t xbar_arrays = 20;
  double r_wire = 2.5, input_activity = 0.5;
};


VariationConfig parse(Section& t) {
  VariationConfig c;
  c.card = device_from_table(t, "device", "params");
  if (c.card.static_subckt().empty()) t.fail("device", "the card has no static subcircuit");
  auto model = device::make_read_model(c.card);
  c.v_verify = t.get_double("v_verify", 0.1, "V", {1e-3, 2});
  c.v_read = t.get_double("v_read", 0.2, "V", {1e-3, 2});
  c.t_read = t.get_double("t_read", 1.0, "s", {0, 1e10});
  const int64_t bits = t.get_int("bits", 2, 1, 6);
  const double g_lo = std::min(model->current_A(c.v_verify, model->state_min()),
                               model->current_A(c.v_verify, model->state_max())) / c.v_verify;
  const double g_min = t.get_double("g_min", 10e-6, "S", {1e-12, 1});
  const double g_max = t.get_double("g_max", 100e-6, "S", {1e-12, 1});
  if (g_min >= g_max) t.fail("g_max", "g_max must be larger than g_min");
  if (g_min < g_lo) t.fail("g_min", "below the model's smallest conductance at v_verify");
  const size_t n = size_t(1) << bits;
  for (size_t l = 0; l < n; ++l)
    c.targets.push_back(g_min + (g_max - g_min) * static_cast<double>(l) / static_cast<double>(n - 1));
  c.samples = static_cast<size_t>(t.get_int("samples", 200, 1, 10000000));
  c.samples_per_job = static_cast<size_t>(t.get_int("samples_per_job", 64, 1, 100000));
  // The card's [variation] values first, then the flow's [variation.model] over them.
  c.var.read_card(c.card.card_path());
  Section m = t.sub("model");
  c.var.read(m);
  Section x = t.sub("crossbar");
  c.xbar_sizes = x.get_ints("sizes", {}, 2, 1024);
  c.xbar_arrays = static_cast<size_t>(x.get_int("arrays", 20, 1, 100000));
  c.r_wire = x.get_double("r_wire", 2.5, "ohm", {1e-6, 1e3});
  c.input_activity = x.get_double("input_activity", 0.5, "", {0.01, 1});
  x.finish();
  t.finish();
  return c;
}

// The state whose static read conductance at v equals g (bisection; monotone in the state).
double state_for(const device::ReadModel& m, double g, double v) {
  double a = m.state_min(), b = m.state_max();
  const bool up = m.current_A(v, b) > m.current_A(v, a);
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (a + b);
    if ((m.current_A(v, mid) / v < g) == up) a = mid;
    else b = mid;
  }
  return 0.5 * (a + b);
}

double quantile(std::vector<double> x, double q) {
  x.erase(std::remove_if(x.begin(), x.end(), [](double v) { return !std::isfinite(v); }), x.end());
  if (x.empty()) return std::nan("");
  std::sort(x.begin(), x.end());
  const double pos = q * static_cast<double>(x.size() - 1);
  const size_t k = static_cast<size_t>(pos);
  const double f = pos - static_cast<double>(k);
  return k + 1 < x.size() ? x[k] * (1 - f) + x[k + 1] * f : x[k];
}

struct XbarStats {
  std::vector<double> mean, sigma, q05, q95;  // [size, ir] of (I - I_ideal) / max|I_ideal|
};

// Arrays of N x N cells programmed to random levels with the variation models applied, driven by
// random inputs (each row on with probability input_activity, at v_read), solved natively with
// wire resistance r_wire (IR drop on) and without (off). Error of each column current relative to
// the array's largest ideal (target, no IR drop) column current.
XbarStats crossbar_errors(const VariationConfig& c, const device::VariationSampler& sampler,
                          uint64_t seed) {
  XbarStats s;
  for (size_t k = 0; k < c.xbar_sizes.size(); ++k) {
    const size_t n = static_cast<size_t>(c.xbar_sizes[k]);
    for (int ir = 0; ir < 2; ++ir) {
      std::vector<double> err;
      for (size_t a = 0; a < c.xbar_arrays; ++a) {
        auto rng = stream_rng(seed, 0x5AB0000000ULL + (k << 20) + a);  // same arrays for IR on/off
        std::uniform_int_distribution<size_t> level(0, c.targets.size() - 1);
        std::bernoulli_distribution on(c.input_activity);
        xbar::Array target{n, n, std::vector<double>(n * n)}, prog = target;
        for (size_t i = 0; i < n * n; ++i) {
          target.g_S[i] = c.targets[level(rng)];
          prog.g_S[i] = std::max(sampler.read(sampler.program(target.g_S[i], rng), c.t_read, rng), 1e-12);
        }
        std::vector<double> v(n);
        for (auto& x : v) x = on(rng) ? c.v_read : 0.0;
        xbar::Wiring w;
        if (ir) w.r_wire_row_ohm = w.r_wire_col_ohm = c.r_wire;
        xbar::Solver solver(prog, w, xbar::CellModel{});
        const auto i_act = solver.solve(v);
        const auto i_ideal = xbar::ideal_currents(target, xbar::CellModel{}, v);
        double scale = 0;
        for (double x : i_ideal) scale = std::max(scale, std::abs(x));
        if (scale <= 0) continue;
        for (size_t col = 0; col < n; ++col) err.push_back((i_act[col] - i_ideal[col]) / scale);
      }
      double sm = 0, s2 = 0;
      for (double e : err) {
        sm += e;
        s2 += e * e;
      }
      const double cnt = static_cast<double>(err.size());
      s.mean.push_back(cnt ? sm / cnt : std::nan(""));
      s.sigma.push_back(cnt > 1 ? std::sqrt(std::max(0.0, (s2 - sm * sm / cnt) / (cnt - 1))) : 0.0);
      s.q05.push_back(quantile(err, 0.05));
      s.q95.push_back(quantile(err, 0.95));
    }
  }
  return s;
}

// The read netlist of one sample: the card's static subcircuit at state `statev`, read at v_read.
std::string read_netlist(const VariationConfig& c, const std::vector<double>& v) {
  return "variation read\n.include " + c.card.lib_path().string() + "\n.param statev=" +
         netlist_number(v[0]) + "\n.param gprog=" + netlist_number(v[1]) + "\nvr te 0 " +
         netlist_number(c.v_read) + "\nx1 te 0 " + c.card.static_subckt() + " " +
         c.card.render_instance_params() + " " + c.card.state_name() + "={statev}\n.end\n";
}

McSpec variation_spec(const VariationConfig& c, const device::ReadModel& model,
                      const device::VariationSampler& sampler, uint64_t seed) {
  McSpec spec;
  spec.name = "variation";
  spec.params = {"statev", "gprog"};  // gprog rides along (recorded), statev is simulated
  spec.nominal = {state_for(model, c.targets[0], c.v_verify), c.targets[0]};
  spec.render = [&c](const std::vector<double>& v) { return read_netlist(c, v); };
  spec.commands = {"op"};
  spec.vectors = {"i(vr)"};
  spec.samples = c.targets.size() * c.samples;
  spec.seed = seed;
  spec.samples_per_job = c.samples_per_job;
  spec.draw = [&c, &model, &sampler](size_t i, std::mt19937_64& rng) {
    const double gt = c.targets[i / c.samples];
    const auto cell = sampler.program(gt, rng);
    const double g = std::max(sampler.read(cell, c.t_read, rng), 1e-15);
    // A conductance outside the device's range is realized at the nearest end of the range.
    return std::vector<double>{state_for(model, g, c.v_verify), g};
  };
  return spec;
}

struct VariationResult {
  std::vector<double> g_prog, g_read, st;  // [level, sample]
  std::vector<int64_t> failed;
  std::vector<std::string> messages;
  std::vector<double> mean, sigma, q05, q50, q95, gmean;  // [level]
  size_t n_failed = 0;
  XbarStats xs;
};

// Per level: statistics of the relative read error over the samples that did not fail.
void level_stats(const VariationConfig& c, const std::vector<double>& rel, VariationResult& o) {
  const size_t S = c.samples;
  for (size_t l = 0; l < c.targets.size(); ++l) {
    std::vector<double> e(rel.begin() + static_cast<long>(l * S),
                          rel.begin() + static_cast<long>((l + 1) * S));
    double s = 0, s2 = 0, gs = 0;
    size_t n = 0;
    for (size_t k = 0; k < S; ++k)
      if (std::isfinite(e[k])) {
        s += e[k];
        s2 += e[k] * e[k];
        gs += o.g_read[l * S + k];
        ++n;
      }
    const double dn = static_cast<double>(n);
    o.mean.push_back(n ? s / dn : std::nan(""));
    o.sigma.push_back(n > 1 ? std::sqrt(std::max(0.0, (s2 - s * s / dn) / (dn - 1))) : 0.0);
    o.gmean.push_back(n ? gs / dn : std::nan(""));
    o.q05.push_back(quantile(e, 0.05));
    o.q50.push_back(quantile(e, 0.5));
    o.q95.push_back(quantile(e, 0.95));
  }
}

VariationResult compute(const VariationConfig& c, StageScope& scope) {
  auto model = device::make_read_model(c.card, read_model_options(scope.ctx()));
  device::VariationSampler sampler(c.var);
  McSpec spec = variation_spec(c, *model, sampler, scope.ctx().seed);
  spec.run_id = scope.run_id();
  McResult r = run_monte_carlo(scope.pool(), spec, scope.journal(), scope.ctx().resume);
  scope.report_resumed(r.resumed, spec.samples, "samples");
  const size_t N = spec.samples;
  VariationResult o;
  o.g_prog.resize(N);
  o.g_read.resize(N);
  o.st.resize(N);
  std::vector<double> rel(N);
  for (size_t i = 0; i < N; ++i) {
    o.st[i] = r.params[i * 2];
    o.g_prog[i] = r.params[i * 2 + 1];
    o.g_read[i] = -r.values[i] / c.v_read;  // NaN for failed samples
    rel[i] = (o.g_read[i] - c.targets[i / c.samples]) / c.targets[i / c.samples];
    o.n_failed += static_cast<size_t>(r.failed[i]);
  }
  o.failed = std::move(r.failed);
  o.messages = std::move(r.messages);
  level_stats(c, rel, o);
  // The crossbar part is native (no ngspice) and only the rank that writes needs it.
  if (!c.xbar_sizes.empty() && scope.root()) o.xs = crossbar_errors(c, sampler, scope.ctx().seed);
  return o;
}

void print(const VariationConfig& c, const VariationResult& o, const Sink& out) {
  out.print("variation: %zu levels x %zu samples, read at %.3g V (verify at %.3g V), t_read %.3g "
            "s\n", c.targets.size(), c.samples, c.v_read, c.v_verify, c.t_read);
  out.print("  target_uS  G_read mean_uS  rel.err mean   sigma    q05      q95\n");
  for (size_t l = 0; l < c.targets.size(); ++l)
    out.print("  %9.3f %13.3f %12.4f %9.4f %8.4f %8.4f\n", c.targets[l] * 1e6, o.gmean[l] * 1e6,
              o.mean[l], o.sigma[l], o.q05[l], o.q95[l]);
  if (o.n_failed)
    out.print("  %zu samples failed (recorded in /mc/failed and /mc/messages)\n", o.n_failed);
  if (c.xbar_sizes.empty()) return;
  out.print("crossbar column-current error, relative to the largest ideal column current "
            "(%zu arrays per size, %.3g ohm per wire segment when IR drop is on):\n",
            c.xbar_arrays, c.r_wire);
  out.print("  size  IR drop   mean      sigma     q05       q95\n");
  for (size_t k = 0; k < c.xbar_sizes.size(); ++k)
    for (int ir = 0; ir < 2; ++ir) {
      const size_t j = 2 * k + static_cast<size_t>(ir);
      out.print("  %4lld  %-7s %9.4f %9.4f %9.4f %9.4f\n", static_cast<long long>(c.xbar_sizes[k]),
                ir ? "on" : "off", o.xs.mean[j], o.xs.sigma[j], o.xs.q05[j], o.xs.q95[j]);
    }
}

// The variation model as used: the card's values with the flow's overrides.
void write_model(const device::VariationParams& v, H5Writer& out) {
  for (auto [name, on] : {std::pair{"d2d", v.d2d}, {"c2c", v.c2c}, {"read_noise", v.read_noise},
                          {"drift", v.drift}, {"stuck", v.stuck}})
    out.attr("/mc", std::string("model_") + name + "_enabled", static_cast<int64_t>(on));
  for (auto [name, x] : {std::pair{"model_d2d_c0_S", v.d2d_c0_S}, {"model_d2d_c1", v.d2d_c1},
                         {"model_d2d_c2_per_S", v.d2d_c2_per_S}, {"model_c2c_sigma_rel", v.c2c_rel},
                         {"model_read_noise_sigma_rel", v.read_rel}, {"model_drift_t0_s", v.drift_t0_s},
                         {"model_drift_nu_mean", v.drift_nu_mean},
                         {"model_drift_nu_sigma", v.drift_nu_sigma}, {"model_stuck_p_on", v.p_stuck_on},
                         {"model_stuck_p_off", v.p_stuck_off}, {"model_stuck_g_on_S", v.g_stuck_on_S},
                         {"model_stuck_g_off_S", v.g_stuck_off_S}})
    out.attr("/mc", name, x);
  for (const auto& [effect, src] : v.sources) out.attr("/mc", "model_" + effect + "_card_source", src);
}

void write_mc(const VariationConfig& c, const VariationResult& o, H5Writer& out) {
  const size_t L = c.targets.size(), S = c.samples;
  c.card.write_attrs(out, "/device");
  out.write("/mc/target_g", c.targets, {L}, "S");
  out.write("/mc/g_programmed", o.g_prog, {L, S}, "S");
  out.attr("/mc/g_programmed", "axes", std::string("level,sample"));
  out.write("/mc/state", o.st, {L, S}, (device::has_twin(c.card) ? device::make_model(c.card)->state_unit() : c.card.state_unit()));
  out.write("/mc/g_read", o.g_read, {L, S}, "S");
  out.attr("/mc/g_read", "axes", std::string("level,sample"));
  out.write_int("/mc/failed", o.failed, {L, S}, "");
  out.write_strings("/mc/messages", o.messages);
  out.attr("/mc", "v_verify_V", c.v_verify);
  out.attr("/mc", "v_read_V", c.v_read);
  out.attr("/mc", "t_read_s", c.t_read);
  write_model(c.var, out);
}

void write_lut(const VariationConfig& c, const VariationResult& o, H5Writer& out) {
  lut::CellErrorLut e;
  e.target_g = c.targets;
  e.mean_rel = o.mean;
  e.sigma_rel = o.sigma;
  e.q05_rel = o.q05;
  e.q50_rel = o.q50;
  e.q95_rel = o.q95;
  e.definition = "relative error (G_read - G_target)/G_target, G_read = I(v_read)/v_read";
  lut::write(out, e);
  if (c.xbar_sizes.empty()) return;
  lut::ColumnErrorLut k;
  k.size.assign(c.xbar_sizes.begin(), c.xbar_sizes.end());
  k.ir_drop = {0.0, 1.0};
  k.mean = o.xs.mean;
  k.sigma = o.xs.sigma;
  k.q05 = o.xs.q05;
  k.q95 = o.xs.q95;
  k.definition = "(I_column - I_ideal)/max|I_ideal| per array; I_ideal from the target "
                 "conductances without wire resistance";
  k.r_wire_ohm = c.r_wire;
  k.input_activity = c.input_activity;
  k.arrays = static_cast<double>(c.xbar_arrays);
  lut::write(out, k);
}

std::filesystem::path run(const VariationConfig& c, const RunContext& ctx) {
  StageScope scope("variation", ctx);
  const VariationResult o = compute(c, scope);
  print(c, o, scope.out());
  return scope.write([&](H5Writer& out) {
    write_mc(c, o, out);
    write_lut(c, o, out);
  });
}

// One read of the device's static subcircuit at the lowest target level, before the sweep.
Probe variation_probe(const VariationConfig& c) {
  auto model = device::make_read_model(c.card);
  Probe p;
  p.file = c.card.lib_path().string();
  p.job.name = "variation/probe";
  p.job.netlist = read_netlist(c, {state_for(*model, c.targets[0], c.v_verify), c.targets[0]});
  p.job.commands = {"op"};
  p.job.vectors = {"i(vr)"};
  return p;
}

}  // namespace

PreparedStage prepare_variation_stage(Section& table, const RunContext&) {
  auto cfg = std::make_shared<VariationConfig>(parse(table));
  return {[cfg](const RunContext& ctx) { return run(*cfg, ctx); }, {variation_probe(*cfg)}};
}

}  // namespace cimchar::flows
