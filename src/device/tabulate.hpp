// The read I-V of a device known only as a netlist: its static subcircuit swept by ngspice
// (through the worker pool) on an adaptive grid of states, stored as a TableTwin.
#pragma once

#include <cstddef>
#include <memory>

#include "core/param_table.hpp"
#include "device/table_twin.hpp"

namespace cimchar::spice {
class WorkerPool;
}

namespace cimchar::device {

struct TabulateOptions {
  double v_max_V = 1.0;        // the table spans [-v_max, v_max]
  size_t v_points = 201;       // odd: 0 V is a grid point
  size_t initial_states = 5;   // uniform over the card's state range, then refined
  size_t max_states = 257;
  double rtol = 1e-3;          // interpolation error target, relative to max |I| at a state
};

struct Tabulated {
  std::shared_ptr<const TableTwin> twin;
  // Interpolation errors measured against ngspice while refining, relative to max |I| at the
  // state: in the state (at the last midpoints checked) and in V (a half-density grid against
  // the full one, an upper estimate of the full grid's error).
  double state_err = 0, v_err = 0;
  size_t simulations = 0;
};

// Needs [model] static_subckt, state, state_min and state_max on the card. ConfigError naming
// the card when they are missing; SpiceError when ngspice fails; InputError when the error target
// is not met with max_states states.
Tabulated tabulate_read_iv(const ParamTable& card, spice::WorkerPool& pool,
                           const TabulateOptions& o = {});

}  // namespace cimchar::device
