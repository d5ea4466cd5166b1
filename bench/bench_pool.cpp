// Worker-pool throughput: small cell jobs per second with 1 and 2 workers, and the pool's
// overhead per job over the same netlist run directly in an in-process ngspice Session.
// Run: build/bench/bench_pool [jobs]   (results recorded in bench/RESULTS.md)
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "core/build_info.hpp"
#include "core/param_table.hpp"
#include "flows/cell_jobs.hpp"
#include "spice/pool.hpp"
#include "spice/session.hpp"

using namespace cimchar;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 400;
  ParamTable card = ParamTable::load_card(std::string(CIMCHAR_SOURCE_DIR_STRING) + "/devices/stanford_asu.toml");
  flows::CellBenchSettings b;
  b.r_series_ohm = 5e3;
  // Two kinds of small job: a DC read (op) and a 50 ns SET pulse + read (transient).
  struct Kind {
    const char* name;
    spice::Job job;
  };
  Kind kinds[] = {{"read (op)", flows::read_iv_job(card, 1.2e-9, {0.1})},
                  {"pulse+read (tran)", flows::pulse_read_job(card, b, 1.5e-9, 0.7, 50e-9, 0.1)}};
  std::printf("%-18s %10s %12s %12s %12s %10s\n", "job", "direct/s", "pool 1w /s", "pool 2w /s",
              "overhead/job", "2w/1w");
  // The pools first: a process that has loaded ngspice itself cannot fork workers.
  double per[2][3] = {};
  for (size_t kk = 0; kk < 2; ++kk) {
    std::vector<spice::Job> jobs(static_cast<size_t>(n), kinds[kk].job);
    for (int w : {1, 2}) {
      spice::PoolOptions o;
      o.workers = w;
      o.progress = false;
      spice::WorkerPool pool(o);
      pool.run(std::vector<spice::Job>(static_cast<size_t>(w), kinds[kk].job));  // start workers
      auto t1 = Clock::now();
      auto res = pool.run(jobs);
      per[kk][w] = std::chrono::duration<double>(Clock::now() - t1).count() / n;
      for (const auto& r : res)
        if (!r.ok()) {
          std::fprintf(stderr, "job failed: %s\n", r.message.c_str());
          return 1;
        }
    }
  }
  spice::Session s("");
  for (size_t kk = 0; kk < 2; ++kk) {
    s.run(kinds[kk].job);  // warm
    auto t0 = Clock::now();
    for (int i = 0; i < n; ++i) s.run(kinds[kk].job);
    const double direct = std::chrono::duration<double>(Clock::now() - t0).count() / n;
    std::printf("%-18s %10.0f %12.0f %12.0f %9.0f us %10.2f\n", kinds[kk].name, 1 / direct,
                1 / per[kk][1], 1 / per[kk][2], (per[kk][1] - direct) * 1e6,
                per[kk][1] / per[kk][2]);
  }
  return 0;
}
