// The worker pool: results against analytic solutions, and containment of crashes and hangs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>

#include "spice/pool.hpp"

using namespace cimchar::spice;

namespace {

Job divider_job(double r2_ohm = 3e3) {
  Job j;
  j.name = "divider";
  j.netlist = "divider\nv1 in 0 1\nr1 in out 1k\nr2 out 0 " + std::to_string(r2_ohm) + "\n.end\n";
  j.commands = {"op"};
  j.vectors = {"v(out)"};
  return j;
}

PoolOptions quiet(int workers) {
  PoolOptions o;
  o.workers = workers;
  o.progress = false;
  return o;
}

}  // namespace

TEST(Pool, DividerMatchesAnalytic) {
  WorkerPool pool(quiet(1));
  const JobResult r = pool.run_one(divider_job());
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_NEAR(r.vec("v(out)").at(0), 0.75, 0.75 * 1e-9);
  EXPECT_NE(r.worker_pid, ::getpid());
  EXPECT_EQ(r.attempts, 1);
}
