// The worker side of the pool: runs in a child forked by WorkerPool, loads ngspice in a
// Session, says hello (or why it could not start), then runs jobs until its socket closes.
// It leaves with _exit(): a forked child must not run the parent's atexit handlers or flush
// the parent's stdio buffers a second time.
#pragma once

#include <string>

namespace cimchar::spice {

// Never returns. `fd` is the worker's end of the socket pair.
[[noreturn]] void worker_main(int fd, const std::string& library) noexcept;

// VmRSS of process `pid` from /proc/<pid>/status, in kB (0 if unavailable); pid 0 = self.
long process_rss_kB(int pid = 0);

}  // namespace cimchar::spice
