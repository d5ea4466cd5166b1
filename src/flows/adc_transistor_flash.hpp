// [adc.transistor_flash] of the ADC stage: the flash ADC at transistor level
// (periph/flash_strongarm.hpp: a resistor ladder and one StrongARM comparator per tap, BSIM4 on
// a public card) in ngspice, Monte Carlo over Pelgrom mismatch, one transient per sample on the
// static test's ramp; its INL/DNL/ENOB (IEEE 1241 histogram), energy per conversion from the
// sources, area from W x L and the tap capacitors; and the behavioural flash twin fitted to it
// (its comparator offset sigma from the transitions) with the twin's INL/DNL beside the
// transistors'. Written to adc.h5 under /transistor_flash (docs/results-format.md).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/h5.hpp"
#include "flows/stage_scope.hpp"
#include "periph/flash_strongarm.hpp"
#include "periph/strongarm.hpp"

namespace cimchar::flows {

struct TransistorFlashConfig {
  periph::FlashStrongArmDesign design;
  periph::StrongArmOptions mismatch;  // a_vt, layout_factor
  size_t samples = 4;
  int points_per_lsb = 8;
  size_t twin_samples = 2000;
  double cap_density_F_m2 = 2e-3;  // tap capacitors' area: 2 fF/um^2 (MIM; an assumption)
};
// The sub-table when [adc] has one (ConfigError naming the key otherwise).
std::optional<TransistorFlashConfig> parse_transistor_flash(Section& adc);

struct TransistorFlashResult {
  std::vector<std::vector<double>> transitions_V;  // [sample][k-1], absolute
  std::vector<double> inl_max, dnl_max, enob;       // per sample, LSB / bits
  std::vector<double> e_comparators_J, e_ladder_J, e_clock_J;  // per sample, per conversion
  std::vector<std::string> failed;                  // per sample: "" or the ngspice error
  double sigma_offset_V = 0;     // fitted: the transitions' spread about the taps
  double twin_inl_mean = 0, twin_dnl_mean = 0;      // the fitted twin's Monte Carlo
  double area_comparators_m2 = 0, area_caps_m2 = 0;
  double wall_s = 0;
};
TransistorFlashResult run_transistor_flash(const TransistorFlashConfig& c, StageScope& scope);
void print_transistor_flash(const TransistorFlashConfig& c, const TransistorFlashResult& r,
                            const Sink& out);
void write_transistor_flash(const TransistorFlashConfig& c, const TransistorFlashResult& r,
                            H5Writer& out);

}  // namespace cimchar::flows
