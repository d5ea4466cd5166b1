// The calibration pass (src/attention/calibration.hpp) reads only the model file's
// calibration split: the settings it chooses depend on /calibration and not on /input (the
// held-out set); a value fixed in the config wins; calibrated STAR on the shipped recall model
// is within a point of torch's fp32 accuracy where the preset's fixed format is not.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>

#include "attention/attention_run.hpp"
#include "attention/calibration.hpp"
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

}  // namespace
