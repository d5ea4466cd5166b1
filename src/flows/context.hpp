// What every stage of a flow gets: where to write, the seed, how many ngspice workers, which
// ngspice library, and the flow's TOML text for provenance.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace cimchar::flows {

struct RunContext {
  std::filesystem::path out_dir;  // stage outputs go to out_dir/<stage>.h5
  uint64_t seed = 1;
  int jobs = 0;                   // ngspice workers; 0 = number of cores
  std::string ngspice_library;    // "" = $CIMCHAR_NGSPICE or Debian's libngspice.so.0
  std::string config_text;        // the whole flow file, recorded in every output
  std::string config_file;
  bool progress = true;
  bool text = true;               // the stage's printed tables and notes (-q, --json: off)
  bool resume = false;            // --resume: reuse finished jobs/samples (<out>/<stage>.journal)
  bool sharded = false;           // set by run_flow: this stage runs on every MPI rank
  // [flow] job_timeout and stall_timeout (docs/flows.md): each ngspice job's hard limit (per
  // Monte Carlo sample for jobs that run many) and the no-progress limit; 0 = the pool's.
  double job_timeout_s = 0, stall_timeout_s = -1;
};

}  // namespace cimchar::flows
