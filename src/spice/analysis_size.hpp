// How much work an ngspice analysis command asks for, read from its arguments, so that a job's
// time limit can grow with its length (pool.hpp, job_timeout).
#pragma once

#include <string>

namespace cimchar::spice {

// A SPICE number with its scale suffix (f p n u m k meg g t, case-insensitive; a unit after
// the suffix is ignored, as ngspice does): "1.5u" -> 1.5e-6, "2meg" -> 2e6, "10ns" -> 1e-8.
double spice_number(const std::string& tok);

// The points an analysis computes at least:
//   tran tstep tstop [tstart [tmax]] [uic]: (tstop - tstart) / min(tstep, tmax), where tmax is
//     (tstop - tstart) / 1e4 when absent (the session adds that limit, session.cpp);
//   dc src start stop incr [src2 start2 stop2 incr2]: the product of each sweep's points;
//   ac dec|oct|lin n fstart fstop: n per decade or octave, or n;
//   anything else (op, noise, a command the parser does not know): 1.
// Malformed arguments count as 1: the session, not this estimate, reports them.
double analysis_points(const std::string& command);

}  // namespace cimchar::spice
