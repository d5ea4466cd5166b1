#include "periph/threshold.hpp"

#include <cmath>
#include <stdexcept>

#include "core/units.hpp"

namespace cimchar::periph {

double integrated_V(const ThresholdCircuit& c, double i_A) {
  // C dv/dt = i - a v with a = i/v_early + g_leak: v(t) = (i/a)(1 - exp(-a t / C)).
  const double a = i_A / c.v_early + c.g_leak;
  const double x = a * c.t_int / c.c_int;
  if (x < 1e-12) return i_A * c.t_int / c.c_int;  // no loss: a linear ramp
  return i_A / a * -std::expm1(-x);
}

double current_for_voltage(const ThresholdCircuit& c, double v) {
  double lo = 0, hi = 1.0;
  if (v <= 0) return 0;
  if (integrated_V(c, hi) <= v)
    throw std::domain_error("the integration node cannot reach " + std::to_string(v) + " V");
  for (int k = 0; k < 200 && hi - lo > 1e-18 * hi; ++k) {
    const double mid = 0.5 * (lo + hi);
    (integrated_V(c, mid) < v ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

bool twin_keeps(const ThresholdCircuit& c, double i_A, double offset_V) {
  return integrated_V(c, i_A) > c.v_th + offset_V;
}

double p_prune_gaussian(double d_V, double sigma_V) {
  if (sigma_V <= 0) return d_V > 0 ? 0.0 : 1.0;
  return 0.5 * std::erfc(d_V / (std::sqrt(2.0) * sigma_V));
}

std::string threshold_netlist(const ThresholdCircuit& c, const std::string& lib_path, double i_A,
                              double offset_V) {
  std::string s = "threshold comparator bench\n.include " + lib_path + "\n";
  s += ".param iin=" + netlist_number(i_A) + "\n.param vos=" + netlist_number(offset_V) + "\n";
  s += "x1 top out thr_cell iin={iin} vos={vos} c=" + netlist_number(c.c_int) +
       " va=" + netlist_number(c.v_early) + " gleak=" + netlist_number(c.g_leak) +
       " vth=" + netlist_number(c.v_th) + " vdd=" + netlist_number(c.vdd) +
       " vg=" + netlist_number(c.v_gain) + "\n.end\n";
  return s;
}

std::string threshold_tran_command(const ThresholdCircuit& c) {
  const std::string step = netlist_number(c.t_int / 400);
  return "tran " + step + " " + netlist_number(c.t_int) + " 0 " + step + " uic";
}

}  // namespace cimchar::periph
