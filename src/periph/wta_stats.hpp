// Monte Carlo decisions of the time-domain WTA: how each decision's inputs and comparator
// offsets are drawn, the error probability against the relative current margin, and the
// smallest margin resolved at a given error rate. Units SI.
//
// A decision with relative margin m: the k-th largest current I_k is log-uniform in
// [i_min, i_max]; the k-1 larger ones are log-uniform in [I_k, i_max]; the largest loser is
// I_k (1 - m) and the other losers I_k (1 - m)(1 - u/2), u uniform; the inputs are shuffled.
// Every comparator gets a random offset per decision, sigma_offset z1 + sigma_noise z2 +
// sqrt(k_B T / C) z3 (mismatch, comparator noise, the capacitor's kT/C noise when enabled),
// z standard normal. One stream per decision index: the same draws (z, u, the shuffle) serve
// every margin and capacitance (common random numbers), and the twin and ngspice get the same
// values.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "periph/wta_netlist.hpp"

namespace cimchar::periph {

struct WtaNoise {
  double i_min_A = 1e-6, i_max_A = 100e-6;
  double sigma_offset_V = 5e-3;  // comparator mismatch
  double sigma_noise_V = 1e-3;   // comparator noise, per decision
  bool ktc = true;               // add the capacitor's kT/C noise
  double temperature_K = 300;
  double total_sigma_V(double c_F) const;
};

struct WtaDecision {
  std::vector<double> i_A, offset_V;
};

// Decision `index` of a run seeded with `seed` at margin m, for circuit c.
WtaDecision draw_wta_decision(const WtaCircuit& c, const WtaNoise& nz, double margin, uint64_t seed,
                              uint64_t index);

// The transient's stop time for draws of nz (offsets up to 6 sigma).
double wta_mc_stop_time(const WtaCircuit& c, const WtaNoise& nz);

// Smallest margin with p_error <= rate at it and at every larger margin of the grid (margins
// ascending), interpolated linearly in p between grid points; the first margin when every
// point meets the rate; NaN when the largest margin does not.
double resolved_margin(const std::vector<double>& margins, const std::vector<double>& p_error,
                       double rate);

}  // namespace cimchar::periph
