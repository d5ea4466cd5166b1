// ngspice benches for the flash and SAR ADCs of netlists/adc.lib, rendered for one Monte Carlo
// sample (AdcSample: the same draws the twin uses) and one ramp.
//  - flash: a resistor ladder of 2^N equal resistors from vref to ground, 2^N-1 comparators with
//    per-comparator offset .params (os_<k>), thermometer outputs summed into v(code); one DC
//    sweep of vin over the ramp points. Per-decision noise enters as a B-source pwl() of v(in) on
//    each comparator's noise node (the draws at the ramp points, inside the noise window).
//  - SAR: binary-weighted capacitive DAC (caps cap_<i> = 2^i cu (1 + mismatch), a unit dummy),
//    bottom-plate sampling, one comparator (offset os_1, noise from a PWL source holding each
//    decision's draw for its bit cycle), hold elements for the decisions; phases from periodic
//    PULSE sources; one transient over a staircase of the ramp points, one conversion per point.
#pragma once

#include <map>
#include <utility>
#include <string>
#include <vector>

#include "periph/adc_twin.hpp"

namespace cimchar::periph {

struct AdcCircuit {
  double r_unit_ohm = 1e3;      // flash ladder segment
  double unit_cap_F = 10e-15;   // SAR unit capacitor
  double t_sample_s = 10e-9;    // SAR sampling phase
  double t_bit_s = 10e-9;       // SAR bit cycle
  double conversion_s(int bits) const { return t_sample_s + bits * t_bit_s; }
};

struct AdcBench {
  std::string netlist;
  std::vector<std::string> commands;
  std::vector<std::string> vectors;
};

// The spans of ramp points (first, count) that one bench each covers: the flash all of them
// (one DC sweep); the SAR at most `sar_conversions` per transient (0 = all), since ngspice
// scans a pwl() table at every evaluation and the runs of one sample can go to several workers.
std::vector<std::pair<size_t, size_t>> bench_spans(const AdcDesign& d, const Ramp& r,
                                                   size_t sar_conversions = 128);

AdcBench render_adc_bench(const AdcDesign& d, const AdcSample& s, const Ramp& r,
                          const AdcCircuit& c, std::pair<size_t, size_t> span);

// Codes at the span's ramp points from the bench's vectors (SpiceError when points are missing).
std::vector<int> codes_from_vectors(const AdcDesign& d, const Ramp& r, const AdcCircuit& c,
                                    std::pair<size_t, size_t> span,
                                    const std::map<std::string, std::vector<double>>& vectors);

}  // namespace cimchar::periph
