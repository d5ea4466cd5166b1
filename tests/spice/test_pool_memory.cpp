// Memory of one worker over 1,000 consecutive small jobs: the session removes each circuit and
// its plots (`remcirc`, `destroy all`), so the worker's resident set must not grow.
#include <gtest/gtest.h>

#include <cstdio>

#include "spice/pool.hpp"
#include "spice/worker.hpp"

using namespace cimchar::spice;

namespace {
// A small behavioural cell: a state node x on a 1 F capacitor charged by a B-source, a cell
// current that depends on it, driven by a ramp; a transient of ~100 points plus a meas.
Job cell_job(int k) {
  Job j;
  j.name = "cell_" + std::to_string(k);
  j.netlist =
      "cell\nvin in 0 pwl(0 0 1u " + std::to_string(0.5 + 0.001 * k) +
      ")\nrs in a 10k\nb1 a 0 i=1e-4*v(x)*sinh(v(a)/0.5)\nbx 0 x i=1e-1*v(a)*(1-v(x))\n"
      "cx x 0 1\nrx x 0 1e12\n.ic v(x)=0.1\n.end\n";
  j.commands = {"tran 10n 1u"};
  j.vectors = {"time", "v(x)", "i(vin)"};
  j.measures = {"meas tran xmax max v(x)"};
  return j;
}
}  // namespace

TEST(PoolMemory, WorkerRssIsFlatOver1000Jobs) {
  PoolOptions o;
  o.workers = 1;
  o.progress = false;
  o.max_jobs_per_worker = 0;  // keep the one worker for all 1000 jobs
  WorkerPool pool(o);
  std::vector<Job> jobs;
  for (int k = 0; k < 1000; ++k) jobs.push_back(cell_job(k));
  std::vector<long> rss(jobs.size(), 0);
  int pid = 0;
  const auto results = pool.run(jobs, [&](size_t i, const JobResult& r) {
    pid = r.worker_pid;
    rss[i] = process_rss_kB(r.worker_pid);  // read by the parent from /proc/<pid>/status
  });
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.message;
    ASSERT_EQ(r.worker_pid, pid);  // one worker ran them all
  }
  // Compare the steady state after the first 100 jobs (allocator pools warm up) with the end.
  const long growth_kB = rss[999] - rss[99];
  std::printf("worker RSS: job 1 %ld kB, job 100 %ld kB, job 1000 %ld kB (growth %ld kB over 900 "
              "jobs)\n", rss[0], rss[99], rss[999], growth_kB);
  // Measured on Debian's ngspice 39 with this job: without `remcirc` / `destroy all` a worker
  // grows by 35 kB per job (31 MB over 900 jobs); with them, ngspice still keeps ~0.7 kB per
  // job, plus ~0.2 kB per command executed (seed, tran, meas, clean-up): 1.41 MB over 900 jobs
  // in three runs. The bound, 2 MB, is 15x below the growth without clean-up (docs/spice.md);
  // the pool caps it further by replacing a worker after max_jobs_per_worker jobs.
  EXPECT_LT(growth_kB, 2048);
}
