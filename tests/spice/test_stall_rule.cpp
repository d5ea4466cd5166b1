// The fail-fast rule of the worker pool (stalled_reason, pool.hpp), by hand: a job in an
// analysis that reports a percentage and has not reported for longer than stall_s is stalled; a single-analysis job
// whose progress projects past projection_factor x its timeout is too slow; neither otherwise.
#include <gtest/gtest.h>

#include <cmath>

#include "spice/analysis_size.hpp"
#include "spice/pool.hpp"

using namespace cimchar::spice;

namespace {
Job tran() {
  Job j;
  j.commands = {"tran 1p 20u"};
  return j;
}
}  // namespace

TEST(StallRule, QuietLongerThanStallIsStalled) {
  PoolOptions o;
  o.stall_s = 30;
  o.projection_factor = 0;  // the stall rule alone
  EXPECT_EQ(stalled_reason("tran: 5.0%", 40, 29, tran(), 120, o), "");
  const std::string why = stalled_reason("tran: 5.0%", 40, 31, tran(), 120, o);
  EXPECT_NE(why.find("stalled"), std::string::npos) << why;
  EXPECT_NE(why.find("tran: 5.0%"), std::string::npos) << why;
  // No percentage yet (loading, an operating point): the timeout alone bounds it.
  EXPECT_EQ(stalled_reason("", 40, 31, tran(), 120, o), "");
  EXPECT_EQ(stalled_reason("Source Deck", 40, 31, tran(), 120, o), "");
  o.stall_s = 0;  // switched off
  EXPECT_EQ(stalled_reason("tran: 5.0%", 1000, 999, tran(), 2000, o), "");
}

TEST(StallRule, ProjectionPastTheTimeoutIsTooSlow) {
  PoolOptions o;
  o.projection_factor = 2;
  // 1.2% after 1 s projects 83 s; measured only from 2 s on.
  EXPECT_EQ(stalled_reason("tran: 1.2%", 1, 0, tran(), 120, o), "");
  // 0.6% after 2 s would project 333 s, but the first 1% is not judged (its first steps are
  // the slowest): goes on.
  EXPECT_EQ(stalled_reason("tran: 0.6%", 2, 0.1, tran(), 120, o), "");
  // 1.2% after 4 s projects 333 s > 2 x 120 s.
  const std::string why = stalled_reason("tran: 1.2%", 4, 0.1, tran(), 120, o);
  EXPECT_NE(why.find("too slow"), std::string::npos) << why;
  EXPECT_NE(why.find("333 s"), std::string::npos) << why;
  // 2% after 4 s projects 200 s < 240 s: goes on.
  EXPECT_EQ(stalled_reason("tran: 2.0%", 4, 0.1, tran(), 120, o), "");
  // Several analyses, or Monte Carlo alter sets, restart the percentage: no projection.
  Job two = tran();
  two.commands.push_back("op");
  EXPECT_EQ(stalled_reason("tran: 1.2%", 4, 0.1, two, 120, o), "");
  Job mc = tran();
  mc.alter_sets = {{"alter r1=1k"}, {"alter r1=2k"}};
  EXPECT_EQ(stalled_reason("tran: 1.2%", 4, 0.1, mc, 120, o), "");
  EXPECT_EQ(stalled_reason("Source Deck", 10, 0.1, tran(), 1, o), "");  // no percentage yet
}

TEST(StallRule, TimeoutScalesWithTheSamplesOfAJob) {
  PoolOptions o;
  o.default_timeout_s = 120;
  Job one = tran();
  one.commands = {"tran 1n 1u"};  // one unit of points (the next test scales by length)
  EXPECT_EQ(job_timeout(one, o), 120);
  one.timeout_s = 5;
  EXPECT_EQ(job_timeout(one, o), 5);  // a job's own limit is fixed: no scaling by length
  Job mc = one;
  mc.timeout_s = 0;
  mc.alter_sets.assign(40, {"alter r1=1k"});
  EXPECT_EQ(job_timeout(mc, o), 40 * 120);  // each of 40 samples gets the limit of one run
}

// The points of an analysis, by hand from its arguments.
TEST(StallRule, AnalysisPointsFromTheArguments) {
  EXPECT_DOUBLE_EQ(spice_number("1.5u"), 1.5e-6);
  EXPECT_DOUBLE_EQ(spice_number("2meg"), 2e6);
  EXPECT_DOUBLE_EQ(spice_number("10ns"), 1e-8);
  EXPECT_DOUBLE_EQ(spice_number("3K"), 3e3);
  EXPECT_TRUE(std::isnan(spice_number("abc")));
  EXPECT_DOUBLE_EQ(spice_number("1mil"), 25.4e-6);  // not milli
  EXPECT_DOUBLE_EQ(spice_number("5M"), 5e-3);       // SPICE's M is milli
  EXPECT_DOUBLE_EQ(spice_number("1e3"), 1e3);
  // tran: the session caps the step at span/1e4, so at least 1e4 points.
  EXPECT_DOUBLE_EQ(analysis_points("tran 1n 1u"), 1e4);
  EXPECT_DOUBLE_EQ(analysis_points("tran 1p 20u"), 2e7);
  EXPECT_DOUBLE_EQ(analysis_points("tran 1n 10u 2u"), 8e3 * 1.25);  // span 8 us / min(1 ns, 0.8 ns)
  EXPECT_DOUBLE_EQ(analysis_points("tran 1p 20u 0 1p uic"), 2e7);
  EXPECT_DOUBLE_EQ(analysis_points("tran 100n 1u 0 10n"), 100);  // the user's tmax wins
  EXPECT_DOUBLE_EQ(analysis_points("tran 10n 1u 0 100n"), 100);  // else the step
  // dc: (stop - start) / incr + 1 per sweep, nested sweeps multiply.
  EXPECT_DOUBLE_EQ(analysis_points("dc v1 0 1 0.01"), 101);
  EXPECT_DOUBLE_EQ(analysis_points("dc vd -1.5 1.5 0.015 vg 0 1.5 0.0075"), 201.0 * 201.0);
  EXPECT_DOUBLE_EQ(analysis_points("dc v1 1 0 -0.25"), 5);
  // ac: n per decade or octave.
  EXPECT_NEAR(analysis_points("ac dec 10 1 1meg"), 60, 1e-9);
  EXPECT_NEAR(analysis_points("ac oct 4 1k 16k"), 16, 1e-9);
  EXPECT_DOUBLE_EQ(analysis_points("ac lin 50 1 10"), 50);
  // An operating point, an unknown command or malformed arguments: 1.
  EXPECT_DOUBLE_EQ(analysis_points("op"), 1);
  EXPECT_DOUBLE_EQ(analysis_points("tran x y"), 1);
  EXPECT_DOUBLE_EQ(analysis_points("dc v1 0 1 0"), 1);
  EXPECT_DOUBLE_EQ(analysis_points(""), 1);
}

// The pool's limit grows with the points a job computes and with its cost, in units of
// kPointsPerTimeout; a short job keeps one unit.
TEST(StallRule, TimeoutScalesWithTheLengthAndCostOfAJob) {
  PoolOptions o;
  o.default_timeout_s = 120;
  Job j;
  j.commands = {"tran 1n 1u"};  // 1e4 points: one unit
  EXPECT_DOUBLE_EQ(job_timeout(j, o), 120);
  j.commands = {"tran 1p 20u"};  // 2e7 points: 200 units
  EXPECT_DOUBLE_EQ(job_timeout(j, o), 120 * 200);
  j.commands = {"op", "dc v1 0 1 1e-6"};  // 1 + 1,000,001 points
  EXPECT_NEAR(job_timeout(j, o), 120 * (1 + 1000001) / kPointsPerTimeout, 1e-9);
  j.commands = {"dc v1 0 1 0.01"};
  j.cost = 5;  // a BSIM4 table: 5 x the limit
  EXPECT_DOUBLE_EQ(job_timeout(j, o), 600);
  j.alter_sets.assign(3, {"alter r1=1k"});
  EXPECT_DOUBLE_EQ(job_timeout(j, o), 1800);
  o.default_timeout_s = 10;  // [flow] job_timeout reaches every job without its own limit
  EXPECT_DOUBLE_EQ(job_timeout(j, o), 150);
}
