// Time-domain winner-take-all (WTA / k-WTA) bench for ngspice, from netlists/wta.lib.
// Each input is a bit-line current source (output conductance g_out) charging a capacitor C
// through a switch; a tanh comparator (offset per decision, width v_width) with a first-order
// delay t_comp fires when the capacitor crosses v_trip; a counter (the sum of the fire signals)
// against k - 0.5, with its own delay t_inhibit, opens every input's switch once k inputs fired,
// freezing the others below their trip point. The C++ twin (wta_twin.hpp) integrates the same
// equations. Units SI: A, V, F, s, S, J. Circuit, twin and validation: docs/peripherals.md.
//
// The bench's per-decision values are `.param`s (iin<i>, off<i>, i = 1..N), so a Monte Carlo
// loads it once and changes them with `alterparam`; the fire and decision times come back from
// ngspice `meas` commands. An input that never fires is reported at a time >= t_mark (the
// measured nodes are max(fire signal, a marker ramp that rises at t_mark)), so every
// measurement exists in every sample.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace cimchar::periph {

struct WtaCircuit {
  size_t n_inputs = 4;
  size_t k = 1;                 // winners; the inhibit threshold is k - 0.5 (k = n_inputs: none)
  double c_F = 100e-15;         // integration capacitance per input
  double v_trip_V = 0.5;        // comparator threshold
  double g_out_S = 0;           // output conductance of the bit-line current source
  double v_width_V = 2e-3;      // comparator: 0.5 (1 + tanh((v - v_trip - offset) / v_width))
  double t_comp_s = 20e-12;     // comparator delay (first-order time constant)
  double t_inhibit_s = 20e-12;  // inhibit delay (first-order time constant)
  double inhibit_width = 0.05;  // tanh width of the counter comparison (in fire-signal units)
  double vdd_V = 1.0;           // supply of the current sources (energy accounting)
};

// Time that lets the slowest input (current i_min_A, comparator offset up to offset_max_V)
// fire, with room for the comparator and inhibit delays: the transient's stop time.
double wta_stop_time(const WtaCircuit& c, double i_min_A, double offset_max_V);
// Inputs whose fire time is at or beyond this did not fire (the marker ramp).
inline double wta_mark_time(double t_stop_s) { return 0.9 * t_stop_s; }

// The `.param` names varied per decision, in order: iin1..iinN, then off1..offN.
std::vector<std::string> wta_param_names(size_t n_inputs);
// Values in the order of wta_param_names.
std::vector<double> wta_param_values(const std::vector<double>& i_A,
                                     const std::vector<double>& offset_V);

// The bench: netlists/wta.lib included, the per-decision .params set to `values` (order of
// wta_param_names), the marker ramp at wta_mark_time(t_stop).
std::string render_wta_bench(const WtaCircuit& c, const std::vector<double>& values,
                             double t_stop_s);
// "tran <step> <t_stop> uic" (all capacitors start discharged).
std::string wta_tran_command(double t_stop_s);
// meas commands: tf1..tfN (fire times), tdec (inhibit crossing: the decision time) and esup
// (energy drawn from vdd by the current sources, J), in that order; the vector names are
// wta_measure_names.
std::vector<std::string> wta_measures(size_t n_inputs, double t_stop_s);
std::vector<std::string> wta_measure_names(size_t n_inputs);

}  // namespace cimchar::periph
