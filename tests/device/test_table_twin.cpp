// The table twin (src/device/table_twin.hpp) against closed forms: a linear-ion-drift
// resistor I = V / (R_on w + R_off (1 - w)), the Stanford read-out I0 exp(-g/g0) sinh(V/V0), and
// a diode-like knee for monotonicity.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <random>

#include "core/error.hpp"
#include "device/table_twin.hpp"

using cimchar::device::TableTwin;

namespace {

using IV = std::function<double(double v, double s)>;

TableTwin tabulate(const IV& f, std::vector<double> states, double v_max, size_t n_v) {
  std::vector<std::vector<double>> rows;
  for (double s : states) {
    std::vector<double> row(n_v);
    for (size_t j = 0; j < n_v; ++j)
      row[j] = f(-v_max + 2 * v_max * static_cast<double>(j) / static_cast<double>(n_v - 1), s);
    rows.push_back(row);
  }
  return TableTwin(std::move(states), -v_max, v_max, std::move(rows));
}

std::vector<double> uniform(double a, double b, size_t n) {
  std::vector<double> s(n);
  for (size_t k = 0; k < n; ++k) s[k] = a + (b - a) * static_cast<double>(k) / static_cast<double>(n - 1);
  return s;
}

}  // namespace

TEST(TableTwin, LinearIonDriftResistorWithinTolAcrossStatesAndVoltages) {
  const double r_on = 10e3, r_off = 200e3;
  IV f = [&](double v, double w) { return v / (r_on * w + r_off * (1 - w)); };
  // 33 states, denser towards R_on where log G curves most (w = 1 - (1 - u)^2), as the
  // adaptive tabulation places them.
  std::vector<double> w_k = uniform(0, 1, 33);
  for (double& w : w_k) w = 1 - (1 - w) * (1 - w);
  TableTwin t = tabulate(f, w_k, 0.5, 101);
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> uv(-0.5, 0.5), us(0, 1);
  double worst = 0, worst_d = 0;
  for (int k = 0; k < 2000; ++k) {
    const double v = uv(rng), w = us(rng), g = 1 / (r_on * w + r_off * (1 - w));
    const auto e = t.eval(v, w);
    worst = std::max(worst, std::abs(e.i_A - g * v) / (g * 0.5));
    worst_d = std::max(worst_d, std::abs(e.di_dv_S - g) / g);
  }
  // The shape is exact (S = V); the error is log G's monotone cubic between 33 states.
  std::printf("  worst relative error: current %.2e, dI/dV %.2e\n", worst, worst_d);
  EXPECT_LT(worst, 2e-3);
  EXPECT_LT(worst_d, 2e-3);
}

TEST(TableTwin, SinhReadoutIsExactInStateAndSecondOrderInVoltage) {
  const double i0 = 1e-3, g0 = 0.25e-9, v0 = 0.25;
  IV f = [&](double v, double g) { return i0 * std::exp(-g / g0) * std::sinh(v / v0); };
  TableTwin t = tabulate(f, uniform(0.2e-9, 1.7e-9, 7), 0.6, 241);
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> uv(-0.6, 0.6), ug(0.2e-9, 1.7e-9);
  double worst = 0;
  for (int k = 0; k < 2000; ++k) {
    const double v = uv(rng), g = ug(rng);
    worst = std::max(worst, std::abs(t.eval(v, g).i_A - f(v, g)) / f(0.6, g));
  }
  // log G is linear in g: exact in the state; sinh on a 5 mV grid with Fritsch-Butland slopes
  // (second order): ~ (h/V0)^2 / 8 of the current.
  std::printf("  worst relative error %.2e\n", worst);
  EXPECT_LT(worst, 1e-4);
}

TEST(TableTwin, MonotoneInVoltageThroughASharpKnee) {
  // Diode-like: flat, then a steep rise. A plain cubic spline overshoots here; PCHIP must not.
  IV f = [](double v, double s) { return s * 1e-6 * (std::exp(std::max(v - 0.3, -50.0) / 0.01) - std::exp(-30.0)); };
  TableTwin t = tabulate(f, uniform(0.1, 1, 4), 0.4, 17);
  for (double s : {0.1, 0.37, 1.0})
    for (double v = -0.45, prev = -1e300; v < 0.45; v += 1e-4) {
      const auto e = t.eval(v, s);
      EXPECT_GE(e.i_A, prev - 1e-15 * s * 1e-6) << "v=" << v << " s=" << s;  // rounding only
      EXPECT_GE(e.di_dv_S, 0) << "v=" << v << " s=" << s;
      prev = e.i_A;
    }
}

TEST(TableTwin, StateForConductanceInvertsTheChordAndRefusesOutOfRange) {
  const double r_on = 10e3, r_off = 200e3;
  IV f = [&](double v, double w) { return v / (r_on * w + r_off * (1 - w)); };
  TableTwin t = tabulate(f, uniform(0, 1, 33), 0.5, 101);
  for (double w : {0.0, 0.1, 0.5, 0.93, 1.0}) {
    const double g = 1 / (r_on * w + r_off * (1 - w));
    EXPECT_NEAR(t.state_for_conductance(g, 0.2), w, 1e-3) << w;
  }
  EXPECT_THROW(t.state_for_conductance(1e-6, 0.2), cimchar::InputError);  // below 1/R_off
  EXPECT_THROW(t.state_for_conductance(2e-4, 0.0), cimchar::InputError);  // above 1/R_on
}

// The array form (shapes at v_ref once, what the crossbar solver uses) inverts the chord that
// eval computes: eval(v_ref, at_state(s)) / v_ref equals the asked conductance to 1e-12, across
// 2,000 conductances spanning the range; and one state resolved once evaluates like the state.
TEST(TableTwin, ArrayInversionAndResolvedStatesAgreeWithEval) {
  const double r_on = 10e3, r_off = 200e3, v0 = 0.25;
  IV f = [&](double v, double w) { return std::sinh(v / v0) * v0 / (r_on * w + r_off * (1 - w)); };
  TableTwin t = tabulate(f, uniform(0, 1, 33), 0.5, 101);
  const double g_lo = t.chord_S(0, 0.2), g_hi = t.chord_S(1, 0.2);
  std::vector<double> g(2000);
  for (size_t i = 0; i < g.size(); ++i)
    g[i] = g_lo * std::pow(g_hi / g_lo, static_cast<double>(i) / static_cast<double>(g.size() - 1));
  const std::vector<double> s = t.states_for_conductances(g, 0.2);
  for (size_t i = 0; i < g.size(); i += 1) {
    ASSERT_NEAR(t.eval(0.2, t.at_state(s[i])).i_A / 0.2, g[i], 1e-12 * g[i]) << i;
    if (i % 97 == 0) {
      EXPECT_DOUBLE_EQ(s[i], t.state_for_conductance(g[i], 0.2)) << i;
    }
  }
  for (double st : {0.0, 0.013, 0.5, 0.77, 1.0}) {
    const auto p = t.at_state(st);
    EXPECT_DOUBLE_EQ(p.g, t.conductance_S(st));
    for (double v : {-0.45, -0.2, 0.0, 0.05, 0.33, 0.49}) {
      const auto a = t.eval(v, p);
      EXPECT_NEAR(a.i_A, f(v, st), 2e-3 * std::abs(f(v, st)) + 1e-12) << st << " " << v;
    }
  }
  EXPECT_THROW(t.states_for_conductances({g_lo, 0.5 * g_lo}, 0.2), cimchar::InputError);
}

// The row form the crossbar solver calls equals eval cell by cell: inside the grid, exactly on
// its ends, beyond them (linear extrapolation) and for a NaN voltage (NaN, no out-of-bounds read).
TEST(TableTwin, EvalManyEqualsEvalInsideAtAndBeyondTheGrid) {
  const double v0 = 0.25;
  IV f = [&](double v, double w) { return std::sinh(v / v0) * v0 * (1e-6 + 1e-4 * w * w); };
  TableTwin t = tabulate(f, uniform(0, 1, 9), 0.5, 101);
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> V(-0.7, 0.7), S(0, 1);
  std::vector<double> v(400);
  std::vector<TableTwin::StatePoint> p(v.size());
  for (size_t c = 0; c < v.size(); ++c) v[c] = V(rng), p[c] = t.at_state(S(rng));
  v[0] = -0.5, v[1] = 0.5, v[2] = std::nextafter(0.5, 0.0), v[3] = 0.0, v[4] = 0.6;
  v[5] = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> i(v.size()), di(v.size());
  t.eval_many(v.data(), p.data(), v.size(), i.data(), di.data());
  for (size_t c = 0; c < v.size(); ++c) {
    const auto e = t.eval(v[c], p[c]);
    if (c == 5) {
      EXPECT_TRUE(std::isnan(i[c]) && std::isnan(e.i_A));
      continue;
    }
    EXPECT_NEAR(i[c], e.i_A, 1e-14 * std::abs(e.i_A) + 1e-30) << v[c];
    EXPECT_NEAR(di[c], e.di_dv_S, 1e-13 * std::abs(e.di_dv_S) + 1e-30) << v[c];
  }
}

TEST(TableTwin, RejectsMalformedTables) {
  EXPECT_THROW(TableTwin({0, 1}, -1, 1, {{0, 0, 0}, {0, 0, 0}}), cimchar::InputError);  // no G
  EXPECT_THROW(TableTwin({1, 0}, -1, 1, {{-1, 0, 1}, {-1, 0, 1}}), cimchar::InputError);
  EXPECT_THROW(TableTwin({0, 1}, -1, 1, {{-1, NAN, 1}, {-1, 0, 1}}), cimchar::InputError);
  EXPECT_THROW(TableTwin({0, 1}, -1, 1, {{-1, 1}, {-1, 1}}), cimchar::InputError);
}
