// C++ twin of the time-domain WTA bench (wta_netlist.hpp, netlists/wta.lib): the same circuit
// as ordinary differential equations, integrated with Boost.Odeint's Rosenbrock (order 4)
// stepper with dense output (the comparator and inhibit delays make the system stiff while
// the capacitors charge slowly), with crossing detection on the dense output:
//   C dx_i/dt   = (1 - h) (I_i - g_out x_i)
//   t_comp df_i/dt = s((x_i - v_trip - offset_i) / v_width) - f_i
//   t_inh dh/dt    = s((sum_j f_j - (k - 0.5)) / inhibit_width) - h
//   dE/dt       = vdd (1 - h) sum_i I_i
// with s(u) = (1 + tanh u) / 2 and every state zero at t = 0. Input i fires when f_i rises
// through 0.5; the decision time is when h rises through 0.5. Units SI.
#pragma once

#include <vector>

#include "periph/wta_netlist.hpp"

namespace cimchar::periph {

struct WtaOutcome {
  std::vector<double> t_fire_s;  // per input; NaN when it did not fire before t_mark
  std::vector<bool> fired;
  double t_decision_s = 0;  // NaN when fewer than k fired before t_mark
  double energy_J = 0;      // drawn from vdd by the current sources until t_stop
};

// Integrates the bench from 0 to t_stop_s (the transient ngspice runs); inputs firing at or
// after wta_mark_time(t_stop_s) count as not fired, as in the ngspice measurement.
WtaOutcome simulate_wta(const WtaCircuit& c, const std::vector<double>& i_A,
                        const std::vector<double>& offset_V, double t_stop_s,
                        double rel_tol = 1e-6);

// True when exactly the k largest currents fired (ties in current count as either).
bool wta_correct(const std::vector<double>& i_A, const std::vector<bool>& fired, size_t k);

}  // namespace cimchar::periph
