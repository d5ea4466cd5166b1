// Static ADC characterization from a ramp (histogram) test, IEEE Std 1241-2010: transition
// levels from the cumulative code histogram, INL against the endpoint line and against the
// best-fit (least-squares) line, DNL, offset, gain error and the ramp's effective number of bits
// from its rms quantization error (the dynamic sine-test ENOB is in adc_sine.hpp).
// Units: volts for levels; LSB (ideal Q = vref / 2^N) for errors; gain error is relative.
#pragma once

#include <cstddef>
#include <vector>

#include "periph/adc_twin.hpp"

namespace cimchar::periph {

struct AdcStatic {
  std::vector<double> transitions_V;     // T[k], k = 1 .. 2^N-1 (index k-1)
  std::vector<double> transition_error;  // (T[k] - k Q) / Q
  std::vector<double> inl;               // endpoint line, per transition (first and last are 0)
  std::vector<double> inl_best_fit;      // least-squares line through the transitions
  double inl_best_fit_max = 0;           // max |.|, LSB
  std::vector<double> dnl;               // per code 1 .. 2^N-2: width / Q_fit - 1
  double inl_max = 0, dnl_max = 0;       // max |.|, LSB
  double offset = 0;                     // (T[1] - Q) / Q, LSB
  double gain_error = 0;                 // (T[last] - T[1]) / ((2^N - 2) Q) - 1
  double q_error_rms = 0;                // rms of x - xhat over [T[1], T[last]), LSB
  double enob = 0;  // ramp (histogram) ENOB: N - log2(q_error_rms / (Q_fit / sqrt(12))); the
                    // coherent sine test (adc_sine.hpp) is the standard's dynamic ENOB
};

// Transition levels from codes on the ramp: T[k] = (start of the ramp) + step * (number of
// points with code < k). Each point stands for one step of the ramp (the histogram test with
// a uniform input), so T[k] is resolved to one step; noise and bubbles are averaged.
std::vector<double> histogram_transitions(const std::vector<int>& codes, const Ramp& r,
                                          size_t n_transitions);

// Everything from the transition levels and (for ENOB) the codes on the ramp.
AdcStatic analyze(const AdcDesign& d, const std::vector<int>& codes, const Ramp& r);

}  // namespace cimchar::periph
