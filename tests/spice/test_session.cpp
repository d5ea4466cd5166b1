// ngspice run in-process through Session, against analytic circuit solutions.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include "spice/session.hpp"

using namespace cimchar::spice;

namespace {

// A .spiceinit that would break every job ("op" becomes an echo) if ngspice read it.
constexpr const char* kBreakingInit = "alias op echo cimchar-spiceinit-was-read\n";

// One Session per process (libngspice is global state). It is created with a breaking
// .spiceinit both in the working directory and in $HOME, so every test below also checks
// that neither is read.
Session& session() {
  static std::unique_ptr<Session> s = [] {
    char tmpl[] = "/tmp/cimchar-test-spiceinit-XXXXXX";
    const std::string dir = ::mkdtemp(tmpl);
    std::ofstream(dir + "/.spiceinit") << kBreakingInit;
    char cwd[4096];
    EXPECT_NE(::getcwd(cwd, sizeof cwd), nullptr);
    const char* home = std::getenv("HOME");
    const std::string old_home = home ? home : "";
    ::setenv("HOME", dir.c_str(), 1);
    EXPECT_EQ(::chdir(dir.c_str()), 0);
    auto made = std::make_unique<Session>();
    EXPECT_EQ(::chdir(cwd), 0);
    ::setenv("HOME", old_home.c_str(), 1);
    std::remove((dir + "/.spiceinit").c_str());
    ::rmdir(dir.c_str());
    return made;
  }();
  return *s;
}

Job divider_job() {
  Job j;
  j.name = "divider";
  j.netlist = "divider\nv1 in 0 1\nr1 in out 1k\nr2 out 0 3k\n.end\n";
  j.commands = {"op"};
  j.vectors = {"v(out)", "i(v1)"};
  return j;
}

}  // namespace

TEST(Session, DividerMatchesAnalytic) {
  const JobResult r = session().run(divider_job());
  ASSERT_TRUE(r.ok()) << r.message;
  // V(out) = 1 V * 3k / (1k + 3k); I(v1) = -1 V / 4k (current into the + terminal).
  EXPECT_NEAR(r.vec("v(out)").at(0), 0.75, 0.75 * 1e-9);
  EXPECT_NEAR(r.vec("i(v1)").at(0), -0.25e-3, 0.25e-3 * 1e-9);
  EXPECT_TRUE(r.aid.empty());
}

TEST(Session, InfoComesFromTheLibrary) {
  const NgspiceInfo& i = session().info();
  EXPECT_EQ(i.version.rfind("ngspice-", 0), 0u) << i.version;
  EXPECT_FALSE(i.build_date.empty());
}

TEST(Session, SyntaxErrorNamesTheLine) {
  Job j = divider_job();
  j.netlist = "bad\nv1 in 0 1\nr1 in out 1k\nr2 out 0 3k foo\n.end\n";
  const JobResult r = session().run(j);
  EXPECT_EQ(r.status, Status::bad_netlist);
  EXPECT_NE(r.message.find("line 4: r2 out 0 3k foo"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("unknown parameter (foo)"), std::string::npos) << r.message;
  EXPECT_FALSE(r.stderr_lines.empty());
  // The session is still usable afterwards.
  EXPECT_TRUE(session().run(divider_job()).ok());
}

namespace {
Job rc_job() {
  Job j;
  j.name = "rc";
  // R = 1 kOhm, C = 1 nF: tau = 1 us. The capacitor starts at 0 V (uic), the source is 1 V.
  j.netlist = "rc step\nv1 in 0 1\nr1 in out 1k\nc1 out 0 1n ic=0\n.end\n";
  j.commands = {"tran 10n 5u uic"};
  j.vectors = {"time", "v(out)"};
  j.measures = {"meas tran t_half when v(out)=0.5 rise=1"};
  return j;
}
}  // namespace

TEST(Session, RcTransientMatchesExponential) {
  const JobResult r = session().run(rc_job());
  ASSERT_TRUE(r.ok()) << r.message;
  const auto& t = r.vec("time");
  const auto& v = r.vec("v(out)");
  ASSERT_EQ(t.size(), v.size());
  ASSERT_GT(t.size(), 100u);
  double worst = 0;
  for (size_t k = 0; k < t.size(); ++k)
    worst = std::max(worst, std::abs(v[k] - (1 - std::exp(-t[k] / 1e-6))));
  // ngspice's time-step control aims at reltol = 1e-3 of the signal; measured with Debian's
  // ngspice 39: 2.9e-6 V. The bound is 10x tighter than reltol and 30x above the measurement.
  EXPECT_LT(worst, 1e-4);
  // `meas` interpolates linearly between time points: v = 0.5 V at t = tau ln 2.
  // Measured: 8.7e-6 relative; bound 1e-4.
  const double t_half = r.vec("t_half").at(0);
  EXPECT_NEAR(t_half, 1e-6 * std::log(2.0), 1e-6 * std::log(2.0) * 1e-4);
}

TEST(Session, FloatingNodeIsAFailure) {
  // c1/r2 hang from node "fl" with no DC path to ground: ngspice warns "singular matrix",
  // then returns a number anyway.
  Job j = divider_job();
  j.name = "floating";
  j.netlist = "floating\nv1 in 0 1\nr1 in out 1k\nr2 out 0 3k\nc1 fl 0 1p\nr3 fl x 1k\n.end\n";
  j.vectors = {"v(fl)"};
  const JobResult r = session().run(j);
  EXPECT_EQ(r.status, Status::sim_failed);
  EXPECT_NE(r.message.find("singular matrix at node 'fl'"), std::string::npos) << r.message;
  EXPECT_TRUE(r.vectors.empty());
}

TEST(Session, CircuitWithoutOperatingPointFailsAfterAids) {
  // v(out) = 1 when v(out) <= 0.5, else 0: no DC solution exists.
  Job j = divider_job();
  j.name = "no_solution";
  j.netlist = "no solution\nb1 out 0 v=v(out) > 0.5 ? 0 : 1\nr1 out 0 1k\n.end\n";
  const JobResult r = session().run(j);
  EXPECT_EQ(r.status, Status::sim_failed);
  EXPECT_EQ(r.aids_tried, (std::vector<std::string>{"gmin_src_stepping", "more_iterations"}));
  EXPECT_TRUE(r.aid.empty());
  EXPECT_NE(r.message.find("convergence aids tried"), std::string::npos) << r.message;
  // Same circuit in a transient: the transient aid is tried too.
  j.commands = {"tran 1n 1u"};
  const JobResult t = session().run(j);
  EXPECT_EQ(t.status, Status::sim_failed);
  EXPECT_EQ(t.aids_tried.size(), 3u);
  EXPECT_EQ(t.aids_tried.back(), "gear_small_step");
}

namespace {
// Diode-like B-source I = Is (exp(V/Vt) - 1) fed from 5 V through 10 Ohm. Solved here by
// bisection on 5 = V + 10 Is (exp(V/Vt) - 1).
double exp_diode_voltage() {
  double lo = 0, hi = 5;
  for (int k = 0; k < 200; ++k) {
    const double v = 0.5 * (lo + hi);
    (v + 10 * 1e-15 * std::expm1(v / 0.025) > 5 ? hi : lo) = v;
  }
  return 0.5 * (lo + hi);
}
}  // namespace

TEST(Session, ConvergenceAidRescuesAJob) {
  // The netlist switches gmin and source stepping off itself, so ngspice falls back to a
  // transient "operating point", which is not a DC solution (off by 6e-6 relative here). The
  // first aid turns stepping back on and finds the true one.
  Job j = divider_job();
  j.name = "exp_diode";
  j.netlist =
      "exp diode\nv1 in 0 5\nr1 in a 10\nb1 a 0 i=1e-15*(exp(v(a)/0.025)-1)\n"
      ".options gminsteps=0 srcsteps=0\n.end\n";
  j.vectors = {"v(a)"};
  const JobResult r = session().run(j);
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.aid, "gmin_src_stepping");
  // Newton converged to vntol (1e-6 V) / reltol (1e-3 of the branch currents).
  EXPECT_NEAR(r.vec("v(a)").at(0), exp_diode_voltage(), 1e-6);

  j.convergence_aids = false;
  EXPECT_EQ(session().run(j).status, Status::sim_failed);
}

TEST(Session, MissingVectorIsReported) {
  Job j = divider_job();
  j.vectors = {"v(nosuch)"};
  const JobResult r = session().run(j);
  EXPECT_EQ(r.status, Status::sim_failed);
  EXPECT_NE(r.message.find("'v(nosuch)' not found"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("out"), std::string::npos) << r.message;  // lists what exists
}

TEST(Session, UnknownCommandIsBadInput) {
  Job j = divider_job();
  j.commands = {"tarn 1n 1u"};
  const JobResult r = session().run(j);
  EXPECT_EQ(r.status, Status::bad_netlist);
  EXPECT_NE(r.message.find("tarn"), std::string::npos) << r.message;
}
