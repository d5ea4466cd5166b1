// Turns what ngspice printed into a verdict. libngspice's return codes do not report failures
// (ngSpice_Circ and ngSpice_Command return 0 for parse errors, aborted analyses and unknown
// commands); the only evidence is the text it sends through the SendChar callback, one line at
// a time, prefixed "stdout " or "stderr ". The patterns below were collected from ngspice 39.3
// (Debian 12); see docs/spice.md for the list and examples.
#pragma once

#include <string>
#include <vector>

#include "spice/pool.hpp"

namespace cimchar::spice {

struct Diagnosis {
  Status status = Status::ok;
  std::string message;       // "" when ok
  bool convergence = false;  // a convergence failure that the convergence aids may cure
};

// Lines printed while ngSpice_Circ loaded `netlist`, and whether ngspice asked to be detached
// (ControlledExit) during the load. Errors here mean the netlist itself is wrong: bad_netlist,
// with the offending line ("line 3: r2 in 0 abc: unknown parameter (abc)") where ngspice names it.
Diagnosis diagnose_load(const std::vector<std::string>& lines, const std::string& netlist,
                        bool controlled_exit);

// Lines printed while the analyses and `meas` commands ran. Singular matrix, timestep too small,
// aborted analyses, failed DC solutions and exhausted iteration limits are sim_failed with
// `convergence` set; an unknown command is bad_netlist.
Diagnosis diagnose_run(const std::vector<std::string>& lines, bool controlled_exit);

// 1-based number of the netlist line that ngspice quoted in a message (compared in lower case
// with blanks collapsed; falling back to the line whose first token, the instance name, matches);
// 0 when not found.
int find_netlist_line(const std::string& netlist, const std::string& quoted);

// The netlist's lines (split on '\n', '\r' dropped).
std::vector<std::string> split_lines(const std::string& text);

// "stderr Error: x" -> "Error: x"; a line without a stream prefix is returned unchanged.
std::string strip_stream(const std::string& line);
bool is_stderr(const std::string& line);

}  // namespace cimchar::spice
