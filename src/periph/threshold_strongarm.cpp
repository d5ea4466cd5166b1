// SPRINT-style threshold comparator at transistor level (see threshold_strongarm.hpp).
#include "periph/threshold_strongarm.hpp"

#include <cmath>
#include <sstream>

#include "core/error.hpp"
#include "core/param_table.hpp"
#include "core/units.hpp"
#include "device/mosfet_node.hpp"
#include "periph/bench_job.hpp"
#include "periph/waveform.hpp"

namespace cimchar::periph {

namespace {
std::string num(double v) { return netlist_number(v); }
const char* kBench = "periph/threshold_strongarm";
}  // namespace

void ThresholdStrongArmDesign::validate() const {
  comparator.validate();
  const double vdd = device::mosfet_node(comparator.node).vdd_V;
  if (!(c_int_F > 0)) throw ConfigError("", "threshold.c_int", 0, "must be > 0 F");
  if (!(t_int_s > 0 && t_reset_s > 0)) throw ConfigError("", "threshold.t_int", 0, "must be > 0 s");
  if (!(v_th_V > 0 && v_th_V < vdd)) throw ConfigError("", "threshold.v_th", 0, "must lie inside the supply");
}

std::string render_threshold_strongarm_bench(const ThresholdStrongArmDesign& d,
                                             const std::string& devices_dir,
                                             const std::vector<double>& i_A,
                                             const std::vector<double>& dvth) {
  d.validate();
  CIMCHAR_CHECK(!i_A.empty(), "a threshold bench needs at least one current");
  const auto& n = device::mosfet_node(d.comparator.node);
  const StrongArmDesign& c = d.comparator;
  const double T = d.cycle_s(), tr = c.t_edge_s, t_dec = d.t_reset_s + d.t_int_s;
  std::ostringstream o;
  o << "cimchar threshold comparator on a StrongARM, " << i_A.size() << " decisions\n.include "
    << devices_dir << "/" << n.mod_file << "\n.include " << find_netlist("strongarm.lib").string()
    << "\nvdd vdd 0 " << num(n.vdd_V) << "\nvth th 0 " << num(d.v_th_V) << "\n";
  // The bit-line current of cycle k, held from the start of its reset to the end of its decision.
  o << "bin 0 top i = pwl(time";
  for (size_t k = 0; k < i_A.size(); ++k) {
    const double t0 = static_cast<double>(k) * T;
    o << ",\n+ " << num(t0 + 0.001 * T) << ", " << num(i_A[k]) << ", " << num(t0 + 0.999 * T)
      << ", " << num(i_A[k]);
  }
  o << ",\n+ " << num(static_cast<double>(i_A.size() + 1) * T) << ", " << num(i_A.back()) << ")\n";
  o << "cint top 0 " << num(d.c_int_F) << "\nmrst top rst 0 0 " << n.nmos_model << " l="
    << num(c.l_m) << " w=" << num(d.w_reset_m) << "\n";
  o << "vrst rst 0 pulse(0 " << num(n.vdd_V) << " 0 " << num(tr) << " " << num(tr) << " "
    << num(d.t_reset_s - 2 * tr) << " " << num(T) << ")\n";
  o << "vclk clk 0 pulse(0 " << num(n.vdd_V) << " " << num(t_dec) << " " << num(tr) << " "
    << num(tr) << " " << num(0.5 * c.t_clk_s - tr) << " " << num(T) << ")\n";
  o << strongarm_instance(c, "sa", "clk", "top", "th", "outp", "outn", dvth);
  o << ".ic v(top)=0\n.end\n";
  return o.str();
}

ThresholdStrongArmRun run_threshold_strongarm(spice::WorkerPool& pool,
                                              const ThresholdStrongArmDesign& d,
                                              const std::string& devices_dir,
                                              const std::vector<double>& i_A,
                                              const std::vector<double>& dvth) {
  struct Bench {
    std::string netlist;
    std::vector<std::string> commands, vectors;
  } b;
  const double T = d.cycle_s();
  b.netlist = render_threshold_strongarm_bench(d, devices_dir, i_A, dvth);
  b.commands = {"tran " + num(d.comparator.t_clk_s / 100) + " " +
                num(static_cast<double>(i_A.size()) * T) + " uic"};
  b.vectors = {"time", "v(xsa.p)", "v(xsa.q)", "v(top)", "i(vdd)"};
  const auto res = run_bench(pool, std::string(kBench) + " (" + devices_dir + "/" +
                                       device::mosfet_node(d.comparator.node).mod_file + ", " +
                                       find_netlist("strongarm.lib").string() + ")",
                             b, 15);
  const auto& v = res.vectors;
  const auto& t = vector_named(v, "time", kBench);
  const auto& p = vector_named(v, "v(xsa.p)", kBench);
  const auto& q = vector_named(v, "v(xsa.q)", kBench);
  const auto& top = vector_named(v, "v(top)", kBench);
  const auto& ivdd = vector_named(v, "i(vdd)", kBench);
  if (t.empty() || t.back() < static_cast<double>(i_A.size()) * T - 0.1 * T)
    throw SpiceError(kBench, "the transient stopped early");
  ThresholdStrongArmRun r;
  const double t_dec = d.t_reset_s + d.t_int_s, half = 0.5 * d.comparator.t_clk_s;
  for (size_t k = 0; k < i_A.size(); ++k) {
    const double t0 = static_cast<double>(k) * T;
    const double t_read = t0 + t_dec + half - d.comparator.t_edge_s;  // end of evaluate
    r.keep.push_back(value_at(t, p, t_read) > value_at(t, q, t_read));  // inp (top) above v_th
    r.v_int_V.push_back(value_at(t, top, t0 + t_dec));
  }
  const double vdd = device::mosfet_node(d.comparator.node).vdd_V;
  for (size_t s = 0; s + 1 < t.size(); ++s)
    r.energy_comparator_J -= vdd * 0.5 * (ivdd[s] + ivdd[s + 1]) * (t[s + 1] - t[s]);
  r.energy_comparator_J /= static_cast<double>(i_A.size());
  return r;
}

}  // namespace cimchar::periph
