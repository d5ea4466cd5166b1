// Levenberg-Marquardt against data generated from known parameters: the fit must give them
// back within a few standard errors, and the standard errors must match the spread of the
// estimates over independent noise draws (the analytic meaning of a standard error).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "core/error.hpp"
#include "fit/levmar.hpp"

using namespace cimchar::fit;

namespace {
// A sinh-type I-V with an exponential state factor, like the RRAM read current.
void sinh_model(const std::vector<double>& x, const std::vector<double>& s,
                const std::vector<double>& p, std::vector<double>& out) {
  for (size_t i = 0; i < x.size(); ++i)
    out[i] = p[0] * std::exp(-s[i] / p[1]) * std::sinh(x[i] / p[2]);
}
}  // namespace

TEST(LevMar, RecoversKnownParametersWithinStandardErrors) {
  const std::vector<double> truth = {1e-4, 0.3, 0.25};  // A, nm-ish, V
  std::vector<double> x, s;
  for (double g : {0.6, 1.0, 1.4})
    for (int i = 1; i <= 20; ++i) {
      x.push_back(-0.5 + i * 0.05);
      s.push_back(g);
    }
  std::vector<double> clean(x.size());
  sinh_model(x, s, truth, clean);
  std::mt19937_64 rng(7);
  std::normal_distribution<double> noise(0.0, 0.01);
  std::vector<double> est0;
  double var0 = 0, se0 = 0;
  const int trials = 40;
  for (int t = 0; t < trials; ++t) {
    std::vector<double> y(x.size()), sigma(x.size());
    for (size_t i = 0; i < x.size(); ++i) {
      y[i] = clean[i] * (1.0 + noise(rng));
      sigma[i] = 0.01 * std::max(std::abs(clean[i]), 1e-12);
    }
    std::vector<FitParam> ps = {{"I0", 3e-5, 1e-7, 1e-2, true, "A"},
                                {"g0", 0.5, 0.05, 2.0, false, "nm"},
                                {"V0", 0.4, 0.05, 1.0, false, "V"}};
    auto m = [&](const std::vector<double>& p, std::vector<double>& out) { sinh_model(x, s, p, out); };
    FitResult r = levenberg_marquardt(ps, m, y, sigma);
    ASSERT_TRUE(r.converged) << r.status;
    for (size_t j = 0; j < 3; ++j) {
      EXPECT_LT(std::abs(r.values[j] - truth[j]), 5 * r.std_errors[j]) << ps[j].name;
      EXPECT_LT(std::abs(r.values[j] - truth[j]) / truth[j], 0.05) << ps[j].name;
    }
    est0.push_back(r.values[0]);
    se0 += r.std_errors[0] / trials;
  }
  double mean = 0;
  for (double e : est0) mean += e / trials;
  for (double e : est0) var0 += (e - mean) * (e - mean) / (trials - 1);
  // The reported standard error matches the empirical spread within sampling error (~25%).
  EXPECT_NEAR(std::sqrt(var0) / se0, 1.0, 0.35);
}

TEST(LevMar, RejectsBadSetup) {
  auto m = [](const std::vector<double>&, std::vector<double>&) {};
  EXPECT_THROW(levenberg_marquardt({{"a", 1, 2, 1, false, ""}}, m, {1, 2, 3}, {1, 1, 1}), cimchar::FitError);
  EXPECT_THROW(levenberg_marquardt({{"a", 1, 0, 2, false, ""}}, m, {1}, {1}), cimchar::FitError);
}

namespace {
struct Synthetic {
  std::vector<double> x, s, y, sigma;
};
// Data from the sinh model with known parameters and 1% Gaussian noise, at the given states.
Synthetic make_data(const std::vector<double>& truth, const std::vector<double>& states,
                    double noise_rel, double stated_rel, unsigned seed) {
  Synthetic d;
  for (double g : states)
    for (int i = 1; i <= 20; ++i) {
      d.x.push_back(-0.5 + i * 0.05);
      d.s.push_back(g);
    }
  std::vector<double> clean(d.x.size());
  sinh_model(d.x, d.s, truth, clean);
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0.0, noise_rel);
  for (size_t i = 0; i < d.x.size(); ++i) {
    d.y.push_back(clean[i] * (1.0 + noise(rng)));
    d.sigma.push_back(stated_rel * std::max(std::abs(clean[i]), 1e-12));
  }
  return d;
}
std::vector<FitParam> sinh_params() {
  return {{"I0", 3e-5, 1e-7, 1e-2, true, "A"},
          {"g0", 0.5, 0.05, 2.0, false, "nm"},
          {"V0", 0.4, 0.05, 1.0, false, "V"}};
}
}  // namespace

// Three states, stated noise = true noise: the fit passes the chi-square gate, the Jacobian has
// full rank, every parameter is identifiable, and chi2/dof is near 1 (sd sqrt(2/57) = 0.19).
TEST(LevMar, IdentifiableFitPassesTheGate) {
  auto d = make_data({1e-4, 0.3, 0.25}, {0.6, 1.0, 1.4}, 0.01, 0.01, 11);
  auto m = [&](const std::vector<double>& p, std::vector<double>& out) { sinh_model(d.x, d.s, p, out); };
  FitResult r = levenberg_marquardt(sinh_params(), m, d.y, d.sigma);
  EXPECT_TRUE(r.trustworthy()) << r.verdict();
  EXPECT_EQ(r.rank, 3);
  EXPECT_NEAR(r.chi2_reduced, 1.0, 3 * std::sqrt(2.0 / 57));
  EXPECT_EQ(r.start_chi2.size(), 4u);
  EXPECT_TRUE(r.unidentified.empty());
  // The correlation matrix has a unit diagonal and entries in [-1, 1].
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(r.correlation[static_cast<size_t>(i * 3 + i)], 1.0, 1e-9);
    for (int j = 0; j < 3; ++j) EXPECT_LE(std::abs(r.correlation[static_cast<size_t>(i * 3 + j)]), 1.0 + 1e-9);
  }
}

// One state only: I0 exp(-g/g0) is one number, so I0 and g0 cannot both be found. The fit must
// say so (rank 2, the direction named with ln I0 and ln g0 at about +-0.7) and give NaN errors
// for them instead of finite ones, while V0 stays identified and within 5 sigma of the truth.
TEST(LevMar, NonIdentifiableDirectionIsNamed) {
  auto d = make_data({1e-4, 0.3, 0.25}, {1.0}, 0.01, 0.01, 12);
  auto m = [&](const std::vector<double>& p, std::vector<double>& out) { sinh_model(d.x, d.s, p, out); };
  FitResult r = levenberg_marquardt(sinh_params(), m, d.y, d.sigma);
  EXPECT_TRUE(r.gof_passed) << r.chi2_reduced;  // the data are described, just not uniquely
  EXPECT_EQ(r.rank, 2);
  ASSERT_EQ(r.unidentified.size(), 1u);
  EXPECT_NE(r.unidentified[0].find("ln I0"), std::string::npos) << r.unidentified[0];
  EXPECT_NE(r.unidentified[0].find("ln g0"), std::string::npos) << r.unidentified[0];
  EXPECT_EQ(r.unidentified[0].find("V0"), std::string::npos) << r.unidentified[0];
  EXPECT_FALSE(r.identifiable[0]);
  EXPECT_FALSE(r.identifiable[1]);
  EXPECT_TRUE(std::isnan(r.std_errors[0]) && std::isnan(r.std_errors[1]));
  EXPECT_TRUE(r.identifiable[2]);
  EXPECT_LT(std::abs(r.values[2] - 0.25), 5 * r.std_errors[2]);
  EXPECT_FALSE(r.trustworthy());
}

// A model that cannot describe the data: a linear conductance fitted to a sinh I-V. The
// reduced chi-square is far above its limit and the fit is failed, even though the optimizer
// itself converges.
TEST(LevMar, GateFailsAModelThatCannotDescribeTheData) {
  auto d = make_data({1e-4, 0.3, 0.25}, {0.6, 1.0}, 0.01, 0.01, 13);
  auto linear = [&](const std::vector<double>& p, std::vector<double>& out) {
    for (size_t i = 0; i < d.x.size(); ++i) out[i] = p[0] * d.x[i];
  };
  FitResult r = levenberg_marquardt({{"G", 1e-4, 1e-9, 1.0, true, "S"}}, linear, d.y, d.sigma);
  EXPECT_FALSE(r.gof_passed);
  EXPECT_GT(r.chi2_reduced, 10 * r.chi2_limit);
  EXPECT_NE(r.verdict().find("does not describe the data"), std::string::npos) << r.verdict();
  // Understated noise (true 1%, stated 0.1%) fails the same gate: chi2/dof about 100.
  auto d2 = make_data({1e-4, 0.3, 0.25}, {0.6, 1.0, 1.4}, 0.01, 0.001, 14);
  auto m = [&](const std::vector<double>& p, std::vector<double>& out) { sinh_model(d2.x, d2.s, p, out); };
  FitResult r2 = levenberg_marquardt(sinh_params(), m, d2.y, d2.sigma);
  EXPECT_FALSE(r2.gof_passed);
  EXPECT_NEAR(r2.chi2_reduced, 100, 40);
}

// Bounds in the fitted coordinate: on a log-scale range [1, 1e12] ohm a value of 100 ohm is a
// sixth of the way up (not at the bound, although it is within 1e-6 of the linear span), while
// a truth beyond the upper bound leaves the value at the bound, flagged, without an error.
TEST(LevMar, AtBoundJudgedInTheFittedCoordinate) {
  std::vector<double> x, sigma, y;
  for (int i = 1; i <= 20; ++i) {
    x.push_back(0.01 * i);
    y.push_back(x.back() / 100.0);
    sigma.push_back(1e-3 * y.back());
  }
  auto ohm = [&](const std::vector<double>& p, std::vector<double>& out) {
    for (size_t i = 0; i < x.size(); ++i) out[i] = x[i] / p[0];
  };
  FitResult r = levenberg_marquardt({{"R", 1e4, 1.0, 1e12, true, "ohm"}}, ohm, y, sigma);
  EXPECT_NEAR(r.values[0], 100.0, 0.1);
  EXPECT_FALSE(r.at_bound[0]);
  FitResult r2 = levenberg_marquardt({{"R", 1e4, 1e3, 1e12, true, "ohm"}}, ohm, y, sigma);
  EXPECT_TRUE(r2.at_bound[0]);
  EXPECT_NEAR(r2.values[0], 1e3, 1e-6);
  EXPECT_FALSE(r2.gof_passed);  // and the data are then not described
}
