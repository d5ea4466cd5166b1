#include "periph/wta_netlist.hpp"

#include <cmath>

#include "core/error.hpp"
#include "core/param_table.hpp"
#include "core/units.hpp"

namespace cimchar::periph {

double wta_stop_time(const WtaCircuit& c, double i_min_A, double offset_max_V) {
  const double v = c.v_trip_V + std::max(offset_max_V, 0.0);
  double t_slow = c.c_F * v / i_min_A;
  if (c.g_out_S > 0) {
    const double a = c.g_out_S * v / i_min_A;  // the source's droop at the trip point
    CIMCHAR_CHECK(a < 1, "wta: the smallest current cannot charge the capacitor to v_trip");
    t_slow = -c.c_F / c.g_out_S * std::log1p(-a);
  }
  return 1.3 * t_slow + 30 * (c.t_comp_s + c.t_inhibit_s);
}

std::vector<std::string> wta_param_names(size_t n) {
  std::vector<std::string> p;
  for (size_t i = 1; i <= n; ++i) p.push_back("iin" + std::to_string(i));
  for (size_t i = 1; i <= n; ++i) p.push_back("off" + std::to_string(i));
  return p;
}

std::vector<double> wta_param_values(const std::vector<double>& i_A,
                                     const std::vector<double>& offset_V) {
  CIMCHAR_CHECK(i_A.size() == offset_V.size(), "wta: currents and offsets differ in count");
  std::vector<double> v = i_A;
  v.insert(v.end(), offset_V.begin(), offset_V.end());
  return v;
}

std::string render_wta_bench(const WtaCircuit& c, const std::vector<double>& values,
                             double t_stop_s) {
  const size_t n = c.n_inputs;
  CIMCHAR_CHECK(n >= 1 && c.k >= 1 && c.k <= n, "wta: need 1 <= k <= n_inputs");
  CIMCHAR_CHECK(values.size() == 2 * n, "wta: need a current and an offset per input");
  const auto num = netlist_number;
  std::string s = "wta bench (" + std::to_string(n) + " inputs, k = " + std::to_string(c.k) + ")\n";
  s += ".include " + find_netlist("wta.lib").string() + "\n";
  const auto names = wta_param_names(n);
  for (size_t p = 0; p < names.size(); ++p) s += ".param " + names[p] + "=" + num(values[p]) + "\n";
  std::string cell = " wta_cell c=" + num(c.c_F) + " vtrip=" + num(c.v_trip_V) +
                     " gout=" + num(c.g_out_S) + " vw=" + num(c.v_width_V) +
                     " tc=" + num(c.t_comp_s) + " vdd=" + num(c.vdd_V);
  std::string count = "bcnt cnt 0 v = 0";
  for (size_t i = 1; i <= n; ++i) {
    const std::string k = std::to_string(i);
    s += "x" + k + " f" + k + " inh pw" + cell + " iin={iin" + k + "} off={off" + k + "}\n";
    count += " + v(f" + k + ")";
  }
  s += count + "\n";
  s += "xinh cnt inh wta_inhibit kth=" + num(static_cast<double>(c.k) - 0.5) +
       " w=" + num(c.inhibit_width) + " ti=" + num(c.t_inhibit_s) + "\n";
  s += "rpw pw 0 1\n";
  // Marker: measured nodes are max(signal, ramp) so that a signal that never rises still
  // "crosses" at t_mark (reported as not fired).
  const double tm = wta_mark_time(t_stop_s);
  s += "vtmk tmk 0 pwl(0 0 " + num(tm) + " 0 " + num(tm + 0.01 * t_stop_s) + " 1)\n";
  for (size_t i = 1; i <= n; ++i) {
    const std::string k = std::to_string(i);
    s += "bfm" + k + " fm" + k + " 0 v = max(v(f" + k + "), v(tmk))\n";
  }
  s += "binhm inhm 0 v = max(v(inh), v(tmk))\n";
  // With the default reltol (1e-3) the measured fire times drifted by up to 1.7% from the
  // twin at 100 uA (the crossing falls between coarse points); 1e-5 brings them within 1e-4
  // at about the same run time (measured, 7 inputs, 30 and 300 fF).
  s += ".options reltol=1e-5\n";
  s += ".end\n";
  return s;
}

std::string wta_tran_command(double t_stop_s) {
  return "tran " + netlist_number(t_stop_s / 2000) + " " + netlist_number(t_stop_s) + " uic";
}

std::vector<std::string> wta_measure_names(size_t n) {
  std::vector<std::string> m;
  for (size_t i = 1; i <= n; ++i) m.push_back("tf" + std::to_string(i));
  m.emplace_back("tdec");
  m.emplace_back("esup");
  return m;
}

std::vector<std::string> wta_measures(size_t n, double t_stop_s) {
  std::vector<std::string> m;
  for (size_t i = 1; i <= n; ++i) {
    const std::string k = std::to_string(i);
    m.push_back("meas tran tf" + k + " when v(fm" + k + ")=0.5 rise=1");
  }
  m.emplace_back("meas tran tdec when v(inhm)=0.5 rise=1");
  m.push_back("meas tran esup integ v(pw) from=0 to=" + netlist_number(t_stop_s));
  return m;
}

}  // namespace cimchar::periph
