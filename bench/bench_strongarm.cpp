// Transistor-level StrongARM characterization (src/periph/strongarm): wall time of the offset
// Monte Carlo and of the delay/energy bench with 1 and 2 workers, and the numbers it measures.
// Run: build/bench/bench_strongarm [samples] [workers]   (results recorded in bench/RESULTS.md)
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "core/param_table.hpp"
#include "periph/strongarm.hpp"
#include "spice/pool.hpp"

using namespace cimchar;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  const int samples = argc > 1 ? std::atoi(argv[1]) : 200;
  const int workers = argc > 2 ? std::atoi(argv[2]) : 2;
  spice::PoolOptions po;
  po.workers = workers;
  po.progress = false;
  spice::WorkerPool pool(po);
  const periph::StrongArmDesign d;
  periph::StrongArmOptions o;
  o.mc_samples = samples;
  const std::string dev = devices_dir().string();
  periph::StrongArmResult r;
  auto t0 = Clock::now();
  periph::measure_delay_energy(pool, d, o, dev, r);
  auto t1 = Clock::now();
  periph::measure_offsets(pool, d, o, dev, r);
  auto t2 = Clock::now();
  const auto s = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
  std::printf("%s\n%s\n", d.describe().c_str(), o.describe().c_str());
  std::printf("workers %d: delay/energy bench %.2f s; offset MC %d samples %.2f s (%.1f samples/s)\n",
              workers, s(t0, t1), samples, s(t1, t2), samples / s(t1, t2));
  std::printf("offset sigma %.2f mV, mean %.2f mV (resolution %.3f mV); input-pair Pelgrom %.2f mV\n",
              r.offset_sigma_V * 1e3, r.offset_mean_V * 1e3, r.offset_resolution_V * 1e3,
              r.pelgrom_pair_sigma_V * 1e3);
  std::printf("delay t0 %.2f ps, tau %.3f ps (r2 %.5f); energy %.2f fJ + clock %.2f fJ; area %.3f um^2 "
              "(gates %.4f um^2)\n",
              r.t0_s * 1e12, r.tau_s * 1e12, r.fit_r2, r.energy_J * 1e15, r.energy_clk_J_mean * 1e15,
              r.area_m2 * 1e12, r.gate_area_m2 * 1e12);
  for (size_t k = 0; k < r.delay_s.size(); ++k)
    std::printf("  overdrive %.2f mV: delay %.2f ps, energy %.2f fJ\n", r.overdrive_V[k] * 1e3,
                r.delay_s[k] * 1e12, r.energy_vdd_J[k] * 1e15);
  return 0;
}
