// Multi-level programming by write-and-verify (incremental step pulse programming, ISPP):
// read; if the conductance is below the target band apply a SET pulse, above it a RESET pulse;
// consecutive pulses of one polarity grow by a step; each change of polarity restarts the
// amplitude and halves the pulse width, so the loop refines instead of oscillating. Stops when
// the read conductance is within the tolerance band or after max_pulses.
//
// The controller is independent of the simulator: `Rounds` advance many trials at once so that
// each round's pulses can run as one batch on the ngspice worker pool.
#pragma once

#include <cstddef>
#include <vector>

namespace cimchar::flows {

struct IsppConfig {
  double v_set_start_V = 0.6, v_set_step_V = 0.02, v_set_max_V = 1.2;
  double v_reset_start_V = -0.7, v_reset_step_V = 0.02, v_reset_min_V = -1.2;
  double pulse_width_s = 50e-9;
  double min_pulse_width_s = 1e-9;
  int max_pulses = 100;
};

struct Pulse {
  double v_V = 0;        // amplitude (negative: RESET)
  double width_s = 0;
};

struct WriteVerifyTrial {
  double g_target_S = 0, tol_S = 0;
  double state = 0;       // current state of the cell (model units)
  double g_S = 0;         // last read conductance
  int pulses = 0, set_pulses = 0, reset_pulses = 0;
  bool done = false, converged = false, failed = false;
  // controller memory
  int direction = 0;      // +1 SET, -1 RESET, 0 none yet
  int run_length = 0;     // pulses in the current direction
  double width_s = 0;
};

// Next pulse for a trial that is not done (sets done/converged when within tolerance or out
// of pulses). Returns false when the trial needs no pulse.
bool next_pulse(const IsppConfig& cfg, WriteVerifyTrial& t, Pulse* pulse);

// Records the outcome of the pulse returned by next_pulse.
void record_pulse(WriteVerifyTrial& t, double state_after, double g_read_S);

}  // namespace cimchar::flows
