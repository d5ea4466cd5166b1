// WTA twin against closed-form results: in the ideal limit (no output conductance, no offset,
// comparator and inhibit delays negligible) an input fires at t = C V_trip / I; with output
// conductance g and a comparator of delay tau that switches sharply, at
// t = -(C/g) ln(1 - g V_trip / I) + tau ln 2; the winner is the input with the smallest
// C (V_trip + offset) / I; the energy is vdd sum(I) t_decision.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "periph/wta_stats.hpp"
#include "periph/wta_twin.hpp"

using namespace cimchar::periph;

namespace {

WtaCircuit ideal(size_t n, size_t k, double c_F) {
  WtaCircuit c;
  c.n_inputs = n;
  c.k = k;
  c.c_F = c_F;
  c.v_trip_V = 0.5;
  c.g_out_S = 0;
  c.v_width_V = 1e-6;
  c.t_comp_s = 1e-16;
  c.t_inhibit_s = 1e-16;
  return c;
}

}  // namespace

TEST(WtaTwin, IdealFiringTimeIsCVtripOverI) {
  const std::vector<double> i = {1e-6, 3e-6, 10e-6, 30e-6, 100e-6};
  for (double c_F : {20e-15, 500e-15}) {
    const auto c = ideal(i.size(), i.size(), c_F);  // k = n: nobody is inhibited
    const auto r =
        simulate_wta(c, i, std::vector<double>(i.size(), 0.0), wta_stop_time(c, 1e-6, 0));
    for (size_t j = 0; j < i.size(); ++j) {
      const double t = c_F * c.v_trip_V / i[j];
      ASSERT_TRUE(r.fired[j]);
      EXPECT_NEAR(r.t_fire_s[j] / t, 1.0, 1e-5) << "C " << c_F << " I " << i[j];
    }
  }
}

TEST(WtaTwin, OutputConductanceAndComparatorDelay) {
  const std::vector<double> i = {1e-6, 10e-6, 100e-6};
  auto c = ideal(i.size(), i.size(), 100e-15);
  c.g_out_S = 2e-7;  // a 10% droop at 1 uA and 0.5 V
  c.t_comp_s = 50e-12;
  const auto r = simulate_wta(c, i, {0, 0, 0}, wta_stop_time(c, 1e-6, 0));
  for (size_t j = 0; j < i.size(); ++j) {
    const double t = -c.c_F / c.g_out_S * std::log1p(-c.g_out_S * c.v_trip_V / i[j]) +
                     c.t_comp_s * std::log(2.0);
    EXPECT_NEAR(r.t_fire_s[j] / t, 1.0, 1e-5) << "I " << i[j];
  }
}

TEST(WtaTwin, WinnersAreTheFastestInputsAndEnergyIsChargeTimesVdd) {
  // Random currents and offsets: the winner set is the k inputs with the smallest
  // (V_trip + offset) / I, and the sources draw vdd * sum(I) until the decision.
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> lu(std::log(1e-6), std::log(100e-6));
  std::normal_distribution<double> off(0, 0.02);
  for (size_t k : {size_t(1), size_t(2)}) {
    for (int trial = 0; trial < 20; ++trial) {
      const size_t n = 5;
      auto c = ideal(n, k, 100e-15);
      std::vector<double> i(n), o(n), t(n);
      for (size_t j = 0; j < n; ++j) {
        i[j] = std::exp(lu(rng));
        o[j] = off(rng);
        t[j] = c.c_F * (c.v_trip_V + o[j]) / i[j];
      }
      std::vector<double> sorted = t;
      std::sort(sorted.begin(), sorted.end());
      const auto r = simulate_wta(c, i, o, wta_stop_time(c, 1e-6, 0.1));
      for (size_t j = 0; j < n; ++j) EXPECT_EQ(r.fired[j], t[j] <= sorted[k - 1]) << trial;
      EXPECT_NEAR(r.t_decision_s / sorted[k - 1], 1.0, 1e-4);
      double isum = 0;
      for (double x : i) isum += x;
      EXPECT_NEAR(r.energy_J / (c.vdd_V * isum * sorted[k - 1]), 1.0, 1e-4);
    }
  }
}

TEST(WtaStats, ResolvedMarginInterpolatesTheCrossing) {
  const std::vector<double> m = {0.01, 0.02, 0.04, 0.08};
  EXPECT_NEAR(resolved_margin(m, {0.5, 0.03, 0.005, 0.0}, 0.01), 0.02 + 0.02 * 0.8, 1e-12);
  EXPECT_EQ(resolved_margin(m, {0.001, 0.0, 0.0, 0.0}, 0.01), 0.01);
  EXPECT_TRUE(std::isnan(resolved_margin(m, {0.5, 0.3, 0.2, 0.1}, 0.01)));
  // A late bump above the rate moves the answer past it.
  EXPECT_NEAR(resolved_margin(m, {0.5, 0.0, 0.02, 0.0}, 0.01), 0.04 + 0.04 * 0.5, 1e-12);
}

TEST(WtaStats, DrawsHaveTheRequestedMarginAndOffsetSigma) {
  WtaCircuit c;
  c.n_inputs = 6;
  c.k = 2;
  WtaNoise nz;
  nz.ktc = false;
  double s2 = 0;
  const int n = 4000;
  for (int j = 0; j < n; ++j) {
    const auto d = draw_wta_decision(c, nz, 0.05, 3, static_cast<uint64_t>(j));
    std::vector<double> s = d.i_A;
    std::sort(s.begin(), s.end(), std::greater<>());
    EXPECT_NEAR(s[2] / s[1], 0.95, 1e-12);
    EXPECT_GE(s[1], nz.i_min_A * (1 - 1e-12));
    EXPECT_LE(s[0], nz.i_max_A * (1 + 1e-12));
    for (double o : d.offset_V) s2 += o * o;
  }
  const double expect = std::hypot(nz.sigma_offset_V, nz.sigma_noise_V);
  EXPECT_NEAR(std::sqrt(s2 / (n * 6.0)) / expect, 1.0, 0.03);
}
