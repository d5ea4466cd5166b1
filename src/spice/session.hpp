// One loaded libngspice, driven through its shared-library API in the calling process. The
// library is global, non-reentrant state: a process holds at most one Session, and the pool
// runs each Session in a worker child process (pool.hpp); the parent never loads ngspice.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "spice/pool.hpp"

namespace cimchar::spice {

class Session {
 public:
  // dlopen()s `library` ("" = $CIMCHAR_NGSPICE, else libngspice.so.0) and calls ngSpice_Init.
  // Throws SpiceError if the library cannot be loaded.
  explicit Session(const std::string& library);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Loads, runs and removes one circuit; retries with convergence aids on failure.
  JobResult run(const Job& job);
  const NgspiceInfo& info() const { return info_; }
  // After ngspice's ControlledExit the library cannot be used again: the worker must exit.
  bool broken() const { return broken_; }

  // Called with ngspice's status line ("tran: 12.3%") whenever it changes, and ngspice's last
  // stderr lines, from inside run() (the worker forwards it to the pool as a heartbeat).
  using ProgressHook = std::function<void(const std::string& status, const std::vector<std::string>& last_errors)>;
  void set_progress_hook(ProgressHook hook) { progress_ = std::move(hook); }

  // Called by the C callbacks.
  void on_char(const char* line);
  void on_stat(const char* status);
  void on_exit(int status);

 private:
  JobResult attempt(const Job& job, int aid);
  void analyse(const Job& job, int aid, const std::string& suffix, JobResult& r);
  int command(const std::string& cmd);
  void set_seed(uint64_t seed);
  void cleanup();

  void* handle_ = nullptr;
  struct Api;
  Api* api_ = nullptr;
  NgspiceInfo info_;
  bool broken_ = false;
  bool capture_all_ = false;
  std::vector<std::string> out_, err_;
  ProgressHook progress_;
};

// Library path after applying the default and $CIMCHAR_NGSPICE.
std::string resolve_library(const std::string& library);


// Convergence aids, tried in order after a failed attempt (docs/spice.md).
int aid_count();
const char* aid_name(int aid);  // aid 0 = none

}  // namespace cimchar::spice
