// ADC twin and static metrics (IEEE 1241 ramp test) against hand-worked transfer curves.
#include <gtest/gtest.h>

#include <cmath>

#include "core/rng.hpp"
#include "periph/adc_metrics.hpp"
#include "periph/adc_twin.hpp"

using namespace cimchar::periph;

namespace {

AdcSample ideal(const AdcDesign& d) {
  std::mt19937_64 rng(1);
  return draw_sample(d, AdcVariation{}, rng);
}

}  // namespace

// Issue requirement: an ideal converter measures INL and DNL below 0.05 LSB, ENOB = N.
TEST(AdcTwin, IdealIsLinear) {
  for (auto arch : {AdcArch::flash, AdcArch::sar})
    for (int bits = 2; bits <= 8; ++bits) {
      AdcDesign d{arch, bits, 0.9};
      const Ramp r = make_ramp(d, 64);
      const auto a = analyze(d, convert_ramp(d, ideal(d), r), r);
      EXPECT_LT(a.inl_max, 0.05) << to_string(arch) << bits;
      EXPECT_LT(a.dnl_max, 0.05) << to_string(arch) << bits;
      EXPECT_NEAR(a.offset, 0, 1.0 / 64) << to_string(arch) << bits;
      EXPECT_NEAR(a.gain_error, 0, 1e-9);
      // Discrete uniform ramp, 64 points per code: rms = Q/sqrt(12) * sqrt(1 - 1/64^2).
      EXPECT_NEAR(a.enob, bits - std::log2(std::sqrt(1 - 1.0 / 4096)), 1e-6);
    }
}

// A known comparator offset moves every transition by it: extracted within one ramp step.
TEST(AdcTwin, InjectedOffsetRecovered) {
  for (auto arch : {AdcArch::flash, AdcArch::sar}) {
    AdcDesign d{arch, 5, 1.0};
    AdcSample s = ideal(d);
    const double os = 0.37 * d.lsb_V();
    for (auto& v : s.offset_V) v = os;
    const Ramp r = make_ramp(d, 128);
    const auto a = analyze(d, convert_ramp(d, s, r), r);
    EXPECT_NEAR(a.offset, 0.37, 1.0 / 128) << to_string(arch);
    EXPECT_NEAR(a.gain_error, 0, 2.0 / 128 / 30);
    EXPECT_LT(a.dnl_max, 2.0 / 128);
  }
}

// SAR MSB capacitor too large by e: charge redistribution puts transition k where
// vin = vref * (sum of the kept caps) / Ctot, with C_4 = 16 (1 + e) and Ctot = 32 + 16 e.
TEST(AdcTwin, SarCapMismatchMatchesChargeRedistribution) {
  AdcDesign d{AdcArch::sar, 5, 1.0};
  AdcSample s = ideal(d);
  const double e = 0.02;
  s.cap_rel[4] = e;
  const double ctot = 32 + 16 * e;
  const Ramp r = make_ramp(d, 256);
  const auto a = analyze(d, convert_ramp(d, s, r), r);
  for (size_t k = 1; k < 32; ++k) {
    const double units = (k & 16 ? 16 * (1 + e) : 0) + static_cast<double>(k & 15);
    EXPECT_NEAR(a.transitions_V[k - 1], units / ctot, r.step + 1e-12) << k;
  }
}

// Metrics on a hand-built transfer curve: 3 bits, Q = 1/8 V, transitions chosen by hand.
namespace {
// The codes an ADC with transition levels t gives along the ramp r.
std::vector<int> codes_of(const std::vector<double>& t, const Ramp& r) {
  std::vector<int> codes(r.points);
  for (size_t p = 0; p < r.points; ++p) {
    int c = 0;
    for (double tk : t) c += r.x(p) >= tk ? 1 : 0;
    codes[p] = c;
  }
  return codes;
}
}  // namespace

TEST(AdcMetrics, HandBuiltCurve) {
  AdcDesign d{AdcArch::flash, 3, 1.0};
  const double q = 0.125;
  const std::vector<double> t = {1.2 * q, 2.2 * q, 3.0 * q, 4.4 * q, 5.2 * q, 6.2 * q, 7.2 * q};
  const Ramp r = make_ramp(d, 1000);
  const std::vector<int> codes = codes_of(t, r);
  const auto a = analyze(d, codes, r);
  const double tol = 2e-3;  // a few ramp steps of 1/1000 LSB
  for (size_t k = 0; k < 7; ++k) EXPECT_NEAR(a.transitions_V[k], t[k], r.step);
  EXPECT_NEAR(a.offset, 0.2, tol);
  // Endpoint fit: span 6 q over 6 codes: Q_fit = q, gain error 0.
  EXPECT_NEAR(a.gain_error, 0, tol);
  const std::vector<double> inl = {0, 0, -0.2, 0.2, 0, 0, 0};
  const std::vector<double> dnl = {0, -0.2, 0.4, -0.2, 0, 0};
  for (size_t k = 0; k < 7; ++k) EXPECT_NEAR(a.inl[k], inl[k], tol) << k;
  for (size_t k = 0; k < 6; ++k) EXPECT_NEAR(a.dnl[k], dnl[k], tol) << k;
  EXPECT_NEAR(a.inl_max, 0.2, tol);
  EXPECT_NEAR(a.dnl_max, 0.4, tol);
  // Quantization error over [T1, T7): codes 1..6 with widths 1, 0.8, 1.4, 0.8, 1, 1 (in q), each
  // reconstructed at T1 + (k - 1/2) q: integrate (x - xhat)^2 over each code by hand.
  const std::vector<double> lo = {1.2, 2.2, 3.0, 4.4, 5.2, 6.2};
  const std::vector<double> hi = {2.2, 3.0, 4.4, 5.2, 6.2, 7.2};
  double s2 = 0;
  for (size_t k = 0; k < 6; ++k) {
    const double c = 1.2 + (static_cast<double>(k + 1) - 0.5);
    s2 += (std::pow(hi[k] - c, 3) - std::pow(lo[k] - c, 3)) / 3;
  }
  const double rms = std::sqrt(s2 / 6.0);
  EXPECT_NEAR(a.q_error_rms, rms, 1e-3);
  EXPECT_NEAR(a.enob, 3 - std::log2(rms * std::sqrt(12.0)), 2e-3);
}

// A symmetric bow T[k] = k Q + beta (k - m)^2 (m the middle transition): the endpoint line
// through T[1] and T[n] is offset by beta (n-1)^2/4, so its INL peaks at the middle with
// beta (n-1)^2 / 4 / Q; the least-squares line is offset by beta mean((k-m)^2) = beta (n^2-1)/12,
// so its INL peaks at the ends with beta ((n-1)^2/4 - (n^2-1)/12) / Q.
TEST(AdcMetrics, BestFitAndEndpointInlOfABow) {
  AdcDesign d{AdcArch::flash, 4, 1.0};
  const double q = d.lsb_V(), beta = 0.004 * q;
  const size_t n = d.transitions();
  const double m = 0.5 * static_cast<double>(n + 1);
  std::vector<double> t(n);
  for (size_t k = 1; k <= n; ++k) t[k - 1] = static_cast<double>(k) * q + beta * (k - m) * (k - m);
  const Ramp r = make_ramp(d, 4000);
  const std::vector<int> codes = codes_of(t, r);
  const auto a = analyze(d, codes, r);
  const double nn = static_cast<double>(n);
  const double endpoint = beta * (nn - 1) * (nn - 1) / 4 / q;
  const double best = beta * ((nn - 1) * (nn - 1) / 4 - (nn * nn - 1) / 12) / q;
  EXPECT_NEAR(a.inl_max, endpoint, 2e-3);
  EXPECT_NEAR(a.inl_best_fit_max, best, 2e-3);
  EXPECT_NEAR(std::abs(a.inl_best_fit.front()), best, 2e-3);  // at the ends
  EXPECT_LT(a.inl_best_fit_max, a.inl_max);
}

// Comparator noise: the draws are reproducible, have the requested sigma, and a noisy converter
// still measures transitions on average where the noiseless one does.
TEST(AdcTwin, DecisionNoise) {
  AdcDesign d{AdcArch::flash, 4, 1.0};
  std::mt19937_64 rng(7);
  const AdcSample s = draw_sample(d, AdcVariation{0, 0, 1e-3}, rng);
  double s1 = 0, s2 = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double v = decision_noise(s, static_cast<uint64_t>(i), 3);
    EXPECT_EQ(v, decision_noise(s, static_cast<uint64_t>(i), 3));
    s1 += v;
    s2 += v * v;
  }
  EXPECT_NEAR(s1 / n, 0, 4 * 1e-3 / std::sqrt(n));
  EXPECT_NEAR(std::sqrt(s2 / n), 1e-3, 1e-3 * 4 / std::sqrt(2.0 * n));
  const Ramp r = make_ramp(d, 256);
  const auto a = analyze(d, convert_ramp(d, s, r), r);
  // The histogram estimate of a noisy threshold is unbiased; its spread is about
  // sqrt(sigma step / sqrt(pi)) (sum of p(1-p) over the points near the threshold).
  const double tol = 3e-3 / std::sqrt(1e-3 / r.step) + 2 * r.step;
  for (size_t k = 1; k <= 15; ++k)
    EXPECT_NEAR(a.transitions_V[k - 1], flash_threshold_V(d, s, k), tol);
}

// The flash's whole-ramp path (difference array, noise only in the window) makes exactly the
// decisions of the point-by-point converter.
TEST(AdcTwin, FlashRampEqualsPointByPoint) {
  for (double noise : {0.0, 2e-3}) {
    AdcDesign d{AdcArch::flash, 6, 1.0};
    std::mt19937_64 rng(11);
    const AdcSample s = draw_sample(d, AdcVariation{3e-3, 0, noise}, rng);
    const Ramp r = make_ramp(d, 32);
    const auto fast = convert_ramp(d, s, r);
    size_t differ = 0, noisy = 0;
    for (size_t p = 0; p < r.points; ++p) {
      const int c = convert(d, s, r.x(p), p);
      differ += fast[p] != c;
      // points where the noise changed a decision: the code is not that of the thresholds
      int plain = 0;
      for (size_t k = 1; k <= d.transitions(); ++k) plain += r.x(p) > flash_threshold_V(d, s, k);
      noisy += plain != c;
    }
    EXPECT_EQ(differ, 0u) << noise;
    if (noise > 0) {
      EXPECT_GT(noisy, 10u) << "the noise should change some decisions";
    }
  }
}
