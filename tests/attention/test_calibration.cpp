// The calibration pass (src/attention/calibration.hpp) reads only the model file's
// calibration split: the settings it chooses depend on /calibration and not on /input (the
// held-out set); a value fixed in the config wins; calibrated STAR on the shipped recall model
// is within a point of torch's fp32 accuracy where the preset's fixed format is not. The ADC
// range calibration (src/attention/range_calibration.hpp) finds the largest column current a
// closed form gives, from the calibration split only, without touching the run's counters.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>

#include "attention/attention_run.hpp"
#include "attention/calibration.hpp"
#include "attention/range_calibration.hpp"
#include "core/error.hpp"
#include "core/h5.hpp"

using namespace cimchar;
using namespace cimchar::attention;
namespace fs = std::filesystem;

namespace {

constexpr size_t kD = 4, kSeq = 8, kBatch = 6;

// x [kBatch, kSeq, kD], uniform in [-scale, scale].
std::vector<double> draw_x(uint64_t seed, double scale) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-scale, scale);
  std::vector<double> x(kBatch * kSeq * kD);
  for (double& v : x) v = u(rng);
  return x;
}

// One head, W_q = W_k = W_v = I, no biases, no output projection or residual: the scaled
// scores are x_i . x_j / sqrt(kD).
fs::path write_model(const std::string& name, const std::vector<double>& held_out,
                     const std::vector<double>* calibration) {
  fs::path p = fs::temp_directory_path() / "cimchar_test_calibration" / (name + ".h5");
  H5Writer w(p);
  w.attr("/", "format", std::string("cimchar-attention-model"));
  w.attr("/", "format_version", int64_t{1});
  w.attr("/", "kind", std::string("mha"));
  w.group("/model");
  w.attr("/model", "d_model", int64_t{kD});
  w.attr("/model", "n_heads", int64_t{1});
  w.attr("/model", "n_layers", int64_t{1});
  const std::string g = "/model/layers/0";
  w.group(g + "/attn");
  w.attr(g, "residual", int64_t{0});
  w.attr(g, "norm_first", int64_t{0});
  w.attr(g + "/attn", "n_heads", int64_t{1});
  w.attr(g + "/attn", "out_proj", int64_t{0});
  std::vector<double> eye(kD * kD, 0.0), zero(kD, 0.0);
  for (size_t i = 0; i < kD; ++i) eye[i * kD + i] = 1;
  for (const char* k : {"w_q", "w_k", "w_v"}) w.write(g + "/attn/" + k, eye, {kD, kD}, "");
  for (const char* k : {"b_q", "b_k", "b_v"}) w.write(g + "/attn/" + k, zero, {kD}, "");
  w.write("/input/x", held_out, {kBatch, kSeq, kD}, "");
  if (calibration) w.write("/calibration/x", *calibration, {kBatch, kSeq, kD}, "");
  w.commit();
  return p;
}

// The scaled scores of a batch, computed here from the definition.
std::vector<double> scores_of(const std::vector<double>& x) {
  std::vector<double> s;
  for (size_t b = 0; b < kBatch; ++b)
    for (size_t i = 0; i < kSeq; ++i)
      for (size_t j = 0; j < kSeq; ++j) {
        double dot = 0;
        for (size_t c = 0; c < kD; ++c) dot += x[(b * kSeq + i) * kD + c] * x[(b * kSeq + j) * kD + c];
        s.push_back(dot / std::sqrt(static_cast<double>(kD)));
      }
  return s;
}
double abs_max(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m = std::max(m, std::abs(x));
  return m;
}

RunSummary run(const fs::path& model, const std::string& config) {
  RunRequest r;
  r.model_file = model;
  r.out_file = model.parent_path() / (model.stem().string() + "_out.h5");
  r.config_text = config;
  return run_attention(r);
}
const ChosenValue& chosen(const RunSummary& s, const std::string& key) {
  for (const auto& c : s.calibrated)
    if (c.key == key) return c;
  throw std::runtime_error("no calibrated value " + key);
}

const char* kStar = "[attention]\nscheme = \"star\"\nanalog_products = []\n";

TEST(Calibration, ChoosesFromTheCalibrationSplitOnlyNeverTheHeldOutSet) {
  const auto cal = draw_x(1, 2.0);
  // Two held-out sets whose scores are far larger or smaller than the calibration split's.
  const auto big = draw_x(2, 20.0), small = draw_x(3, 0.1);
  const RunSummary a = run(write_model("big", big, &cal), kStar);
  const RunSummary b = run(write_model("small", small, &cal), kStar);
  const FixedPoint want = covering_format(8, abs_max(scores_of(cal)));
  EXPECT_EQ(chosen(a, "score_frac_bits").source, "calibration");
  EXPECT_EQ(chosen(a, "score_frac_bits").value, want.frac_bits);
  EXPECT_EQ(chosen(b, "score_frac_bits").value, want.frac_bits);
  // The held-out sets would have given other formats: the test can tell.
  EXPECT_NE(covering_format(8, abs_max(scores_of(big))).frac_bits, want.frac_bits);
  EXPECT_NE(covering_format(8, abs_max(scores_of(small))).frac_bits, want.frac_bits);
  // The format covers the largest score and one more fractional bit would not.
  EXPECT_GE(want.max(), abs_max(scores_of(cal)));
  EXPECT_LT(FixedPoint({8, want.frac_bits + 1}).max(), abs_max(scores_of(cal)));
  // Written to the output file with its source.
  H5Reader h(fs::temp_directory_path() / "cimchar_test_calibration" / "big_out.h5");
  EXPECT_EQ(h.read("/calibration/score_frac_bits")[0], want.frac_bits);
  EXPECT_EQ(h.attr_string("/calibration/score_frac_bits", "source"), "calibration");
}

TEST(Calibration, SprintThresholdIsTheCalibrationScoresQuantileForTheKeepRatio) {
  const auto cal = draw_x(4, 1.0), held = draw_x(5, 30.0);
  const RunSummary s = run(write_model("sprint", held, &cal),
                           "[attention]\nscheme = \"sprint\"\nkeep_ratio = 0.25\n");
  std::vector<double> sc = scores_of(cal);
  std::sort(sc.begin(), sc.end());
  // The 0.75 quantile with linear interpolation between order statistics.
  const double pos = 0.75 * static_cast<double>(sc.size() - 1);
  const auto lo = static_cast<size_t>(pos);
  const double want = sc[lo] + (pos - static_cast<double>(lo)) * (sc[lo + 1] - sc[lo]);
  EXPECT_NEAR(chosen(s, "threshold").value, want, 1e-12);
  const auto above = std::count_if(sc.begin(), sc.end(), [&](double x) { return x > want; });
  EXPECT_NEAR(static_cast<double>(above) / static_cast<double>(sc.size()), 0.25, 1.0 / kSeq);
}

TEST(Calibration, AFixedConfigValueWins) {
  const auto cal = draw_x(1, 2.0), held = draw_x(2, 20.0);
  const fs::path m = write_model("fixed", held, &cal);
  const RunSummary s = run(m, std::string(kStar) + "score_frac_bits = 6\n");
  EXPECT_EQ(chosen(s, "score_frac_bits").value, 6);
  EXPECT_EQ(chosen(s, "score_frac_bits").source, "config");
  EXPECT_NE(covering_format(8, abs_max(scores_of(cal))).frac_bits, 6);
  const RunSummary k = run(m, "[attention]\nscheme = \"attar\"\nanalog_products = []\ntop_k = 3\n");
  EXPECT_EQ(chosen(k, "top_k").value, 3);
  EXPECT_EQ(chosen(k, "top_k").source, "config");
  const RunSummary dn = run(m, "[attention]\nscheme = \"attar\"\nanalog_products = []\ndensity = 0.25\n");
  EXPECT_EQ(chosen(dn, "top_k").value, 2);  // 0.25 of 8 keys
  const std::string hs = "[attention]\nscheme = \"hardsea\"\ncentroids = 4\n";
  EXPECT_EQ(chosen(run(m, hs + "density = 0.25\n"), "top_k").value, 2);
  EXPECT_EQ(chosen(run(m, hs + "density = 0.25\n"), "top_k").source, "calibration");
  EXPECT_EQ(chosen(run(m, hs + "top_k = 3\n"), "top_k").source, "config");
  EXPECT_THROW(run(m, hs + "top_k = 3\ndensity = 0.5\n"), ConfigError);
  const RunSummary th = run(m, "[attention]\nscheme = \"sprint\"\nthreshold = 0.5\n");
  EXPECT_EQ(chosen(th, "threshold").value, 0.5);
  EXPECT_EQ(chosen(th, "threshold").source, "config");
  EXPECT_EQ(chosen(run(m, "[attention]\nscheme = \"sprint\"\n"), "threshold").source, "default");
}

TEST(Calibration, WithoutASplitDefaultsAreSaidAndKeepRatioIsRefused) {
  const fs::path m = write_model("nosplit", draw_x(2, 1.0), nullptr);
  const RunSummary s = run(m, kStar);
  EXPECT_EQ(chosen(s, "score_frac_bits").value, 4);
  EXPECT_EQ(chosen(s, "score_frac_bits").source, "default (no calibration split)");
  EXPECT_THROW(run(m, "[attention]\nscheme = \"sprint\"\nkeep_ratio = 0.5\n"), ConfigError);
  EXPECT_THROW(run(m, "[attention]\nscheme = \"sprint\"\nkeep_ratio = 0.5\nthreshold = 1\n"),
               ConfigError);
  EXPECT_THROW(run(m, "[attention]\nscheme = \"attar\"\ntop_k = 2\ndensity = 0.5\n"), ConfigError);
}

const char* kBaseline = "[attention]\nscheme = \"rram-baseline\"\n";

// One tile, read per read with the range recorded: a matrix of `in` rows of the largest weight
// driven with every input bit set carries in x v_read x g_on on each positive column of a full
// slice, in / rows of a full tile; bipolar (I+ - I-) the same over g_on - g_off.
TEST(RangeCalibration, ThePeakOfAFullDriveIsTheFilledRowsFraction) {
  for (const bool analog : {false, true}) {
    CrossbarConfig c;
    c.diff_sense = analog ? DiffSense::analog : DiffSense::digital;
    std::array<bool, kProductCount> on{};
    on.fill(true);
    CrossbarBackend be(c, CrossbarParts{}, on, 7);
    be.record_ranges(true);
    auto u = be.make({Product::q_proj, 0, -1, -1});
    u->program(Mat::Ones(5, 16));  // w_int 127: slices (3, 3, 3, 1) of 2 bits
    u->apply(Mat::Ones(3, 16));    // x_int 255: every bit set in every cycle
    be.record_ranges(false);
    EXPECT_NEAR(be.range_peak(Product::q_proj).peak(), 16.0 / 128, 1e-12) << analog;
    EXPECT_GT(be.range_peak(Product::q_proj).reads(), 0);
    EXPECT_EQ(be.stats()[static_cast<size_t>(Product::q_proj)].programs, 0);  // scratch counters
    // The calibrated range shrinks the ADC error of a product that stays inside it.
    std::mt19937_64 rng(3);
    std::uniform_real_distribution<double> d(-1, 1);
    const Mat w = Mat::NullaryExpr(5, 16, [&] { return d(rng); });
    const Mat x = Mat::NullaryExpr(40, 16, [&] { return d(rng); });
    auto err = [&](CrossbarBackend& b) {
      auto m = b.make({Product::k_proj, 0, -1, -1});
      m->program(w);
      return (m->apply(x) - x * w.transpose()).norm();
    };
    const double e_full = err(be);
    be.record_ranges(true);
    err(be);
    be.record_ranges(false);
    const double peak = be.range_peak(Product::k_proj).peak();
    ASSERT_GT(peak, 0);
    ASSERT_LT(peak, 0.2);
    be.set_adc_full_scale(Product::k_proj, covering_full_scale(peak));
    EXPECT_LT(err(be), 0.5 * e_full) << analog << " peak " << peak;
  }
}

// W_q = W_k = W_v = I and a calibration split of ones (every input bit set): the diagonal cell
// at g_on and three at g_off per column of q/k/v (g_on + 3 g_off over 128 g_on); the scores
// array holds K = ones in 4 rows (4 / 128); the context array V = ones in 8 rows read with
// uniform probabilities (8 / 128). From the split only: two held-out sets give the same values.
TEST(RangeCalibration, ChoosesTheSplitsLargestReadForEveryProduct) {
  const std::vector<double> ones(kBatch * kSeq * kD, 1.0);
  const RunSummary a = run(write_model("rng_a", draw_x(2, 20.0), &ones), kBaseline);
  const RunSummary b = run(write_model("rng_b", draw_x(3, 0.1), &ones), kBaseline);
  const double g_on = 100e-6, g_off = 1e-6;
  const double proj = (g_on + 3 * g_off) / (128 * g_on);
  for (const char* p : {"q_proj", "k_proj", "v_proj"})
    EXPECT_NEAR(chosen(a, std::string("crossbar.adc_full_scale.") + p).value, proj, 1e-12) << p;
  EXPECT_NEAR(chosen(a, "crossbar.adc_full_scale.scores").value, 4.0 / 128, 1e-12);
  EXPECT_NEAR(chosen(a, "crossbar.adc_full_scale.context").value, 8.0 / 128, 1e-12);
  EXPECT_EQ(chosen(a, "crossbar.adc_full_scale.q_proj").source, "calibration");
  ASSERT_EQ(a.calibrated.size(), b.calibrated.size());
  for (size_t i = 0; i < a.calibrated.size(); ++i) EXPECT_EQ(a.calibrated[i].value, b.calibrated[i].value);
  // Another split gives other ranges: the last feature 0 takes one g_off row from each q/k/v
  // column's read and one driven row from the scores array's.
  std::vector<double> three = ones;
  for (size_t i = kD - 1; i < three.size(); i += kD) three[i] = 0;
  const RunSummary c = run(write_model("rng_c", draw_x(2, 20.0), &three), kBaseline);
  EXPECT_NEAR(chosen(c, "crossbar.adc_full_scale.q_proj").value, (g_on + 2 * g_off) / (128 * g_on), 1e-12);
  EXPECT_NEAR(chosen(c, "crossbar.adc_full_scale.scores").value, 3.0 / 128, 1e-12);
  H5Reader h(fs::temp_directory_path() / "cimchar_test_calibration" / "rng_a_out.h5");
  EXPECT_NEAR(h.read("/calibration/crossbar.adc_full_scale.scores")[0], 4.0 / 128, 1e-12);
  EXPECT_EQ(h.attr_string("/calibration/crossbar.adc_full_scale.scores", "source"), "calibration");
}

// calibration_sequences = n reads the ranges on the split's first n sequences only: a split whose
// first sequence has its last feature 0 (one g_off row fewer in each q/k/v column) and the rest
// all ones gives (g_on + 2 g_off) / (128 g_on) at n = 1 and (g_on + 3 g_off) / (128 g_on) at the
// default; 0 is refused naming the key.
TEST(RangeCalibration, CalibrationSequencesReadsTheFirstN) {
  std::vector<double> split(kBatch * kSeq * kD, 1.0);
  for (size_t i = kD - 1; i < kSeq * kD; i += kD) split[i] = 0;  // sequence 0 only
  const fs::path m = write_model("rng_first", draw_x(2, 1.0), &split);
  const double g_on = 100e-6, g_off = 1e-6;
  const RunSummary one = run(m, std::string(kBaseline) + "calibration_sequences = 1\n");
  const RunSummary all = run(m, kBaseline);
  EXPECT_NEAR(chosen(one, "crossbar.adc_full_scale.q_proj").value, (g_on + 2 * g_off) / (128 * g_on), 1e-12);
  EXPECT_NEAR(chosen(all, "crossbar.adc_full_scale.q_proj").value, (g_on + 3 * g_off) / (128 * g_on), 1e-12);
  EXPECT_NE(chosen(one, "crossbar.adc_full_scale.q_proj").basis.find("of 1 calibration sequences"), std::string::npos);
  try {
    run(m, std::string(kBaseline) + "calibration_sequences = 0\n");
    ADD_FAILURE() << "accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("calibration_sequences"), std::string::npos) << e.what();
  }
}

// The calibration pass runs on a twin of the scheme: the run's counters are those of a run with
// the same range fixed; a range in the config wins; without a split the default is said.
TEST(RangeCalibration, ConfigWinsCountersUntouchedDefaultWithoutSplit) {
  const std::vector<double> ones(kBatch * kSeq * kD, 1.0);
  const fs::path m = write_model("rng_fixed", draw_x(2, 1.0), &ones);
  const RunSummary cal = run(m, kBaseline);
  const RunSummary fixed = run(m, std::string(kBaseline) + "[attention.crossbar]\nadc_full_scale = 0.5\n");
  EXPECT_EQ(chosen(fixed, "crossbar.adc_full_scale").value, 0.5);
  EXPECT_EQ(chosen(fixed, "crossbar.adc_full_scale").source, "config");
  EXPECT_THROW(chosen(fixed, "crossbar.adc_full_scale.q_proj"), std::runtime_error);
  ASSERT_EQ(cal.counters.size(), fixed.counters.size());
  for (size_t i = 0; i < cal.counters.size(); ++i) {
    EXPECT_EQ(cal.counters[i].stats.programs, fixed.counters[i].stats.programs) << cal.counters[i].name;
    EXPECT_EQ(cal.counters[i].stats.adc_conversions, fixed.counters[i].stats.adc_conversions);
    EXPECT_EQ(cal.counters[i].stats.macs, fixed.counters[i].stats.macs);
  }
  const RunSummary none = run(write_model("rng_none", draw_x(2, 1.0), nullptr), kBaseline);
  EXPECT_EQ(chosen(none, "crossbar.adc_full_scale").value, 1.0);
  EXPECT_EQ(chosen(none, "crossbar.adc_full_scale").source, "default (no calibration split)");
}

// The shipped recall model (models/README.md): STAR's softmax engine alone (products exact),
// calibrated, against torch's fp32 accuracy on the 1024 held-out sequences; the preset's old
// fixed format (4 fractional bits, range +-8) saturates the peaked scores.
TEST(CalibrationRecall, CalibratedStarWithinOnePointOfFp32) {
  RunRequest r;
  r.model_file = fs::path(CIMCHAR_TEST_SOURCE_DIR) / "models" / "recall.h5";
  r.out_file = fs::temp_directory_path() / "cimchar_test_calibration" / "recall_star.h5";
  r.config_text = kStar;
  const RunSummary s = run_attention(r);
  ASSERT_TRUE(s.accuracy && s.accuracy_fp32_recorded);
  EXPECT_GE(s.accuracy_n, 1000);
  EXPECT_EQ(chosen(s, "score_frac_bits").source, "calibration");
  EXPECT_GT(*s.accuracy, *s.accuracy_fp32_recorded - 0.01);
  r.config_text = std::string(kStar) + "score_frac_bits = 4\n";
  r.max_sequences = 256;
  const RunSummary fixed = run_attention(r);
  EXPECT_LT(*fixed.accuracy, *s.accuracy_fp32_recorded - 0.2);
}

// The shipped recall model, every product on crossbars with ideal parts (statistical readout):
// the ADC range calibrated per product against the old fixed full tile, on 384 held-out
// sequences. The calibration split's largest reads are 6-47% of a full tile, so at 1.0 the
// 8-bit ADC spends 1-4 of its bits on currents that never come.
TEST(CalibrationRecall, CalibratedAdcRangesRecoverTheIdealAccuracy) {
  RunRequest r;
  r.model_file = fs::path(CIMCHAR_TEST_SOURCE_DIR) / "models" / "recall.h5";
  r.out_file = fs::temp_directory_path() / "cimchar_test_calibration" / "recall_ranges.h5";
  const std::string cfg = std::string(kBaseline) + "[attention.crossbar]\nreadout = \"statistical\"\n";
  r.config_text = cfg;
  r.max_sequences = 384;
  const RunSummary s = run_attention(r);
  r.config_text = cfg + "adc_full_scale = 1.0\n";
  const RunSummary fixed = run_attention(r);
  ASSERT_TRUE(s.accuracy && fixed.accuracy && s.accuracy_ideal);
  const double fs = chosen(s, "crossbar.adc_full_scale.q_proj").value;
  EXPECT_GT(fs, 0.01);
  EXPECT_LT(fs, 0.5);
  std::printf("ideal %.4f calibrated %.4f fixed %.4f\n", *s.accuracy_ideal, *s.accuracy, *fixed.accuracy);
  EXPECT_GT(*s.accuracy, *s.accuracy_ideal - 0.02);
  EXPECT_LT(*fixed.accuracy, *s.accuracy - 0.04);
}

}  // namespace
