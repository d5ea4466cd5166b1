// Time-domain k-WTA with transistor-level comparators (see wta_transistor.hpp).
#include "periph/wta_transistor.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <sstream>

#include "core/error.hpp"
#include "core/param_table.hpp"
#include "core/rng.hpp"
#include "core/sample_stats.hpp"
#include "core/units.hpp"
#include "device/mosfet_node.hpp"
#include "periph/waveform.hpp"
#include "spice/pool.hpp"

namespace cimchar::periph {

namespace {

std::string num(double v) { return netlist_number(v); }
const char* kBench = "periph/wta_transistor";
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string inverter(const WtaTransistorDesign& d, const std::string& name, const std::string& in,
                     const std::string& out) {
  const auto& n = device::mosfet_node(d.node);
  std::ostringstream o;
  o << "mn" << name << " " << out << " " << in << " 0 0 " << n.nmos_model << " l=" << num(d.l_m)
    << " w=" << num(d.w_n_m) << "\nmp" << name << " " << out << " " << in << " vdd vdd "
    << n.pmos_model << " l=" << num(d.l_m) << " w=" << num(d.w_p_m) << "\n";
  return o.str();
}

// First time y rises through level (linear interpolation), or NaN.
double first_rise(const std::vector<double>& t, const std::vector<double>& y, double level) {
  for (size_t s = 0; s + 1 < t.size(); ++s)
    if (y[s] < level && y[s + 1] >= level)
      return t[s] + (level - y[s]) / (y[s + 1] - y[s]) * (t[s + 1] - t[s]);
  return kNaN;
}

// Trapezoidal integral of y over [t0, t_end].
double integral(const std::vector<double>& t, const std::vector<double>& y, double t_end) {
  double e = 0;
  for (size_t s = 0; s + 1 < t.size() && t[s] < t_end; ++s)
    e += 0.5 * (y[s] + y[s + 1]) * (std::min(t[s + 1], t_end) - t[s]);
  return e;
}

struct TripDevice {
  const char* name;
  double w_m;
};

// The trip path's devices in the order of WtaTripMismatch::devices.
std::vector<TripDevice> trip_devices(const WtaTransistorDesign& d) {
  return {{"na", d.w_n_m}, {"pa", d.w_p_m}, {"nb", d.w_n_m}, {"pb", d.w_p_m}};
}

// One input's trip path (inverters a and b) on a swept capacitor node, with a delvto parameter
// per device. The keeper is left out: with the node forced it only loads the sweep source.
std::string trip_bench(const WtaTransistorDesign& d, const std::string& devices_dir) {
  const auto& n = device::mosfet_node(d.node);
  const std::string l = " l=" + num(d.l_m);
  std::ostringstream o;
  o << "cimchar WTA input trip path, mismatch\n.include " << devices_dir << "/" << n.mod_file
    << "\n.param";
  for (const auto& t : trip_devices(d)) o << " d_" << t.name << "=0";
  o << "\nvdd vdd 0 " << num(n.vdd_V) << "\nvx x 0 0\n"
    << "mna y x 0 0 " << n.nmos_model << l << " w=" << num(d.w_n_m) << " delvto={d_na}\n"
    << "mpa y x vdd vdd " << n.pmos_model << l << " w=" << num(d.w_p_m) << " delvto={d_pa}\n"
    << "mnb f y 0 0 " << n.nmos_model << l << " w=" << num(d.w_n_m) << " delvto={d_nb}\n"
    << "mpb f y vdd vdd " << n.pmos_model << l << " w=" << num(d.w_p_m) << " delvto={d_pb}\n"
    << ".end\n";
  return o.str();
}

// Trip levels of every shift set (one per sample), in jobs of up to 16 samples.
std::vector<double> trip_levels(spice::WorkerPool& pool, const WtaTransistorDesign& d,
                                const std::string& devices_dir,
                                const std::vector<std::vector<double>>& dvth) {
  const auto& n = device::mosfet_node(d.node);
  const auto devs = trip_devices(d);
  const std::string bench = trip_bench(d, devices_dir);
  std::vector<spice::Job> jobs;
  for (size_t s = 0; s < dvth.size(); ++s) {
    if (s % 16 == 0) {
      spice::Job j;
      j.name = std::string(kBench) + " trip mismatch (" + devices_dir + "/" + n.mod_file + ")";
      j.netlist = bench;
      j.commands = {"dc vx 0 " + num(n.vdd_V) + " " + num(n.vdd_V / 4000)};
      j.vectors = {"v(x)", "v(f)"};
      j.cost = 5;
      jobs.push_back(std::move(j));
    }
    std::vector<std::string> set;
    for (size_t i = 0; i < devs.size(); ++i)
      set.push_back(std::string("alterparam d_") + devs[i].name + "=" + num(dvth[s][i]));
    jobs.back().alter_sets.push_back(std::move(set));
  }
  const auto res = pool.run(jobs);
  std::vector<double> x_trip;
  for (size_t j = 0; j < jobs.size(); ++j) {
    res[j].throw_if_failed(jobs[j].name);
    for (size_t k = 0; k < jobs[j].alter_sets.size(); ++k) {
      if (k < res[j].sample_errors.size() && !res[j].sample_errors[k].empty())
        throw SpiceError(jobs[j].name, "sample " + std::to_string(j * 16 + k) + ": " + res[j].sample_errors[k]);
      std::string at = "@";  // ("@" + to_string: GCC 12 warns -Wrestrict, wrongly)
      at += std::to_string(k);
      const auto& x = vector_named(res[j].vectors, "v(x)" + at, kBench);
      const double t = first_rise(x, vector_named(res[j].vectors, "v(f)" + at, kBench), 0.5 * n.vdd_V);
      if (!std::isfinite(t))
        throw SpiceError(jobs[j].name, "sample " + std::to_string(j * 16 + k) + ": the second inverter never trips");
      x_trip.push_back(t);
    }
  }
  return x_trip;
}

}  // namespace

void WtaTransistorDesign::validate() const {
  device::mosfet_node(node);
  if (n_inputs < 2) throw ConfigError("", "wta.n_inputs", 0, "must be at least 2");
  if (k < 1 || k >= n_inputs) throw ConfigError("", "wta.k", 0, "must be in [1, n_inputs - 1]");
  if (!(c_F > 0)) throw ConfigError("", "wta.c", 0, "must be > 0 F");
}

std::string render_wta_transistor_bench(const WtaTransistorDesign& d, const std::string& devices_dir,
                                        const std::vector<double>& i_A) {
  d.validate();
  CIMCHAR_CHECK(i_A.size() == d.n_inputs, "one current per input");
  const auto& n = device::mosfet_node(d.node);
  std::ostringstream o;
  o << "cimchar time-domain k-WTA, transistor comparators, " << d.n_inputs << " inputs, k = " << d.k
    << "\n.include " << devices_dir << "/" << n.mod_file << "\nvdd vdd 0 " << num(n.vdd_V) << "\n";
  std::string count = "0";
  for (size_t i = 1; i <= d.n_inputs; ++i) {
    const std::string s = std::to_string(i);
    // The bit-line current, drawn from vdd through a 0 V sense source (its charge is measured).
    o << "vs" << s << " vdd si" << s << " 0\nii" << s << " si" << s << " x" << s << " "
      << num(i_A[i - 1]) << "\ncx" << s << " x" << s << " 0 " << num(d.c_F) << "\n";
    // The clamp: two NMOS in series, gated by the inhibit and by the first inverter's output
    // (high while this input has not fired), so a winner is not pulled back.
    o << "mc" << s << " x" << s << " inh cm" << s << " 0 " << n.nmos_model << " l=" << num(d.l_m)
      << " w=" << num(d.w_clamp_m) << "\nme" << s << " cm" << s << " y" << s << " 0 0 "
      << n.nmos_model << " l=" << num(d.l_m) << " w=" << num(d.w_clamp_m) << "\n";
    o << inverter(d, "a" + s, "x" + s, "y" + s) << inverter(d, "b" + s, "y" + s, "f" + s);
    // Keeper: a PMOS from vdd to the capacitor gated by the first inverter's output latches a
    // fired input high (positive feedback through the trip region: a decisive fire).
    o << "mk" << s << " x" << s << " y" << s << " vdd vdd " << n.pmos_model << " l=" << num(d.l_m)
      << " w=" << num(d.w_keeper_m) << "\n";
    count += " + v(f" + s + ")";
  }
  // The counter (behavioural): inhibit once the summed fire signals pass k - 0.5 supplies.
  o << "bcnt ip 0 V = " << num(0.5 * n.vdd_V) << " * (1 + tanh(((" << count << ") / "
    << num(n.vdd_V) << " - " << num(static_cast<double>(d.k) - 0.5) << ") / 0.05))\n";
  o << "rinh ip inh 1k\ncinh inh 0 " << num(d.t_inhibit_s / 1e3) << "\n";
  o << ".ic";
  for (size_t i = 1; i <= d.n_inputs; ++i) o << " v(x" << i << ")=0";
  o << " v(inh)=0\n.end\n";
  return o.str();
}

spice::Job wta_transistor_job(const WtaTransistorDesign& d, const std::string& devices_dir,
                              const std::vector<double>& i_A, double t_stop_s) {
  spice::Job j;
  j.name = std::string(kBench) + " (" + devices_dir + "/" + device::mosfet_node(d.node).mod_file + ")";
  j.netlist = render_wta_transistor_bench(d, devices_dir, i_A);
  j.commands = {"tran " + num(t_stop_s / 2000) + " " + num(t_stop_s) + " uic"};
  j.vectors = {"time", "v(inh)", "i(vdd)"};
  for (size_t i = 1; i <= d.n_inputs; ++i) {
    j.vectors.push_back("v(f" + std::to_string(i) + ")");
    j.vectors.push_back("i(vs" + std::to_string(i) + ")");
  }
  j.cost = static_cast<double>(5 * d.n_inputs);
  return j;
}

WtaTransistorRun wta_transistor_result(const WtaTransistorDesign& d, const spice::Job& job,
                                       const spice::JobResult& res) {
  res.throw_if_failed(job.name);
  const auto& v = res.vectors;
  const auto& t = vector_named(v, "time", kBench);
  const double vdd = device::mosfet_node(d.node).vdd_V;
  WtaTransistorRun r;
  r.t_decision_s = first_rise(t, vector_named(v, "v(inh)", kBench), 0.5 * vdd);
  for (size_t i = 1; i <= d.n_inputs; ++i) {
    const double tf = first_rise(t, vector_named(v, "v(f" + std::to_string(i) + ")", kBench), 0.5 * vdd);
    r.t_fire_s.push_back(tf);
    r.fired.push_back(std::isfinite(tf) && (!std::isfinite(r.t_decision_s) || tf <= r.t_decision_s));
  }
  // Energies up to the decision (the bit lines stop there), or over the whole run without one.
  const double t_end = std::isfinite(r.t_decision_s) ? r.t_decision_s : t.back();
  for (size_t i = 1; i <= d.n_inputs; ++i)
    r.energy_inputs_J += vdd * integral(t, vector_named(v, "i(vs" + std::to_string(i) + ")", kBench), t_end);
  r.energy_vdd_J = -vdd * integral(t, vector_named(v, "i(vdd)", kBench), t_end) - r.energy_inputs_J;
  return r;
}

WtaTransistorRun run_wta_transistor(spice::WorkerPool& pool, const WtaTransistorDesign& d,
                                    const std::string& devices_dir, const std::vector<double>& i_A,
                                    double t_stop_s) {
  const spice::Job j = wta_transistor_job(d, devices_dir, i_A, t_stop_s);
  return wta_transistor_result(d, j, pool.run_one(j));
}

WtaQuasiStatic wta_quasi_static(spice::WorkerPool& pool, const WtaTransistorDesign& d,
                                const std::string& devices_dir) {
  const auto& n = device::mosfet_node(d.node);
  spice::Job j;
  j.name = std::string(kBench) + " inverter (" + devices_dir + "/" + n.mod_file + ")";
  j.netlist = "cimchar WTA input, quasi-static\n.include " + devices_dir + "/" + n.mod_file +
              "\nvdd vdd 0 " + num(n.vdd_V) + "\nvx x 0 0\n" + inverter(d, "a", "x", "y") + "mk x y vdd vdd " +
              n.pmos_model + " l=" + num(d.l_m) + " w=" + num(d.w_keeper_m) + "\n.end\n";
  j.commands = {"dc vx 0 " + num(n.vdd_V) + " " + num(n.vdd_V / 10000)};
  j.vectors = {"v(x)", "v(y)", "i(vx)"};
  const auto res = pool.run_one(j);
  res.throw_if_failed(j.name);
  WtaQuasiStatic q;
  q.x_V = vector_named(res.vectors, "v(x)", kBench);
  const auto& y = vector_named(res.vectors, "v(y)", kBench);
  q.i_keeper_A = vector_named(res.vectors, "i(vx)", kBench);  // into vx's + terminal: from x
  // T is falling: the input where T crosses a level, by interpolation.
  auto inverse = [&](double level) {
    for (size_t s = 0; s + 1 < q.x_V.size(); ++s)
      if (y[s] >= level && y[s + 1] < level)
        return q.x_V[s] + (y[s] - level) / (y[s] - y[s + 1]) * (q.x_V[s + 1] - q.x_V[s]);
    throw SpiceError(j.name, "the inverter's output never crosses " + num(level) + " V");
  };
  q.x_trip_V = inverse(inverse(0.5 * n.vdd_V));
  return q;
}

double WtaQuasiStatic::fire_time_s(double c_F, double i_A) const {
  double t = 0;
  for (size_t s = 0; s + 1 < x_V.size() && x_V[s] < x_trip_V; ++s) {
    const double x1 = std::min(x_V[s + 1], x_trip_V);
    const double g0 = 1 / (i_A + i_keeper_A[s]), g1 = 1 / (i_A + i_keeper_A[s + 1]);
    t += c_F * 0.5 * (g0 + g1) * (x1 - x_V[s]);
  }
  return t;
}

}  // namespace cimchar::periph

namespace cimchar::periph {

WtaTripMismatch wta_trip_mismatch(spice::WorkerPool& pool, const WtaTransistorDesign& d,
                                  const std::string& devices_dir, double a_vt_V_m, size_t samples,
                                  uint64_t seed) {
  d.validate();
  if (samples < 2) throw ConfigError("", "wta.transistor.mismatch_samples", 0, "must be at least 2");
  WtaTripMismatch m;
  const auto devs = trip_devices(d);
  const size_t D = devs.size();
  for (const auto& t : devs) {
    m.devices.push_back(t.name);
    m.device_sigma_V.push_back(a_vt_V_m / std::sqrt(t.w_m * d.l_m));
  }
  // Sets: nominal, +-shift per device, then the samples.
  const double shift = 10e-3;
  std::vector<std::vector<double>> sets(1 + 2 * D, std::vector<double>(D, 0.0));
  for (size_t i = 0; i < D; ++i) sets[1 + 2 * i][i] = shift, sets[2 + 2 * i][i] = -shift;
  std::normal_distribution<double> n01(0.0, 1.0);
  for (size_t s = 0; s < samples; ++s) {
    auto rng = stream_rng(seed, s);
    std::vector<double> dv(D);
    for (size_t i = 0; i < D; ++i) dv[i] = n01(rng) * m.device_sigma_V[i];
    m.dvth_V.push_back(dv);
    sets.push_back(dv);
  }
  const auto x = trip_levels(pool, d, devices_dir, sets);
  m.nominal_V = x[0];
  double lin = 0;
  for (size_t i = 0; i < D; ++i) {
    m.sensitivity.push_back((x[1 + 2 * i] - x[2 + 2 * i]) / (2 * shift));
    lin += std::pow(m.sensitivity.back() * m.device_sigma_V[i], 2);
  }
  m.linear_sigma_V = std::sqrt(lin);
  m.x_trip_V.assign(x.begin() + static_cast<long>(1 + 2 * D), x.end());
  m.sigma_V = sample_sd(m.x_trip_V, m.mean_V);
  return m;
}

}  // namespace cimchar::periph
