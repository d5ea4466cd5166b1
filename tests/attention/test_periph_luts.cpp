// Peripheral LUTs read by the schemes, against the distributions written into the files.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>

#include "attention/nonideal.hpp"
#include "attention/periph_luts.hpp"
#include "core/h5.hpp"
#include "lut/periph_records.hpp"

using namespace cimchar;
using namespace cimchar::attention;

namespace {

std::string threshold_file(const char* name, const std::vector<double>& d,
                           const std::vector<double>& p, double sigma) {
  const auto path = std::filesystem::temp_directory_path() / name;
  H5Writer w(path);
  if (p.size() != d.size()) {  // a misshapen file, by hand (the record would refuse to write it)
    w.write("/lut/threshold/distance", d, {d.size()}, "V");
    w.write("/lut/threshold/distance_current", d, {d.size()}, "A");
    w.write("/lut/threshold/p_prune", p, {p.size()}, "1");
  } else {
    lut::ThresholdLut t;
    t.distance = d;
    t.distance_current = d;
    t.p_prune = t.p_prune_spice = t.p_prune_gaussian = t.p_false_prune = t.p_false_keep = p;
    t.sigma_total_V = sigma;
    lut::write(w, t);
  }
  w.commit();
  return path.string();
}

}  // namespace

TEST(ComparatorLut, GaussianTableGivesItsSigma) {
  const double sigma = 5e-3;
  std::vector<double> d, p;
  for (int k = -10; k <= 10; ++k) {
    d.push_back(k * 2e-3);
    p.push_back(0.5 * std::erfc(d.back() / (std::sqrt(2.0) * sigma)));
  }
  auto lut = ComparatorLut::load(threshold_file("cimchar_lut_gauss.h5", d, p, sigma));
  std::mt19937_64 rng(4);
  const int n = 100000;
  double s = 0, s2 = 0;
  int above = 0;
  for (int i = 0; i < n; ++i) {
    const double x = lut.draw_offset_V(rng);
    s += x;
    s2 += x * x;
    above += x > 4e-3;
  }
  const double mean = s / n, sd = std::sqrt(s2 / n - mean * mean);
  EXPECT_NEAR(mean, 0, 4 * sigma / std::sqrt(n));
  EXPECT_NEAR(sd / sigma, 1, 0.02);  // piecewise-linear CDF between 2 mV points
  const double p4 = 0.5 * std::erfc(4e-3 / (std::sqrt(2.0) * sigma));
  EXPECT_NEAR(static_cast<double>(above) / n, p4, 4 * std::sqrt(p4 * (1 - p4) / n));
}

TEST(ComparatorLut, NonGaussianTableIsReproduced) {
  // A uniform offset on [-5, 5] mV: p_prune(d) = (5 mV - d) / 10 mV inside, 0 or 1 outside.
  std::vector<double> d, p;
  for (int k = -8; k <= 8; ++k) {
    d.push_back(k * 1e-3);
    p.push_back(std::clamp((5e-3 - d.back()) / 10e-3, 0.0, 1.0));
  }
  auto lut = ComparatorLut::load(threshold_file("cimchar_lut_uniform.h5", d, p, 2.9e-3));
  std::mt19937_64 rng(8);
  const int n = 100000;
  double s2 = 0, lo = 1, hi = -1;
  for (int i = 0; i < n; ++i) {
    const double x = lut.draw_offset_V(rng);
    s2 += x * x;
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  EXPECT_NEAR(s2 / n, 100e-6 / 12, 0.02 * 100e-6 / 12);
  EXPECT_GE(lo, -5e-3 - 1e-12);
  EXPECT_LE(hi, 5e-3 + 1e-12);
}

TEST(ComparatorLut, BadFileNamesTheDataset) {
  try {
    ComparatorLut::load(threshold_file("cimchar_lut_bad.h5", {0, 1e-3}, {0.5}, 1e-3));
    FAIL();
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("p_prune"), std::string::npos) << e.what();
  }
}

namespace {

std::string adc_file(const char* name, int bits, double mean, double sigma) {
  const auto path = std::filesystem::temp_directory_path() / name;
  H5Writer w(path);
  const size_t n = (size_t{1} << bits) - 1;
  lut::AdcErrorLut l;
  for (size_t k = 1; k <= n; ++k) l.transition.push_back(static_cast<double>(k));
  l.transition_error_mean.assign(n, mean);
  l.transition_error_sigma.assign(n, sigma);
  lut::write(w, l, lut::AdcErrorLut::group("sar", bits));
  w.commit();
  return path.string();
}

}  // namespace

TEST(AdcLut, ErrorFreeTableIsTheUniformQuantizer) {
  auto lut = std::make_shared<const AdcLut>(AdcLut::load(adc_file("cimchar_adc0.h5", 5, 0, 0), "sar", 5, 8, 1));
  LutAdcModel adc(lut);
  UniformAdc ref(5);
  std::mt19937_64 rng(3);
  for (bool bipolar : {false, true}) {
    Mat i = Mat::NullaryExpr(40, 16, [&] { return std::uniform_real_distribution<double>(-1.2e-6, 1.2e-6)(rng); });
    if (!bipolar) i = i.cwiseAbs();
    Mat a = i, b = i;
    adc.convert(a, 1e-6, bipolar, rng);
    ref.convert(b, 1e-6, bipolar, rng);
    EXPECT_LT((a - b).cwiseAbs().maxCoeff(), 1e-18) << bipolar;
  }
}

// code(x) counts the transitions at or below x, as std::upper_bound does, also where the errors
// are large (sigma 1.5 LSB, mean 2 LSB: the walk from round(x) takes several steps), beyond both
// ends, at the transitions themselves, and for NaN and infinities.
TEST(AdcLut, CodeCountsTheTransitionsAtOrBelowTheInput) {
  const auto lut = AdcLut::load(adc_file("cimchar_adc_walk.h5", 6, 2.0, 1.5), "sar", 6, 4, 9);
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(-8.0, 72.0);
  auto count = [&](double x, size_t k) {
    const auto& t = lut.transitions(k);
    return static_cast<int>(std::upper_bound(t.begin(), t.end(), x) - t.begin());
  };
  for (size_t k = 0; k < 4; ++k) {
    for (int i = 0; i < 20000; ++i) {
      const double x = u(rng);
      ASSERT_EQ(lut.code(x, k), count(x, k)) << x;
    }
    for (double x : lut.transitions(k)) {
      EXPECT_EQ(lut.code(x, k), count(x, k));
      EXPECT_EQ(lut.code(std::nextafter(x, -1e9), k), count(std::nextafter(x, -1e9), k));
    }
    for (double x : {std::nan(""), HUGE_VAL, -HUGE_VAL, 1e300, -1e300})
      EXPECT_EQ(lut.code(x, k), count(x, k)) << x;
  }
}

TEST(AdcLut, OffsetShiftsEveryTransition) {
  // Every transition 0.3 LSB late: the code of x LSB is round(x - 0.3).
  auto lut = AdcLut::load(adc_file("cimchar_adc_off.h5", 4, 0.3, 0), "sar", 4, 1, 1);
  for (double x : {0.0, 0.7, 0.81, 1.79, 1.81, 7.2, 14.79, 14.81, 20.0})
    EXPECT_EQ(lut.code(x, 0), std::clamp(static_cast<int>(std::lround(x - 0.3)), 0, 15)) << x;
}

TEST(AdcLut, MeanSquareErrorIsQuantizationNoisePlusOffset) {
  // Uniform input: an ideal quantizer's error is 1/12 LSB^2; every transition 0.3 LSB late
  // adds the offset's square (0.09 LSB^2), less a sliver where the top code is clipped.
  LutAdcModel ideal(std::make_shared<const AdcLut>(AdcLut::load(adc_file("cimchar_adc_ms0.h5", 6, 0, 0), "sar", 6, 4, 1)));
  EXPECT_NEAR(ideal.error_ms_lsb2(), 1.0 / 12, 2e-4);
  LutAdcModel late(std::make_shared<const AdcLut>(AdcLut::load(adc_file("cimchar_adc_ms3.h5", 6, 0.3, 0), "sar", 6, 4, 1)));
  EXPECT_NEAR(late.error_ms_lsb2(), 1.0 / 12 + 0.09, 3e-3);
  EXPECT_DOUBLE_EQ(UniformAdc(8).error_ms_lsb2(), 1.0 / 12);
  EXPECT_EQ(UniformAdc(0).error_ms_lsb2(), 0.0);
}

TEST(AdcLut, MissingBitWidthNamesIt) {
  try {
    AdcLut::load(adc_file("cimchar_adc_b4.h5", 4, 0, 0), "sar", 6, 1, 1);
    FAIL();
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("6-bit sar"), std::string::npos) << e.what();
  }
}

TEST(WtaLut, NearestCapacitanceAndRelativeSigma) {
  const auto path = std::filesystem::temp_directory_path() / "cimchar_wta_lut.h5";
  {
    H5Writer w(path);
    lut::WtaDecisionLut l;
    l.capacitance = {50e-15, 200e-15};
    l.margin = {0.1};
    l.p_error = l.p_error_ngspice = {0.1, 0.01};
    l.resolved_margin = {0.1, 0.1};
    l.sigma_total = {6e-3, 5e-3};
    l.v_trip_V = 0.5;
    l.i_min_A = 1e-6;
    l.i_max_A = 1e-4;
    l.delay = l.delay_max = {5e-9, 20e-9};
    l.energy = {80e-15, 320e-15};
    lut::write(w, l);
    w.commit();
  }
  const auto a = WtaLut::load(path.string(), 60e-15), b = WtaLut::load(path.string(), 150e-15);
  EXPECT_EQ(a.capacitance_F, 50e-15);
  EXPECT_EQ(b.capacitance_F, 200e-15);  // nearest on a log scale
  EXPECT_DOUBLE_EQ(a.sigma_rel, 6e-3 / 0.5);
  EXPECT_DOUBLE_EQ(b.delay_s, 20e-9);
  EXPECT_DOUBLE_EQ(b.energy_J, 320e-15);
}
