// Transistor-level flash ADC on StrongARM comparators (see flash_strongarm.hpp).
#include "periph/flash_strongarm.hpp"

#include <algorithm>
#include <sstream>

#include "core/error.hpp"
#include "periph/bench_job.hpp"
#include "periph/waveform.hpp"
#include "core/param_table.hpp"
#include "core/units.hpp"
#include "device/mosfet_node.hpp"
#include "spice/pool.hpp"

namespace cimchar::periph {

namespace {

std::string num(double v) { return netlist_number(v); }
const char* kBench = "periph/flash_strongarm";

const std::vector<double>& vec(const std::map<std::string, std::vector<double>>& v,
                               const std::string& name) {
  return vector_named(v, name, kBench);
}
double at(const std::vector<double>& time, const std::vector<double>& y, double t) {
  return value_at(time, y, t);
}

// -integral of v i dt over [a, b) (a source's current flows into its + terminal).
double delivered(const std::vector<double>& time, const std::vector<double>& i, double v,
                 double a, double b) {
  double e = 0;
  for (size_t s = 0; s + 1 < time.size(); ++s) {
    const double t0 = std::max(time[s], a), t1 = std::min(time[s + 1], b);
    if (t1 <= t0) continue;
    e -= v * 0.5 * (i[s] + i[s + 1]) * (t1 - t0);
  }
  return e;
}

}  // namespace

AdcDesign FlashStrongArmDesign::as_adc() const {
  AdcDesign a;
  a.arch = AdcArch::flash;
  a.bits = bits;
  a.vref_V = v_hi_V - v_lo_V;
  return a;
}

void FlashStrongArmDesign::validate() const {
  comparator.validate();
  const double vdd = device::mosfet_node(comparator.node).vdd_V;
  if (bits < 1 || bits > 6) throw ConfigError("", "flash.bits", 0, "must be in [1, 6]");
  if (!(v_lo_V > 0 && v_hi_V > v_lo_V && v_hi_V < vdd))
    throw ConfigError("", "flash.v_hi", 0, "the ladder needs 0 < v_lo < v_hi < VDD (" +
                                               format_quantity(vdd, "V") + ")");
  if (!(r_unit_ohm > 0)) throw ConfigError("", "flash.r_unit", 0, "must be > 0 ohm");
  if (!(c_tap_F >= 0)) throw ConfigError("", "flash.c_tap", 0, "must be >= 0 F");
}

std::string FlashStrongArmDesign::describe() const {
  std::ostringstream o;
  o << bits << "-bit flash, ladder " << format_quantity(v_lo_V, "V") << ".."
    << format_quantity(v_hi_V, "V") << " in " << (size_t(1) << bits) << " x "
    << format_quantity(r_unit_ohm, "ohm") << ", " << format_quantity(c_tap_F, "F")
    << " per tap, " << comparators() << " comparators at their taps' common mode: "
    << comparator.describe();
  return o.str();
}

FlashStrongArmBench render_flash_strongarm_bench(const FlashStrongArmDesign& d,
                                                 const std::string& devices_dir,
                                                 const std::vector<double>& vin,
                                                 const std::vector<std::vector<double>>& dvth) {
  d.validate();
  CIMCHAR_CHECK(!vin.empty(), "a flash bench needs at least one input");
  CIMCHAR_CHECK(dvth.empty() || dvth.size() == d.comparators(), "one set of shifts per comparator");
  const auto& node = device::mosfet_node(d.comparator.node);
  const double T = d.comparator.t_clk_s, tr = d.comparator.t_edge_s;
  std::ostringstream o;
  o << "cimchar flash ADC on StrongARM comparators, " << d.bits << " bits, " << vin.size()
    << " cycles\n.include " << devices_dir << "/" << node.mod_file << "\n.include "
    << find_netlist("strongarm.lib").string() << "\n";
  o << "vdd vdd 0 " << num(node.vdd_V) << "\nvhi t" << d.comparators() + 1 << " 0 " << num(d.v_hi_V)
    << "\nvlo t0 0 " << num(d.v_lo_V) << "\n";
  for (size_t k = 0; k <= d.comparators(); ++k)
    o << "rl" << k << " t" << k << " t" << k + 1 << " " << num(d.r_unit_ohm) << "\n";
  if (d.c_tap_F > 0)
    for (size_t k = 1; k <= d.comparators(); ++k)
      o << "ct" << k << " t" << k << " 0 " << num(d.c_tap_F) << "\n";
  o << "vclk clk 0 pulse(0 " << num(node.vdd_V) << " " << num(tr) << " " << num(tr) << " "
    << num(tr) << " " << num(0.5 * T - tr) << " " << num(T) << ")\n";
  o << "vin vin 0 pwl(";  // input k from the middle of reset k-1 to the end of reset k
  for (size_t k = 0; k < vin.size(); ++k) {
    const double t0 = k == 0 ? 0.0 : static_cast<double>(k) * T - 0.25 * T;
    const double t1 = static_cast<double>(k) * T + 0.75 * T - 0.01 * T;
    o << "\n+ " << num(t0) << " " << num(vin[k]) << " " << num(t1) << " " << num(vin[k]);
  }
  o << ")\n";
  for (size_t k = 1; k <= d.comparators(); ++k)
    o << strongarm_instance(d.comparator, "c" + std::to_string(k), "clk", "vin", "t" + std::to_string(k),
                            "op" + std::to_string(k), "on" + std::to_string(k),
                            dvth.empty() ? std::vector<double>{} : dvth[k - 1]);
  o << ".end\n";
  FlashStrongArmBench b;
  b.netlist = o.str();
  b.commands = {"tran " + num(T / 100) + " " + num(static_cast<double>(vin.size()) * T)};
  b.vectors = {"time", "i(vdd)", "i(vhi)", "i(vlo)", "i(vclk)", "v(clk)"};
  for (size_t k = 1; k <= d.comparators(); ++k) {
    b.vectors.push_back("v(xc" + std::to_string(k) + ".p)");
    b.vectors.push_back("v(xc" + std::to_string(k) + ".q)");
  }
  return b;
}

FlashStrongArmRun flash_strongarm_from_vectors(const FlashStrongArmDesign& d, size_t cycles,
                                               const std::map<std::string, std::vector<double>>& v) {
  const auto& time = vec(v, "time");
  const double T = d.comparator.t_clk_s, tr = d.comparator.t_edge_s;
  if (time.empty() || time.back() < static_cast<double>(cycles) * T - 0.5 * T)
    throw SpiceError(kBench, "the transient stopped early");
  FlashStrongArmRun r;
  r.codes.assign(cycles, 0);
  for (size_t k = 1; k <= d.comparators(); ++k) {
    const auto& p = vec(v, "v(xc" + std::to_string(k) + ".p)");
    const auto& q = vec(v, "v(xc" + std::to_string(k) + ".q)");
    if (p.size() != time.size() || q.size() != time.size())
      throw SpiceError(kBench, "vectors differ in length");
    for (size_t c = 0; c < cycles; ++c) {
      const double t_read = static_cast<double>(c) * T + 0.5 * T - tr;  // end of evaluate
      r.codes[c] += at(time, p, t_read) > at(time, q, t_read) ? 1 : 0;
    }
  }
  // Energies over the cycles after the warm-up one, per conversion.
  const double a = T + tr, b = std::min(static_cast<double>(cycles) * T + tr, time.back());
  const double n = static_cast<double>(cycles - 1);
  if (cycles > 1) {
    const double vdd = device::mosfet_node(d.comparator.node).vdd_V;
    r.energy_vdd_J = delivered(time, vec(v, "i(vdd)"), vdd, a, b) / n;
    r.energy_ladder_J = (delivered(time, vec(v, "i(vhi)"), d.v_hi_V, a, b) +
                         delivered(time, vec(v, "i(vlo)"), d.v_lo_V, a, b)) / n;
    const auto& iclk = vec(v, "i(vclk)");
    const auto& vclk = vec(v, "v(clk)");
    std::vector<double> p(time.size());
    for (size_t s = 0; s < time.size(); ++s) p[s] = vclk[s] * iclk[s];
    r.energy_clk_J = delivered(time, p, 1.0, a, b) / n;
  }
  return r;
}

FlashStrongArmRun run_flash_strongarm(spice::WorkerPool& pool, const FlashStrongArmDesign& d,
                                      const std::string& devices_dir, const std::vector<double>& vin,
                                      const std::vector<std::vector<double>>& dvth) {
  const auto b = render_flash_strongarm_bench(d, devices_dir, vin, dvth);
  const auto res = run_bench(pool,
                             std::string(kBench) + " (" + devices_dir + "/" +
                                 device::mosfet_node(d.comparator.node).mod_file + ", " +
                                 find_netlist("strongarm.lib").string() + ")",
                             b, static_cast<double>(15 * d.comparators()));
  return flash_strongarm_from_vectors(d, vin.size(), res.vectors);
}

}  // namespace cimchar::periph
