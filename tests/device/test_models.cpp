// The C++ twins against their published equations, evaluated independently here.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

#include "core/error.hpp"
#include "core/param_table.hpp"
#include "device/model.hpp"
#include "device/mosfet_table.hpp"

using namespace cimchar;

namespace {
ParamTable card(const char* name) {
  return ParamTable::load_card(std::string(CIMCHAR_TEST_SOURCE_DIR) + "/devices/" + name + ".toml");
}
}  // namespace

TEST(StanfordTwin, ConductionLawAtPublishedDefaults) {
  auto m = device::make_model(card("stanford_asu"));
  // I = I0 exp(-g/g0) sinh(V/V0) with I0 = 1 mA, g0 = 0.25 nm, V0 = 0.25 V (Stanford v1.0.0).
  for (double g : {0.2e-9, 0.9e-9, 1.7e-9})
    for (double v : {-0.3, 0.05, 0.2}) {
      const double expect = 1e-3 * std::exp(-g / 0.25e-9) * std::sinh(v / 0.25);
      EXPECT_NEAR(m->current_A(v, g), expect, 1e-12 * std::abs(expect));
    }
  EXPECT_DOUBLE_EQ(m->state_min(), 0.2e-9);  // v1.0.0: gap_min = 2e-10, gap_max = 17e-10
  EXPECT_DOUBLE_EQ(m->state_max(), 1.7e-9);
}

// CIRCUIT-NOTES.md: with the v1.0.0 card (tox 12 nm) the SET velocity at gap 1.7 nm and 1 V is
// 6.4e-6 m/s without the field threshold and 0 with it (gamma V/tox = 1.0e9 < F_min = 1.4e9 V/m).
TEST(StanfordTwin, PublishedV100VelocityAtHrsAndFieldThreshold) {
  ParamTable c = card("stanford_asu");
  auto with_fmin = device::make_model(c);
  EXPECT_EQ(with_fmin->dstate_dt(1.0, 1.7e-9), 0.0);
  c.set("F_min", 0.0);
  auto without = device::make_model(c);
  EXPECT_NEAR(-without->dstate_dt(1.0, 1.7e-9), 6.4e-6, 0.05e-6);
  EXPECT_FALSE(without->limiter_active(1.0, 1.7e-9));
  // Above the threshold (gamma |V|/tox >= F_min at 1.5 V, 1.7 nm) the gap moves, and it moves
  // at the published law's speed, far below the numerical limit vel_max.
  EXPECT_LT(with_fmin->dstate_dt(1.5, 1.7e-9), 0.0);
  EXPECT_FALSE(with_fmin->limiter_active(1.5, 1.7e-9));
}

TEST(StanfordTwin, GapVelocityFollowsHoppingLaw) {
  auto m = device::make_model(card("stanford_asu"));
  const double g = 1.0e-9, v = 1.2;
  const double I = 1e-3 * std::exp(-g / 0.25e-9) * std::sinh(v / 0.25);
  const double T = 298 + v * I * 2.1e3;
  const double kT_q = 1.380649e-23 * T / 1.602176634e-19;
  const double gamma = 16 - 0.8 * std::pow(g / 1e-9, 3);
  ASSERT_GE(gamma * v / 12e-9, 1.4e9);  // above the v1.0.0 field threshold F_min
  const double hop = 10 * std::exp(-0.6 / kT_q) * std::sinh(gamma * 0.25e-9 / 12e-9 * v / kT_q);
  const double expect = -100.0 * std::tanh(hop / 100.0);  // the card's 100 m/s velocity limit
  EXPECT_NEAR(m->dstate_dt(v, g), expect, 1e-5 * std::abs(expect));
  EXPECT_LT(m->dstate_dt(1.2, 1.0e-9), 0.0);   // positive bias: SET, the gap shrinks
  EXPECT_GT(m->dstate_dt(-1.2, 1.0e-9), 0.0);  // negative bias: RESET
  EXPECT_EQ(m->dstate_dt(1.2, 0.2e-9), 0.0);   // stops at gap_min
}

// The ASU variant against its published equations and values (devices/asu.toml), evaluated
// here independently: two-term rate with Eag/Ear, steady-state temperature T0 + |VI| Tau_th/Cth.
TEST(AsuTwin, PublishedTwoTermRateAndThermalModel) {
  auto m = device::make_model(card("asu"));
  EXPECT_DOUBLE_EQ(m->state_min(), 0.1e-9);
  EXPECT_DOUBLE_EQ(m->state_max(), 1.7e-9);
  const double kB = 1.380649e-23, q = 1.602176634e-19;  // CODATA (the OVI constants.vams
  // values, 1.3806226e-23 and 1.6021918e-19, move these rates by under 0.2%)
  for (double v : {-1.0, -0.6, 0.7, 1.1})
    for (double g : {0.5e-9, 1.2e-9}) {
      const double I = 6.14e-5 * std::exp(-g / 2.7505e-10) * std::sinh(v / 0.43);
      EXPECT_NEAR(m->current_A(v, g), I, 1e-12 * std::abs(I));
      const double T = 298 + std::abs(v * I) * 2.3e-10 / 3.1825e-16;
      const double gamma = 16.5 - 1.25 * std::pow(g / 1e-9, 3);
      const double f = gamma * 0.25e-9 / 5e-9 * q * v / (kB * T);
      const double hop = 150 * (std::exp(-q * 1.501 / (kB * T)) * std::exp(f) -
                                std::exp(-q * 1.5 / (kB * T)) * std::exp(-f));
      const double expect = -100.0 * std::tanh(hop / 100.0);
      EXPECT_NEAR(m->dstate_dt(v, g), expect, 1e-5 * std::abs(expect)) << v << " " << g;
    }
}

TEST(VteamTwin, LinearConductionAndThresholds) {
  auto m = device::make_model(card("vteam"));
  EXPECT_NEAR(m->current_A(0.1, 0.0), 0.1 / 10e3, 1e-15);
  EXPECT_NEAR(m->current_A(0.1, 1.0), 0.1 / 200e3, 1e-15);
  EXPECT_NEAR(m->current_A(0.1, 0.5), 0.1 / (10e3 + 0.5 * 190e3), 1e-15);
  EXPECT_EQ(m->dstate_dt(0.1, 0.5), 0.0);  // below both thresholds: no drift
  // Positive bias above |v_on| = 0.2 V: w falls at k_on/d (u/v_on - 1)^alpha_on, u = -V.
  const double expect = -10.0 / 3e-9 * std::pow(-0.5 / -0.2 - 1, 3);
  EXPECT_NEAR(m->dstate_dt(0.5, 0.5), expect, 1e-9 * std::abs(expect));
}

TEST(MosfetTable, InterpolationFollowsTriodeAndExponentialCurrentsWithItsOwnDerivatives) {
  // Data of a known form, sampled on the table's grid: a channel current through zero at
  // Vds = 0 (1 mS near 0, saturating at 0.1 mA) that falls exponentially with the source voltage
  // (as in subthreshold: a decade per 0.23 V), and a source current that adds a reverse-junction
  // leakage of -1 pA. The table must reproduce both between grid points within 0.5% (or 1e-15 A),
  // and its partial derivatives must be those of its own values (central differences, 1%); outside the grid it throws. (A forward junction, exponential in vd at 26 mV per
  // e-fold, is not resolved to 0.5% by this grid: see tests/xbar/test_1t1r_bsim4.cpp.) The ngspice-side
  // agreement is in tests/xbar/test_1t1r_bsim4.cpp.
  device::MosfetTableSpec s;
  s.v_gate_V = {0.7};
  s.v_min_V = -0.5, s.v_max_V = 1, s.step_V = 0.021;  // 1.5 V / 21 mV: the last row is shorter
  s.vds_points = 81, s.vds_knee_V = 0.1;
  const size_t nvs = s.vs_points(), nv = 81;
  ASSERT_EQ(nvs, 73u);
  auto id = [](double x, double vs) { return 1e-4 * std::tanh(x / 0.1) * std::exp(-vs / 0.1); };
  auto is = [&](double x, double vs) { return id(x, vs) - 1e-12; };
  std::vector<double> ivd(nvs * nv), ivs(nvs * nv);
  for (size_t js = 0; js < nvs; ++js)
    for (size_t k = 0; k < nv; ++k) {
      const double vs = std::min(-0.5 + 0.021 * js, 1.0);
      const std::vector<double> vds = s.vds_grid(vs);
      ivd[js * nv + k] = id(vds[k], vs);  // i(vd) = id
      ivs[js * nv + k] = is(vds[k], vs);
    }
  auto t = device::MosfetTable::from_sweeps(s, {ivd}, {ivs});
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(-0.479, 0.979), near0(-0.05, 0.05);
  double worst = 0;
  for (int n = 0; n < 400; ++n) {
    // The drain kept one source step inside the range: beyond it a row continues linearly.
    const double vs = u(rng), vd = n % 2 ? std::clamp(vs + near0(rng), -0.479, 0.979) : u(rng);
    const auto iv = t.eval(0.7, vd, vs);
    for (auto [got, ref] : {std::pair{iv.id_A, id(vd - vs, vs)}, std::pair{iv.is_A, is(vd - vs, vs)}}) {
      const double tol = std::max(5e-3 * std::abs(ref), 1e-15);
      worst = std::max(worst, std::abs(got - ref) / tol);
      EXPECT_NEAR(got, ref, tol) << "vd " << vd << " vs " << vs;
    }
    const double e = 1e-7;
    if (vd - e < -0.5 || vd + e > 1 || vs - e < -0.5 || vs + e > 1) continue;
    const double fd = (t.eval(0.7, vd + e, vs).id_A - t.eval(0.7, vd - e, vs).id_A) / (2 * e);
    const double fs = (t.eval(0.7, vd, vs + e).id_A - t.eval(0.7, vd, vs - e).id_A) / (2 * e);
    EXPECT_NEAR(iv.did_dvd, fd, 1e-2 * std::abs(fd) + 1e-9) << "vd " << vd << " vs " << vs;
    EXPECT_NEAR(iv.did_dvs, fs, 1e-2 * std::abs(fs) + 1e-9) << "vd " << vd << " vs " << vs;
  }
  std::printf("  worst error %.3g of the tolerance\n", worst);
  EXPECT_THROW(t.eval(0.7, 1.2, 0), Error);   // outside the grid: an error, not a clamp
  EXPECT_THROW(t.eval(0.5, 0.1, 0), Error);   // a gate voltage that was not swept
  EXPECT_THROW(device::MosfetTable::from_sweeps(s, {std::vector<double>(10)}, {ivs}), Error);
}
