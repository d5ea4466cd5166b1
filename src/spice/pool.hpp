// The ngspice worker pool. libngspice is global, non-reentrant state that can abort, so the
// parent never loads it: every job runs in a worker child process that loads the library with
// dlopen. A worker that crashes, hangs past the job's timeout or aborts is killed and replaced,
// its job is retried once and then reported, and the rest of the sweep goes on.
// How it works, the error classification and the convergence aids: docs/spice.md.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace cimchar::spice {

struct Job {
  std::string name;                   // names the netlist in messages (e.g. "cell/iv_loop")
  std::string netlist;                // full text: title line first, `.end` last
  std::vector<std::string> commands;  // analyses run in order, e.g. {"op"} or {"tran 1n 1u"}
  std::vector<std::string> vectors;   // vectors returned, e.g. "v(out)", "i(vs)", "time"
  // `meas` commands run after the analyses, e.g. "meas tran t1 when v(a)=0.5 cross=1";
  // the measured value is returned as vector "t1".
  std::vector<std::string> measures;
  double timeout_s = 0;     // 0 = the pool's default; per attempt, convergence aids included
  uint64_t seed = 1;        // `set rndseed` / `setseed` before loading (see rndseed_for)
  bool convergence_aids = true;  // retry with gmin/source stepping and smaller steps
};

enum class Status { ok, sim_failed, bad_netlist, crashed, timeout };
const char* to_string(Status s);

struct JobResult {
  Status status = Status::ok;
  std::string message;                    // what went wrong, with the offending line if known
  std::vector<std::string> stderr_lines;  // ngspice's own "stderr ..." lines (prefix removed)
  std::map<std::string, std::vector<double>> vectors;  // real parts; measures included
  int attempts = 1;                       // worker attempts (crash/timeout retries)
  std::string aid;                        // convergence aid that made it converge, "" if none
  double wall_s = 0;  // pool: dispatch to result, last attempt; Session: the whole run()

  // Added with the implementation:
  std::string name;                     // Job::name
  std::vector<std::string> aids_tried;  // convergence aids tried, in order (see aids.hpp)
  double sim_s = 0;                     // time inside the worker's Session::run
  int worker_pid = 0;                   // process that ran the last attempt (0: in-process)
  long worker_rss_kB = 0;               // that worker's VmRSS after the job

  bool ok() const { return status == Status::ok; }
  // The named vector; throws SpiceError (naming job and vector) when absent.
  const std::vector<double>& vec(const std::string& job_name, const std::string& v) const;
  const std::vector<double>& vec(const std::string& v) const { return vec(name, v); }
  // Throws SpiceError for a failed result (bad_input set for Status::bad_netlist).
  void throw_if_failed(const std::string& job_name) const;
  void throw_if_failed() const { throw_if_failed(name); }
  // "netlist 'name': message" for logs.
  std::string describe() const;
};

struct PoolOptions {
  int workers = 0;            // 0 = number of cores this process may use
  std::string library;        // "" = $CIMCHAR_NGSPICE, else Debian's libngspice.so.0
  double default_timeout_s = 120;
  int crash_retries = 1;
  bool progress = true;       // progress bar on stderr for sweeps longer than a second
  std::string progress_label = "ngspice";
  // A worker whose resident memory exceeds this after a job is retired and replaced.
  double max_worker_rss_MB = 4096;
  // A worker is also replaced after this many jobs (0 = never): ngspice 39 keeps about 1 kB
  // per job even with the clean-up (docs/spice.md), so this caps a worker's growth at ~2 MB.
  int max_jobs_per_worker = 2000;

  void validate() const;  // throws ConfigError naming the field and its allowed range
  std::string str() const;
};

struct NgspiceInfo {
  std::string version;  // e.g. "ngspice-39" (what the library calls itself)
  bool klu = false;     // the loaded build has the KLU solver
  std::string library;  // path that was loaded
  std::string build_date;  // the library's "Creation Date"
};

// ".options klu" when the loaded ngspice has KLU, "" otherwise. Netlist generators put it in
// every netlist they write.
std::string solver_options_line(const NgspiceInfo& info);

// The library to load: `option` if set, else $CIMCHAR_NGSPICE if set, else "libngspice.so.0".
std::string resolve_library(const std::string& option);

// Cores this process may run on (sched_getaffinity), at least 1.
int available_cores();

class WorkerPool {
 public:
  explicit WorkerPool(PoolOptions opts = {});
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Runs all jobs; on_done(i, result) is called in the calling thread as each finishes.
  std::vector<JobResult> run(const std::vector<Job>& jobs,
                             const std::function<void(size_t, const JobResult&)>& on_done = {});
  JobResult run_one(const Job& job);
  NgspiceInfo info();  // asks a worker once, then cached
  int workers() const;
  std::vector<pid_t> worker_pids() const;  // live workers (for tests and diagnostics)

 private:
  struct Impl;
  Impl* impl_;
};

}  // namespace cimchar::spice
