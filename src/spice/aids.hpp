// Convergence aids: what the session changes in a job before it tries again after a
// convergence failure (singular matrix, timestep too small, no DC solution, iteration limit).
// The aids are cumulative, tried in this order, and the first that succeeds is recorded in
// JobResult::aid:
//   1. "gmin_src_stepping":  .options gminsteps=100 srcsteps=100
//      (the 3f5 fixed ladders with 100 steps instead of ngspice's dynamic stepping)
//   2. "more_iterations":    + .options itl1=1000 itl2=1000 itl4=100 reltol=3e-3
//   3. "gear_small_step":    + .options method=gear, and every `tran` command gets a maximum
//      step of a quarter of ngspice's default (min(tstep, (tstop - tstart)/50)). Only for jobs
//      that run a transient.
// Options lines go just before the netlist's `.end`, after anything the netlist set itself,
// so they take precedence. Option names as documented in the ngspice-39 manual, section 11.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace cimchar::spice {

struct ConvergenceAid {
  std::string name;
  std::vector<std::string> options;  // .options lines added (cumulative ones included)
  bool gear_small_step = false;      // also limit the transient step (tran jobs only)
};

// The aids to try for a job, in order; `has_tran` adds the transient aid.
std::vector<ConvergenceAid> convergence_aids(bool has_tran);

// `netlist` with `lines` inserted just before its last `.end` line (appended, followed by
// `.end`, when there is none).
std::string insert_before_end(const std::string& netlist, const std::vector<std::string>& lines);

// "tran 1n 1u" -> "tran 1n 1u 0 5e-12" with the maximum step set to a quarter of what ngspice
// would use; other commands are returned unchanged.
std::string with_small_max_step(const std::string& command);

// SPICE number with scale suffix ("1n", "2.5meg", "10u", "1e-9", "3k3" is not supported).
std::optional<double> parse_spice_number(const std::string& text);

// True for an analysis command that runs a transient ("tran ...", case-insensitive).
bool is_tran_command(const std::string& command);

}  // namespace cimchar::spice
