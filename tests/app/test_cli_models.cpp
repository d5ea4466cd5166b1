// The shipped trained models (models/*.h5, models/README.md) through the real binary: the
// ideal scheme reproduces what torch computed when the model was exported, i.e. the encoder
// output and the task logits stored in the file (to 1e-5 relative), every held-out prediction,
// and so the held-out accuracy torch recorded, exactly.
#include <gtest/gtest.h>

#include <cmath>

#include "cli_runner.hpp"
#include "core/h5.hpp"

namespace fs = std::filesystem;

namespace {

void check_model(const std::string& name) {
  const std::string model = std::string(CIMCHAR_TEST_SOURCE_DIR) + "/models/" + name + ".h5";
  const fs::path d = fresh_dir("models_" + name);
  const auto r = run_cimchar("attention --model " + model + " --scheme ideal --out " +
                             (d / "a.h5").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  cimchar::H5Reader m(model), h(d / "a.h5");
  EXPECT_LT(h.read("/metrics/rel_l2_vs_torch")[0], 1e-5);

  std::vector<size_t> dims, ref_dims;
  const auto logits = h.read("/task/logits", &dims);
  const auto ref = m.read("/output/logits", &ref_dims);  // torch float32, at export
  ASSERT_EQ(dims, ref_dims);
  ASSERT_EQ(dims.size(), 2u);
  const size_t B = dims[0], C = dims[1];
  double err = 0, norm = 0;
  int agree = 0;
  for (size_t b = 0; b < B; ++b) {
    size_t arg = 0, arg_ref = 0;
    for (size_t c = 0; c < C; ++c) {
      const double v = logits[b * C + c], t = ref[b * C + c];
      err += (v - t) * (v - t);
      norm += t * t;
      if (v > logits[b * C + arg]) arg = c;
      if (t > ref[b * C + arg_ref]) arg_ref = c;
    }
    agree += arg == arg_ref;
  }
  EXPECT_LT(std::sqrt(err / norm), 1e-5);
  EXPECT_EQ(agree, static_cast<int>(B));  // every held-out prediction is torch's

  const double recorded = m.attr_double("/task", "fp32_accuracy");
  EXPECT_GT(recorded, 0.5);  // a trained model, not chance
  EXPECT_EQ(h.read("/task/accuracy_ideal")[0], recorded);
  EXPECT_EQ(h.read("/task/accuracy")[0], recorded);
  EXPECT_EQ(h.read("/task/fp32_accuracy_recorded")[0], recorded);
  const auto pairs = h.read("/task/paired_counts");  // the ideal run against itself
  EXPECT_EQ(pairs[1] + pairs[2], 0.0);
  EXPECT_EQ(h.read("/task/accuracy_delta")[0], 0.0);
}

// The causal character language model (tools/train_lm.py): the ideal run's perplexity and
// next-token accuracy over every labelled held-out position equal those torch recorded at
// export (float32 there, double here), and the file is GPT-2-shaped: a causal mask, GELU (tanh),
// learned positions, the head tied to the token embedding.
TEST(CliModels, LmIdealReproducesTorchPerplexity) {
  const std::string model = std::string(CIMCHAR_TEST_SOURCE_DIR) + "/models/lm.h5";
  const fs::path d = fresh_dir("models_lm");
  const auto r = run_cimchar("attention --model " + model + " --scheme ideal --out " + (d / "a.h5").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("perplexity: "), std::string::npos) << r.out;
  cimchar::H5Reader m(model), h(d / "a.h5");
  EXPECT_LT(h.read("/metrics/rel_l2_vs_torch")[0], 1e-5);
  const double ppl = m.attr_double("/task", "fp32_perplexity");
  EXPECT_GT(ppl, 1.5);
  EXPECT_LT(ppl, 20.0);  // trained: a uniform guess over the vocabulary is 86
  EXPECT_NEAR(h.read("/task/perplexity_ideal")[0], ppl, 1e-5 * ppl);
  EXPECT_NEAR(h.read("/task/perplexity")[0], ppl, 1e-5 * ppl);
  EXPECT_EQ(h.read("/task/fp32_perplexity_recorded")[0], ppl);
  const double n = h.read("/task/n")[0];
  std::vector<size_t> td;
  m.read("/input/tokens", &td);
  EXPECT_EQ(n, static_cast<double>(td[0] * td[1]));  // every position has its next character
  // float32 against double may flip an argmax between near-tied characters: at most 3 of n.
  EXPECT_NEAR(h.read("/task/accuracy_ideal")[0], m.attr_double("/task", "fp32_accuracy"), 3.0 / n);
  EXPECT_EQ(m.read("/model/embedding/token"), m.read("/task/head/w"));  // tied
  EXPECT_TRUE(m.has("/model/embedding/position"));
  EXPECT_EQ(m.attr_string("/model/layers/0/ffn", "activation"), "gelu_tanh");
  const auto mask = m.read("/input/attn_mask");  // causal: -inf exactly above the diagonal
  const size_t S = td[1];
  ASSERT_EQ(mask.size(), S * S);
  int wrong = 0;
  for (size_t i = 0; i < S; ++i)
    for (size_t j = 0; j < S; ++j) wrong += (j > i) != std::isinf(mask[i * S + j]);
  EXPECT_EQ(wrong, 0);
}

// The paired comparison with the ideal run (attention.h5 /task/accuracy_delta*): the table adds
// up to n and to both accuracies, the difference is theirs, and its interval holds it and is
// narrower than the scheme's own Wilson interval (digits under attar at 2 of 64 patches kept,
// products exact: it loses images the ideal run gets right).
TEST(CliModels, PairedDifferenceAgreesWithBothAccuracies) {
  const std::string src = CIMCHAR_TEST_SOURCE_DIR;
  const fs::path d = fresh_dir("models_paired");
  write_text(d / "c.toml", "[attention]\nscheme = \"attar\"\ndensity = 0.03\nanalog_products = []\n");
  const auto r = run_cimchar("attention --model " + src + "/models/digits.h5 --config " + (d / "c.toml").string() +
                             " --out " + (d / "a.h5").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("paired (Newcombe"), std::string::npos) << r.out;
  cimchar::H5Reader h(d / "a.h5");
  const auto t = h.read("/task/paired_counts");  // both, only scheme, only ideal, neither
  ASSERT_EQ(t.size(), 4u);
  const double n = h.read("/task/n")[0];
  EXPECT_EQ(t[0] + t[1] + t[2] + t[3], n);
  EXPECT_EQ((t[0] + t[1]) / n, h.read("/task/accuracy")[0]);
  EXPECT_EQ((t[0] + t[2]) / n, h.read("/task/accuracy_ideal")[0]);
  const double delta = h.read("/task/accuracy_delta")[0];
  EXPECT_NEAR(delta, h.read("/task/accuracy")[0] - h.read("/task/accuracy_ideal")[0], 1e-15);
  EXPECT_LT(delta, 0);
  const auto ci = h.read("/task/accuracy_delta_ci95"), own = h.read("/task/accuracy_ci95");
  EXPECT_LT(ci[0], delta);
  EXPECT_GT(ci[1], delta);
  EXPECT_LT(ci[1] - ci[0], own[1] - own[0]);
}

TEST(CliModels, RecallIdealReproducesTorch) { check_model("recall"); }
TEST(CliModels, DigitsIdealReproducesTorch) { check_model("digits"); }

}  // namespace
