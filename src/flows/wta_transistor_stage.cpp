#include "flows/wta_transistor_stage.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <sstream>
#include <tuple>

#include "core/error.hpp"
#include "core/param_table.hpp"
#include "core/rng.hpp"
#include "core/units.hpp"
#include "device/mosfet_node.hpp"
#include "lut/periph_records.hpp"
#include "periph/wta_twin.hpp"
#include "spice/pool.hpp"

namespace cimchar::flows {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Inputs I, I(1-m), I(1-m)^2, ... placed so that the largest moves with the level (the winner is
// not always input 1).
std::vector<double> level_currents(const WtaTransistorConfig& c, size_t level) {
  const size_t n = c.design.n_inputs;
  std::vector<double> i(n);
  for (size_t j = 0; j < n; ++j)
    i[(j + level) % n] = c.currents[level] * std::pow(1 - c.margin, static_cast<double>(j));
  return i;
}

// Long enough for the k-th largest input to fire and the inhibit to follow, three times over.
double stop_time(const WtaTransistorConfig& c, double cap, double vdd, const std::vector<double>& i) {
  std::vector<double> s = i;
  std::sort(s.rbegin(), s.rend());
  return 3 * cap * vdd / s[c.design.k - 1];
}

// One transient's job: capacitance cap, current level `level`.
spice::Job case_job(const WtaTransistorConfig& c, double cap, size_t level, double vdd) {
  periph::WtaTransistorDesign d = c.design;
  d.c_F = cap;
  const std::vector<double> i = level_currents(c, level);
  return periph::wta_transistor_job(d, devices_dir().string(), i, stop_time(c, cap, vdd, i));
}

WtaTransistorCase read_case(const WtaTransistorConfig& c, double cap, size_t level,
                            const periph::WtaQuasiStatic& q, const spice::Job& job,
                            const spice::JobResult& res) {
  periph::WtaTransistorDesign d = c.design;
  d.c_F = cap;
  const auto r = periph::wta_transistor_result(d, job, res);
  WtaTransistorCase k;
  k.i_A = level_currents(c, level);
  k.t_fire_s = r.t_fire_s;
  k.fired = r.fired;
  k.correct = periph::wta_correct(k.i_A, r.fired, d.k);
  k.t_decision_s = r.t_decision_s;
  k.e_inputs_J = r.energy_inputs_J;
  k.e_comparators_J = r.energy_vdd_J;
  for (double i : k.i_A) k.t_fire_quasi_static_s.push_back(q.fire_time_s(cap, i));
  return k;
}

WtaTransistorCase failed_case(const WtaTransistorConfig& c, size_t level) {
  WtaTransistorCase k;
  k.i_A = level_currents(c, level);
  const size_t n = k.i_A.size();
  k.t_fire_s = k.t_fire_twin_s = k.t_fire_quasi_static_s = std::vector<double>(n, kNaN);
  k.fired = std::vector<bool>(n, false);
  k.t_decision_s = k.t_decision_twin_s = k.e_inputs_J = k.e_comparators_J = k.e_twin_J = kNaN;
  return k;
}

// Least squares t = v C/I + t0 over the winners' fire times of every level, in relative terms
// (weights 1/t^2: the twin is held to a relative tolerance at every current).
void fit_twin(const std::vector<WtaTransistorCase>& cases, double cap, double* v, double* t0) {
  double s = 0, sx = 0, sy = 0, sxx = 0, sxy = 0, n = 0;
  for (const auto& k : cases)
    for (size_t j = 0; j < k.i_A.size(); ++j)
      if (k.fired[j] && std::isfinite(k.t_fire_s[j])) {
        const double x = cap / k.i_A[j], y = k.t_fire_s[j], w = 1 / (y * y);
        s += w, sx += w * x, sy += w * y, sxx += w * x * x, sxy += w * x * y, n += 1;
      }
  if (n == 0) throw SpiceError("wta/transistor", "no input fired at " + std::to_string(cap) + " F");
  const double det = s * sxx - sx * sx;
  if (n < 2 || std::abs(det) <= 1e-12 * s * sxx) {  // one current level: a line through 0
    *v = sy / sx, *t0 = 0;
    return;
  }
  *v = (s * sxy - sx * sy) / det;
  *t0 = (sy - *v * sx) / s;
}

// The fitted twin on every level's currents; the largest relative fire/decision difference.
double run_twin(const WtaTransistorConfig& c, double cap, double vdd, double v_trip, double t_comp,
                std::vector<WtaTransistorCase>& cases) {
  periph::WtaCircuit w = c.twin;
  w.c_F = cap, w.vdd_V = vdd, w.v_trip_V = v_trip, w.t_comp_s = t_comp;
  w.t_inhibit_s = c.design.t_inhibit_s, w.g_out_S = 0;  // the bench's sources are ideal
  double worst = 0;
  for (auto& k : cases) {
    if (!std::isfinite(k.t_decision_s)) continue;
    const auto o = periph::simulate_wta(w, k.i_A, std::vector<double>(k.i_A.size(), 0.0),
                                        stop_time(c, cap, vdd, k.i_A));
    k.t_fire_twin_s = o.t_fire_s;
    k.t_decision_twin_s = o.t_decision_s;
    k.e_twin_J = o.energy_J;
    for (size_t j = 0; j < k.i_A.size(); ++j)
      if (k.fired[j]) worst = std::max(worst, std::abs(o.t_fire_s[j] / k.t_fire_s[j] - 1));
    worst = std::max(worst, std::abs(o.t_decision_s / k.t_decision_s - 1));
  }
  return worst;
}

double mean_of(const std::vector<WtaTransistorCase>& cases, double WtaTransistorCase::*f) {
  double s = 0, n = 0;
  for (const auto& k : cases)
    if (std::isfinite(k.*f)) s += k.*f, n += 1;
  return n ? s / n : kNaN;
}

double input_gate_area_m2(const periph::WtaTransistorDesign& d) {
  return d.l_m * (2 * d.w_n_m + 2 * d.w_p_m + 2 * d.w_clamp_m + d.w_keeper_m);
}

std::string describe(const WtaTransistorConfig& c) {
  const auto& d = c.design;
  std::ostringstream o;
  o << d.node << ", " << d.n_inputs << " inputs, k = " << d.k << ", L " << d.l_m
    << " m, inverters W_n " << d.w_n_m << " / W_p " << d.w_p_m << " m, clamps 2 x " << d.w_clamp_m
    << " m, keeper " << d.w_keeper_m << " m, counter delay " << d.t_inhibit_s << " s, margin "
    << c.margin << ", layout factor " << c.layout_factor << ", capacitors " << c.cap_density_F_m2
    << " F/m^2";
  return o.str();
}

}  // namespace

std::optional<WtaTransistorConfig> parse_wta_transistor(Section& wta, const std::vector<double>& caps,
                                                        const periph::WtaCircuit& twin) {
  if (!wta.has("transistor")) return std::nullopt;
  Section s = wta.sub("transistor");
  WtaTransistorConfig c;
  auto& d = c.design;
  d.node = s.get_string("node", d.node);
  try {
    device::mosfet_node(d.node);
  } catch (const ConfigError& e) {
    s.fail("node", e.what());
  }
  d.n_inputs = twin.n_inputs, d.k = twin.k, d.t_inhibit_s = twin.t_inhibit_s;
  c.currents = s.get_doubles("currents", {3e-6, 10e-6, 30e-6}, "A", {1e-9, 1e-2});
  if (c.currents.empty()) s.fail("currents", "give at least one current");
  c.margin = s.get_double("margin", c.margin, "", {1e-3, 0.9});
  d.l_m = s.get_double("l", d.l_m, "m", {10e-9, 10e-6});
  d.w_n_m = s.get_double("w_n", d.w_n_m, "m", {10e-9, 100e-6});
  d.w_p_m = s.get_double("w_p", d.w_p_m, "m", {10e-9, 100e-6});
  d.w_clamp_m = s.get_double("w_clamp", d.w_clamp_m, "m", {10e-9, 100e-6});
  d.w_keeper_m = s.get_double("w_keeper", d.w_keeper_m, "m", {10e-9, 100e-6});
  c.layout_factor = s.get_double("layout_factor", c.layout_factor, "", {1, 1000});
  c.cap_density_F_m2 = s.get_double("cap_density", c.cap_density_F_m2, "F/m^2", {1e-6, 1});
  const double samples = s.get_double("mismatch_samples", 0, "", {0, 1e6});
  if (samples != std::floor(samples) || samples == 1)
    s.fail("mismatch_samples", "must be 0 (no Monte Carlo) or a whole number of at least 2");
  c.mismatch_samples = static_cast<size_t>(samples);
  c.a_vt_V_m = 1e-9 * s.get_double("a_vt_mV_um", 4.5, "", {0, 99.9});
  c.twin_offset_from_mismatch = s.get_bool("twin_offset_from_mismatch", true);
  s.finish();
  c.caps = caps;
  c.twin = twin;
  return c;
}

Probe wta_transistor_probe(const WtaTransistorConfig& c) {
  const std::string dir = devices_dir().string();
  periph::WtaTransistorDesign d = c.design;
  d.c_F = c.caps.front();
  const std::vector<double> i = level_currents(c, 0);
  const double vdd = device::mosfet_node(d.node).vdd_V;
  Probe p;
  p.file = dir + "/" + device::mosfet_node(d.node).mod_file;
  p.job.name = "wta/transistor probe";
  p.job.netlist = periph::render_wta_transistor_bench(d, dir, i);
  const double t = stop_time(c, d.c_F, vdd, i) / 100;  // the first hundredth: readable, converging
  p.job.commands = {"tran " + netlist_number(t / 100) + " " + netlist_number(t) + " uic"};
  p.job.vectors = {"time", "v(inh)"};
  p.job.cost = 5;
  return p;
}

WtaTransistorResult run_wta_transistor_stage(const WtaTransistorConfig& c, StageScope& scope) {
  const auto start = std::chrono::steady_clock::now();
  WtaTransistorResult r;
  r.vdd_V = device::mosfet_node(c.design.node).vdd_V;
  const auto q = periph::wta_quasi_static(scope.pool(), c.design, devices_dir().string());
  const size_t L = c.currents.size();
  std::vector<spice::Job> jobs;  // every transient as one batch, so the workers share them
  for (double cap : c.caps)
    for (size_t l = 0; l < L; ++l) jobs.push_back(case_job(c, cap, l, r.vdd_V));
  const std::vector<spice::JobResult> res = scope.pool().run(jobs);
  for (size_t ci = 0; ci < c.caps.size(); ++ci) {
    const double cap = c.caps[ci];
    std::vector<WtaTransistorCase> cases;
    for (size_t l = 0; l < L; ++l) {
      try {
        cases.push_back(read_case(c, cap, l, q, jobs[ci * L + l], res[ci * L + l]));
      } catch (const SpiceError&) {  // one failed transient is a NaN row, not a failed stage
        cases.push_back(failed_case(c, l));
      }
    }
    double v = 0, t0 = 0;
    fit_twin(cases, cap, &v, &t0);
    const double t_comp = std::max(t0 / std::log(2.0), 1e-12);
    r.x_trip_V.push_back(q.x_trip_V);
    r.v_trip_fit_V.push_back(v);
    r.t0_fit_s.push_back(t0);
    r.t_comp_fit_s.push_back(t_comp);
    r.fit_max_rel_err.push_back(run_twin(c, cap, r.vdd_V, v, t_comp, cases));
    r.t_decision_s.push_back(mean_of(cases, &WtaTransistorCase::t_decision_s));
    r.e_inputs_J.push_back(mean_of(cases, &WtaTransistorCase::e_inputs_J));
    r.e_comparators_J.push_back(mean_of(cases, &WtaTransistorCase::e_comparators_J));
    r.e_decision_J.push_back(r.e_inputs_J.back() + r.e_comparators_J.back());
    r.area_m2.push_back(static_cast<double>(c.design.n_inputs) *
                        (c.layout_factor * input_gate_area_m2(c.design) + cap / c.cap_density_F_m2));
    r.cases.push_back(std::move(cases));
  }
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

std::optional<periph::WtaTripMismatch> run_wta_mismatch(const WtaTransistorConfig& c, StageScope& scope) {
  if (c.mismatch_samples == 0) return std::nullopt;
  return periph::wta_trip_mismatch(scope.pool(), c.design, devices_dir().string(), c.a_vt_V_m,
                                   c.mismatch_samples, splitmix64(scope.ctx().seed ^ 0x77A1000000000000ULL));
}

double twin_offset_sigma_V(const periph::WtaTripMismatch& m, double twin_v_trip_V) {
  return m.sigma_V * twin_v_trip_V / m.nominal_V;
}

void print_wta_transistor(const WtaTransistorConfig& c, const WtaTransistorResult& r, const Sink& out) {
  size_t wrong = 0, failed = 0;
  for (const auto& row : r.cases)
    for (const auto& k : row) {
      if (!std::isfinite(k.t_decision_s)) ++failed;
      else if (!k.correct) ++wrong;
    }
  out.print("wta: transistor level (%s, VDD %.3g V): %zu transients in %.2f s, %zu wrong, %zu "
            "without a decision; quasi-static trip %.4f V\n", c.design.node.c_str(), r.vdd_V,
            c.caps.size() * c.currents.size(), r.wall_s, wrong, failed,
            r.x_trip_V.empty() ? kNaN : r.x_trip_V[0]);
  out.print("   C_fF  decision_ns  energy_fJ (bit lines + comparators)  area_um2  twin fit: "
            "v_trip_V  t_comp_ps  max rel err\n");
  for (size_t i = 0; i < c.caps.size(); ++i)
    out.print("  %6.1f %12.4f %10.2f (%8.2f + %8.2f) %14.2f %19.4f %10.2f %12.2e\n",
              c.caps[i] * 1e15, r.t_decision_s[i] * 1e9, r.e_decision_J[i] * 1e15,
              r.e_inputs_J[i] * 1e15, r.e_comparators_J[i] * 1e15, r.area_m2[i] * 1e12,
              r.v_trip_fit_V[i], r.t_comp_fit_s[i] * 1e12, r.fit_max_rel_err[i]);
  if (!r.mismatch) return;
  const auto& m = *r.mismatch;
  out.print("  trip-path mismatch (%zu samples, A_VT %.2f mV um): trip level sigma %.2f mV (linearized "
            "%.2f mV), mean shift %+.2f mV; sensitivities", m.x_trip_V.size(), c.a_vt_V_m * 1e9,
            m.sigma_V * 1e3, m.linear_sigma_V * 1e3, (m.mean_V - m.nominal_V) * 1e3);
  for (size_t i = 0; i < m.devices.size(); ++i) out.print(" %s %.3f", m.devices[i].c_str(), m.sensitivity[i]);
  out.print("; the twin's offset sigma %.2f mV (%s)\n", r.twin_sigma_offset_V * 1e3,
            c.twin_offset_from_mismatch ? "from this Monte Carlo" : "configured");
}

namespace {

void write_raw(const WtaTransistorConfig& c, const WtaTransistorResult& r, H5Writer& out) {
  const std::string g = "/wta/transistor";
  const size_t C = c.caps.size(), L = c.currents.size(), n = c.design.n_inputs;
  std::vector<double> i, tf, tft, tfq, fired, correct, td, tdt, ei, ec, et;
  for (const auto& row : r.cases)
    for (const auto& k : row) {
      i.insert(i.end(), k.i_A.begin(), k.i_A.end());
      tf.insert(tf.end(), k.t_fire_s.begin(), k.t_fire_s.end());
      tft.insert(tft.end(), k.t_fire_twin_s.begin(), k.t_fire_twin_s.end());
      if (k.t_fire_twin_s.empty()) tft.insert(tft.end(), n, kNaN);
      tfq.insert(tfq.end(), k.t_fire_quasi_static_s.begin(), k.t_fire_quasi_static_s.end());
      for (bool f : k.fired) fired.push_back(f ? 1.0 : 0.0);
      correct.push_back(k.correct ? 1.0 : 0.0);
      td.push_back(k.t_decision_s), tdt.push_back(k.t_decision_twin_s);
      ei.push_back(k.e_inputs_J), ec.push_back(k.e_comparators_J), et.push_back(k.e_twin_J);
    }
  out.group(g);
  out.attr(g, "design", describe(c));
  out.attr(g, "wall_s", r.wall_s);
  out.write(g + "/level_current", c.currents, {L}, "A");
  if (r.mismatch) {
    const auto& m = *r.mismatch;
    const std::string mg = g + "/mismatch";
    const size_t S = m.x_trip_V.size(), D = m.devices.size();
    std::vector<double> dv;
    for (const auto& row : m.dvth_V) dv.insert(dv.end(), row.begin(), row.end());
    out.write(mg + "/x_trip", m.x_trip_V, {S}, "V");
    out.write(mg + "/dvth", dv, {S, D}, "V");
    out.attr(mg + "/dvth", "axes", std::string("sample,device"));
    out.write(mg + "/sensitivity", m.sensitivity, {D}, "1");
    out.write(mg + "/device_sigma", m.device_sigma_V, {D}, "V");
    std::string names;
    for (const auto& n : m.devices) names += (names.empty() ? "" : ",") + n;
    out.attr(mg, "devices", names);
    out.attr(mg, "nominal_V", m.nominal_V);
  }
  for (auto [name, v, u] : {std::tuple{"current", &i, "A"}, {"t_fire", &tf, "s"},
                            {"t_fire_twin", &tft, "s"}, {"t_fire_quasi_static", &tfq, "s"},
                            {"fired", &fired, "1"}}) {
    out.write(g + "/" + name, *v, {C, L, n}, u);
    out.attr(g + "/" + name, "axes", std::string("capacitance,level,input"));
  }
  for (auto [name, v, u] : {std::tuple{"correct", &correct, "1"}, {"t_decision", &td, "s"},
                            {"t_decision_twin", &tdt, "s"}, {"e_inputs", &ei, "J"},
                            {"e_comparators", &ec, "J"}, {"e_twin", &et, "J"}}) {
    out.write(g + "/" + name, *v, {C, L}, u);
    out.attr(g + "/" + name, "axes", std::string("capacitance,level"));
  }
}

}  // namespace

void write_wta_transistor(const WtaTransistorConfig& c, const WtaTransistorResult& r, H5Writer& out) {
  write_raw(c, r, out);
  lut::WtaTransistorLut l;
  l.capacitance = c.caps;
  l.t_decision = r.t_decision_s;
  l.e_decision = r.e_decision_J;
  l.e_comparators = r.e_comparators_J;
  l.e_inputs = r.e_inputs_J;
  l.area = r.area_m2;
  l.v_trip_fit = r.v_trip_fit_V;
  l.t_comp_fit = r.t_comp_fit_s;
  l.x_trip = r.x_trip_V;
  l.fit_max_rel_err = r.fit_max_rel_err;
  l.n_inputs = static_cast<double>(c.design.n_inputs);
  l.k = static_cast<double>(c.design.k);
  l.margin = c.margin;
  l.vdd_V = r.vdd_V;
  l.layout_factor = c.layout_factor;
  l.node = c.design.node;
  l.design = describe(c);
  if (r.mismatch) {
    const auto& m = *r.mismatch;
    l.has_mismatch = true;
    l.mismatch_samples = static_cast<double>(m.x_trip_V.size());
    l.a_vt_V_m = c.a_vt_V_m;
    l.trip_sigma_V = m.sigma_V;
    l.trip_mean_shift_V = m.mean_V - m.nominal_V;
    l.trip_linear_sigma_V = m.linear_sigma_V;
    l.twin_sigma_offset_V = r.twin_sigma_offset_V;
  }
  l.definition = "one ngspice transient per (capacitance, current level): inputs I, I(1-m), ... "
                 "charging their capacitors into BSIM4 inverters with keeper and inhibit clamps; "
                 "delays and energies up to the inhibit at VDD/2, means over the levels";
  lut::write(out, l);
}

}  // namespace cimchar::flows
