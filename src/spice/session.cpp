#include "spice/session.hpp"

#include <dlfcn.h>
#include <ngspice/sharedspice.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "core/error.hpp"
#include "spice/analysis_size.hpp"

namespace cimchar::spice {

struct Session::Api {
  int (*init)(SendChar*, SendStat*, ControlledExit*, SendData*, SendInitData*, BGThreadRunning*,
              void*) = nullptr;
  int (*command)(char*) = nullptr;
  int (*circ)(char**) = nullptr;
  pvector_info (*vec_info)(char*) = nullptr;
};

namespace {

int cb_char(char* s, int, void* user) {
  static_cast<Session*>(user)->on_char(s);
  return 0;
}
int cb_stat(char* s, int, void* user) {
  static_cast<Session*>(user)->on_stat(s);
  return 0;
}
int cb_exit(int status, NG_BOOL, NG_BOOL, int, void* user) {
  static_cast<Session*>(user)->on_exit(status);
  return 0;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool contains(const std::string& hay, const char* needle) { return hay.find(needle) != std::string::npos; }

// Markers of a netlist that ngspice could not read (its return codes say 0 regardless).
bool is_parse_error(const std::string& l) {
  const std::string s = lower(l);
  if (contains(s, "gmin") || contains(s, "source step") || contains(s, "singular")) return false;
  return contains(s, "error") || contains(s, "undefined parameter") ||
         contains(s, "can't find model") || contains(s, "cannot compute substitute") ||
         contains(s, "unknown subckt") || contains(s, "unknown device") ||
         contains(s, "could not find") || contains(s, "not parsed") ||
         contains(s, "no such") || contains(s, "unknown model") || contains(s, "syntax");
}

// Markers of a simulation that did not converge or whose answer cannot be trusted.
bool is_sim_failure(const std::string& l) {
  const std::string s = lower(l);
  // "Transient op started": every DC method failed and ngspice fell back to a short transient,
  // whose end point it reports as the operating point (measured wrong by far in circuits with
  // no operating point); treated as a failure so that the aids run.
  return contains(s, "timestep too small") || contains(s, "singular matrix") ||
         contains(s, "transient op started") ||
         contains(s, "no convergence") || contains(s, "simulation(s) aborted") ||
         contains(s, "transient solution failed") || contains(s, "iteration limit reached") ||
         contains(s, "too many iterations") || (contains(s, "error") && !contains(s, "reltol"));
}

struct Aid {
  const char* name;
  const char* options;  // inserted before .end
  bool small_step;      // add a max step to tran commands
};
const Aid kAids[] = {
    {"none", "", false},
    {"gmin and source stepping", ".options gminsteps=100 srcsteps=100 itl1=1000 itl2=500 itl4=100", false},
    {"gear integration and a max step of (tstop-tstart)/1e4",
     ".options gminsteps=100 srcsteps=100 itl1=1000 itl4=200 method=gear", true},
    {"relaxed tolerances (reltol 3e-3, vntol 1e-5) with gear and max step",
     ".options gminsteps=100 srcsteps=100 itl1=1000 itl4=500 method=gear reltol=3e-3 vntol=1e-5 "
     "abstol=1e-10",
     true},
};

// "tran tstep tstop [tstart [tmax]] [uic]" with tmax set to (tstop - tstart)/1e4 when absent.
std::string with_max_step(const std::string& cmd) {
  std::istringstream in(cmd);
  std::vector<std::string> tok;
  for (std::string t; in >> t;) tok.push_back(t);
  if (tok.empty() || lower(tok[0]) != "tran" || tok.size() < 3) return cmd;
  bool uic = lower(tok.back()) == "uic";
  if (uic) tok.pop_back();
  if (tok.size() >= 5) return cmd;  // user gave tmax
  const double tstop = spice_number(tok[2]);
  const double tstart = tok.size() >= 4 ? spice_number(tok[3]) : 0.0;
  if (!std::isfinite(tstop - tstart)) return cmd;  // ngspice names the bad argument
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", (tstop - tstart) / 1e4);
  std::string out = tok[0] + " " + tok[1] + " " + tok[2] + " " + (tok.size() >= 4 ? tok[3] : "0") +
                    " " + buf;
  return uic ? out + " uic" : out;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
    lines.push_back(l);
  }
  return lines;
}

// The offending netlist line when ngspice names it ("Netlist line no. 5:").
std::string offending_line(const std::vector<std::string>& err, const std::vector<std::string>& net) {
  for (const auto& e : err) {
    auto p = e.find("line no.");
    if (p == std::string::npos) continue;
    int n = std::atoi(e.c_str() + p + 8);
    if (n >= 1 && static_cast<size_t>(n) <= net.size())
      return "line " + std::to_string(n) + ": " + net[static_cast<size_t>(n) - 1];
  }
  return "";
}

}  // namespace

std::string resolve_library(const std::string& library) {
  if (!library.empty()) return library;
  if (const char* env = std::getenv("CIMCHAR_NGSPICE"); env && *env) return env;
  return "libngspice.so.0";
}

std::string solver_options_line(const NgspiceInfo& info) { return info.klu ? ".options klu" : ""; }

int aid_count() { return static_cast<int>(std::size(kAids)); }
const char* aid_name(int aid) { return kAids[aid].name; }

Session::Session(const std::string& library) : api_(new Api) {
  info_.library = resolve_library(library);
  handle_ = ::dlopen(info_.library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle_) {
    const char* e = ::dlerror();
    throw SpiceError("(none)", "cannot load ngspice library '" + info_.library + "': " + (e ? e : ""));
  }
  api_->init = reinterpret_cast<decltype(api_->init)>(::dlsym(handle_, "ngSpice_Init"));
  api_->command = reinterpret_cast<decltype(api_->command)>(::dlsym(handle_, "ngSpice_Command"));
  api_->circ = reinterpret_cast<decltype(api_->circ)>(::dlsym(handle_, "ngSpice_Circ"));
  api_->vec_info = reinterpret_cast<decltype(api_->vec_info)>(::dlsym(handle_, "ngGet_Vec_Info"));
  if (!api_->init || !api_->command || !api_->circ || !api_->vec_info)
    throw SpiceError("(none)", "'" + info_.library + "' lacks the ngspice shared-library API");
  capture_all_ = true;
  api_->init(cb_char, cb_stat, cb_exit, nullptr, nullptr, nullptr, this);
  command("version -f");
  capture_all_ = false;
  for (const auto& l : out_) {
    auto p = l.find("ngspice-");
    if (p != std::string::npos && info_.version.empty()) {
      auto e = l.find_first_of(" :", p);
      info_.version = l.substr(p, e == std::string::npos ? std::string::npos : e - p);
    }
    if (contains(l, "KLU")) info_.klu = true;
  }
  if (::dlsym(handle_, "klu_factor") || ::dlsym(handle_, "klu_l_factor")) info_.klu = true;
  // One thread per worker: the pool's workers are the parallelism. Debian's ngspice evaluates
  // BSIM4 with OpenMP, whose threads in every worker spin against each other on a loaded
  // machine (measured: an 8-cycle StrongARM transient 7.4 s against 0.08 s, a one-transistor DC
  // sweep 0.86 s against 0.19 s; bench/RESULTS.md).
  command("set num_threads=1");
  out_.clear();
  err_.clear();
}

Session::~Session() {
  // Unloading a library that hit ControlledExit is what ngspice asks for; otherwise the worker
  // process exits and the OS reclaims everything, which is faster and safer than dlclose.
  delete api_;
}

void Session::on_char(const char* line) {
  if (!line) return;
  std::string s(line);
  if (s.rfind("stderr ", 0) == 0) err_.push_back(s.substr(7));
  else if (s.rfind("stdout ", 0) == 0) out_.push_back(s.substr(7));
  else out_.push_back(s);
}

void Session::on_stat(const char* status) {
  if (!status || !progress_) return;
  const size_t n = std::min<size_t>(err_.size(), 3);
  progress_(status, std::vector<std::string>(err_.end() - static_cast<long>(n), err_.end()));
}

void Session::on_exit(int) { broken_ = true; }

int Session::command(const std::string& cmd) {
  std::string c = cmd;
  return api_->command(c.data());
}

// `setseed` reseeds the generator behind agauss/aunif/gauss (measured: same seed, same draws;
// `set rndseed` after start-up changed nothing in ngspice 39). trnoise/trrandom sources keep
// their own state and are not reproducible between jobs in this version.
void Session::set_seed(uint64_t seed) {
  command("setseed " + std::to_string(seed % 2147483646 + 1));
}

void Session::cleanup() {
  if (broken_) return;
  command("remcirc");
  command("destroy all");
}

void Session::analyse(const Job& job, int aid, const std::string& suffix, JobResult& r) {
  const size_t after_load = err_.size();
  for (const auto& cmd : job.commands) {
    command(kAids[aid].small_step ? with_max_step(cmd) : cmd);
    if (broken_) break;
  }
  for (const auto& m : job.measures) command(m);
  for (size_t i = after_load; i < err_.size(); ++i) {
    if (is_sim_failure(err_[i])) {
      r.status = Status::sim_failed;
      const std::string s = lower(err_[i]);
      auto p = s.find("check node");
      r.message = p != std::string::npos
                      ? "singular matrix: node '" + std::string(err_[i].substr(p + 10)) +
                            "' is floating or connected only through capacitors/current sources"
                      : "simulation failed: " + err_[i];
      break;
    }
  }
  if (broken_ && r.status == Status::ok) {
    r.status = Status::sim_failed;
    r.message = "ngspice stopped (ControlledExit)";
  }
  if (r.status == Status::ok) {
    auto fetch = [&](const std::string& name) -> bool {
      std::vector<std::string> tries = {name};
      const std::string ln = lower(name);
      if (ln.size() > 3 && ln.rfind("v(", 0) == 0 && ln.back() == ')')
        tries.push_back(name.substr(2, name.size() - 3));
      if (ln.size() > 3 && ln.rfind("i(", 0) == 0 && ln.back() == ')')
        tries.push_back(name.substr(2, name.size() - 3) + "#branch");
      for (auto t : tries) {
        pvector_info vi = api_->vec_info(t.data());
        if (!vi || vi->v_length <= 0) continue;
        std::vector<double> v(static_cast<size_t>(vi->v_length));
        for (int k = 0; k < vi->v_length; ++k)
          v[static_cast<size_t>(k)] = vi->v_realdata ? vi->v_realdata[k] : vi->v_compdata[k].cx_real;
        r.vectors[name + suffix] = std::move(v);
        return true;
      }
      return false;
    };
    std::vector<std::string> wanted = job.vectors;
    for (const auto& m : job.measures) wanted.push_back(measure_name(m));
    for (const auto& name : wanted) {
      if (!fetch(name)) {
        r.status = Status::sim_failed;
        r.message = "vector '" + name + "' was not produced";
        break;
      }
      for (double x : r.vectors[name + suffix])
        if (!std::isfinite(x)) {
          r.status = Status::sim_failed;
          r.message = "vector '" + name + "' contains NaN or Inf";
          break;
        }
      if (!r.ok()) break;
    }
  }
}

JobResult Session::attempt(const Job& job, int aid) {
  JobResult r;
  out_.clear();
  err_.clear();
  auto lines = split_lines(job.netlist);
  // Convergence aids and KLU go just before `.end`.
  std::vector<std::string> extra;
  if (kAids[aid].options[0]) extra.emplace_back(kAids[aid].options);
  if (const std::string klu = solver_options_line(info_); !klu.empty()) extra.push_back(klu);
  size_t end_at = lines.size();
  for (size_t i = 0; i < lines.size(); ++i)
    if (lower(lines[i]).rfind(".end", 0) == 0 && lower(lines[i]).rfind(".ends", 0) != 0) end_at = i;
  lines.insert(lines.begin() + static_cast<long>(end_at), extra.begin(), extra.end());
  if (end_at == lines.size() - extra.size()) lines.emplace_back(".end");

  set_seed(job.seed);
  std::vector<char*> argv;
  for (auto& l : lines) argv.push_back(l.data());
  argv.push_back(nullptr);
  api_->circ(argv.data());
  std::vector<std::string> load_err;
  for (const auto& e : err_)
    if (is_parse_error(e)) load_err.push_back(e);
  if (broken_ || !load_err.empty()) {
    r.status = Status::bad_netlist;
    std::string where = offending_line(err_, split_lines(job.netlist));
    if (where.empty()) {  // line 0: inside an included file; name the includes
      for (const auto& l : split_lines(job.netlist))
        if (lower(l).rfind(".include", 0) == 0 || lower(l).rfind(".lib", 0) == 0)
          where += (where.empty() ? "in an included file: " : ", ") + l.substr(l.find(' ') + 1);
    }
    r.message = "ngspice could not read the netlist" + (where.empty() ? "" : " (" + where + ")");
    r.stderr_lines = err_;
    if (!broken_) cleanup();
    return r;
  }
  if (job.alter_sets.empty()) {
    analyse(job, aid, "", r);
  } else {
    // One load, many samples: each set of commands (e.g. `alterparam p=v`) then `reset` and
    // the analyses; a failed sample is recorded and the next one goes on.
    for (size_t k = 0; k < job.alter_sets.size() && !broken_; ++k) {
      for (const auto& c : job.alter_sets[k]) command(c);
      command("reset");
      JobResult one;
      analyse(job, aid, "@" + std::to_string(k), one);
      r.sample_errors.push_back(one.ok() ? "" : one.message);
      for (auto& [name, v] : one.vectors) r.vectors[name] = std::move(v);
      command("destroy all");
    }
    if (broken_) {
      r.status = Status::sim_failed;
      r.message = "ngspice stopped (ControlledExit)";
    }
  }
  r.stderr_lines = err_;
  cleanup();
  return r;
}

JobResult Session::run(const Job& job) {
  const auto t0 = std::chrono::steady_clock::now();
  JobResult r = attempt(job, 0);
  // Aids help convergence; a missing vector or NaN will not be cured by them.
  const bool convergence = r.message.rfind("simulation failed", 0) == 0 ||
                           r.message.rfind("singular matrix", 0) == 0;
  if (r.status == Status::sim_failed && convergence && job.convergence_aids && !broken_) {
    std::vector<std::string> first_err = r.stderr_lines;
    const std::string first_msg = r.message;
    for (int aid = 1; aid < aid_count() && !broken_; ++aid) {
      r = attempt(job, aid);
      if (r.ok()) {
        r.aid = kAids[aid].name;
        break;
      }
      if (r.status != Status::sim_failed) break;
    }
    if (!r.ok() && r.status == Status::sim_failed) {
      r.message = first_msg + " (also after the convergence aids: gmin/source stepping, gear "
                              "with a smaller max step, relaxed tolerances)";
    }
  }
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

const char* to_string(Status s) {
  switch (s) {
    case Status::ok: return "ok";
    case Status::sim_failed: return "simulation failed";
    case Status::bad_netlist: return "bad netlist";
    case Status::crashed: return "worker crashed";
    case Status::timeout: return "timed out";
  }
  return "?";
}

const std::vector<double>& JobResult::vec(const std::string& job_name, const std::string& v) const {
  auto it = vectors.find(v);
  if (it == vectors.end()) throw SpiceError(job_name, "no vector '" + v + "' in the result");
  return it->second;
}

void JobResult::throw_if_failed(const std::string& job_name) const {
  if (ok()) return;
  std::vector<std::string> tail(stderr_lines.end() - std::min<size_t>(stderr_lines.size(), 8),
                                stderr_lines.end());
  throw SpiceError(job_name, std::string(to_string(status)) + ": " + message, tail,
                   status == Status::bad_netlist);
}

}  // namespace cimchar::spice
