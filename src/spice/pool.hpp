// The ngspice worker pool. libngspice is global, non-reentrant state that can abort, so the
// parent never loads it: every job runs in a worker child process that loads the library with
// dlopen. A worker that crashes, hangs past the job's timeout or aborts is killed and replaced,
// its job is retried once and then reported, and the rest of the sweep goes on.
#pragma once

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
  // With CIMCHAR_SPICE_TEST_HOOKS=1 in the environment (the tests only), two reserved
  // commands prove crash isolation: `cimchar_test_abort` makes the worker abort(),
  // `cimchar_test_segv` makes it dereference null.
  // Monte Carlo on one loaded circuit: when not empty, the netlist is loaded once and, for
  // each set k, its commands run (e.g. "alterparam r1v=1.2k"), then `reset` and the
  // analyses; vectors come back as "<name>@<k>" and each sample's error in sample_errors.
  std::vector<std::vector<std::string>> alter_sets;
  double timeout_s = 0;     // a fixed limit per sample; 0 = the pool's, scaled (job_timeout)
  // Cost of one analysis point relative to a small linear circuit, for the time limit: a
  // BSIM4 transistor or a stiff device model costs more per point (job_timeout).
  double cost = 1;
  uint64_t seed = 1;        // `set rndseed=<seed>` before loading
  bool convergence_aids = true;  // retry with gmin/source stepping and smaller steps
};

// The vector a `meas` command creates: its third word ("meas tran t1 when ..." -> "t1").
std::string measure_name(const std::string& meas_command);

enum class Status { ok, sim_failed, bad_netlist, crashed, timeout };
const char* to_string(Status s);

struct JobResult {
  Status status = Status::ok;
  std::string message;                    // what went wrong, with the offending line if known
  std::vector<std::string> stderr_lines;  // ngspice's own "stderr ..." lines
  std::map<std::string, std::vector<double>> vectors;  // real parts; measures included
  int attempts = 1;                       // worker attempts (crash/timeout retries)
  std::string aid;                        // convergence aid that made it converge, "" if none
  std::vector<std::string> sample_errors;  // with alter_sets: "" for each sample that ran
  double wall_s = 0;

  bool ok() const { return status == Status::ok; }
  // The named vector; throws SpiceError (naming job and vector) when absent.
  const std::vector<double>& vec(const std::string& job_name, const std::string& v) const;
  // Throws SpiceError for a failed result (bad_input set for Status::bad_netlist).
  void throw_if_failed(const std::string& job_name) const;
};

struct PoolOptions {
  int workers = 0;            // 0 = number of cores
  std::string library;        // "" = $CIMCHAR_NGSPICE, else Debian's libngspice.so.0
  double default_timeout_s = 120;
  // Fail fast (docs/spice.md): ngspice reports an analysis' progress ("tran: 12.3%") each time
  // the 0.1% figure changes; a job in such an analysis that has reported nothing for stall_s is
  // stopped and reported at once, without a retry, and so is a single-analysis job whose
  // progress projects a total over projection_factor x its timeout (judged from 2 s and 1% on). An
  // operating point reports no percentage: the timeout alone bounds it. 0 switches either off.
  double stall_s = 30;
  double projection_factor = 2;
  int crash_retries = 1;
  bool progress = true;       // progress bar on stderr for sweeps longer than a second
  std::string progress_label = "ngspice";
};

struct NgspiceInfo {
  std::string version;  // e.g. "ngspice-39.3"
  bool klu = false;     // the loaded build has the KLU solver
  std::string library;  // path that was loaded
};

// ".options klu" when the loaded ngspice has KLU, "" otherwise (the session adds it to every
// netlist it loads; netlist generators may call it to write the line themselves).
std::string solver_options_line(const NgspiceInfo& info);
// A job's expected work, the weight of its share of a sweep's progress: its analysis points
// (at least 1) x cost x samples (alter sets).
double job_work(const Job& job);

// The completed fraction of a sweep's work: jobs weighted by weight[k] (the pool's: job_work),
// each done_part[k] in [0, 1] done. 1 for no work.
double work_fraction(const std::vector<double>& weight, const std::vector<double>& done_part);

// The default worker count: cimchar::default_threads() (the cores of this process's CPU
// affinity, bounded by $CIMCHAR_THREADS, which --jobs sets; core/parallel.hpp).
int available_cores();

// A job's hard time limit, for each sample it runs (a Monte Carlo job of N alter sets gets N
// times the limit of one simulation): its own timeout_s when set; else the pool's default
// (`[flow] job_timeout`) for each kPointsPerTimeout points its analyses compute
// (analysis_points, at least one such unit), times the job's cost.
inline constexpr double kPointsPerTimeout = 1e5;
double job_timeout(const Job& job, const PoolOptions& o);

// Why a running job must be stopped for making no progress ("" if it may go on): in an
// analysis that reports a percentage, nothing reported for `quiet` s (more than o.stall_s), or,
// `elapsed` s into a single-analysis job, a projected total over o.projection_factor x timeout_s.
std::string stalled_reason(const std::string& status, double elapsed, double quiet,
                           const Job& job, double timeout_s, const PoolOptions& o);

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
  NgspiceInfo info();  // from the first worker's start-up, then cached
  int workers() const;
  void set_progress(bool on);  // a caller that shows its own progress silences the pool's
  std::vector<int> worker_pids() const;  // for tests and diagnostics

 private:
  struct Impl;
  Impl* impl_;
};

}  // namespace cimchar::spice
