// Fitting a device compact model's parameters to measured or simulated I-V data: the model's
// read current I(V, state) from its C++ twin, parameters from the device card's table (bounds
// default to the card's allowed range).
#pragma once

#include <string>
#include <vector>

#include "core/param_table.hpp"
#include "fit/levmar.hpp"

namespace cimchar::fit {

struct IvData {
  std::vector<double> v_V, i_A, state;  // state in the model's state unit (one per point)
  std::string source;                   // file name for messages
};

struct DeviceFitOptions {
  std::vector<std::string> params;      // names to fit; the rest stay at the card's values
  std::vector<double> initial;          // per param; NaN = card value
  std::vector<double> lo, hi;           // per param; NaN = card range
  double rel_sigma = 0.01;              // weighting: sigma_i = rel_sigma * |I_i| + abs_sigma_A
  double abs_sigma_A = 0.0;
  FitOptions lm;                        // starts, goodness-of-fit and identifiability settings
};

// FitError for unknown parameter names or data the model cannot use.
FitResult fit_device(const ParamTable& card, const IvData& data, const DeviceFitOptions& opts);

}  // namespace cimchar::fit
