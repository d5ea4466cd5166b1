// SAR ADC on the transistor-level StrongARM (see sar_strongarm.hpp).
#include "periph/sar_strongarm.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/error.hpp"
#include "core/param_table.hpp"
#include "core/units.hpp"
#include "device/mosfet_node.hpp"
#include "periph/bench_job.hpp"
#include "periph/waveform.hpp"
#include "spice/pool.hpp"

namespace cimchar::periph {

namespace {

std::string num(double v) { return netlist_number(v); }
const char* kBench = "periph/sar_strongarm";

// Within bit cycle [t0, t0 + tb): the DAC trial settles, the comparator evaluates from 0.4 tb
// to 0.9 tb, and the hold element copies its output from 0.6 tb to 0.85 tb.
constexpr double kClkOn = 0.4, kClkOff = 0.9, kLatOn = 0.6, kLatOff = 0.85;

void pulse(std::ostringstream& o, const std::string& name, const std::string& plus,
           const std::string& minus, double v, double on, double off, double edge, double period) {
  o << "v" << name << " " << plus << " " << minus << " pulse(0 " << num(v) << " "
    << num(on - edge / 2) << " " << num(edge) << " " << num(edge) << " " << num(off - on - edge)
    << " " << num(period) << ")\n";
}

}  // namespace

void SarStrongArmDesign::validate() const {
  comparator.validate();
  if (bits < 1 || bits > 10) throw ConfigError("", "sar.bits", 0, "must be in [1, 10]");
  if (!(vref_V > 0)) throw ConfigError("", "sar.vref", 0, "must be > 0 V");
  if (!(unit_cap_F > 0)) throw ConfigError("", "sar.unit_cap", 0, "must be > 0 F");
  if (!(t_bit_s >= comparator.t_clk_s)) throw ConfigError("", "sar.t_bit", 0, "must be at least the comparator's clock period");
  if (!(t_sample_s > 0.2 * t_bit_s)) throw ConfigError("", "sar.t_sample", 0, "must exceed 0.2 t_bit");
}

std::string SarStrongArmDesign::describe() const {
  std::ostringstream o;
  o << bits << "-bit SAR, vref " << format_quantity(vref_V, "V") << ", unit cap "
    << format_quantity(unit_cap_F, "F") << ", top plate sampled at " << format_quantity(comparator.vcm_V, "V")
    << ", t_sample/t_bit " << format_quantity(t_sample_s, "s") << "/" << format_quantity(t_bit_s, "s")
    << ": " << comparator.describe();
  return o.str();
}

SarStrongArmBench render_sar_strongarm_bench(const SarStrongArmDesign& d, const std::string& devices_dir,
                                             const std::vector<double>& vin,
                                             const std::vector<double>& cap_rel,
                                             const std::vector<double>& dvth) {
  d.validate();
  const int n = d.bits;
  CIMCHAR_CHECK(!vin.empty(), "a SAR bench needs at least one input");
  CIMCHAR_CHECK(cap_rel.empty() || cap_rel.size() == static_cast<size_t>(n + 1), "N + 1 capacitor errors");
  const auto& node = device::mosfet_node(d.comparator.node);
  const double T = d.conversion_s(), tb = d.t_bit_s, ts = d.t_sample_s, tr = 0.02 * tb;
  auto rel = [&](int i) { return cap_rel.empty() ? 0.0 : cap_rel[static_cast<size_t>(i)]; };
  std::ostringstream o;
  o << "cimchar SAR ADC on a StrongARM, " << n << " bits, " << vin.size() << " conversions\n"
    << ".include " << devices_dir << "/" << node.mod_file << "\n.include "
    << find_netlist("strongarm.lib").string() << "\n.include " << find_netlist("adc.lib").string()
    << "\n.param vref=" << num(d.vref_V) << "\nvdd vdd 0 " << num(node.vdd_V) << "\nvcm vcm 0 "
    << num(d.comparator.vcm_V) << "\n";
  o << "vin in 0 pwl(0 " << num(vin[0]);  // input p held from the end of conversion p-1
  for (size_t p = 1; p < vin.size(); ++p) {
    const double t = static_cast<double>(p) * T;
    o << "\n+ " << num(t - 0.05 * tb) << " " << num(vin[p - 1]) << " " << num(t - 0.02 * tb) << " " << num(vin[p]);
  }
  o << ")\n";
  pulse(o, "samp", "samp", "0", 1, tr, ts, tr, T);
  pulse(o, "tsw", "tsw", "0", 1, tr, ts - 0.2 * tb, tr, T);  // the top plate opens first
  std::string prev = "clk";
  for (int cyc = 0; cyc < n; ++cyc) {
    const int j = n - 1 - cyc;
    const double t0 = ts + cyc * tb;
    const std::string js = std::to_string(j);
    pulse(o, "try" + js, "try" + js, "0", 1, t0, t0 + tb, tr, T);
    pulse(o, "lat" + js, "lat" + js, "0", 1, t0 + kLatOn * tb, t0 + kLatOff * tb, tr, T);
    if (j > 0) pulse(o, "dec" + js, "dec" + js, "0", 1, t0 + tb, T, tr, T);
    else o << "vdec0 dec0 0 0\n";
    o << "xd" << j << " bot" << j << " in samp try" << j << " dec" << j << " d" << j
      << " adc_sar_drv params: vref={vref}\n";
    o << "cc" << j << " bot" << j << " top " << num(d.unit_cap_F * std::ldexp(1.0, j) * (1 + rel(j))) << "\n";
    o << "xh" << j << " cmp lat" << j << " d" << j << " adc_hold\n";
    // The clock: one pulse per bit cycle, the cycles' sources in series.
    const std::string next = cyc + 1 < n ? "ck" + std::to_string(cyc + 1) : "0";
    pulse(o, "clk" + std::to_string(cyc), prev, next, node.vdd_V, t0 + kClkOn * tb,
          t0 + kClkOff * tb, d.comparator.t_edge_s, T);
    prev = next;
  }
  o << "xdd botd in samp 0 0 0 adc_sar_drv params: vref={vref}\n";
  o << "ccd botd top " << num(d.unit_cap_F * (1 + rel(n))) << "\n";
  o << "stop top vcm tsw 0 adc_sw\n";
  o << strongarm_instance(d.comparator, "sa", "clk", "vcm", "top", "outp", "outn", dvth);
  // The SAR logic (behavioural) reads the comparator through an ideal buffer: the hold elements'
  // 1 pF would otherwise load the StrongARM's output inverter and share its old charge with it.
  o << "bcmp cmp 0 V = v(outp) > " << num(0.5 * node.vdd_V) << " ? 1 : 0\n";
  o << "bcode code 0 V = 0";
  for (int j = 0; j < n; ++j) o << " + (v(d" << j << ") > 0.5 ? " << (1 << j) << " : 0)";
  o << "\n.end\n";
  SarStrongArmBench b;
  b.netlist = o.str();
  b.commands = {"tran " + num(tb / 200) + " " + num(static_cast<double>(vin.size()) * T)};
  b.vectors = {"time", "v(code)", "i(vdd)", "v(clk)", "i(vclk0)"};
  return b;
}

SarStrongArmRun sar_strongarm_from_vectors(const SarStrongArmDesign& d, size_t conversions,
                                           const std::map<std::string, std::vector<double>>& v) {
  const auto& time = vector_named(v, "time", kBench);
  const auto& code = vector_named(v, "v(code)", kBench);
  const auto& ivdd = vector_named(v, "i(vdd)", kBench);
  const auto& vclk = vector_named(v, "v(clk)", kBench);
  const auto& iclk = vector_named(v, "i(vclk0)", kBench);  // the string's current
  const double T = d.conversion_s();
  if (time.empty() || time.back() < static_cast<double>(conversions) * T - 0.1 * d.t_bit_s)
    throw SpiceError(kBench, "the transient stopped early");
  SarStrongArmRun r;
  for (size_t p = 0; p < conversions; ++p)
    r.codes.push_back(static_cast<int>(std::lround(
        value_at(time, code, static_cast<double>(p + 1) * T - 0.05 * d.t_bit_s))));
  const double vdd = device::mosfet_node(d.comparator.node).vdd_V;
  for (size_t s = 0; s + 1 < time.size(); ++s) {
    const double dt = time[s + 1] - time[s];
    r.energy_vdd_J -= vdd * 0.5 * (ivdd[s] + ivdd[s + 1]) * dt;
    r.energy_clk_J -= 0.5 * (vclk[s] * iclk[s] + vclk[s + 1] * iclk[s + 1]) * dt;
  }
  r.energy_vdd_J /= static_cast<double>(conversions);
  r.energy_clk_J /= static_cast<double>(conversions);
  return r;
}

spice::Job sar_strongarm_job(const SarStrongArmDesign& d, const std::string& devices_dir,
                             const std::vector<double>& vin, const std::vector<double>& cap_rel,
                             const std::vector<double>& dvth) {
  return bench_job(std::string(kBench) + " (" + devices_dir + "/" +
                       device::mosfet_node(d.comparator.node).mod_file + ", " +
                       find_netlist("strongarm.lib").string() + ", " +
                       find_netlist("adc.lib").string() + ")",
                   render_sar_strongarm_bench(d, devices_dir, vin, cap_rel, dvth), 15);
}

SarStrongArmRun run_sar_strongarm(spice::WorkerPool& pool, const SarStrongArmDesign& d,
                                  const std::string& devices_dir, const std::vector<double>& vin,
                                  const std::vector<double>& cap_rel, const std::vector<double>& dvth) {
  const spice::Job j = sar_strongarm_job(d, devices_dir, vin, cap_rel, dvth);
  auto res = pool.run_one(j);
  res.throw_if_failed(j.name);
  return sar_strongarm_from_vectors(d, vin.size(), res.vectors);
}

}  // namespace cimchar::periph
