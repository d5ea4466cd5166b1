// StrongARM comparator benches for ngspice (see strongarm_netlist.hpp).
#include "periph/strongarm_netlist.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/error.hpp"
#include "periph/waveform.hpp"
#include "core/param_table.hpp"
#include "core/units.hpp"
#include "device/mosfet_node.hpp"

namespace cimchar::periph {

namespace {

std::string num(double v) { return netlist_number(v); }

const char* kBench = "strongarm bench";

void check_range(const char* key, double v, double lo, double hi) {
  if (!(v > lo && v < hi))
    throw ConfigError("", std::string("strongarm.") + key, 0,
                      "must lie in (" + format_quantity(lo, "") + ", " + format_quantity(hi, "") +
                          "), got " + format_quantity(v, ""));
}

const std::vector<double>& vec(const std::map<std::string, std::vector<double>>& v,
                               const std::string& name) {
  return vector_named(v, name, kBench);
}
double at(const std::vector<double>& time, const std::vector<double>& y, double t) {
  return value_at(time, y, t);
}

}  // namespace

void StrongArmDesign::validate() const {
  device::mosfet_node(node);  // ConfigError naming the known nodes
  for (auto [key, w] : {std::pair{"l", l_m}, {"w_tail", w_tail_m}, {"w_in", w_in_m},
                        {"w_nlatch", w_nlatch_m}, {"w_platch", w_platch_m}, {"w_reset", w_reset_m},
                        {"w_buf_n", w_buf_n_m}, {"w_buf_p", w_buf_p_m}, {"l_diff", l_diff_m}})
    check_range(key, w, 1e-9, 1e-3);
  const double vdd = device::mosfet_node(node).vdd_V;
  check_range("vcm", vcm_V, 0, vdd);
  check_range("t_clk", t_clk_s, 1e-12, 1e-6);
  check_range("t_edge", t_edge_s, 0, 0.1 * t_clk_s);
}

std::string StrongArmDesign::describe() const {
  std::ostringstream o;
  o << "StrongARM on " << node << ": L " << format_quantity(l_m, "m") << ", W tail/in/nlatch/"
    << "platch/reset/buf_n/buf_p " << format_quantity(w_tail_m, "m") << "/"
    << format_quantity(w_in_m, "m") << "/" << format_quantity(w_nlatch_m, "m") << "/"
    << format_quantity(w_platch_m, "m") << "/" << format_quantity(w_reset_m, "m") << "/"
    << format_quantity(w_buf_n_m, "m") << "/" << format_quantity(w_buf_p_m, "m") << ", vcm "
    << format_quantity(vcm_V, "V") << ", clock " << format_quantity(t_clk_s, "s");
  return o.str();
}

std::vector<StrongArmDevice> strongarm_devices(const StrongArmDesign& d) {
  const double l = d.l_m;
  return {{"tail", false, d.w_tail_m, l},  {"in1", false, d.w_in_m, l},
          {"in2", false, d.w_in_m, l},     {"nl1", false, d.w_nlatch_m, l},
          {"nl2", false, d.w_nlatch_m, l}, {"pl1", true, d.w_platch_m, l},
          {"pl2", true, d.w_platch_m, l},  {"r1", true, d.w_reset_m, l},
          {"r2", true, d.w_reset_m, l},    {"r3", true, d.w_reset_m, l},
          {"r4", true, d.w_reset_m, l},    {"bn1", false, d.w_buf_n_m, l},
          {"bp1", true, d.w_buf_p_m, l},   {"bn2", false, d.w_buf_n_m, l},
          {"bp2", true, d.w_buf_p_m, l}};
}

StrongArmBench render_strongarm_bench(const StrongArmDesign& d, const std::string& devices_dir,
                                      const std::vector<std::string>& levels, bool fine) {
  CIMCHAR_CHECK(!levels.empty(), "a StrongARM bench needs at least one input level");
  const auto& node = device::mosfet_node(d.node);
  const double T = d.t_clk_s, tr = d.t_edge_s;
  std::ostringstream o;
  o << "cimchar StrongARM comparator, " << levels.size() << " cycles\n";
  o << ".include " << devices_dir << "/" << node.mod_file << "\n";
  o << ".include " << find_netlist("strongarm.lib").string() << "\n";
  o << ".param lo=0 st=0";
  const auto devs = strongarm_devices(d);
  for (const auto& dev : devs) o << " dvt_" << dev.name << "=0";
  o << "\nvdd vdd 0 " << num(node.vdd_V) << "\nvss vss 0 0\n";
  o << "vclk clk 0 pulse(0 " << num(node.vdd_V) << " " << num(tr) << " " << num(tr) << " "
    << num(tr) << " " << num(0.5 * T - tr) << " " << num(T) << ")\n";
  // Level k holds from the middle of reset k-1 to the end of reset k.
  o << "vvd vd 0 pwl(";
  for (size_t k = 0; k < levels.size(); ++k) {
    const double t0 = k == 0 ? 0.0 : static_cast<double>(k) * T - 0.25 * T;
    const double t1 = static_cast<double>(k) * T + 0.75 * T - 0.01 * T;
    o << "\n+ " << num(t0) << " " << levels[k] << " " << num(t1) << " " << levels[k];
  }
  o << ")\nvcm cm 0 " << num(d.vcm_V) << "\nep inp cm vd 0 0.5\nen inn cm vd 0 -0.5\n";
  o << "xsa clk inp inn outp outn vdd vss strongarm l=" << num(d.l_m) << " wtail="
    << num(d.w_tail_m) << " win=" << num(d.w_in_m) << " wnl=" << num(d.w_nlatch_m)
    << "\n+ wpl=" << num(d.w_platch_m) << " wrst=" << num(d.w_reset_m) << " wbn="
    << num(d.w_buf_n_m) << " wbp=" << num(d.w_buf_p_m) << " ldiff=" << num(d.l_diff_m) << "\n+";
  for (const auto& dev : devs) o << " d_" << dev.name << "={dvt_" << dev.name << "}";
  o << "\n.end\n";
  StrongArmBench b;
  b.netlist = o.str();
  const double tstop = static_cast<double>(levels.size()) * T;
  // BSIM4 runs on one thread in every worker (spice::Session sets num_threads=1).
  b.commands = {fine ? "tran 1p " + num(tstop) + " 0 1p" : "tran " + num(T / 100) + " " + num(tstop)};
  b.vectors = {"time", "v(xsa.p)", "v(xsa.q)"};
  if (fine) b.vectors.insert(b.vectors.end(), {"v(outp)", "v(outn)", "i(vdd)", "v(clk)", "i(vclk)"});
  return b;
}

std::string strongarm_instance(const StrongArmDesign& c, const std::string& name,
                               const std::string& clk, const std::string& inp,
                               const std::string& inn, const std::string& outp,
                               const std::string& outn, const std::vector<double>& dvth) {
  std::ostringstream o;
  o << "x" << name << " " << clk << " " << inp << " " << inn << " " << outp << " " << outn
    << " vdd 0 strongarm l=" << num(c.l_m) << " wtail=" << num(c.w_tail_m) << " win="
    << num(c.w_in_m) << " wnl=" << num(c.w_nlatch_m) << "\n+ wpl=" << num(c.w_platch_m)
    << " wrst=" << num(c.w_reset_m) << " wbn=" << num(c.w_buf_n_m) << " wbp=" << num(c.w_buf_p_m)
    << " ldiff=" << num(c.l_diff_m);
  if (!dvth.empty()) {
    const auto devs = strongarm_devices(c);
    CIMCHAR_CHECK(dvth.size() == devs.size(), "one threshold shift per StrongARM device");
    o << "\n+";
    for (size_t i = 0; i < devs.size(); ++i) o << " d_" << devs[i].name << "=" << num(dvth[i]);
  }
  o << "\n";
  return o.str();
}

std::vector<bool> decisions_from_vectors(const StrongArmDesign& d, size_t cycles,
                                         const std::map<std::string, std::vector<double>>& v,
                                         const std::string& suffix) {
  const auto& time = vec(v, "time" + suffix);
  const auto& p = vec(v, "v(xsa.p)" + suffix);
  const auto& q = vec(v, "v(xsa.q)" + suffix);
  const double T = d.t_clk_s;
  if (time.size() != p.size() || time.size() != q.size() || time.empty() ||
      time.back() < static_cast<double>(cycles) * T - 0.5 * T)
    throw SpiceError(kBench, "the transient stopped early or its vectors differ in length");
  std::vector<bool> out(cycles);
  for (size_t k = 0; k < cycles; ++k) {
    const double t_read = static_cast<double>(k) * T + 0.5 * T - d.t_edge_s;  // end of evaluate
    out[k] = at(time, p, t_read) > at(time, q, t_read);
  }
  return out;
}

std::vector<CycleMeasure> cycles_from_vectors(const StrongArmDesign& d, size_t cycles,
                                              const std::map<std::string, std::vector<double>>& v) {
  const auto& time = vec(v, "time");
  const auto& op = vec(v, "v(outp)");
  const auto& on = vec(v, "v(outn)");
  const auto& ivdd = vec(v, "i(vdd)");
  const auto& vclk = vec(v, "v(clk)");
  const auto& iclk = vec(v, "i(vclk)");
  const double T = d.t_clk_s, vdd = device::mosfet_node(d.node).vdd_V;
  for (const auto* x : {&op, &on, &ivdd, &vclk, &iclk})
    if (x->size() != time.size()) throw SpiceError(kBench, "vectors differ in length");
  std::vector<CycleMeasure> out(cycles);
  size_t j = 0;
  for (size_t k = 0; k < cycles; ++k) {
    const double t_edge = static_cast<double>(k) * T + 1.5 * d.t_edge_s;  // clock at 50%
    const double t_end = static_cast<double>(k + 1) * T;
    while (j + 1 < time.size() && time[j + 1] <= t_edge) ++j;
    size_t i = j;
    while (i + 1 < time.size() && time[i + 1] < t_end && std::max(op[i + 1], on[i + 1]) < 0.5 * vdd) ++i;
    if (i + 1 >= time.size() || time[i + 1] >= t_end)
      throw SpiceError(kBench, "no output decision in cycle " + std::to_string(k));
    CycleMeasure& m = out[k];
    m.decision = op[i + 1] > on[i + 1];
    const auto& y = m.decision ? op : on;
    const double f = (0.5 * vdd - y[i]) / (y[i + 1] - y[i]);
    m.delay_s = time[i] + f * (time[i + 1] - time[i]) - t_edge;
    // Trapezoidal energy from rising edge k to rising edge k+1 (the sources' currents flow
    // into their + terminals: delivered power is -v i).
    const double a = static_cast<double>(k) * T + d.t_edge_s;
    for (size_t s = 0; s + 1 < time.size(); ++s) {
      if (time[s + 1] <= a || time[s] >= a + T) continue;
      const double dt = time[s + 1] - time[s];
      m.energy_vdd_J -= vdd * 0.5 * (ivdd[s] + ivdd[s + 1]) * dt;
      m.energy_clk_J -= 0.5 * (vclk[s] * iclk[s] + vclk[s + 1] * iclk[s + 1]) * dt;
    }
  }
  return out;
}

}  // namespace cimchar::periph
