// [adc.transistor_sar] of the ADC stage: the SAR ADC's capacitive DAC deciding with the
// transistor-level StrongARM (periph/sar_strongarm.hpp) in ngspice, Monte Carlo over the
// comparator's Pelgrom mismatch and the unit-capacitor mismatch, one transient per sample on the
// static test's ramp; INL/DNL/ENOB, the comparator's energy per conversion, the area; and per
// sample the behavioural SAR twin on the same capacitors with the offset the StrongARM's search
// measures for that sample's comparator alone, its transitions beside the transistors'. Written
// to adc.h5 under /transistor_sar (docs/results-format.md).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/h5.hpp"
#include "flows/stage_scope.hpp"
#include "periph/sar_strongarm.hpp"
#include "periph/strongarm.hpp"

namespace cimchar::flows {

struct TransistorSarConfig {
  periph::SarStrongArmDesign design;
  periph::StrongArmOptions mismatch;  // a_vt, layout_factor
  double sigma_cap_rel = 0.005;       // unit-capacitor mismatch (a cap of m units: / sqrt(m))
  size_t samples = 2;
  int points_per_lsb = 8;
  double cap_density_F_m2 = 2e-3;     // DAC capacitors' area: 2 fF/um^2 (MIM; an assumption)
};
std::optional<TransistorSarConfig> parse_transistor_sar(Section& adc);

struct TransistorSarResult {
  std::vector<std::vector<double>> transitions_V, twin_transitions_V;  // [sample][k-1]
  std::vector<double> offset_V;                  // per sample: the comparator searched alone
  std::vector<double> inl_max, dnl_max, enob, max_diff_lsb;  // max |T - T_twin| in LSB
  std::vector<double> e_comparator_J, e_clock_J;  // per conversion
  std::vector<std::string> failed;
  double area_comparator_m2 = 0, area_caps_m2 = 0, wall_s = 0;
};
TransistorSarResult run_transistor_sar(const TransistorSarConfig& c, StageScope& scope);
void print_transistor_sar(const TransistorSarConfig& c, const TransistorSarResult& r, const Sink& out);
void write_transistor_sar(const TransistorSarConfig& c, const TransistorSarResult& r, H5Writer& out);

}  // namespace cimchar::flows
