// Behavioural twin of the ADC benches in netlists/adc.lib (flash and SAR). A Monte Carlo sample
// is one set of draws: comparator offsets (V), relative capacitor mismatch (SAR), and a key
// for the per-decision comparator noise. The twin and the ngspice bench (adc_netlist.hpp) take
// the same AdcSample and make the same decisions, so they give the same codes on a ramp.
//
// Conventions (both architectures): LSB Q = vref / 2^N; ideal transition k (code k-1 -> k) at
// k*Q, k = 1 .. 2^N-1. A comparator decides 1 when v+ - v- > vos + n, with vos its offset and n
// the per-decision noise, so a positive offset moves transitions up.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace cimchar::periph {

enum class AdcArch { flash, sar };
const char* to_string(AdcArch a);

struct AdcDesign {
  AdcArch arch = AdcArch::flash;
  int bits = 4;
  double vref_V = 1.0;
  double lsb_V() const { return vref_V / static_cast<double>(1u << bits); }
  size_t transitions() const { return (size_t(1) << bits) - 1; }
};

struct AdcVariation {
  double sigma_offset_V = 0;  // comparator input-referred offset
  double sigma_cap_rel = 0;   // unit capacitor, relative; a cap of m units gets sigma/sqrt(m)
  double sigma_noise_V = 0;   // per-decision comparator noise
};

struct AdcSample {
  std::vector<double> offset_V;  // flash: 2^N-1 comparators (index k-1 for tap k); SAR: 1
  std::vector<double> cap_rel;   // SAR: N+1 relative errors (bit 0 .. N-1, then the dummy)
  double noise_sigma_V = 0;
  uint64_t noise_key = 0;
};

AdcSample draw_sample(const AdcDesign& d, const AdcVariation& v, std::mt19937_64& rng);

// Noise of decision `decision` (flash: comparator index; SAR: bit cycle, MSB first) in
// conversion `conversion` (ramp point): a counter-based normal draw keyed by the sample, so any
// decision can be regenerated alone (the netlist writer needs them in another order).
double decision_noise(const AdcSample& s, uint64_t conversion, uint64_t decision);

// Flash comparators only see their noise where the input is within this distance of their
// threshold (8 sigma, beyond which a decision cannot flip with any practical probability);
// the twin and the ngspice bench both apply it so their draws are the same.
double flash_noise_window_V(const AdcSample& s);
// Threshold of flash comparator k (1-based tap) before noise: k*Q + offset.
double flash_threshold_V(const AdcDesign& d, const AdcSample& s, size_t k);

// The ramp of the static test: points x_p = v0 + (p + 0.5) * step, p = 0 .. points-1, from one
// LSB below 0 to one LSB above vref, `per_lsb` points per LSB (the histogram bins are the
// steps, so transitions are resolved to one step).
struct Ramp {
  double v0 = 0, step = 0;
  size_t points = 0;
  double x(size_t p) const { return v0 + (static_cast<double>(p) + 0.5) * step; }
};
Ramp make_ramp(const AdcDesign& d, int per_lsb);

// Output code for input vin in conversion `conversion` (selects the noise draws).
int convert(const AdcDesign& d, const AdcSample& s, double vin, uint64_t conversion);
std::vector<int> convert_ramp(const AdcDesign& d, const AdcSample& s, const Ramp& r);

}  // namespace cimchar::periph
