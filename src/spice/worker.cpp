#include "spice/worker.hpp"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>

#include "spice/protocol.hpp"
#include "spice/session.hpp"

namespace cimchar::spice {

namespace {

// Test hooks, honoured only when CIMCHAR_SPICE_TEST_HOOKS=1 is in the environment: a job
// command "cimchar_test_abort" aborts the worker, "cimchar_test_segv" makes it segfault,
// "cimchar_test_hang" makes it sleep forever. The pool tests use them to check that crashes
// and hangs are contained.
void test_hooks(const Job& job) {
  const char* on = std::getenv("CIMCHAR_SPICE_TEST_HOOKS");
  if (!on || std::strcmp(on, "1") != 0) return;
  for (const auto& c : job.commands) {
    if (c == "cimchar_test_abort") std::abort();
    if (c == "cimchar_test_segv") ::raise(SIGSEGV);
    if (c == "cimchar_test_hang")
      for (;;) ::pause();
  }
}

}  // namespace

long process_rss_kB(int pid) {
  const std::string path =
      pid == 0 ? std::string("/proc/self/status") : "/proc/" + std::to_string(pid) + "/status";
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  return 0;
}

void worker_main(int fd, const std::string& library) noexcept {
  int code = 0;
  try {
    // BSIM3/4 in Debian's ngspice use OpenMP; N workers each starting one thread per core
    // would oversubscribe the machine.
    ::setenv("OMP_NUM_THREADS", "1", 0);
    Session* session = nullptr;
    try {
      session = new Session(library);
    } catch (const std::exception& e) {
      wire::Writer w;
      w.u8(0);
      w.str(e.what());
      w.i64(::getpid());
      wire::write_frame(fd, 'H', w.data());
      ::_exit(3);
    }
    {
      wire::Writer w;
      w.u8(1);
      w.str("");
      w.i64(::getpid());
      wire::put(w, session->info());
      if (!wire::write_frame(fd, 'H', w.data())) ::_exit(0);
    }
    char type = 0;
    std::string payload;
    while (wire::read_frame(fd, type, payload)) {
      if (type != 'J') break;
      Job job;
      wire::Reader r(payload);
      wire::get(r, job);
      test_hooks(job);
      JobResult res = session->run(job);
      res.worker_pid = static_cast<int>(::getpid());
      res.worker_rss_kB = process_rss_kB();
      // Leave after a controlled exit (the library is unusable) or a job that touched the
      // random generators (see Session::random_state_dirty); the pool starts a fresh worker.
      const bool leaving = !session->usable() || session->random_state_dirty();
      wire::Writer w;
      w.u8(leaving ? 1 : 0);
      wire::put(w, res);
      if (!wire::write_frame(fd, 'R', w.data()) || leaving) break;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cimchar ngspice worker %d: %s\n", static_cast<int>(::getpid()), e.what());
    code = 4;
  } catch (...) {
    code = 4;
  }
  ::_exit(code);
}

}  // namespace cimchar::spice
