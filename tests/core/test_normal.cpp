// The ziggurat normal sampler against the analytic N(0, 1): the table's closure, moments,
// tail probabilities (erfc) and the Kolmogorov-Smirnov distance to the normal CDF.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "core/normal.hpp"

namespace cimchar {
namespace {

TEST(ZigguratNormal, TableClosesAtTheTop) {
  // The published r and v make the 127 layers above the base end at f(0) = 1.
  const auto& t = ZigguratNormal::table();
  EXPECT_NEAR(t.y[127] + ZigguratNormal::v / t.x[127], 1.0, 1e-9);
  for (int i = 1; i < 128; ++i) EXPECT_GT(t.x[i], t.x[i + 1]) << i;
  // The base layer holds the rectangle [0, r] x [0, f(r)] and the whole tail beyond r.
  const double tail = std::sqrt(M_PI / 2) * std::erfc(ZigguratNormal::r / std::sqrt(2.0));
  EXPECT_NEAR(ZigguratNormal::r * t.y[1] + tail, ZigguratNormal::v, 1e-12);
}

TEST(ZigguratNormal, MomentsTailsAndCdfMatchTheNormal) {
  std::mt19937_64 rng(20261202);
  ZigguratNormal n01;
  const size_t n = 2'000'000;
  std::vector<double> z(n);
  for (auto& v : z) v = n01(rng);
  double m1 = 0, m2 = 0, m4 = 0;
  for (double v : z) {
    m1 += v;
    m2 += v * v;
    m4 += v * v * v * v;
  }
  m1 /= n;
  m2 /= n;
  m4 /= n;
  const double sn = std::sqrt(static_cast<double>(n));
  EXPECT_LT(std::abs(m1), 5 / sn);                 // sd of the mean 1/sqrt(n)
  EXPECT_LT(std::abs(m2 - 1), 5 * std::sqrt(2.0) / sn);  // sd of m2 sqrt(2/n)
  EXPECT_LT(std::abs(m4 - 3), 5 * std::sqrt(96.0) / sn);  // sd of m4 sqrt(96/n)
  // Tail counts: |z| > a with probability erfc(a / sqrt 2); within 5 binomial sd. a = 3.5 and
  // 4 lie beyond r, so they test the tail draw; 1 and 2 the layers and wedges.
  for (double a : {1.0, 2.0, 3.0, 3.5, 4.0}) {
    const double p = std::erfc(a / std::sqrt(2.0));
    const double k = static_cast<double>(std::count_if(z.begin(), z.end(), [a](double v) { return std::abs(v) > a; }));
    EXPECT_LT(std::abs(k - n * p), 5 * std::sqrt(n * p * (1 - p))) << "a = " << a;
  }
  // Kolmogorov-Smirnov: sup |F_n - Phi| below the 0.1% critical value 1.95 / sqrt(n).
  std::sort(z.begin(), z.end());
  double d = 0;
  for (size_t i = 0; i < n; ++i) {
    const double phi = 0.5 * std::erfc(-z[i] / std::sqrt(2.0));
    d = std::max({d, std::abs(phi - static_cast<double>(i) / n), std::abs(static_cast<double>(i + 1) / n - phi)});
  }
  EXPECT_LT(d, 1.95 / sn);
  EXPECT_GT(d, 0.0);
}

TEST(ZigguratNormal, TailBeyondTheBaseLayerHasTheNormalConditionalMean) {
  // Draws beyond r come from the separate tail sampler: E[|z| - r | |z| > r] =
  // phi(r) / Q(r) - r, checked within 5 standard errors on ~12,000 tail draws.
  std::mt19937_64 rng(7);
  ZigguratNormal n01;
  const double r = ZigguratNormal::r;
  double s1 = 0, s2 = 0, k = 0;
  for (int i = 0; i < 20'000'000; ++i) {
    const double a = std::abs(n01(rng));
    if (a <= r) continue;
    s1 += a - r;
    s2 += (a - r) * (a - r);
    k += 1;
  }
  const double q = 0.5 * std::erfc(r / std::sqrt(2.0));
  const double expected = std::exp(-0.5 * r * r) / std::sqrt(2 * M_PI) / q - r;
  const double mean = s1 / k, se = std::sqrt((s2 / k - mean * mean) / k);
  EXPECT_LT(std::abs(mean - expected), 5 * se) << mean << " vs " << expected;
  EXPECT_LT(std::abs(k - 2e7 * 2 * q), 5 * std::sqrt(2e7 * 2 * q));
}

}  // namespace
}  // namespace cimchar
