// Peak figures of a crossbar chip (docs/ppa.md, "Validation against published designs"): a chip
// card (characterization/tech/chip_*.toml) gives the structure (chip -> tiles -> PEs ->
// crossbars), the arrays and the digital and buffer units; the technology card gives the ADC,
// DAC, read pulse and clock, through the same component models the roll-up uses
// (components.hpp). Peak means every array reading in every cycle, the way ISAAC reports its
// computational (ops/s/mm^2) and power (ops/W) efficiency.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "ppa/tech_card.hpp"

namespace cimchar::ppa {

// A unit outside the arrays and converters (buffer, register, router, I/O): its power (drawn
// whenever the chip runs) and area, both for all its instances at its level, times `share`
// (a unit shared by several tiles counts a fraction of itself in each).
struct ChipUnit {
  std::string name;
  Cited power_W, area_mm2, share;
};

struct ChipCard {
  std::string file, name;
  Cited rows, cols, bits_per_cell, read_energy_J, array_area_mm2;
  Cited weight_bits, input_bits, dac_bits;
  Cited pe_crossbars, pe_adcs, adc_bits, tile_pes, chip_tiles;
  std::vector<ChipUnit> pe_units, tile_units, chip_units;
  // What the design's paper reports (the validation target).
  Cited published_ops_per_s_mm2, published_ops_per_J, published_power_W, published_area_mm2;
  double columns_per_adc() const { return pe_crossbars.value * cols.value / pe_adcs.value; }
};

// ConfigError naming the file and field when a field is missing, out of range or unsourced.
ChipCard load_chip_card(const std::filesystem::path& path);

struct PeakFigures {
  double arrays = 0;           // on the chip
  double read_cycle_s = 0;     // read pulse or the shared ADC's conversions, whichever is longer
  double ops_per_array_s = 0;  // 2 x weights of an array per input vector / (reads x cycle)
  double ops_per_s = 0;
  // Power at peak: per-read energies over the read cycle, the units' power as given.
  double p_adc_W = 0, p_dac_W = 0, p_array_W = 0, p_units_W = 0, power_W = 0;
  double a_arrays_mm2 = 0, a_adc_mm2 = 0, a_dac_mm2 = 0, a_units_mm2 = 0, area_mm2 = 0;
  double ops_per_s_mm2 = 0, ops_per_J = 0;
};

// The chip at full utilization: an array holds rows x cols / (weight_bits / bits_per_cell)
// weights and takes input_bits / dac_bits reads per input vector; every column is converted
// once a read at the tech card's ADC figure for adc_bits (adc_figure: Walden FoM x 2^bits at
// 1 / f_s), every row drive costs its DAC energy; 2 operations per multiply-accumulate at the
// weights' precision.
PeakFigures peak_of(const ChipCard& c, const TechCard& t);

// The peak figures beside the card's published ones, with the breakdown (cimchar ppa --peak).
std::string peak_table(const ChipCard& c, const TechCard& t, const PeakFigures& p);

}  // namespace cimchar::ppa
