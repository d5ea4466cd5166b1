// How much work an ngspice analysis command asks for, read from its arguments, so that a job's
// time limit can grow with its length (pool.hpp, job_timeout).
#pragma once

#include <string>

#include "core/units.hpp"

namespace cimchar::spice {

using cimchar::spice_number;  // core/units.hpp: netlist numbers as ngspice reads them

// The points an analysis computes at least:
//   tran tstep tstop [tstart [tmax]] [uic]: (tstop - tstart) / min(tstep, tmax), where tmax is
//     (tstop - tstart) / 1e4 when absent (the session adds that limit, session.cpp);
//   dc src start stop incr [src2 start2 stop2 incr2]: the product of each sweep's points;
//   ac dec|oct|lin n fstart fstop: n per decade or octave, or n;
//   anything else (op, noise, a command the parser does not know): 1.
// Malformed arguments count as 1: the session, not this estimate, reports them.
double analysis_points(const std::string& command);

}  // namespace cimchar::spice
