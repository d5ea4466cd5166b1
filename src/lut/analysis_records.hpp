// Records of the attention analyses (record.hpp says what a record is). Written by
// attention/sweep.cpp (`cimchar sweep`), read by tools/report.py and the tests.
#pragma once

#include <string>
#include <vector>

#include "lut/record.hpp"

namespace cimchar::lut {

// One model under one scheme, swept over one or two config keys. Always two axes: a one-axis
// sweep has y = [0] and y_key = "". sweep.h5, one group per model and scheme.
struct SweepCurves {
  static constexpr const char* kGroup = "/sweep/MODEL/SCHEME";
  static constexpr const char* kDescription =
      "held-out accuracy and output errors of one model under one scheme against one or two "
      "swept config keys";
  static constexpr Interpolation kInterpolation = Interpolation::none;

  std::vector<double> x, y;  // the swept values of x_key and y_key
  std::vector<double> accuracy, accuracy_lo, accuracy_hi, accuracy_n, accuracy_ideal;
  std::vector<double> sparsity, rel_l2, kl, cosine;
  double accuracy_fp32 = 0;
  bool has_fp32 = false;
  std::string x_key, y_key, model, scheme, config;

  void fields(Visitor& v);
};

}  // namespace cimchar::lut
