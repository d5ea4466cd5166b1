// The C++ twin of the cell test bench: a piecewise-linear source drives the device through a
// series resistor. At each instant the device voltage solves v_src = v + R_s I(v, state)
// (I increases with v, so the root is unique and bracketed); the state is integrated with
// Boost.Odeint's Rosenbrock (order 4) stepper, adaptive and stable on the stiff bounds, one
// segment of the source at a time so that no corner is stepped over.
#pragma once

#include <vector>

#include "device/model.hpp"

namespace cimchar::device {

struct Pwl {
  std::vector<double> t_s, v_V;  // breakpoints, t increasing
  double at(double t) const;
};

struct BenchResult {
  std::vector<double> t_s, v_dev_V, i_A, state;  // at the requested sample times
};

// Device voltage for a source voltage through r_series (r_series 0: v = v_src).
double device_voltage(const ReadModel& m, double v_src, double r_series_ohm, double state);

BenchResult simulate_pulse(const CompactModel& m, const Pwl& src, double r_series_ohm,
                           double state0, const std::vector<double>& sample_t_s,
                           double rel_tol = 1e-8);

}  // namespace cimchar::device
