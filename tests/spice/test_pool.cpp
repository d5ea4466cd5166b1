// The worker pool against analytic circuits: a divider, an RC step response and a `meas`
// crossing time; seeds; memory over 1,000 jobs in one worker.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "spice/pool.hpp"
#include "spice/session.hpp"

using namespace cimchar::spice;

namespace {
PoolOptions quiet(int workers) {
  PoolOptions o;
  o.workers = workers;
  o.progress = false;
  o.default_timeout_s = 30;
  return o;
}

Job divider(double r1, double r2) {
  Job j;
  j.name = "divider";
  j.netlist = "divider\nv1 in 0 1.0\nr1 in out " + std::to_string(r1) + "\nr2 out 0 " +
              std::to_string(r2) + "\n.end\n";
  j.commands = {"op"};
  j.vectors = {"v(out)", "i(v1)"};
  return j;
}

long rss_kb(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}
}  // namespace

TEST(Pool, DividerMatchesAnalytic) {
  WorkerPool pool(quiet(2));
  std::vector<Job> jobs;
  for (int k = 1; k <= 8; ++k) jobs.push_back(divider(1000.0 * k, 3000.0));
  auto res = pool.run(jobs);
  for (int k = 1; k <= 8; ++k) {
    const auto& r = res[static_cast<size_t>(k - 1)];
    ASSERT_TRUE(r.ok()) << r.message;
    const double expect = 3000.0 / (1000.0 * k + 3000.0);
    EXPECT_NEAR(r.vec("divider", "v(out)")[0], expect, 1e-9 * expect);
    // ngspice's source current flows into the + terminal: negative when delivering power.
    EXPECT_NEAR(r.vec("divider", "i(v1)")[0], -1.0 / (1000.0 * k + 3000.0), 1e-12);
  }
  const auto info = pool.info();
  EXPECT_NE(info.version.find("ngspice-"), std::string::npos) << info.version;
}

TEST(Pool, RcStepAndMeasMatchAnalytic) {
  // R = 1 kOhm, C = 1 nF: tau = 1 us. v(out) = 1 - exp(-t/tau); crosses 0.5 at tau*ln 2.
  Job j;
  j.name = "rc";
  j.netlist = "rc\nv1 in 0 pwl(0 0 1p 1)\nr1 in out 1k\nc1 out 0 1n ic=0\n.end\n";
  j.commands = {"tran 10n 5u 0 10n uic"};
  j.vectors = {"time", "v(out)"};
  j.measures = {"meas tran t_half when v(out)=0.5 rise=1"};
  WorkerPool pool(quiet(1));
  auto r = pool.run_one(j);
  ASSERT_TRUE(r.ok()) << r.message;
  const auto& t = r.vec("rc", "time");
  const auto& v = r.vec("rc", "v(out)");
  double worst = 0;
  for (size_t k = 0; k < t.size(); ++k)
    if (t[k] > 0.1e-6) worst = std::max(worst, std::abs(v[k] - (1 - std::exp(-t[k] / 1e-6))));
  // Trapezoidal integration with a 10 ns step: local error well under 1 mV of the 1 V step.
  EXPECT_LT(worst, 1e-3);
  EXPECT_NEAR(r.vec("rc", "t_half")[0], 1e-6 * std::log(2.0), 0.003 * 1e-6 * std::log(2.0));
}

TEST(Pool, SeedsMakeRandomSourcesReproducible) {
  auto noisy = [](uint64_t seed) {
    Job j;
    j.name = "mc";
    j.netlist = "noise\n.param p1 = agauss(1, 0.1, 1)\n.param p2 = agauss(1, 0.1, 1)\n"
                "v1 a 0 {p1}\nv2 b 0 {p2}\nr1 a 0 1k\nr2 b 0 1k\n.end\n";
    j.commands = {"op"};
    j.vectors = {"v(a)", "v(b)"};
    j.seed = seed;
    return j;
  };
  WorkerPool pool(quiet(2));
  auto r = pool.run({noisy(5), noisy(5), noisy(6)});
  for (const auto& x : r) ASSERT_TRUE(x.ok()) << x.message;
  const double a = r[0].vec("n", "v(a)")[0], b = r[1].vec("n", "v(a)")[0];
  const double c = r[2].vec("n", "v(a)")[0];
  EXPECT_NE(a, 1.0);  // really drawn
  EXPECT_NE(a, r[0].vec("n", "v(b)")[0]);
  EXPECT_EQ(a, b);    // same seed, same draw, whichever worker ran it
  EXPECT_NE(a, c);
}

TEST(Pool, MemoryDoesNotGrowOver1000Jobs) {
#if defined(__SANITIZE_ADDRESS__)
  // ASan keeps freed memory in its quarantine (256 MB by default): RSS measures that, not us.
  GTEST_SKIP() << "RSS growth is not measurable under AddressSanitizer (its quarantine)";
#endif
  WorkerPool pool(quiet(1));
  std::vector<Job> warm(50, divider(1000, 1000));
  pool.run(warm);
  const int pid = pool.worker_pids()[0];
  const long before = rss_kb(pid);
  std::vector<Job> jobs(1000, divider(1000, 2000));
  auto res = pool.run(jobs);
  for (const auto& r : res) ASSERT_TRUE(r.ok());
  ASSERT_EQ(pool.worker_pids()[0], pid);  // the same worker ran them all
  const long after = rss_kb(pid);
  // Measured with the cleanup after each job switched off: 9.8 MB -> 28 MB over these 1,000
  // jobs (and 8x slower); with remcirc + destroy all the growth stays within allocator noise.
  EXPECT_LT(after - before, 1024) << "RSS " << before << " kB -> " << after << " kB";
}

TEST(Pool, SpiceinitIsNotRead) {
  // A .spiceinit in the caller's folder that would change every result.
  const auto cwd = std::filesystem::current_path();
  const auto dir = std::filesystem::temp_directory_path() / "cimchar_spiceinit";
  std::filesystem::create_directories(dir);
  { std::ofstream(dir / ".spiceinit") << "* hostile\nset temp=200\noption gmin=1\n"; }
  std::filesystem::current_path(dir);
  setenv("HOME", dir.c_str(), 1);
  WorkerPool pool(quiet(1));
  auto r = pool.run_one(divider(1000, 1000));
  std::filesystem::current_path(cwd);
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_NEAR(r.vec("d", "v(out)")[0], 0.5, 1e-9);
}

// The ETA's weights: a job counts by its expected time (analysis points x cost x samples), so
// a sweep whose one long job is left is not "nearly done" because most jobs are.
TEST(Pool, ProgressWeighsJobsByTheirExpectedTime) {
  Job small, big, mc;
  small.commands = {"tran 1n 1u"};        // 10,000 points (at least span/1e4 steps)
  big.commands = {"tran 1n 100u"};        // 100,000 points
  big.cost = 5;                           // a BSIM4 circuit
  mc.commands = {"tran 1n 1u"};
  mc.alter_sets.assign(8, {"alterparam r=1k"});
  const double ws = job_work(small), wb = job_work(big), wm = job_work(mc);
  EXPECT_DOUBLE_EQ(wm, 8 * ws);
  EXPECT_NEAR(wb, 10 * 5 * ws, 1e-9 * wb);  // 10x the points at 5x the cost
  // Ten small jobs done and the big one half done: by count 10/11, by work much less.
  std::vector<double> weight(10, ws), part(10, 1.0);
  weight.push_back(wb);
  part.push_back(0.5);
  const double f = work_fraction(weight, part);
  EXPECT_NEAR(f, (10 * ws + 0.5 * wb) / (10 * ws + wb), 1e-12);
  EXPECT_LT(f, 0.6);  // 35 of 60 work units; by count it would be 10.5 of 11 (0.95)
  EXPECT_DOUBLE_EQ(work_fraction({}, {}), 1.0);
}
