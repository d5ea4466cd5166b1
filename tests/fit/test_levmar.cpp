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
