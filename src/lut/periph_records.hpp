// LUT records of the peripheral stages (record.hpp says what a record is). Written by
// flows/threshold_flow.cpp, read by attention/periph_luts.cpp and ppa/components.cpp.
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

}  // namespace cimchar::lut
