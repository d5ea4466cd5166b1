// Charge-mode threshold comparator (netlists/threshold.lib): the behavioural twin and the
// netlist bench. A bit-line current charges an integration capacitor for a window t_int; a
// comparator with offset decides keep (v > v_th + offset) or prune. Units are SI.
#pragma once

#include <string>
#include <vector>

namespace cimchar::periph {

struct ThresholdCircuit {
  double vdd = 1.0;         // V, comparator supply (decision levels 0 / vdd)
  double c_int = 100e-15;   // F, integration capacitor
  double t_int = 10e-9;     // s, integration window
  double v_th = 0.5;        // V, programmable threshold
  double g_leak = 0;        // S, leakage of the integration node
  double v_early = 10;      // V, early voltage of the bit-line current source
  double v_gain = 1e-3;     // V, input range of the comparator's tanh transfer
};

// v(top) at the end of the window for a bit-line current i_A: the exact solution of
// C dv/dt = i (1 - v/v_early) - g_leak v, v(0) = 0.
double integrated_V(const ThresholdCircuit& c, double i_A);
// The current whose integrated voltage is v (bisection on the monotone integrated_V); v must lie
// below the asymptote of the largest current considered (1 A); throws std::domain_error else.
double current_for_voltage(const ThresholdCircuit& c, double v);
// The twin's decision: keep the key when the integrated voltage exceeds v_th + offset.
bool twin_keeps(const ThresholdCircuit& c, double i_A, double offset_V);
// Probability that a Gaussian total offset of standard deviation sigma_V prunes a key whose
// integrated voltage is v_th + d: P(offset > d) = erfc(d / (sqrt 2 sigma)) / 2.
double p_prune_gaussian(double d_V, double sigma_V);

// A bench netlist of one cell whose current and offset are the top-level .params `iin` and
// `vos` (nominal values given), so a Monte Carlo run can change them with alterparam.
std::string threshold_netlist(const ThresholdCircuit& c, const std::string& lib_path, double i_A,
                              double offset_V);
// The transient that integrates over the window (from the initial condition v(top) = 0).
std::string threshold_tran_command(const ThresholdCircuit& c);
// Vectors whose last values are the decision and the integrated voltage.
inline std::vector<std::string> threshold_vectors() { return {"v(out)", "v(top)"}; }

}  // namespace cimchar::periph
