#include "spice/pool.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <optional>
#include <sstream>
#include <thread>

#include "core/error.hpp"
#include "core/progress.hpp"
#include "spice/protocol.hpp"
#include "spice/worker.hpp"

namespace cimchar::spice {

namespace {

using Clock = std::chrono::steady_clock;

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

std::string describe_exit(int status) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* name = ::strsignal(sig);
    return "killed by signal " + std::to_string(sig) + " (" + (name ? name : "?") + ")";
  }
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  return "stopped";
}

// Closes every descriptor above 2 except `keep` (the child must not hold other workers'
// sockets open, or the parent would never see them close).
void close_other_fds(int keep) {
  bool ok = true;
  if (keep > 3) ok = ::close_range(3, static_cast<unsigned>(keep - 1), 0) == 0;
  ok = ok && ::close_range(static_cast<unsigned>(keep + 1), ~0U, 0) == 0;
  if (ok) return;
  const long top = ::sysconf(_SC_OPEN_MAX) > 0 ? ::sysconf(_SC_OPEN_MAX) : 1024;
  for (int fd = 3; fd < top; ++fd)
    if (fd != keep) ::close(fd);
}

}  // namespace

const char* to_string(Status s) {
  switch (s) {
    case Status::ok: return "ok";
    case Status::sim_failed: return "sim_failed";
    case Status::bad_netlist: return "bad_netlist";
    case Status::crashed: return "crashed";
    case Status::timeout: return "timeout";
  }
  return "?";
}

const std::vector<double>& JobResult::vec(const std::string& job_name, const std::string& v) const {
  const auto it = vectors.find(v);
  if (it == vectors.end()) {
    std::string have;
    for (const auto& [k, _] : vectors) have += (have.empty() ? "" : ", ") + k;
    throw SpiceError(job_name, "no vector '" + v + "' in the result (" +
                                   (ok() ? "has: " + have : std::string("job ") + to_string(status)) +
                                   ")");
  }
  return it->second;
}

void JobResult::throw_if_failed(const std::string& job_name) const {
  if (ok()) return;
  throw SpiceError(job_name, std::string(to_string(status)) + ": " + message, stderr_lines,
                   status == Status::bad_netlist);
}

std::string JobResult::describe() const {
  return "netlist '" + name + "': " + (ok() ? std::string("ok") : to_string(status) + (": " + message));
}

void PoolOptions::validate() const {
  if (workers < 0 || workers > 1024)
    throw ConfigError("pool option 'workers' = " + std::to_string(workers) +
                      ": allowed 0 (= cores) to 1024");
  if (!(default_timeout_s > 0))
    throw ConfigError("pool option 'default_timeout_s' must be > 0 s");
  if (crash_retries < 0 || crash_retries > 10)
    throw ConfigError("pool option 'crash_retries' = " + std::to_string(crash_retries) +
                      ": allowed 0 to 10");
  if (!(max_worker_rss_MB > 0))
    throw ConfigError("pool option 'max_worker_rss_MB' must be > 0 MB");
  if (max_jobs_per_worker < 0)
    throw ConfigError("pool option 'max_jobs_per_worker' must be >= 0 (0 = unlimited)");
}

std::string PoolOptions::str() const {
  std::ostringstream os;
  os << "workers=" << workers << " library=\"" << library << "\" default_timeout_s="
     << default_timeout_s << " crash_retries=" << crash_retries
     << " progress=" << (progress ? "true" : "false") << " max_worker_rss_MB="
     << max_worker_rss_MB << " max_jobs_per_worker=" << max_jobs_per_worker;
  return os.str();
}

std::string solver_options_line(const NgspiceInfo& info) { return info.klu ? ".options klu" : ""; }

std::string resolve_library(const std::string& option) {
  if (!option.empty()) return option;
  if (const char* env = std::getenv("CIMCHAR_NGSPICE"); env && *env) return env;
  return "libngspice.so.0";
}

int available_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  const long n = ::sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<int>(n) : 1;
}

// ---------------------------------------------------------------------------------------------

struct WorkerPool::Impl {
  struct Worker {
    pid_t pid = -1;
    int fd = -1;
    bool busy = false;
    size_t job = 0;
    int jobs_done = 0;
    Clock::time_point started, deadline;
    wire::FrameBuffer in;
  };

  PoolOptions opts;
  std::string library;
  int n_workers = 1;
  std::vector<Worker> workers;
  std::optional<NgspiceInfo> info;

  bool alive(const Worker& w) const { return w.pid > 0; }

  // Forks a worker and waits for its hello. Throws SpiceError when it cannot start.
  void spawn(Worker& w) {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
      throw Error(std::string("socketpair failed: ") + std::strerror(errno));
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) {
      ::close(sv[0]);
      ::close(sv[1]);
      throw Error(std::string("fork failed: ") + std::strerror(errno));
    }
    if (pid == 0) {
      // Child. Own process group, so a Ctrl-C on the terminal reaches only the parent, which
      // then takes its workers down; and die with the parent whatever the cause.
      ::setpgid(0, 0);
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(0);
      sigset_t none;
      sigemptyset(&none);
      ::sigprocmask(SIG_SETMASK, &none, nullptr);
      for (int sig : {SIGINT, SIGTERM, SIGCHLD, SIGPIPE, SIGHUP}) ::signal(sig, SIG_DFL);
      ::close(sv[0]);
      const int devnull = ::open("/dev/null", O_RDWR);
      if (devnull >= 0) {
        ::dup2(devnull, 0);
        ::dup2(devnull, 1);  // stray printf output must not end up in the parent's stdout
        if (devnull > 2) ::close(devnull);
      }
      close_other_fds(sv[1]);
      worker_main(sv[1], library);
    }
    ::close(sv[1]);
    w = Worker{};
    w.pid = pid;
    w.fd = sv[0];
    ::fcntl(w.fd, F_SETFL, ::fcntl(w.fd, F_GETFL) | O_NONBLOCK);

    // Hello: the library loaded and ngspice initialized (or why not).
    const auto until = Clock::now() + std::chrono::seconds(60);
    char type = 0;
    std::string payload;
    bool got = false;
    while (!got) {
      const int ms = static_cast<int>(
          std::max<long>(0, std::chrono::duration_cast<std::chrono::milliseconds>(
                                until - Clock::now()).count()));
      pollfd p{w.fd, POLLIN, 0};
      const int r = ::poll(&p, 1, ms);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) break;  // timeout
      const bool open = w.in.fill(w.fd);
      got = w.in.next(type, payload);
      if (!got && !open) break;
    }
    if (!got || type != 'H') {
      const std::string how = reap(w, true);
      throw SpiceError(library, "ngspice worker did not start (" + how + ")");
    }
    wire::Reader r(payload);
    const bool ok = r.u8() != 0;
    const std::string why = r.str();
    r.i64();
    if (!ok) {
      reap(w, true);
      throw SpiceError(library, why, {}, true);
    }
    NgspiceInfo ni;
    wire::get(r, ni);
    if (!info) info = ni;
  }

  // Ends a worker (SIGKILL when `kill`, else close its socket and give it a moment to leave)
  // and returns how it ended.
  std::string reap(Worker& w, bool kill) {
    std::string how = "gone";
    if (w.pid > 0) {
      if (kill) ::kill(w.pid, SIGKILL);
      if (w.fd >= 0) {
        ::close(w.fd);
        w.fd = -1;
      }
      int status = 0;
      const auto until = Clock::now() + std::chrono::seconds(2);
      for (;;) {
        const pid_t r = ::waitpid(w.pid, &status, WNOHANG);
        if (r == w.pid) {
          how = describe_exit(status);
          break;
        }
        if (r < 0 && errno != EINTR) break;  // ECHILD: someone else reaped it
        if (Clock::now() > until) {
          ::kill(w.pid, SIGKILL);
          if (::waitpid(w.pid, &status, 0) == w.pid) how = describe_exit(status);
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
    if (w.fd >= 0) ::close(w.fd);
    w = Worker{};
    return how;
  }

  void kill_busy() {
    for (auto& w : workers)
      if (alive(w) && w.busy) reap(w, true);
  }

  ~Impl() {
    // Idle workers leave when their socket closes; close them all first, then wait.
    for (auto& w : workers)
      if (alive(w) && w.busy) ::kill(w.pid, SIGKILL);
    for (auto& w : workers)
      if (w.fd >= 0) {
        ::close(w.fd);
        w.fd = -1;
      }
    for (auto& w : workers)
      if (alive(w)) reap(w, false);
  }
};

WorkerPool::WorkerPool(PoolOptions opts) : impl_(new Impl) {
  opts.validate();
  impl_->opts = opts;
  impl_->library = resolve_library(opts.library);
  impl_->n_workers = opts.workers > 0 ? opts.workers : available_cores();
  impl_->workers.resize(static_cast<size_t>(impl_->n_workers));
}

WorkerPool::~WorkerPool() { delete impl_; }

int WorkerPool::workers() const { return impl_->n_workers; }

std::vector<pid_t> WorkerPool::worker_pids() const {
  std::vector<pid_t> out;
  for (const auto& w : impl_->workers)
    if (w.pid > 0) out.push_back(w.pid);
  return out;
}

NgspiceInfo WorkerPool::info() {
  if (!impl_->info) {
    auto& ws = impl_->workers;
    auto it = std::find_if(ws.begin(), ws.end(), [](const Impl::Worker& w) { return w.pid <= 0; });
    if (it == ws.end()) throw Error("ngspice pool: no worker slot to ask for the version");
    impl_->spawn(*it);
  }
  return *impl_->info;
}

JobResult WorkerPool::run_one(const Job& job) { return run({job}).at(0); }

std::vector<JobResult> WorkerPool::run(const std::vector<Job>& jobs,
                                       const std::function<void(size_t, const JobResult&)>& on_done) {
  Impl& im = *impl_;
  const size_t n = jobs.size();
  std::vector<JobResult> results(n);
  if (n == 0) return results;
  std::vector<int> attempts(n, 0);
  std::deque<size_t> queue;
  for (size_t i = 0; i < n; ++i) queue.push_back(i);
  size_t done = 0;
  Progress progress(im.opts.progress_label, n, im.opts.progress);

  auto timeout_of = [&](size_t i) {
    return jobs[i].timeout_s > 0 ? jobs[i].timeout_s : im.opts.default_timeout_s;
  };
  auto finish = [&](size_t i, JobResult r) {
    r.attempts = attempts[i];
    if (r.name.empty()) r.name = jobs[i].name;
    results[i] = std::move(r);
    ++done;
    progress.set(done);
    if (on_done) on_done(i, results[i]);
  };
  // A worker died or hung while running job i: retry it on a fresh worker, or report it.
  auto lost = [&](size_t i, Status status, const std::string& what) {
    if (attempts[i] <= im.opts.crash_retries) {
      queue.push_front(i);
      return;
    }
    JobResult r;
    r.status = status;
    r.name = jobs[i].name;
    r.message = what + " (attempt " + std::to_string(attempts[i]) + " of " +
                std::to_string(im.opts.crash_retries + 1) + ")";
    finish(i, std::move(r));
  };

  try {
    while (done < n) {
      // Hand out work; start workers as they are needed.
      for (auto& w : im.workers) {
        if (queue.empty()) break;
        if (w.busy) continue;
        if (!im.alive(w)) im.spawn(w);
        const size_t i = queue.front();
        queue.pop_front();
        wire::Writer msg;
        wire::put(msg, jobs[i]);
        ++attempts[i];
        if (!wire::write_frame(w.fd, 'J', msg.data())) {
          // It died while idle (e.g. killed from outside): not the job's fault.
          --attempts[i];
          queue.push_front(i);
          im.reap(w, true);
          continue;
        }
        w.busy = true;
        w.job = i;
        w.started = Clock::now();
        w.deadline = w.started + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(timeout_of(i)));
      }

      // Wait for results, deaths or deadlines (waking at least every 250 ms for the bar).
      std::vector<pollfd> fds;
      std::vector<Impl::Worker*> who;
      auto now = Clock::now();
      auto wake = now + std::chrono::milliseconds(250);
      for (auto& w : im.workers)
        if (w.busy) {
          fds.push_back({w.fd, POLLIN, 0});
          who.push_back(&w);
          wake = std::min(wake, w.deadline);
        }
      if (fds.empty()) continue;  // nothing running: the loop will hand out work again
      const int ms = static_cast<int>(std::max<long>(
          0, std::chrono::duration_cast<std::chrono::milliseconds>(wake - now).count() + 1));
      const int r = ::poll(fds.data(), fds.size(), ms);
      if (r < 0 && errno != EINTR) throw Error(std::string("poll failed: ") + std::strerror(errno));

      for (size_t k = 0; r > 0 && k < fds.size(); ++k) {
        if (!fds[k].revents) continue;
        Impl::Worker& w = *who[k];
        const bool open = w.in.fill(w.fd);
        char type = 0;
        std::string payload;
        while (w.busy && w.in.next(type, payload)) {
          if (type != 'R') throw Error("ngspice pool: unexpected frame from a worker");
          wire::Reader rd(payload);
          const bool leaving = rd.u8() != 0;
          JobResult res;
          wire::get(rd, res);
          res.wall_s = seconds(Clock::now() - w.started);
          const size_t i = w.job;
          w.busy = false;
          ++w.jobs_done;
          const bool too_big = res.worker_rss_kB > im.opts.max_worker_rss_MB * 1024.0;
          const bool too_old =
              im.opts.max_jobs_per_worker > 0 && w.jobs_done >= im.opts.max_jobs_per_worker;
          if (leaving || too_big || too_old) im.reap(w, false);
          finish(i, std::move(res));
        }
        if (!open && im.alive(w)) {
          const size_t i = w.job;
          const bool was_busy = w.busy;
          const pid_t pid = w.pid;
          const std::string how = im.reap(w, false);
          if (was_busy)
            lost(i, Status::crashed,
                 "ngspice worker " + std::to_string(pid) + " " + how + " while running the job");
        }
      }

      now = Clock::now();
      for (auto& w : im.workers) {
        if (!w.busy || now < w.deadline) continue;
        const size_t i = w.job;
        const pid_t pid = w.pid;
        im.reap(w, true);
        std::ostringstream os;
        os << "timed out after " << timeout_of(i) << " s (worker " << pid << " killed)";
        lost(i, Status::timeout, os.str());
      }
    }
  } catch (...) {
    im.kill_busy();
    throw;
  }
  progress.finish();
  return results;
}

}  // namespace cimchar::spice
