// Threshold comparator: the twin against ngspice (netlists/threshold.lib), and the decision
// rates of a Monte Carlo in ngspice against the Gaussian limit.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>

#include "core/param_table.hpp"
#include "flows/monte_carlo.hpp"
#include "periph/threshold.hpp"
#include "spice/pool.hpp"

using namespace cimchar;

namespace {

std::string lib() {
  return std::string(CIMCHAR_TEST_SOURCE_DIR) + "/netlists/threshold.lib";
}

spice::JobResult run(spice::WorkerPool& pool, const periph::ThresholdCircuit& c, double i, double vos) {
  spice::Job j;
  j.name = "threshold check";
  j.netlist = periph::threshold_netlist(c, lib(), i, vos);
  j.commands = {periph::threshold_tran_command(c)};
  j.vectors = periph::threshold_vectors();
  return pool.run_one(j);
}

}  // namespace

TEST(ThresholdSpice, TwinMatchesNgspiceIntegration) {
  spice::PoolOptions po;
  po.workers = 1;
  po.progress = false;
  spice::WorkerPool pool(po);
  periph::ThresholdCircuit c;
  c.g_leak = 2e-6;
  c.v_early = 5;
  for (double v : {0.1, 0.45, 0.5, 0.55, 0.8}) {
    const double i = periph::current_for_voltage(c, v);
    auto r = run(pool, c, i, 0);
    ASSERT_TRUE(r.ok()) << r.message;
    const double v_sp = r.vec("t", "v(top)").back();
    std::printf("I %.4g uA: v(top) ngspice %.6f V, twin %.6f V\n", i * 1e6, v_sp,
                periph::integrated_V(c, i));
    EXPECT_NEAR(v_sp, periph::integrated_V(c, i), 1e-4 * v);
    const double out = r.vec("t", "v(out)").back();
    if (std::abs(v - c.v_th) > 10 * c.v_gain) {
      EXPECT_EQ(out > 0.5 * c.vdd, v > c.v_th) << v;
    }
  }
}

TEST(ThresholdSpice, InjectedOffsetMovesTheDecision) {
  spice::PoolOptions po;
  po.workers = 1;
  po.progress = false;
  spice::WorkerPool pool(po);
  periph::ThresholdCircuit c;
  const double vos = 10e-3;
  struct Case { double d; bool keep; };
  for (Case k : {Case{5e-3, false}, Case{15e-3, true}, Case{-15e-3, false}}) {
    auto r = run(pool, c, periph::current_for_voltage(c, c.v_th + k.d), vos);
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(r.vec("t", "v(out)").back() > 0.5 * c.vdd, k.keep) << k.d;
    // Without the offset the same key at +5 mV is kept.
    if (k.d == 5e-3) {
      auto r0 = run(pool, c, periph::current_for_voltage(c, c.v_th + k.d), 0);
      EXPECT_GT(r0.vec("t", "v(out)").back(), 0.5 * c.vdd);
    }
  }
}

TEST(ThresholdSpice, MonteCarloPruneRatesFollowTheGaussianLimit) {
  spice::PoolOptions po;
  po.workers = 2;
  po.progress = false;
  spice::WorkerPool pool(po);
  periph::ThresholdCircuit c;
  c.g_leak = 1e-6;
  const double sigma = 5e-3;
  const std::vector<double> dist = {-5e-3, 0, 6e-3};
  const size_t S = 300;
  std::vector<double> cur;
  for (double d : dist) cur.push_back(periph::current_for_voltage(c, c.v_th + d));
  flows::McSpec s;
  s.name = "thr";
  s.params = {"iin", "vos"};
  s.nominal = {cur[1], 0};
  s.render = [&](const std::vector<double>& v) { return periph::threshold_netlist(c, lib(), v[0], v[1]); };
  s.commands = {periph::threshold_tran_command(c)};
  s.vectors = periph::threshold_vectors();
  s.samples = dist.size() * S;
  s.seed = 3;
  s.draw = [&](size_t i, std::mt19937_64& rng) {
    return std::vector<double>{cur[i / S], std::normal_distribution<double>(0, sigma)(rng)};
  };
  auto r = flows::run_monte_carlo(pool, s, "", false);
  for (size_t d = 0; d < dist.size(); ++d) {
    size_t pruned = 0;
    for (size_t k = 0; k < S; ++k) {
      ASSERT_EQ(r.failed[d * S + k], 0) << r.messages[d * S + k];
      pruned += r.values[(d * S + k) * 2] < 0.5 * c.vdd;
    }
    const double p = periph::p_prune_gaussian(dist[d], sigma);
    const double rate = static_cast<double>(pruned) / S;
    std::printf("d %+.1f mV: P(prune) ngspice %.3f, Gaussian %.3f\n", dist[d] * 1e3, rate, p);
    EXPECT_NEAR(rate, p, 4 * std::sqrt(p * (1 - p) / S) + 0.01);
  }
}
