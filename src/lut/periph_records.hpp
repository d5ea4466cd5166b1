// LUT records of the peripheral stages (record.hpp says what a record is). Written by
// flows/threshold_flow.cpp, flows/adc_flow.cpp and flows/wta_flow.cpp; read by
// attention/periph_luts.cpp and ppa/components.cpp.
#pragma once

#include <string>
#include <vector>

#include "lut/record.hpp"

namespace cimchar::lut {

// Threshold comparator of in-memory pruning (SPRINT-style): P(prune) against the distance of the
// integrated bit-line voltage from the threshold. threshold.h5.
struct ThresholdLut {
  static constexpr const char* kGroup = "/lut/threshold";
  static constexpr const char* kDescription =
      "probability that the threshold comparator prunes a key, against the distance of the "
      "integrated bit-line voltage from the threshold";
  static constexpr Interpolation kInterpolation = Interpolation::linear;

  std::vector<double> distance;          // V, increasing
  std::vector<double> distance_current;  // A
  std::vector<double> p_prune, p_prune_spice, p_prune_gaussian, p_false_prune, p_false_keep;
  double sigma_total_V = 0, current_threshold_A = 0, t_decision_s = 0, e_decision_J = 0;
  std::string definition, e_decision_definition;

  void fields(Visitor& v);
  // Checks a consumer relies on: increasing distances, probabilities in [0, 1]; InputError
  // naming `file` otherwise.
  void validate(const std::string& file) const;
};

// The comparator behind the threshold table: what its offset, delay and energy are and where
// they came from (the configured sigma, or the transistor-level StrongARM characterized in
// ngspice). threshold.h5, beside ThresholdLut. NaN for what a kind does not measure.
struct ThresholdComparatorLut {
  static constexpr const char* kGroup = "/lut/threshold_comparator";
  static constexpr const char* kDescription =
      "the threshold stage's comparator: kind, offset sigma (configured, or a Monte Carlo of "
      "the transistor-level StrongARM), delay versus overdrive, energy per decision and area";
  static constexpr Interpolation kInterpolation = Interpolation::none;

  std::string kind;    // "behavioural" or "strongarm"
  std::string design;  // the StrongARM's design and options; "" for behavioural
  double offset_sigma_V = 0, offset_mean_V = 0, offset_samples = 0, offset_resolution_V = 0;
  double pelgrom_pair_sigma_V = 0, a_vt_V_m = 0;
  double t0_s = 0, tau_s = 0, delay_fit_r2 = 0, overdrive_V = 0, delay_s = 0;
  double energy_J = 0, energy_clk_J = 0, area_m2 = 0, gate_area_m2 = 0;
  double node_shift_V = 0, node_flip_V = 0, node_offset_alone_V = 0;

  void fields(Visitor& v);
  // kind is one of the two; InputError naming `file` otherwise.
  void validate(const std::string& file) const;
};

// Static transfer errors of one ADC design (architecture and resolution) over the Monte Carlo
// samples of the adc stage (IEEE Std 1241 ramp test, endpoint fit; docs/peripherals.md). Values
// in LSB are dimensionless ("1") multiples of lsb_V. adc.h5, one group per design.
struct AdcErrorLut {
  static constexpr const char* kGroup = "/lut/adc/ARCH/bBITS";
  static constexpr const char* kDescription =
      "transition errors of one ADC design (ARCH = flash or sar, BITS its resolution) and the "
      "statistics of its static and sine-test figures over the Monte Carlo samples";
  static constexpr Interpolation kInterpolation = Interpolation::none;
  // The group of one design, e.g. group("sar", 8) = "/lut/adc/sar/b8".
  static std::string group(const std::string& arch, int bits);

  std::vector<double> transition;  // k = 1 .. 2^N - 1
  std::vector<double> transition_error_mean, transition_error_sigma;
  double inl_max_mean = 0, inl_max_sigma = 0, dnl_max_mean = 0, dnl_max_sigma = 0;
  double offset_mean = 0, offset_sigma = 0, gain_error_mean = 0, gain_error_sigma = 0;
  double enob_mean = 0, enob_sigma = 0, enob_sine_mean = 0, enob_sine_sigma = 0;
  double sinad_mean = 0, sinad_sigma = 0, sfdr_mean = 0, sfdr_sigma = 0;
  double lsb_V = 0;
  std::string definition;

  void fields(Visitor& v);
};

// Time-domain winner-take-all (k of n_inputs): decision errors against the integration
// capacitance and the relative current margin, with the delay and energy per decision. wta.h5.
struct WtaDecisionLut {
  static constexpr const char* kGroup = "/lut/wta";
  static constexpr const char* kDescription =
      "probability that the time-domain WTA fires a wrong set, against the integration "
      "capacitance and the relative margin (I_k - I_k+1)/I_k; delay and energy per decision";
  static constexpr Interpolation kInterpolation = Interpolation::nearest;

  std::vector<double> capacitance, margin;   // F, 1
  std::vector<double> p_error, p_error_ngspice;  // [capacitance, margin]
  std::vector<double> resolved_margin, delay, delay_max, energy, sigma_total;  // [capacitance]
  double error_rate = 0, n_inputs = 0, k = 0, samples = 0;
  double v_trip_V = 0, i_min_A = 0, i_max_A = 0;
  std::string definition;

  void fields(Visitor& v);
  // Checks the executor relies on: positive capacitances, one delay/energy/sigma per
  // capacitance, v_trip_V > 0; InputError naming `file` otherwise.
  void validate(const std::string& file) const;
};

// The same WTA with transistor-level comparators (periph/wta_transistor.hpp) at the stage's
// capacitances: measured decision delay, energy (bit lines + inverters, keepers and clamps) and
// area, and the behavioural twin's trip level and comparator delay fitted to the transistors'
// fire times. wta.h5, written when [wta.transistor] is configured; `cimchar ppa` takes its
// energy and delay over the behavioural record's.
struct WtaTransistorLut {
  static constexpr const char* kGroup = "/lut/wta_transistor";
  static constexpr const char* kDescription =
      "the time-domain WTA at transistor level (BSIM4 inverters, keeper and clamps in ngspice): "
      "per capacitance the decision delay, energy and area measured, and the twin fitted to it";
  static constexpr Interpolation kInterpolation = Interpolation::nearest;

  std::vector<double> capacitance;  // F
  std::vector<double> t_decision, e_decision, e_comparators, e_inputs, area;  // [capacitance]
  std::vector<double> v_trip_fit, t_comp_fit, x_trip, fit_max_rel_err;       // [capacitance]
  double n_inputs = 0, k = 0, margin = 0, vdd_V = 0, layout_factor = 0;
  // The trip path's Pelgrom Monte Carlo (optional: present when [wta.transistor] ran one).
  bool has_mismatch = false;
  double mismatch_samples = 0, a_vt_V_m = 0, trip_sigma_V = 0, trip_mean_shift_V = 0,
         trip_linear_sigma_V = 0, twin_sigma_offset_V = 0;
  std::string node, design, definition;

  void fields(Visitor& v);
  // One entry per capacitance in every per-capacitance field, positive capacitances and
  // finite, positive delays and energies; InputError naming `file` otherwise.
  void validate(const std::string& file) const;
};

}  // namespace cimchar::lut
