#include "spice/pool.hpp"

#include <dlfcn.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <sstream>
#include <thread>

#include "core/error.hpp"
#include "core/parallel.hpp"
#include "core/progress.hpp"
#include "core/signal_cleanup.hpp"
#include "spice/analysis_size.hpp"
#include "spice/session.hpp"
#include "spice/wire.hpp"

namespace cimchar::spice {

std::string measure_name(const std::string& meas_command) {
  std::istringstream in(meas_command);
  std::string analysis_word, analysis, name;
  in >> analysis_word >> analysis >> name;
  return name;
}

namespace {

using Clock = std::chrono::steady_clock;

// Messages from a worker start with one byte: 'H' hello (info), 'E' start-up error,
// 'R' result, 'X' result after which the worker exits (ngspice is unusable).
[[noreturn]] void worker_main(int fd, const std::string& library, const std::string& dir) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  // A private, empty working folder and HOME: ngspice must not read a user's .spiceinit.
  if (::chdir(dir.c_str()) != 0) ::_exit(3);
  ::setenv("HOME", dir.c_str(), 1);
  const char* hooks = std::getenv("CIMCHAR_SPICE_TEST_HOOKS");
  const bool test_hooks = hooks && std::string(hooks) == "1";
  std::unique_ptr<Session> session;
  try {
    session = std::make_unique<Session>(library);
  } catch (const std::exception& e) {
    wire::write_message(fd, std::string("E") + e.what());
    ::_exit(3);
  }
  std::string hello = wire::encode(session->info());
  hello.insert(hello.begin(), 'H');
  wire::write_message(fd, hello);
  // Heartbeats: ngspice's status line when it changes (at most every 0.2 s), with its last
  // stderr lines, so that the pool can stop a job that makes no progress (pool.hpp).
  auto last_beat = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  session->set_progress_hook([&](const std::string& status, const std::vector<std::string>& errs) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_beat < std::chrono::milliseconds(200)) return;
    last_beat = now;
    std::string beat = "P" + status;
    for (const auto& e : errs) beat += "\n" + e;
    wire::write_message(fd, beat);
  });
  std::string msg;
  while (wire::read_message(fd, &msg)) {
    Job job = wire::decode_job(msg);
    if (test_hooks) {
      for (const auto& c : job.commands) {
        if (c == "cimchar_test_abort") std::abort();
        if (c == "cimchar_test_segv") {
          volatile int* p = nullptr;
          *p = 1;
        }
      }
    }
    JobResult r = session->run(job);
    const bool exiting = session->broken();
    std::string out = wire::encode(r);
    out.insert(out.begin(), exiting ? 'X' : 'R');
    if (!wire::write_message(fd, out) || exiting) ::_exit(0);
  }
  ::_exit(0);
}

// The analysis' completed fraction from ngspice's status line ("tran: 12.3%"), or -1.
double progress_fraction(const std::string& status) {
  const auto pct = status.find('%');
  const auto colon = status.rfind(':', pct);
  if (pct == std::string::npos || colon == std::string::npos) return -1;
  char* end = nullptr;
  const double v = std::strtod(status.c_str() + colon + 1, &end);
  return end && end != status.c_str() + colon + 1 ? v / 100 : -1;
}

std::string seconds(double s) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3g s", s);
  return b;
}

}  // namespace

double work_fraction(const std::vector<double>& weight, const std::vector<double>& done_part) {
  double total = 0, done = 0;
  for (size_t k = 0; k < weight.size(); ++k) {
    total += weight[k];
    done += weight[k] * done_part[k];
  }
  return total > 0 ? done / total : 1.0;
}

double job_work(const Job& job) {
  double points = 0;
  for (const auto& c : job.commands) points += analysis_points(c);
  const double samples = static_cast<double>(std::max<size_t>(1, job.alter_sets.size()));
  return std::max(points, 1.0) * std::max(job.cost, 1e-3) * samples;
}

double job_timeout(const Job& job, const PoolOptions& o) {
  const double samples = static_cast<double>(std::max<size_t>(1, job.alter_sets.size()));
  if (job.timeout_s > 0) return job.timeout_s * samples;
  double points = 0;
  for (const auto& c : job.commands) points += analysis_points(c);
  const double units = std::max(1.0, points / kPointsPerTimeout);
  return o.default_timeout_s * std::max(job.cost, 1e-3) * units * samples;
}

std::string stalled_reason(const std::string& status, double elapsed, double quiet,
                           const Job& job, double timeout_s, const PoolOptions& o) {
  // Only an analysis that reports its progress (a percentage: tran, dc, ac) can stall; an
  // operating point reports none and is bounded by the timeout alone.
  const double f = progress_fraction(status);
  const std::string where = "at '" + status + "'";
  if (o.stall_s > 0 && f >= 0 && quiet > o.stall_s)
    return "stalled: no progress in ngspice for " + seconds(quiet) + " " + where +
           "; stopped (stall limit " + seconds(o.stall_s) + ")";
  // Projected only from 1% of the analysis on: its first steps (operating point, the smallest
  // time steps) are slower than the rest, and under load or a sanitizer 0.1% after 2 s
  // projected 36 min for a 32 x 32 array that finishes in seconds.
  if (o.projection_factor > 0 && job.commands.size() == 1 && job.alter_sets.empty() &&
      elapsed >= 2 && f >= 0.01) {
    const double total = elapsed / f;
    if (total > o.projection_factor * timeout_s)
      return "too slow: " + where + " after " + seconds(elapsed) + " the analysis would take about " +
             seconds(total) + ", more than " + std::to_string(static_cast<int>(o.projection_factor)) +
             "x its " + seconds(timeout_s) + " timeout; stopped";
  }
  return "";
}

namespace {

std::string describe_exit(int status) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    return std::string("worker killed by signal ") + std::to_string(sig) + " (" + ::strsignal(sig) + ")";
  }
  if (WIFEXITED(status)) return "worker exited with status " + std::to_string(WEXITSTATUS(status));
  return "worker ended";
}

}  // namespace

int available_cores() { return static_cast<int>(default_threads()); }

namespace {

// $TMPDIR, else /tmp: where the workers' folders go.
std::filesystem::path temp_root() {
  const char* t = std::getenv("TMPDIR");
  return t && *t ? std::filesystem::path(t) : std::filesystem::path("/tmp");
}

// Working folders of pools whose process is gone (a SIGKILL leaves them): named
// cimchar-ngspice-<pid>-XXXXXX, removed when <pid> no longer exists.
void remove_stale_work_folders(const std::filesystem::path& root) {
  std::error_code ec;
  const std::string prefix = "cimchar-ngspice-";
  for (const auto& e : std::filesystem::directory_iterator(root, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) != 0 || !e.is_directory(ec)) continue;
    const std::string rest = name.substr(prefix.size());
    const auto dash = rest.find('-');
    if (dash == std::string::npos || dash == 0 ||
        rest.find_first_not_of("0123456789") != dash)
      continue;
    const auto pid = static_cast<pid_t>(std::strtol(rest.c_str(), nullptr, 10));
    if (::kill(pid, 0) == 0 || errno == EPERM) continue;  // still running
    std::filesystem::remove_all(e.path(), ec);
  }
}

}  // namespace

struct WorkerPool::Impl {
  struct Worker {
    pid_t pid = -1;
    int fd = -1;
    bool busy = false;
    size_t job = 0;
    Clock::time_point deadline;
    Clock::time_point started, last_change;  // of the job; of its last new status line
    std::string status;                      // ngspice's last status line ("tran: 12.3%")
    std::vector<std::string> last_errors;    // and its last stderr lines
  };
  struct Sweep;  // one run() over a list of jobs
  PoolOptions opts;
  std::string library;
  std::string dir;
  SignalCleanup dir_cleanup;  // the working folder goes if a signal ends the run
  std::vector<Worker> workers;
  NgspiceInfo info;
  bool have_info = false;

  void spawn(Worker& w) {
    // A worker must load ngspice fresh: a forked copy of an already-initialized library is
    // unusable (measured: the worker dies before its hello).
    if (void* h = ::dlopen(library.c_str(), RTLD_NOW | RTLD_NOLOAD)) {
      ::dlclose(h);
      throw Error("this process has loaded " + library + " itself; create the WorkerPool before "
                  "any in-process spice::Session (ngspice is global state)");
    }
    std::fflush(nullptr);  // or the child would inherit (and may print) unflushed output
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
      throw Error("cannot create a socket pair for an ngspice worker");
    const pid_t pid = ::fork();
    if (pid < 0) {
      ::close(sv[0]);
      ::close(sv[1]);
      throw Error("cannot fork an ngspice worker");
    }
    if (pid == 0) {
      ::close(sv[0]);
      for (const auto& o : workers)
        if (o.fd >= 0) ::close(o.fd);
      worker_main(sv[1], library, dir);
    }
    ::close(sv[1]);
    w.pid = pid;
    w.fd = sv[0];
    w.busy = false;
    // The hello: the worker loaded ngspice (or says why it could not).
    pollfd p{w.fd, POLLIN, 0};
    std::string msg;
    if (::poll(&p, 1, 60000) <= 0 || !wire::read_message(w.fd, &msg) || msg.empty()) {
      reap(w, true);
      throw SpiceError("(none)", "an ngspice worker did not start");
    }
    if (msg[0] == 'E') {
      reap(w, true);
      throw SpiceError("(none)", msg.substr(1));
    }
    if (!have_info) {
      info = wire::decode_info(msg.substr(1));
      have_info = true;
    }
  }

  // Ends a worker: SIGKILL when `kill`, else wait for it to leave. Returns its wait status.
  int reap(Worker& w, bool kill) {
    int status = 0;
    if (w.fd >= 0) ::close(w.fd);
    w.fd = -1;
    if (w.pid > 0) {
      if (kill) ::kill(w.pid, SIGKILL);
      ::waitpid(w.pid, &status, 0);
    }
    w.pid = -1;
    w.busy = false;
    return status;
  }

  void ensure_started() {
    for (auto& w : workers)
      if (w.pid < 0) spawn(w);
  }
};

WorkerPool::WorkerPool(PoolOptions opts) : impl_(new Impl) {
  impl_->opts = opts;
  impl_->library = resolve_library(opts.library);
  int n = opts.workers > 0 ? opts.workers : available_cores();
  impl_->workers.resize(static_cast<size_t>(std::max(n, 1)));
  const std::filesystem::path tmp = temp_root();
  remove_stale_work_folders(tmp);
  std::string tmpl = (tmp / ("cimchar-ngspice-" + std::to_string(::getpid()) + "-XXXXXX")).string();
  if (!::mkdtemp(tmpl.data())) {
    delete impl_;
    throw Error("cannot create a working folder for the ngspice workers in " + tmp.string());
  }
  impl_->dir = tmpl;
  impl_->dir_cleanup = SignalCleanup(impl_->dir, /*folder=*/true);
}

WorkerPool::~WorkerPool() {
  for (auto& w : impl_->workers) {
    if (w.fd >= 0) ::close(w.fd);  // the worker reads EOF and leaves
    w.fd = -1;
  }
  for (auto& w : impl_->workers) {
    if (w.pid <= 0) continue;
    int status;
    bool gone = false;
    for (int i = 0; i < 200 && !gone; ++i) {
      gone = ::waitpid(w.pid, &status, WNOHANG) == w.pid;
      if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (!gone) {
      ::kill(w.pid, SIGKILL);
      ::waitpid(w.pid, &status, 0);
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(impl_->dir, ec);
  delete impl_;
}

void WorkerPool::set_progress(bool on) { impl_->opts.progress = on; }

int WorkerPool::workers() const { return static_cast<int>(impl_->workers.size()); }

std::vector<int> WorkerPool::worker_pids() const {
  std::vector<int> p;
  for (const auto& w : impl_->workers) p.push_back(w.pid);
  return p;
}

NgspiceInfo WorkerPool::info() {
  if (!impl_->have_info) impl_->spawn(impl_->workers[0]);
  return impl_->info;
}

JobResult WorkerPool::run_one(const Job& job) { return run({job})[0]; }

namespace {

// A sweep's progress line: jobs finished of all, and the share of the work done for the ETA,
// each job weighed by its expected work (job_work: points x cost x samples) and counted as its
// done part (1 when finished; a running single analysis, the fraction ngspice reports).
class SweepProgress {
 public:
  SweepProgress(const std::vector<Job>& jobs, const PoolOptions& o)
      : bar_(o.progress_label, jobs.size(), o.progress), part_(jobs.size(), 0.0) {
    for (const auto& j : jobs) weight_.push_back(job_work(j));
  }
  size_t finished() const { return finished_; }
  void finished(size_t i) {
    ++finished_;
    set(i, 1);
  }
  void restarted(size_t i) { part_[i] = 0; }
  // A heartbeat of job i: its status line "tran: 12.3%" (only one analysis and no alter sets
  // make the percentage the job's).
  void running(size_t i, const Job& job, const std::string& status) {
    if (job.commands.size() == 1 && job.alter_sets.empty())
      set(i, std::clamp(progress_fraction(status), 0.0, 0.99));
  }
  void finish() { bar_.finish(); }

 private:
  void set(size_t i, double part) {
    part_[i] = part;
    bar_.set(finished_, work_fraction(weight_, part_));
  }
  Progress bar_;
  std::vector<double> weight_, part_;
  size_t finished_ = 0;
};

}  // namespace

// One run() of the pool: the queue, each job's attempts and result, and what happens to a
// worker's job (finished, lost and retried, stopped for making no progress).
struct WorkerPool::Impl::Sweep {
  Impl& im;
  const std::vector<Job>& jobs;
  const std::function<void(size_t, const JobResult&)>& on_done;
  std::vector<JobResult> results;
  std::vector<int> attempts;
  std::deque<size_t> queue;
  SweepProgress progress;

  Sweep(Impl& i, const std::vector<Job>& j, const std::function<void(size_t, const JobResult&)>& cb)
      : im(i), jobs(j), on_done(cb), results(j.size()), attempts(j.size(), 0), progress(j, i.opts) {
    for (size_t k = 0; k < jobs.size(); ++k) queue.push_back(k);
  }

  double timeout_of(size_t i) const { return job_timeout(jobs[i], im.opts); }

  void finish(size_t i, JobResult r);
  // A worker lost its job (crash or timeout): retry it once, or report it.
  void lost(Worker& w, Status st, const std::string& why);
  // Stops a job that makes no progress (deterministic: a retry would do the same).
  bool stop_if_no_progress(Worker& w);
  // A heartbeat from a worker: its status line, then its last stderr lines. ngspice calls back
  // only when its status changes (each 0.1% of an analysis, each new analysis or sample), so
  // every heartbeat is progress.
  static void heartbeat(Worker& w, const std::string& body);
  // Hands the queue's next jobs to idle workers.
  void hand_out();
  // One message from a busy worker: a heartbeat, a result, or its loss.
  void receive(Worker& w);
  // Waits for messages or the nearest deadline (at most 1 s) and deals with each busy worker.
  void wait();
};

void WorkerPool::Impl::Sweep::finish(size_t i, JobResult r) {
  r.attempts = attempts[i];
  results[i] = std::move(r);
  progress.finished(i);
  if (on_done) on_done(i, results[i]);
}

void WorkerPool::Impl::Sweep::lost(Worker& w, Status st, const std::string& why) {
  const size_t i = w.job;
  if (attempts[i] <= im.opts.crash_retries) {
    progress.restarted(i);
    queue.push_front(i);
    return;
  }
  JobResult r;
  r.status = st;
  r.message = why + " (tried " + std::to_string(attempts[i]) + " times)";
  finish(i, std::move(r));
}

bool WorkerPool::Impl::Sweep::stop_if_no_progress(Worker& w) {
  const auto now = Clock::now();
  const std::string why = stalled_reason(
      w.status, std::chrono::duration<double>(now - w.started).count(),
      std::chrono::duration<double>(now - w.last_change).count(), jobs[w.job], timeout_of(w.job),
      im.opts);
  if (why.empty()) return false;
  im.reap(w, true);
  JobResult r;
  r.status = Status::timeout;
  r.message = why;
  r.stderr_lines = w.last_errors;
  finish(w.job, std::move(r));
  return true;
}

void WorkerPool::Impl::Sweep::heartbeat(Worker& w, const std::string& body) {
  std::vector<std::string> lines;
  size_t a = 0;
  for (size_t b; (b = body.find('\n', a)) != std::string::npos; a = b + 1)
    lines.push_back(body.substr(a, b - a));
  lines.push_back(body.substr(a));
  w.status = lines[0];
  w.last_change = Clock::now();
  w.last_errors.assign(lines.begin() + 1, lines.end());
}

void WorkerPool::Impl::Sweep::hand_out() {
  for (auto& w : im.workers) {
    if (queue.empty()) break;
    if (w.busy) continue;
    if (w.pid < 0) im.spawn(w);
    const size_t i = queue.front();
    queue.pop_front();
    ++attempts[i];
    w.busy = true;
    w.job = i;
    w.started = w.last_change = Clock::now();
    w.status.clear();
    w.last_errors.clear();
    w.deadline = Clock::now() + std::chrono::microseconds(static_cast<long long>(timeout_of(i) * 1e6));
    if (!wire::write_message(w.fd, wire::encode(jobs[i]))) {
      const int st = im.reap(w, true);
      w.job = i;
      lost(w, Status::crashed, describe_exit(st));
    }
  }
}

void WorkerPool::Impl::Sweep::receive(Worker& w) {
  std::string msg;
  const bool got = wire::read_message(w.fd, &msg);
  if (got && !msg.empty() && msg[0] == 'P') {
    heartbeat(w, msg.substr(1));
    if (stop_if_no_progress(w)) return;
    progress.running(w.job, jobs[w.job], w.status);
    return;
  }
  if (!got || msg.empty() || (msg[0] != 'R' && msg[0] != 'X')) {
    const int st = im.reap(w, true);
    lost(w, Status::crashed, describe_exit(st));
    return;
  }
  JobResult r = wire::decode_result(msg.substr(1));
  w.busy = false;
  if (msg[0] == 'X') im.reap(w, false);  // ngspice hit ControlledExit: start afresh
  finish(w.job, std::move(r));
}

void WorkerPool::Impl::Sweep::wait() {
  std::vector<pollfd> fds;
  std::vector<Worker*> who;
  auto next = Clock::time_point::max();
  for (auto& w : im.workers) {
    if (!w.busy) continue;
    fds.push_back({w.fd, POLLIN, 0});
    who.push_back(&w);
    next = std::min(next, w.deadline);
  }
  if (fds.empty()) return;
  const auto wait_ms = std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now()).count();
  const int n = ::poll(fds.data(), fds.size(), static_cast<int>(std::clamp<long long>(wait_ms + 1, 0, 1000)));
  if (n < 0 && errno != EINTR) throw Error("poll failed in the ngspice worker pool");
  for (size_t k = 0; k < fds.size(); ++k) {
    Worker& w = *who[k];
    if (fds[k].revents & (POLLIN | POLLHUP | POLLERR)) {
      receive(w);
    } else if (!stop_if_no_progress(w) && Clock::now() >= w.deadline) {
      im.reap(w, true);
      lost(w, Status::timeout, "no result within the " + std::to_string(timeout_of(w.job)) +
                                   " s timeout; worker killed");
    }
  }
}

std::vector<JobResult> WorkerPool::run(const std::vector<Job>& jobs,
                                       const std::function<void(size_t, const JobResult&)>& on_done) {
  Impl::Sweep sweep(*impl_, jobs, on_done);
  while (sweep.progress.finished() < jobs.size()) {
    sweep.hand_out();
    sweep.wait();
  }
  sweep.progress.finish();
  return std::move(sweep.results);
}

}  // namespace cimchar::spice
