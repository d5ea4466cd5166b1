// Temporary files and folders that must not outlive a run ended by a signal. The output writer
// (H5Writer's <file>.tmp.<pid>) and the ngspice pool (its working folder) register their paths
// here; on SIGINT, SIGTERM or SIGHUP the handler removes the paths that this process registered
// (a forked worker inherits the table but removes nothing) and then dies of the same signal, so
// the exit status still says what happened. Normal paths out (success, exceptions) clean up in
// destructors as before; this only covers the asynchronous way out.
//
// Signals are process-wide, so the table is the one piece of process-global state outside
// src/spice: a fixed array of slots, written before a path exists and read only by the handler
// with async-signal-safe calls (unlink, rmdir).
#pragma once

#include <filesystem>

namespace cimchar {

// Installs the handler for SIGINT, SIGTERM and SIGHUP (once; main() calls it).
void install_signal_cleanup();

// Registers a path for removal on a signal for as long as the object lives. A folder is
// removed with the plain files directly inside it. Unregistering does not remove the path.
class SignalCleanup {
 public:
  SignalCleanup() = default;
  explicit SignalCleanup(const std::filesystem::path& path, bool folder = false);
  ~SignalCleanup();
  SignalCleanup(SignalCleanup&& o) noexcept : slot_(o.slot_) { o.slot_ = -1; }
  SignalCleanup& operator=(SignalCleanup&& o) noexcept;
  SignalCleanup(const SignalCleanup&) = delete;
  SignalCleanup& operator=(const SignalCleanup&) = delete;

 private:
  int slot_ = -1;
};

// Removes `<name>.tmp.<pid>` files in `dir` whose process no longer exists (left by a run that
// was killed with SIGKILL, which no handler sees). Returns how many were removed.
int remove_stale_temporaries(const std::filesystem::path& dir);

}  // namespace cimchar
