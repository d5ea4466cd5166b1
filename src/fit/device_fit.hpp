// Fitting a device compact model's parameters to measured or simulated I-V data: the model's
// read current I(V, state) from its C++ twin when it has one, else through ngspice from the
// card's static subcircuit (spice_iv.hpp); parameters from the device card's table (bounds
// default to the card's allowed range).
#pragma once

#include <string>
#include <vector>

#include "core/param_table.hpp"
#include "fit/levmar.hpp"

namespace cimchar::spice {
class WorkerPool;
}

namespace cimchar::fit {

// Who evaluates the model: auto = the C++ twin when the card has one, else ngspice.
enum class FitEngine { automatic, twin, ngspice };
// "auto", "twin", "ngspice"; false for another word.
bool parse_fit_engine(const std::string& word, FitEngine& out);

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
  FitEngine engine = FitEngine::automatic;
};

// Whether the fit of `card` with this engine runs through ngspice (ConfigError naming the card
// when engine = twin and the card has no C++ twin).
bool fits_through_ngspice(const ParamTable& card, FitEngine engine);

// FitError for unknown parameter names or data the model cannot use. `pool` runs ngspice when
// the fit goes through it (a pool of its own is made when it is null).
FitResult fit_device(const ParamTable& card, const IvData& data, const DeviceFitOptions& opts,
                     spice::WorkerPool* pool = nullptr);

}  // namespace cimchar::fit
