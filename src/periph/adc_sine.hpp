// Dynamic ADC test with a coherently sampled sine, IEEE Std 1241-2010: the four-parameter
// sine fit (Sec. 4.1.4.3), SINAD and ENOB from its residual (Sec. 9.2-9.3: ENOB = log2(FSR /
// (NAD sqrt(12)))), and SFDR from the record's DFT (Sec. 9.6). Coherent sampling (J cycles in
// M samples, J odd and M a power of two, so gcd(J, M) = 1) puts the fundamental in one DFT bin
// and exercises M distinct phases: no window is needed.
// Units: volts for the input, the reconstructed output and the fit; dB; bits.
#pragma once

#include <cstddef>
#include <vector>

#include "periph/adc_twin.hpp"

namespace cimchar::periph {

struct SineRecord {
  size_t samples = 4096, cycles = 127;  // M, J
  double amplitude_V = 0, offset_V = 0, phase = 0;
  std::vector<double> x;                // the input, x[n] = A sin(2 pi J n / M + phase) + C
};

// A coherent record for the design: amplitude `fraction` of half the full scale, centred in it.
// ConfigError unless samples is a power of two >= 64 and cycles odd and < samples / 2.
SineRecord coherent_sine(const AdcDesign& d, size_t samples, size_t cycles, double fraction,
                         double phase = 0.3);

// y[n] ~ a cos(w n) + b sin(w n) + c (w in radians per sample).
struct SineFit {
  double a = 0, b = 0, c = 0, w = 0;
  double residual_rms = 0;  // NAD: rms of y - fit
  int iterations = 0;
  bool converged = false;
  double amplitude() const;
};
// Three-parameter fit at a known frequency (linear least squares).
SineFit fit_sine3(const std::vector<double>& y, double w);
// Four-parameter fit from a starting frequency w0 (Gauss-Newton on w, IEEE 1241 4.1.4.3).
SineFit fit_sine4(const std::vector<double>& y, double w0, int max_iterations = 30);

struct AdcDynamic {
  SineFit fit;
  double sinad_dB = 0;  // 20 log10((A / sqrt 2) / NAD)
  double enob = 0;      // log2(FSR / (NAD sqrt 12)), FSR = vref
  double sfdr_dB = 0;   // fundamental over the largest other bin (DC excluded), in dBc
  size_t spur_bin = 0;  // where that spur is
};
// Metrics of the reconstructed output y (volts) of a coherent record.
AdcDynamic analyze_sine(const AdcDesign& d, const SineRecord& r, const std::vector<double>& y);

// The record through one ADC sample (the twin), codes reconstructed at mid-code ((k + 1/2) Q).
std::vector<double> convert_sine(const AdcDesign& d, const AdcSample& s, const SineRecord& r);

}  // namespace cimchar::periph
