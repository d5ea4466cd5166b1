// The worker pool: results against analytic solutions, and containment of crashes, hangs and
// ngspice's controlled exits. Crash tests use the worker's test hooks (CIMCHAR_SPICE_TEST_HOOKS).
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>

#include "core/error.hpp"
#include "spice/pool.hpp"
#include "spice/worker.hpp"

using namespace cimchar::spice;

namespace {

Job divider_job(double r2_ohm = 3e3) {
  Job j;
  j.name = "divider";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", r2_ohm);
  j.netlist = std::string("divider\nv1 in 0 1\nr1 in out 1k\nr2 out 0 ") + buf + "\n.end\n";
  j.commands = {"op"};
  j.vectors = {"v(out)"};
  return j;
}

double divider_analytic(double r2_ohm) { return r2_ohm / (1e3 + r2_ohm); }

PoolOptions quiet(int workers) {
  PoolOptions o;
  o.workers = workers;
  o.progress = false;
  return o;
}

Job hook_job(const char* hook) {
  Job j = divider_job();
  j.name = hook;
  j.commands = {hook};
  return j;
}

struct TestHooks {
  TestHooks() { ::setenv("CIMCHAR_SPICE_TEST_HOOKS", "1", 1); }
  ~TestHooks() { ::unsetenv("CIMCHAR_SPICE_TEST_HOOKS"); }
};

}  // namespace

TEST(Pool, DividerMatchesAnalytic) {
  WorkerPool pool(quiet(1));
  const JobResult r = pool.run_one(divider_job());
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_NEAR(r.vec("v(out)").at(0), 0.75, 0.75 * 1e-9);
  EXPECT_NE(r.worker_pid, ::getpid());
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(r.name, "divider");
}

TEST(Pool, SweepOnTwoWorkersDeliversEveryResult) {
  WorkerPool pool(quiet(2));
  std::vector<Job> jobs;
  for (int k = 0; k < 40; ++k) jobs.push_back(divider_job(100.0 * (k + 1)));
  std::vector<int> seen(jobs.size(), 0);
  const auto results =
      pool.run(jobs, [&](size_t i, const JobResult& r) { seen.at(i) += r.ok() ? 1 : 100; });
  std::set<int> pids;
  for (size_t k = 0; k < jobs.size(); ++k) {
    ASSERT_TRUE(results[k].ok()) << results[k].message;
    EXPECT_EQ(seen[k], 1);
    const double r2 = 100.0 * static_cast<double>(k + 1);
    EXPECT_NEAR(results[k].vec("v(out)").at(0), divider_analytic(r2), 1e-9);
    pids.insert(results[k].worker_pid);
  }
  EXPECT_EQ(pids.size(), 2u);  // both workers took part
  // Workers are reused across run() calls.
  const auto before = pool.worker_pids();
  pool.run(jobs);
  EXPECT_EQ(pool.worker_pids(), before);
}

TEST(Pool, InfoAndSolverLine) {
  WorkerPool pool(quiet(1));
  const NgspiceInfo info = pool.info();
  EXPECT_EQ(info.version.rfind("ngspice-", 0), 0u) << info.version;
  EXPECT_EQ(info.library, "libngspice.so.0");
  if (info.version == "ngspice-39") {
    // Debian 12's ngspice 39 is built without KLU (docs/spice.md, NGSPICE-NOTES.md).
    EXPECT_FALSE(info.klu);
  }
  EXPECT_EQ(solver_options_line(info), info.klu ? ".options klu" : "");
  NgspiceInfo with_klu = info;
  with_klu.klu = true;
  EXPECT_EQ(solver_options_line(with_klu), ".options klu");
}

TEST(Pool, CrashIsReportedAndTheSweepGoesOn) {
  TestHooks hooks;
  WorkerPool pool(quiet(2));
  const std::vector<Job> jobs = {divider_job(1e3), hook_job("cimchar_test_abort"),
                                 divider_job(2e3), hook_job("cimchar_test_segv"),
                                 divider_job(3e3)};
  const auto r = pool.run(jobs);
  EXPECT_EQ(r[1].status, Status::crashed);
  EXPECT_EQ(r[1].attempts, 2);  // retried once
  EXPECT_NE(r[1].message.find("signal 6"), std::string::npos) << r[1].message;
  EXPECT_EQ(r[3].status, Status::crashed);
  EXPECT_NE(r[3].message.find("signal 11"), std::string::npos) << r[3].message;
  for (size_t k : {0u, 2u, 4u}) {
    ASSERT_TRUE(r[k].ok()) << r[k].message;
    EXPECT_EQ(r[k].attempts, 1);
  }
  EXPECT_NEAR(r[4].vec("v(out)").at(0), divider_analytic(3e3), 1e-9);
  // The pool still works afterwards with replaced workers.
  EXPECT_TRUE(pool.run_one(divider_job()).ok());
  EXPECT_THROW(r[1].throw_if_failed(), cimchar::SpiceError);
}

TEST(Pool, HangTimesOutAndTheSweepGoesOn) {
  WorkerPool pool(quiet(1));
  // 10^12 steps of 1 ps: a real ngspice run that would take days.
  Job hang = divider_job();
  hang.name = "endless_tran";
  hang.netlist = "endless\nv1 in 0 sin(0 1 1meg)\nr1 in out 1k\nc1 out 0 1n\n.end\n";
  hang.commands = {"tran 1p 1 0 1p"};
  hang.timeout_s = 0.5;
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = pool.run({divider_job(1e3), hang, divider_job(2e3)});
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(r[1].status, Status::timeout);
  EXPECT_EQ(r[1].attempts, 2);
  EXPECT_NE(r[1].message.find("timed out after 0.5 s"), std::string::npos) << r[1].message;
  EXPECT_TRUE(r[0].ok());
  ASSERT_TRUE(r[2].ok()) << r[2].message;
  EXPECT_NEAR(r[2].vec("v(out)").at(0), divider_analytic(2e3), 1e-9);
  EXPECT_LT(took, 10.0);  // not a timing assertion: a guard against waiting for the run to end
}

TEST(Pool, ControlledExitReplacesTheWorker) {
  // An undefined .param makes ngspice 39 call ControlledExit: the library is unusable after
  // that, so the worker leaves and the pool starts another one.
  WorkerPool pool(quiet(1));
  Job bad = divider_job();
  bad.name = "cell/undefined_param";
  bad.netlist = "undefined param\nv1 in 0 1\nr1 in out {rval}\nr2 out 0 1k\n.end\n";
  const auto r = pool.run({bad, divider_job()});
  EXPECT_EQ(r[0].status, Status::bad_netlist);
  EXPECT_NE(r[0].message.find("line 3: r1 in out {rval}: Undefined parameter [rval]"),
            std::string::npos)
      << r[0].message;
  EXPECT_EQ(r[0].attempts, 1);  // not a crash: no retry
  ASSERT_TRUE(r[1].ok()) << r[1].message;
  EXPECT_NE(r[1].worker_pid, r[0].worker_pid);
  try {
    r[0].throw_if_failed();
    FAIL();
  } catch (const cimchar::SpiceError& e) {
    EXPECT_TRUE(e.bad_input());
    EXPECT_NE(std::string(e.what()).find("cell/undefined_param"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("line 3"), std::string::npos);
  }
}

TEST(Pool, SpiceinitIsNotRead) {
  // A .spiceinit in the working directory and in $HOME that would break `op`.
  char tmpl[] = "/tmp/cimchar-test-spiceinit-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  std::ofstream(dir + "/.spiceinit") << "alias op echo cimchar-spiceinit-was-read\n";
  char cwd[4096];
  ASSERT_NE(::getcwd(cwd, sizeof cwd), nullptr);
  const std::string old_home = std::getenv("HOME") ? std::getenv("HOME") : "";
  ::setenv("HOME", dir.c_str(), 1);
  ASSERT_EQ(::chdir(dir.c_str()), 0);
  JobResult r;
  {
    WorkerPool pool(quiet(1));
    r = pool.run_one(divider_job());
  }
  ASSERT_EQ(::chdir(cwd), 0);
  ::setenv("HOME", old_home.c_str(), 1);
  std::remove((dir + "/.spiceinit").c_str());
  ::rmdir(dir.c_str());
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_NEAR(r.vec("v(out)").at(0), 0.75, 1e-9);
}

TEST(Pool, SyntaxErrorNamesNetlistAndLine) {
  WorkerPool pool(quiet(1));
  Job j = divider_job();
  j.name = "cell/read";
  j.netlist = "bad\nv1 in 0 1\nr1 in out 1k\nr2 out 0 3k foo\n.end\n";
  const JobResult r = pool.run_one(j);
  EXPECT_EQ(r.status, Status::bad_netlist);
  EXPECT_NE(r.describe().find("netlist 'cell/read': bad_netlist: line 4: r2 out 0 3k foo"),
            std::string::npos)
      << r.describe();
}

namespace {
// Three resistors drawn with agauss at parse time.
Job agauss_job(uint64_t seed) {
  Job j;
  j.name = "mc_agauss";
  j.netlist =
      "monte carlo\n.param ra=agauss(1k,100,1) rb=agauss(1k,100,1) rc=agauss(1k,100,1)\n"
      "v1 in 0 1\nr1 in out {ra}\nr2 out 0 {rb}\nr3 out 0 {rc}\n.end\n";
  j.commands = {"op"};
  j.vectors = {"v(out)"};
  j.seed = seed;
  return j;
}
// A Gaussian random source sampled every 10 ns (trrandom type 2: sigma 1 mV).
Job trrandom_job(uint64_t seed) {
  Job j;
  j.name = "mc_trrandom";
  j.netlist = "noise\nv1 in 0 dc 0 trrandom(2 10n 0 1m 0)\nr1 in 0 1k\n.end\n";
  j.commands = {"tran 1n 200n"};
  j.vectors = {"v(in)"};
  j.seed = seed;
  return j;
}
}  // namespace

TEST(Pool, SeedsAreReproducible) {
  WorkerPool pool(quiet(1));
  for (auto make : {agauss_job, trrandom_job}) {
    const auto r = pool.run({make(5), make(5), make(6), make(5)});
    for (const auto& x : r) ASSERT_TRUE(x.ok()) << x.message;
    const std::string v = r[0].vectors.begin()->first;
    EXPECT_EQ(r[0].vec(v), r[1].vec(v)) << r[0].name;
    EXPECT_EQ(r[0].vec(v), r[3].vec(v)) << r[0].name;
    EXPECT_NE(r[0].vec(v), r[2].vec(v)) << r[0].name;
    // A fresh pool (other processes) gives the same numbers.
    WorkerPool other(quiet(1));
    EXPECT_EQ(other.run_one(make(5)).vec(v), r[0].vec(v)) << r[0].name;
  }
}

TEST(Pool, BadLibraryIsReportedAsBadInput) {
  PoolOptions o = quiet(1);
  o.library = "/nonexistent/libngspice.so";
  WorkerPool pool(o);
  try {
    pool.run_one(divider_job());
    FAIL();
  } catch (const cimchar::SpiceError& e) {
    EXPECT_TRUE(e.bad_input());
    EXPECT_NE(std::string(e.what()).find("/nonexistent/libngspice.so"), std::string::npos);
  }
}

TEST(Pool, LibraryFromEnvironment) {
  ::setenv("CIMCHAR_NGSPICE", "/elsewhere/libngspice.so", 1);
  EXPECT_EQ(resolve_library(""), "/elsewhere/libngspice.so");
  EXPECT_EQ(resolve_library("/opt/x.so"), "/opt/x.so");
  ::unsetenv("CIMCHAR_NGSPICE");
  EXPECT_EQ(resolve_library(""), "libngspice.so.0");
}

TEST(Pool, OptionsAreValidated) {
  PoolOptions o;
  o.workers = -1;
  EXPECT_THROW(WorkerPool{o}, cimchar::ConfigError);
  o = PoolOptions{};
  o.default_timeout_s = 0;
  EXPECT_THROW(WorkerPool{o}, cimchar::ConfigError);
}
