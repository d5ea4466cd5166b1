// Component models of the PPA roll-up (docs/ppa.md): each turns counts from an attention run
// into energy (J) and time (s), taking its figures from what the characterization measured
// where a LUT file is given (cell write-verify pulses, ADC, WTA, threshold comparator) and from
// the technology card otherwise. Every figure carries the source it came from.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "ppa/tech_card.hpp"

namespace cimchar::ppa {

// Energy and delay of one operation of a peripheral, with where they came from.
struct Figure {
  double energy_J = 0;
  double delay_s = 0;
  std::string source;
};

// Silicon area of one unit of a peripheral, with where it came from.
struct AreaFigure {
  double area_mm2 = 0;
  std::string source;
};

// What the characterization stages measured (all optional): --luts DIR looks for cell.h5,
// adc.h5, wta.h5 and threshold.h5 there.
struct Luts {
  // Mean write-verify pulses per cell write, by bits per cell (cell.h5 /program/b<bits>).
  std::map<int, double> write_pulses;
  std::string write_pulses_source;
  // Pulses for cells of `bits`: the measured precision, else the nearest measured one, else 1
  // (a write without verify).
  double pulses_for(int bits) const;
  std::optional<Figure> adc;           // per conversion, at adc_bits (adc.h5)
  int adc_bits = 0;
  // adc.h5 without an energy: the SAR timing only, t = t_sample + bits t_bit (recorded, not used).
  std::optional<double> adc_t_sample_s, adc_t_bit_s;
  std::string adc_timing_source;
  std::optional<Figure> wta;           // per decision (race) (wta.h5)
  std::optional<Figure> threshold;     // per decision (threshold.h5)
  // Measured area of the decision circuits of an array without ADCs: the transistor WTA's per
  // input (wta.h5 /lut/wta_transistor: area / n_inputs, mean over the capacitance axis; its
  // integration capacitor included) and the transistor StrongARM's per comparator (threshold.h5
  // /lut/threshold_comparator area_m2). Absent where the stage ran behavioural circuits.
  std::optional<AreaFigure> wta_area_per_input, comparator_area;
};
// Reads what exists under `dir`; a present but malformed file is an InputError.
Luts load_luts(const std::filesystem::path& dir);

// ADC conversion at `bits`: the LUT's figure when it was measured at these bits, else the
// Walden figure of merit E = FoM 2^bits and one conversion per sample period 1/f_s (the card's
// ADC; an adc.h5 SAR timing without an energy is named in the source, not used).
Figure adc_figure(const TechCard& t, const Luts& l, int bits);
// A threshold comparator decision (SPRINT pruning): the threshold LUT, else a 1-bit conversion
// under the Walden figure of merit (E = 2 FoM, one sample period).
Figure comparator_figure(const TechCard& t, const Luts& l);
// One k-WTA race over n inputs (HARDSEA): the WTA LUT, else n comparator decisions in parallel.
Figure wta_figure(const TechCard& t, const Luts& l, double n_inputs);

// Crossbar read energy from the solved currents: sum over reads of V x I, times the read pulse.
double xbar_read_energy_J(double read_vi_W, double t_read_s);
// Write-verify: pulses per cell x cells x energy per pulse; tile rows written one at a time
// (every column of a row in parallel), tiles one after another.
double write_energy_J(double cell_writes, double pulses, double e_pulse_J);
double write_time_s(double cell_writes, double cols, double pulses, double t_pulse_s);
// Row drivers: one drive per row per read cycle per DAC bit.
double dac_energy_J(double array_reads, double rows, int dac_bits, double e_row_J);
// One read cycle of a tile: the read pulse or the shared ADCs' conversions, whichever is longer
// (ISAAC-style overlap of reading and conversion): max(t_read, ceil(cols / n_adc) t_conv) with
// n_adc = ceil(cols / columns_per_adc).
double read_cycle_s(double t_read_s, double cols, double columns_per_adc, double t_conv_s);
// Digital operations spread over the MAC units at the clock.
double digital_time_s(double ops, double units, double clock_Hz);

}  // namespace cimchar::ppa
