// Monte Carlo engine: per-sample results against the analytic divider, identical across
// worker counts and between alterparam and re-parse, failed samples recorded, and a torn
// journal resumed without recomputing what finished.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>

#include "core/units.hpp"
#include "flows/monte_carlo.hpp"

using namespace cimchar;

namespace {


flows::McSpec divider_spec(size_t n, bool reparse) {
  flows::McSpec s;
  s.name = "mc divider";
  s.params = {"r2v", "bad"};
  s.nominal = {1000.0, 0.0};
  s.render = [](const std::vector<double>& v) {
    return "mc divider\n.param r2v=" + netlist_number(v[0]) + "\n.param bad=" + netlist_number(v[1]) +
           "\nv1 in 0 1\nr1 in out 1k\nr2 out 0 {r2v}\n"
           // With bad > 0.5 this node has no operating point: v(n) = (v(n) > 0.5 ? 0 : 1).
           "b1 n 0 v = {bad} > 0.5 ? (v(n) > 0.5 ? 0 : 1) : 0.3\nrn n 0 1k\n.end\n";
  };
  s.commands = {"op"};
  s.vectors = {"v(out)"};
  s.samples = n;
  s.seed = 11;
  s.draw = [](size_t i, std::mt19937_64& rng) {
    std::normal_distribution<double> r(1000.0, 50.0);
    return std::vector<double>{r(rng), i == 3 ? 1.0 : 0.0};
  };
  s.reparse = reparse;
  s.samples_per_job = 16;
  return s;
}

spice::PoolOptions quiet(int w) {
  spice::PoolOptions o;
  o.workers = w;
  o.progress = false;
  return o;
}

}  // namespace

TEST(MonteCarlo, MatchesAnalyticAndIsIndependentOfWorkersAndMode) {
  spice::WorkerPool one(quiet(1)), two(quiet(2));
  auto a = flows::run_monte_carlo(two, divider_spec(120, false), "", false);
  auto b = flows::run_monte_carlo(one, divider_spec(120, true), "", false);
  for (size_t i = 0; i < 120; ++i) {
    EXPECT_EQ(a.params[i * 2], b.params[i * 2]);  // same stream per sample
    if (i == 3) {
      EXPECT_EQ(a.failed[i], 1);
      EXPECT_EQ(b.failed[i], 1);
      EXPECT_FALSE(a.messages[i].empty());
      continue;
    }
    ASSERT_EQ(a.failed[i], 0) << a.messages[i];
    const double r2 = a.params[i * 2];
    EXPECT_NEAR(a.values[i], r2 / (1000.0 + r2), 1e-9);
    EXPECT_NEAR(a.values[i], b.values[i], 1e-12);
  }
}

TEST(MonteCarlo, TornJournalResumes) {
  const auto dir = std::filesystem::temp_directory_path() / "cimchar_mc_journal";
  std::filesystem::create_directories(dir);
  const auto j = dir / "mc.journal";
  spice::WorkerPool pool(quiet(2));
  auto full = flows::run_monte_carlo(pool, divider_spec(80, false), j, false);
  // Keep the header, 30 whole records and half of the next (as after a kill -9).
  const size_t rec = 16 + 8 * 3 + 4;  // no message in these records
  std::filesystem::resize_file(j, 8 + 30 * rec + rec / 2);
  auto again = flows::run_monte_carlo(pool, divider_spec(80, false), j, true);
  EXPECT_EQ(again.resumed, 30u);
  for (size_t i = 0; i < 80; ++i) {
    EXPECT_EQ(again.failed[i], full.failed[i]);
    if (!full.failed[i]) {
      EXPECT_EQ(again.values[i], full.values[i]);
    }
  }
  // A journal from another run is refused.
  auto other = divider_spec(80, false);
  other.seed = 12;
  EXPECT_THROW(flows::run_monte_carlo(pool, other, j, true), std::exception);
}
