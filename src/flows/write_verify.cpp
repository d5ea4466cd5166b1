#include "flows/write_verify.hpp"

#include <algorithm>
#include <cmath>

namespace cimchar::flows {

bool next_pulse(const IsppConfig& cfg, WriteVerifyTrial& t, Pulse* pulse) {
  if (t.done) return false;
  if (std::abs(t.g_S - t.g_target_S) <= t.tol_S) {
    t.done = t.converged = true;
    return false;
  }
  if (t.pulses >= cfg.max_pulses) {
    t.done = true;
    return false;
  }
  if (t.width_s <= 0) t.width_s = cfg.pulse_width_s;
  const int want = t.g_S < t.g_target_S ? +1 : -1;
  if (t.direction != 0 && want != t.direction) {
    t.width_s = std::max(t.width_s / 2, cfg.min_pulse_width_s);
    t.run_length = 0;
  }
  t.direction = want;
  const double k = static_cast<double>(t.run_length);
  if (want > 0) {
    pulse->v_V = std::min(cfg.v_set_start_V + k * cfg.v_set_step_V, cfg.v_set_max_V);
  } else {
    pulse->v_V = std::max(cfg.v_reset_start_V - k * cfg.v_reset_step_V, cfg.v_reset_min_V);
  }
  pulse->width_s = t.width_s;
  return true;
}

void record_pulse(WriteVerifyTrial& t, double state_after, double g_read_S) {
  ++t.pulses;
  ++t.run_length;
  if (t.direction > 0) ++t.set_pulses;
  else ++t.reset_pulses;
  t.state = state_after;
  t.g_S = g_read_S;
}

}  // namespace cimchar::flows
