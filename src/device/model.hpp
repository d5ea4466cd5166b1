// C++ twins of the compact models in devices/: the same equations as the ngspice subcircuits,
// evaluated directly, so that fits, crossbar solvers and the attention executor can use them
// without a simulator. Built from a device card (ParamTable); SI units throughout.
#pragma once

#include <memory>
#include <string>

#include "core/param_table.hpp"

namespace cimchar::device {

// What the read-out needs of a device: its I-V at a held state, and its state's range. Every
// device has one: its C++ twin, or, for a device known only as a netlist, its read I-V
// tabulated from ngspice (make_read_model).
class ReadModel {
 public:
  virtual ~ReadModel() = default;
  virtual std::string name() const = 0;
  // Current from top to bottom electrode at device voltage v and state (self-heating included).
  virtual double current_A(double v_V, double state) const = 0;
  virtual double state_min() const = 0;
  virtual double state_max() const = 0;
  virtual std::string state_unit() const = 0;
  // ngspice's state node carries state * node_scale volts (e.g. the gap in nm).
  virtual double node_scale() const = 0;
  // The end of the state range with the higher conductance.
  virtual double state_lrs() const = 0;
  // True where a numerical limiter of the model (not its physics), such as a velocity cap,
  // changes d(state)/dt by more than 1% at (v, state). Models without one return false.
  virtual bool limiter_active(double /*v_V*/, double /*state*/) const { return false; }
};

// A C++ twin: the read-out plus the state's dynamics.
class CompactModel : public ReadModel {
 public:
  // d(state)/dt at device voltage v, bounds (windows) included.
  virtual double dstate_dt(double v_V, double state) const = 0;
};

// A smooth limit L tanh(x/L) is within 1% of x while |x| < 0.173 L.
inline constexpr double kLimiterOnset = 0.173;

// Explicit registry by the card's [model] name: stanford_asu, vteam. Throws ConfigError for
// a card whose model has no twin.
std::unique_ptr<CompactModel> make_model(const ParamTable& card);
// Whether the card's [model] name has a C++ twin.
bool has_twin(const ParamTable& card);

struct ReadModelOptions {
  double v_max_V = 2.0;  // tabulated devices: the read I-V spans [-v_max, v_max]
  size_t v_points = 401;
  int jobs = 0;          // ngspice workers for the tabulation (0 = cores)
  std::string ngspice_library;
};
// The card's twin when it has one; else the card is checked against its .lib
// (card_check.hpp) and its static subcircuit's read I-V tabulated by ngspice (tabulate.hpp).
std::unique_ptr<ReadModel> make_read_model(const ParamTable& card, const ReadModelOptions& o = {});

}  // namespace cimchar::device
