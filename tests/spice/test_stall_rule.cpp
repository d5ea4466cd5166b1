// The fail-fast rule of the worker pool (stalled_reason, pool.hpp), by hand: a job in an
// analysis that reports a percentage and has not reported for longer than stall_s is stalled; a single-analysis job
// whose progress projects past projection_factor x its timeout is too slow; neither otherwise.
#include <gtest/gtest.h>

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
  // 0.3% after 1 s projects 333 s; measured only from 2 s on.
  EXPECT_EQ(stalled_reason("tran: 0.3%", 1, 0, tran(), 120, o), "");
  // 0.6% after 2 s projects 333 s > 2 x 120 s.
  const std::string why = stalled_reason("tran: 0.6%", 2, 0.1, tran(), 120, o);
  EXPECT_NE(why.find("too slow"), std::string::npos) << why;
  EXPECT_NE(why.find("333 s"), std::string::npos) << why;
  // 1% after 2 s projects 200 s < 240 s: goes on.
  EXPECT_EQ(stalled_reason("tran: 1.0%", 2, 0.1, tran(), 120, o), "");
  // Several analyses, or Monte Carlo alter sets, restart the percentage: no projection.
  Job two = tran();
  two.commands.push_back("op");
  EXPECT_EQ(stalled_reason("tran: 0.6%", 2, 0.1, two, 120, o), "");
  Job mc = tran();
  mc.alter_sets = {{"alter r1=1k"}, {"alter r1=2k"}};
  EXPECT_EQ(stalled_reason("tran: 0.6%", 2, 0.1, mc, 120, o), "");
  EXPECT_EQ(stalled_reason("Source Deck", 10, 0.1, tran(), 1, o), "");  // no percentage yet
}

TEST(StallRule, TimeoutScalesWithTheSamplesOfAJob) {
  PoolOptions o;
  o.default_timeout_s = 120;
  Job one = tran();
  EXPECT_EQ(job_timeout(one, o), 120);
  one.timeout_s = 5;
  EXPECT_EQ(job_timeout(one, o), 5);
  Job mc = tran();
  mc.alter_sets.assign(40, {"alter r1=1k"});
  EXPECT_EQ(job_timeout(mc, o), 40 * 120);  // each of 40 samples gets the limit of one run
}
