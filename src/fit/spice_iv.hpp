// A device's read current evaluated by ngspice, for fits of devices without a C++ twin: every
// data point is one instance of the card's static subcircuit on its own voltage source in one
// netlist (one `op` gives all points), the fitted parameters are `.param`s that each parameter
// vector changes in place (`alterparam`, `reset`: the netlist is parsed once per job), and a
// batch of vectors (a Jacobian's 2k) is split across the worker pool.
#pragma once

#include <string>
#include <vector>

#include "core/param_table.hpp"

namespace cimchar::spice {
class WorkerPool;
}

namespace cimchar::fit {

class SpiceReadIv {
 public:
  // ConfigError naming the card when it has no static subcircuit; FitError for an unknown
  // parameter name or columns of different lengths.
  SpiceReadIv(const ParamTable& card, std::vector<std::string> params, std::vector<double> v_V,
              std::vector<double> state, spice::WorkerPool& pool);

  // preds[m][i]: the current (te -> be) at point i for parameter vector ps[m]; NaN where
  // ngspice failed for that vector. SpiceError when ngspice cannot read the netlist or fails
  // for every vector of the batch.
  void evaluate(const std::vector<std::vector<double>>& ps,
                std::vector<std::vector<double>>& preds) const;

  const std::string& netlist() const { return netlist_; }
  size_t simulations() const { return simulations_; }

 private:
  std::string model_, netlist_;
  std::vector<std::string> params_;
  size_t n_;
  spice::WorkerPool& pool_;
  mutable size_t simulations_ = 0;
};

}  // namespace cimchar::fit
