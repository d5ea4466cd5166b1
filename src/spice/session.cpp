#include "spice/session.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <ngspice/sharedspice.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "core/error.hpp"
#include "spice/aids.hpp"
#include "spice/classify.hpp"

namespace cimchar::spice {

namespace {

using Clock = std::chrono::steady_clock;

std::atomic<bool> g_session_alive{false};  // the library is process-global: one Session at a time

// Prefix of the marker lines that sync() echoes through ngspice.
constexpr const char* kMark = "cimchar-sync-";

// Keep messages readable: gmin stepping alone prints dozens of lines.
constexpr size_t kMaxStderrLines = 60;

int cb_char(char* text, int, void* self) {
  static_cast<Session*>(self)->on_char(text);
  return 0;
}
int cb_stat(char*, int, void*) { return 0; }
int cb_exit(int status, NG_BOOL immediate, NG_BOOL quit, int, void* self) {
  static_cast<Session*>(self)->on_exit(status, immediate, quit);
  return 0;
}
int cb_bg(NG_BOOL, int, void*) { return 0; }

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::vector<std::string> tokens(const std::string& s) {
  std::istringstream is(s);
  std::vector<std::string> out;
  std::string t;
  while (is >> t) out.push_back(t);
  return out;
}

// A temporary directory with an empty .spiceinit, the working directory and HOME while
// ngSpice_Init runs; everything restored and removed afterwards.
class InitSandbox {
 public:
  InitSandbox() {
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/cimchar-ngspice-XXXXXX";
    if (!::mkdtemp(tmpl.data())) throw IoError("cannot create a temporary directory " + tmpl);
    dir_ = tmpl;
    init_file_ = dir_ + "/.spiceinit";
    if (FILE* f = std::fopen(init_file_.c_str(), "w")) {
      std::fputs("* written by cimchar: empty so that no user .spiceinit is read\n", f);
      std::fclose(f);
    }
    cwd_fd_ = ::open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (const char* h = std::getenv("HOME")) home_ = h;
    ::setenv("HOME", dir_.c_str(), 1);
    if (::chdir(dir_.c_str()) != 0) throw IoError("cannot enter " + dir_);
  }
  ~InitSandbox() {
    if (cwd_fd_ >= 0) {
      if (::fchdir(cwd_fd_) != 0) (void)!::chdir("/");
      ::close(cwd_fd_);
    } else {
      (void)!::chdir("/");
    }
    if (home_) ::setenv("HOME", home_->c_str(), 1);
    else ::unsetenv("HOME");
    ::unlink(init_file_.c_str());
    ::rmdir(dir_.c_str());
  }
  InitSandbox(const InitSandbox&) = delete;
  InitSandbox& operator=(const InitSandbox&) = delete;

 private:
  std::string dir_, init_file_;
  int cwd_fd_ = -1;
  std::optional<std::string> home_;
};

template <class F>
F resolve(void* handle, const char* name, const std::string& lib) {
  void* p = ::dlsym(handle, name);
  if (!p)
    throw SpiceError(lib, std::string("the library has no ") + name +
                              " (not a shared-library build of ngspice?)",
                     {}, true);
  return reinterpret_cast<F>(p);
}

std::vector<std::string> capped(std::vector<std::string> v) {
  if (v.size() <= kMaxStderrLines) return v;
  const size_t keep = kMaxStderrLines / 2;
  std::vector<std::string> out(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(keep));
  out.push_back("... (" + std::to_string(v.size() - 2 * keep) + " lines omitted)");
  out.insert(out.end(), v.end() - static_cast<std::ptrdiff_t>(keep), v.end());
  return out;
}

}  // namespace

int rndseed_for(uint64_t seed) {
  constexpr uint64_t kMax = 2147483647ULL;  // INT_MAX
  if (seed >= 1 && seed <= kMax) return static_cast<int>(seed);
  return static_cast<int>(1 + seed % (kMax - 1));
}

namespace {

// The text of a netlist line without comments ("*" lines, "; ..." and " $ ..." tails).
std::string code_of(const std::string& line) {
  std::string l = lower(line);
  const auto first = l.find_first_not_of(" \t");
  if (first == std::string::npos || l[first] == '*') return "";
  if (const auto p = l.find(';'); p != std::string::npos) l.resize(p);
  if (const auto p = l.find(" $"); p != std::string::npos) l.resize(p);
  return l;
}

bool calls_random(const std::string& code) {
  // Function calls only (name, optional blanks, "("): a node called "limit_n" is not one.
  static const char* const kFunctions[] = {"gauss", "unif", "trrandom", "trnoise", "rnd",
                                           "poisson", "exponential", "limit"};
  for (const char* f : kFunctions) {
    for (size_t p = code.find(f); p != std::string::npos; p = code.find(f, p + 1)) {
      size_t q = p + std::strlen(f);
      while (q < code.size() && code[q] == ' ') ++q;
      if (q < code.size() && code[q] == '(') return true;
    }
  }
  return false;
}

// Included file named on a .include / .inc / .lib <file> <section> line, "" if none.
std::string included_file(const std::string& code) {
  const auto t = tokens(code);
  if (t.empty()) return "";
  const bool inc = t[0] == ".include" || t[0] == ".inc";
  const bool lib = t[0] == ".lib" && t.size() >= 3;
  if (!(inc || lib) || t.size() < 2) return "";
  std::string f = t[1];
  if (f.size() >= 2 && (f.front() == '"' || f.front() == '\'')) f = f.substr(1, f.size() - 2);
  return f;
}

bool random_in(const std::string& text, const std::string& dir, int depth) {
  for (const auto& line : split_lines(text)) {
    const std::string code = code_of(line);
    if (code.empty()) continue;
    if (calls_random(code)) return true;
    std::string file = included_file(code);
    if (file.empty() || depth >= 8) continue;
    // included_file() saw the lower-cased line; take the path's spelling from the original.
    const auto at = lower(line).find(file);
    if (at != std::string::npos) file = line.substr(at, file.size());
    if (file[0] != '/' && !dir.empty()) file = dir + "/" + file;
    std::ifstream in(file);
    if (!in) continue;  // ngspice will report it
    std::stringstream body;
    body << in.rdbuf();
    const auto slash = file.rfind('/');
    if (random_in(body.str(), slash == std::string::npos ? "" : file.substr(0, slash), depth + 1))
      return true;
  }
  return false;
}

}  // namespace

bool uses_random_functions(const std::string& netlist) { return random_in(netlist, "", 0); }

struct Session::Api {
  void* handle = nullptr;
  decltype(&ngSpice_Init) init = nullptr;
  decltype(&ngSpice_Command) command = nullptr;
  decltype(&ngSpice_Circ) circ = nullptr;
  decltype(&ngGet_Vec_Info) vec_info = nullptr;
  decltype(&ngSpice_CurPlot) cur_plot = nullptr;
  decltype(&ngSpice_AllVecs) all_vecs = nullptr;
};

struct Session::Attempt {
  Diagnosis diag;
  std::vector<std::string> stderr_lines;
  std::map<std::string, std::vector<double>> vectors;
};

Session::Session(const std::string& library) {
  bool expected = false;
  if (!g_session_alive.compare_exchange_strong(expected, true))
    throw Error("only one ngspice Session may exist in a process (libngspice is global state)");
  try {
    info_.library = resolve_library(library);
    api_ = new Api;
    {
      InitSandbox sandbox;
      api_->handle = ::dlopen(info_.library.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (!api_->handle) {
        const char* why = ::dlerror();
        throw SpiceError(info_.library,
                         std::string("cannot load the ngspice shared library: ") +
                             (why ? why : "unknown error") +
                             " (set CIMCHAR_NGSPICE to the path of libngspice.so)",
                         {}, true);
      }
      api_->init = resolve<decltype(api_->init)>(api_->handle, "ngSpice_Init", info_.library);
      api_->command =
          resolve<decltype(api_->command)>(api_->handle, "ngSpice_Command", info_.library);
      api_->circ = resolve<decltype(api_->circ)>(api_->handle, "ngSpice_Circ", info_.library);
      api_->vec_info =
          resolve<decltype(api_->vec_info)>(api_->handle, "ngGet_Vec_Info", info_.library);
      api_->cur_plot =
          resolve<decltype(api_->cur_plot)>(api_->handle, "ngSpice_CurPlot", info_.library);
      api_->all_vecs =
          resolve<decltype(api_->all_vecs)>(api_->handle, "ngSpice_AllVecs", info_.library);
      api_->init(cb_char, cb_stat, cb_exit, nullptr, nullptr, cb_bg, this);
    }
    if (exited_) throw SpiceError(info_.library, "ngspice stopped during initialization", {}, true);
    // Does this build call SendChar synchronously, on the calling thread?
    const long n = ++marks_sent_;
    command("echo " + std::string(kMark) + std::to_string(n));
    {
      std::lock_guard<std::mutex> lock(mu_);
      synchronous_ = marks_seen_ == n && mark_thread_ == std::this_thread::get_id();
    }
    sync();
    query_info();
  } catch (...) {
    delete api_;  // the library stays loaded: unloading a half-initialized ngspice is not safe
    api_ = nullptr;
    g_session_alive = false;
    throw;
  }
}

Session::~Session() {
  // The library is not unloaded: an ngspice build that prints from its own thread would crash
  // if its code went away under that thread. A worker process simply exits.
  delete api_;
  g_session_alive = false;
}

void Session::on_char(const char* text) {
  if (!text) return;
  const std::string s(text);
  const std::string mark = std::string("stdout ") + kMark;
  std::lock_guard<std::mutex> lock(mu_);
  if (s.rfind(mark, 0) == 0) {
    mark_thread_ = std::this_thread::get_id();
    marks_seen_ = std::atol(s.c_str() + mark.size());
    return;
  }
  if (collect_) lines_.push_back(s);
}

void Session::on_exit(int, bool, bool) { exited_ = true; }

void Session::command(const std::string& cmd) {
  if (exited_) return;  // after a controlled exit any call may crash
  std::string buf = cmd;
  api_->command(buf.data());
}

void Session::sync() {
  // Debian's build prints synchronously from the calling thread: nothing to wait for, and
  // every extra command costs memory (ngspice keeps ~0.2 kB per command executed).
  if (exited_ || synchronous_) return;
  const long n = ++marks_sent_;
  command("echo " + std::string(kMark) + std::to_string(n));
  // Builds that print synchronously have delivered the line already; others print from a
  // thread of their own, which gets 5 s to catch up.
  const auto until = Clock::now() + std::chrono::seconds(5);
  while (marks_seen_ < n && !exited_ && Clock::now() < until)
    std::this_thread::sleep_for(std::chrono::microseconds(50));
}

std::vector<std::string> Session::take_lines() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  out.swap(lines_);
  return out;
}

void Session::query_info() {
  take_lines();
  command("version -f");
  sync();
  for (const auto& raw : take_lines()) {
    const std::string line = strip_stream(raw);
    if (info_.version.empty()) {
      for (const auto& t : tokens(line))
        if (t.rfind("ngspice-", 0) == 0) {
          info_.version = t;
          break;
        }
    }
    const auto d = line.find("Creation Date:");
    if (d != std::string::npos) {
      std::string date = line.substr(d + 14);
      while (!date.empty() && date.front() == ' ') date.erase(0, 1);
      info_.build_date = date;
    }
    // ngspice 41 and later print "Compiled with KLU Direct Linear Solver" here.
    if (line.find("KLU") != std::string::npos) info_.klu = true;
  }
  if (info_.version.empty()) info_.version = "ngspice (unknown version)";
}

Session::Attempt Session::attempt(const Job& job, const std::string& netlist,
                                  const std::vector<std::string>& commands) {
  Attempt a;
  {
    std::lock_guard<std::mutex> lock(mu_);
    collect_ = false;
  }
  const std::string seed = std::to_string(rndseed_for(job.seed));
  command("set rndseed=" + seed);
  command("setseed " + seed);
  sync();
  {
    std::lock_guard<std::mutex> lock(mu_);
    lines_.clear();
    collect_ = true;
  }

  // Load. ngSpice_Circ wants mutable, NULL-terminated lines ending with `.end`.
  std::vector<std::string> lines = split_lines(insert_before_end(netlist, {}));
  std::vector<char*> ptrs;
  for (auto& l : lines) ptrs.push_back(l.data());
  ptrs.push_back(nullptr);
  api_->circ(ptrs.data());
  sync();
  const auto load_lines = take_lines();
  for (const auto& l : load_lines)
    if (is_stderr(l)) a.stderr_lines.push_back(strip_stream(l));
  a.diag = diagnose_load(load_lines, job.netlist, exited_);

  if (a.diag.status == Status::ok) {
    for (const auto& c : commands) command(c);
    for (const auto& m : job.measures) command(m);
    sync();
    const auto run_lines = take_lines();
    for (const auto& l : run_lines)
      if (is_stderr(l)) a.stderr_lines.push_back(strip_stream(l));
    a.diag = diagnose_run(run_lines, exited_);
  }

  {
    std::lock_guard<std::mutex> lock(mu_);
    collect_ = false;
  }
  if (a.diag.status == Status::ok) {
    auto read = [&](const std::string& name) -> bool {
      std::string buf = name;
      pvector_info vi = api_->vec_info(buf.data());
      if (!vi || vi->v_length < 0 || (!vi->v_realdata && !vi->v_compdata)) return false;
      std::vector<double> v(static_cast<size_t>(vi->v_length));
      for (size_t i = 0; i < v.size(); ++i)
        v[i] = vi->v_realdata ? vi->v_realdata[i] : vi->v_compdata[i].cx_real;
      a.vectors[name] = std::move(v);
      return true;
    };
    std::vector<std::string> missing, failed_meas;
    for (const auto& name : job.vectors)
      if (!read(name)) missing.push_back(name);
    for (const auto& m : job.measures) {
      const auto t = tokens(m);
      if (t.size() < 3 || !read(t[2])) failed_meas.push_back(t.size() >= 3 ? t[2] : m);
    }
    if (!missing.empty() || !failed_meas.empty()) {
      std::string msg;
      for (const auto& v : missing) msg += (msg.empty() ? "" : ", ") + ("'" + v + "'");
      if (!msg.empty()) {
        msg = "vector " + msg + " not found";
        std::string avail;
        if (char* plot = api_->cur_plot()) {
          if (char** names = api_->all_vecs(plot)) {
            int k = 0;
            for (; names[k] && k < 30; ++k) avail += std::string(avail.empty() ? "" : " ") + names[k];
            if (names[k]) avail += " ...";
          }
        }
        if (!avail.empty()) msg += " (the plot has: " + avail + ")";
      }
      for (const auto& m : failed_meas)
        msg += std::string(msg.empty() ? "" : "; ") + "measurement '" + m + "' failed";
      a.diag = {Status::sim_failed, msg, false};
    } else {
      for (const auto& [name, v] : a.vectors) {
        bool finite = true;
        for (double x : v) finite = finite && std::isfinite(x);
        if (!finite) {
          a.diag = {Status::sim_failed, "NaN or infinite values in '" + name + "'", true};
          break;
        }
      }
    }
  }

  // Clean up so that memory does not grow from job to job.
  command("remcirc");
  command("destroy all");
  sync();
  take_lines();
  if (a.diag.status != Status::ok) a.vectors.clear();
  a.stderr_lines = capped(std::move(a.stderr_lines));
  return a;
}

JobResult Session::run(const Job& job) {
  const auto t0 = Clock::now();
  JobResult res;
  res.name = job.name;
  if (exited_) {
    res.status = Status::sim_failed;
    res.message = "ngspice is unusable after an earlier controlled exit";
    return res;
  }
  if (uses_random_functions(job.netlist)) random_dirty_ = true;
  bool has_tran = false;
  for (const auto& c : job.commands) has_tran = has_tran || is_tran_command(c);

  Attempt first = attempt(job, job.netlist, job.commands);
  Attempt* final = &first;
  Attempt aided;
  if (first.diag.convergence && job.convergence_aids && !exited_) {
    for (const auto& aid : convergence_aids(has_tran)) {
      std::vector<std::string> cmds = job.commands;
      if (aid.gear_small_step)
        for (auto& c : cmds) c = with_small_max_step(c);
      res.aids_tried.push_back(aid.name);
      aided = attempt(job, insert_before_end(job.netlist, aid.options), cmds);
      if (aided.diag.status == Status::ok) {
        res.aid = aid.name;
        final = &aided;
        break;
      }
      if (!aided.diag.convergence || exited_) break;
    }
  }

  res.status = final->diag.status;
  res.vectors = std::move(final->vectors);
  if (res.ok()) {
    res.stderr_lines = final->stderr_lines;
  } else {
    // Report the original failure: the aids change the netlist, the user wrote the first one.
    res.message = first.diag.message;
    if (!res.aids_tried.empty()) {
      res.message += " (convergence aids tried: ";
      for (size_t i = 0; i < res.aids_tried.size(); ++i)
        res.message += (i ? ", " : "") + res.aids_tried[i];
      res.message += ")";
    }
    if (exited_) res.message += " [ngspice stopped: controlled exit]";
    res.stderr_lines = first.stderr_lines;
  }
  res.wall_s = res.sim_s = std::chrono::duration<double>(Clock::now() - t0).count();
  return res;
}

}  // namespace cimchar::spice
