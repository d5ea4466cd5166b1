// Threshold comparator twin against analytic and independently integrated references.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "periph/threshold.hpp"

using namespace cimchar;

namespace {

// Classical RK4 of C dv/dt = i (1 - v/va) - g v, independent of the twin's closed form.
double rk4(const periph::ThresholdCircuit& c, double i, int steps) {
  auto f = [&](double v) { return (i * (1 - v / c.v_early) - c.g_leak * v) / c.c_int; };
  const double h = c.t_int / steps;
  double v = 0;
  for (int n = 0; n < steps; ++n) {
    const double k1 = f(v), k2 = f(v + h / 2 * k1), k3 = f(v + h / 2 * k2), k4 = f(v + h * k3);
    v += h / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
  }
  return v;
}

}  // namespace

TEST(ThresholdTwin, LossFreeLimitIsALinearRamp) {
  periph::ThresholdCircuit c;
  c.v_early = 1e12;
  c.g_leak = 0;
  for (double i : {1e-6, 5e-6, 2e-5}) EXPECT_NEAR(periph::integrated_V(c, i), i * c.t_int / c.c_int, 1e-9);
}

TEST(ThresholdTwin, LeakAndEarlyVoltageMatchRk4) {
  periph::ThresholdCircuit c;
  c.g_leak = 2e-6;
  c.v_early = 3;
  for (double i : {1e-6, 5e-6, 1e-5}) {
    const double ref = rk4(c, i, 20000);
    EXPECT_NEAR(periph::integrated_V(c, i), ref, 1e-10 * std::max(1.0, ref)) << i;
    EXPECT_LT(periph::integrated_V(c, i), i * c.t_int / c.c_int);  // losses lower the voltage
  }
}

TEST(ThresholdTwin, CurrentForVoltageInvertsTheIntegration) {
  periph::ThresholdCircuit c;
  c.g_leak = 1e-6;
  for (double v : {0.05, 0.3, 0.5, 0.9}) {
    const double i = periph::current_for_voltage(c, v);
    EXPECT_NEAR(periph::integrated_V(c, i), v, 1e-12);
  }
  c.g_leak = 1e-3;  // asymptote i/g... still reachable with 1 A? v_early limits it to 10 V
  c.v_early = 0.2;  // the node can never exceed the early voltage
  EXPECT_THROW(periph::current_for_voltage(c, 0.3), std::domain_error);
}

TEST(ThresholdTwin, GaussianPruneProbability) {
  EXPECT_DOUBLE_EQ(periph::p_prune_gaussian(0, 5e-3), 0.5);
  EXPECT_NEAR(periph::p_prune_gaussian(5e-3, 5e-3), 0.158655253931457, 1e-12);   // 1 - Phi(1)
  EXPECT_NEAR(periph::p_prune_gaussian(-1e-2, 5e-3), 0.977249868051821, 1e-12);  // Phi(2)
  EXPECT_EQ(periph::p_prune_gaussian(1e-3, 0), 0.0);
  EXPECT_EQ(periph::p_prune_gaussian(-1e-3, 0), 1.0);
}

TEST(ThresholdTwin, MonteCarloRatesFollowTheGaussianLimit) {
  periph::ThresholdCircuit c;
  c.g_leak = 1e-6;
  const double sigma = 4e-3;
  std::mt19937_64 rng(11);
  std::normal_distribution<double> off(0, sigma);
  for (double d : {-6e-3, -2e-3, 0.0, 3e-3, 8e-3}) {
    const double i = periph::current_for_voltage(c, c.v_th + d);
    const int n = 40000;
    int pruned = 0;
    for (int s = 0; s < n; ++s) pruned += !periph::twin_keeps(c, i, off(rng));
    const double p = periph::p_prune_gaussian(d, sigma);
    const double se = std::sqrt(p * (1 - p) / n) + 1e-4;
    EXPECT_NEAR(static_cast<double>(pruned) / n, p, 4 * se) << d;
  }
}
