// One ngspice in this process, driven through libngspice's shared-library API (sharedspice.h):
// ngSpice_Init with callbacks, ngSpice_Circ, ngSpice_Command, ngGet_Vec_Info. The library is
// loaded with dlopen, so CIMCHAR_NGSPICE can point at another build. The library is global
// state: one Session per process (a second one throws), used from one thread. The worker pool
// runs one Session in each worker process; a bench may run one in-process to measure what
// the pool costs on top of ngspice.
//
// Start-up never reads a user's .spiceinit: ngSpice_Init runs with the working directory and
// HOME set to a fresh temporary directory holding an empty .spiceinit (ngspice reads
// ./.spiceinit in preference to the one in the home directory). Debian's system-wide spinit
// (/usr/share/ngspice/scripts/spinit: code models, aliases) is read as installed.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "spice/pool.hpp"

namespace cimchar::spice {

// The value given to `set rndseed` / `setseed`: ngspice wants an int in [1, 2^31 - 1].
int rndseed_for(uint64_t seed);

// True when the netlist, or a file it includes (.include, .lib file section), calls one of
// ngspice's random functions (agauss, gauss, aunif, unif, limit, trrandom, trnoise, ...).
// Relative include paths are taken from the working directory, nested ones from the including
// file's directory.
bool uses_random_functions(const std::string& netlist);

class Session {
 public:
  // Loads `library` (resolved with resolve_library) and initializes ngspice. Throws SpiceError
  // (bad_input) when the library cannot be loaded or lacks the API.
  explicit Session(const std::string& library = "");
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Runs one job: loads the netlist, runs the commands and measures, reads the vectors, then
  // removes the circuit and all plots (`remcirc`, `destroy all`) so that memory does not grow.
  // On a convergence failure it retries with the aids of aids.hpp. Never throws for a failed
  // simulation: the result carries the status, the message and ngspice's stderr lines.
  JobResult run(const Job& job);

  const NgspiceInfo& info() const { return info_; }
  // False once ngspice asked to be detached (ControlledExit): every later call may fail or
  // crash, so the process should be replaced.
  bool usable() const { return !exited_; }
  // Whether SendChar arrives synchronously (Debian's build) or from a printing thread.
  bool synchronous_printing() const { return synchronous_; }
  // True after a job that drew random numbers: ngspice keeps random-generator state that
  // `setseed` does not reset (a cached Gaussian variate), so a fresh process gives the next
  // seeded job a reproducible start. The worker exits after such a job.
  bool random_state_dirty() const { return random_dirty_; }

  // Callback entry points (called by libngspice).
  void on_char(const char* text);
  void on_exit(int status, bool immediate, bool quit);

 private:
  struct Api;
  struct Attempt;
  Attempt attempt(const Job& job, const std::string& netlist,
                  const std::vector<std::string>& commands);
  void command(const std::string& cmd);
  void sync();  // waits until ngspice's printing has caught up (async-printing builds)
  std::vector<std::string> take_lines();
  void query_info();

  Api* api_ = nullptr;
  NgspiceInfo info_;
  std::mutex mu_;
  std::vector<std::string> lines_;
  bool collect_ = true;
  std::atomic<bool> exited_{false};
  std::atomic<long> marks_seen_{0};
  std::thread::id mark_thread_;
  long marks_sent_ = 0;
  bool synchronous_ = false;  // SendChar runs on the calling thread before a command returns
  bool random_dirty_ = false;
};

}  // namespace cimchar::spice
