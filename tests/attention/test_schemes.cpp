// Schemes through run_attention on torch fixtures. Limits where a scheme must equal exact
// attention (keep every key, all products digital) are checked against torch's float64 output;
// a top-1 scheme must pick torch's argmax key; bad scheme parameters are ConfigErrors.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "attention/attention_run.hpp"
#include "core/error.hpp"
#include "core/h5.hpp"

using namespace cimchar;
using namespace cimchar::attention;
namespace fs = std::filesystem;

namespace {

std::string fixture(const std::string& name) {
  return std::string(CIMCHAR_TEST_SOURCE_DIR) + "/tests/attention/data/" + name + ".h5";
}

RunSummary run(const std::string& model, const std::string& toml, const std::string& tag) {
  const fs::path dir = fs::temp_directory_path() / "cimchar_test_schemes";
  fs::create_directories(dir);
  std::ofstream(dir / (tag + ".toml")) << toml;
  RunRequest r;
  r.model_file = fixture(model);
  r.config_file = dir / (tag + ".toml");
  r.out_file = dir / (tag + ".h5");
  return run_attention(r);
}

// Output vs torch's float64 rerun stored in the fixture.
double rel_vs_fp64(const std::string& model, const std::string& tag) {
  H5Reader out(fs::temp_directory_path() / "cimchar_test_schemes" / (tag + ".h5"));
  H5Reader ref(fixture(model));
  const auto y = out.read("/y"), r = ref.read("/output/y_fp64");
  double num = 0, den = 0;
  for (size_t i = 0; i < y.size(); ++i) num += (y[i] - r[i]) * (y[i] - r[i]), den += r[i] * r[i];
  return std::sqrt(num / den);
}

const char* kEnc = "encoder3_gelutanh_final_d32_h4_s33_causal_pad";

TEST(Schemes, RecomputeSchemesKeepingEveryKeyAreExact) {
  const struct {
    const char* tag;
    std::string toml;
  } cases[] = {
      {"sprint_all", "[attention]\nscheme = \"sprint\"\nanalog_products = []\nthreshold = -64\n"},
      {"hardsea_all", "[attention]\nscheme = \"hardsea\"\nanalog_products = []\ntop_k = 33\n"},
      {"hybrid_all", "[attention]\nscheme = \"hybrid-cim\"\nanalog_products = []\nprune_fraction = 0\n"},
  };
  for (const auto& c : cases) {
    const RunSummary s = run(kEnc, c.toml, c.tag);
    EXPECT_LT(rel_vs_fp64(kEnc, c.tag), 1e-12) << c.tag;
    EXPECT_EQ(s.metrics.model.sparsity, 0.0) << c.tag;
  }
}

TEST(Schemes, LutSoftmaxSchemesAtHighPrecisionMatchTorch) {
  const std::string hp = "analog_products = []\nscore_bits = 24\nscore_frac_bits = 16\nexp_bits = 24\n";
  run(kEnc, "[attention]\nscheme = \"star\"\n" + hp, "star_hp");
  EXPECT_LT(rel_vs_fp64(kEnc, "star_hp"), 1e-4);
  run(kEnc, "[attention]\nscheme = \"attar\"\ntop_k = 33\n" + hp, "attar_hp");
  EXPECT_LT(rel_vs_fp64(kEnc, "attar_hp"), 1e-4);
}

TEST(Schemes, AttarTop1PicksTorchArgmax) {
  // One MHA layer: with k = 1 the kept key of every row is torch's most attended key, and every
  // other key is pruned.
  const char* m = "mha_d16_h2_s5";
  const RunSummary s = run(m, "[attention]\nscheme = \"attar\"\ntop_k = 1\nrecall_k = 1\n"
                              "analog_products = []\nscore_bits = 24\nscore_frac_bits = 16\n",
                           "attar_top1");
  EXPECT_DOUBLE_EQ(s.metrics.model.topk_recall, 1.0);
  EXPECT_NEAR(s.metrics.model.sparsity, 1.0 - 1.0 / 5, 1e-15);
  // The context in digital touches the kept value only: per batch item, head and query row one
  // weighted value of d_head = 8 (not the 5 a dense product would); the dense row does nothing.
  const auto x = H5Reader(fixture(m)).dims("/input/x");  // [batch, 5, 16]
  int64_t macs = -1;
  for (const auto& c : s.counters) {
    if (c.name == "context") EXPECT_EQ(c.stats.macs, 0);
    if (c.name == "digital_context") macs = c.stats.macs;
  }
  EXPECT_EQ(macs, static_cast<int64_t>(x[0]) * 2 * 5 * 1 * 8);
}

TEST(Schemes, HybridPrunesTheConfiguredFraction) {
  // Each query row keeps ceil(0.25 * open keys); the fixture's float mask blocks some keys.
  const char* m = "mha_d32_h8_s12_float3d";
  const RunSummary s =
      run(m, "[attention]\nscheme = \"hybrid-cim\"\nprune_fraction = 0.75\n", "hyb");
  const auto mask = H5Reader(fixture(m)).read("/input/attn_mask");  // [2, 8, 12, 12]
  double open_total = 0, kept_total = 0;
  for (size_t row = 0; row < mask.size() / 12; ++row) {
    int open = 0;
    for (size_t j = 0; j < 12; ++j) open += std::isinf(mask[row * 12 + j]) ? 0 : 1;
    open_total += open;
    kept_total += std::ceil(0.25 * open);
  }
  EXPECT_NEAR(s.metrics.model.sparsity, 1.0 - kept_total / open_total, 1e-15);
}

TEST(Schemes, HybridDefaultAdcRangeResolvesTheScores) {
  // 64 open keys, 16 kept per query row: choosing at random keeps a true top-2 key with
  // probability 16/64 = 0.25. With the ADC range at a full tile's current every 4-bit score
  // estimate reads as 0 (chance); the preset's range (0.05 of it) must do far better.
  const char* m = "encoder2_relu_pre_d16_h2_s64";
  const RunSummary full = run(m, "[attention]\nscheme = \"hybrid-cim\"\nrecall_k = 2\n"
                                 "[attention.approx_crossbar]\nadc_full_scale = 1.0\n", "hyb_fs1");
  const RunSummary preset = run(m, "[attention]\nscheme = \"hybrid-cim\"\nrecall_k = 2\n", "hyb_preset");
  EXPECT_LT(full.metrics.model.topk_recall, 0.35);
  EXPECT_GT(preset.metrics.model.topk_recall, 0.5);
}

TEST(Schemes, BadParametersAreConfigErrors) {
  EXPECT_THROW(run(kEnc, "[attention]\nscheme = \"attar\"\ntop_k = 34\n", "bad_k"), ConfigError);
  EXPECT_THROW(run(kEnc, "[attention]\nscheme = \"sprint\"\nthreshold = 100\n", "bad_th"),
               ConfigError);
  EXPECT_THROW(run(kEnc, "[attention]\nscheme = \"hardsea\"\nsubspaces = 3\n", "bad_m"),
               ConfigError);
  EXPECT_THROW(run(kEnc, "[attention]\nscheme = \"sprint\"\nanalog_products = [\"scores\"]\n",
                   "bad_products"),
               ConfigError);
  EXPECT_THROW(run(kEnc, "[attention]\nscheme = \"hybrid-cim\"\nprune_fraction = 1.0\n", "bad_p"),
               ConfigError);
}

}  // namespace

// What each scheme declares of its hardware (docs/ppa.md "Scheme traits"): the pipeline and
// softmax of STAR (Zhai et al., DATE 2023: in-memory softmax, fine-grained pipeline), the
// selectors of SPRINT (analog threshold), HARDSEA (k-WTA) and the hybrid chip (top-k over
// the analog estimates), as the attention file records them for cimchar ppa.
TEST(Schemes, TraitsAreWrittenToTheAttentionFile) {
  const struct {
    const char* tag;
    std::string toml, softmax, selector, over, pipeline;
  } cases[] = {
      {"tr_star", "[attention]\nscheme = \"star\"\nanalog_products = []\n", "in_memory_lut", "none", "", "fine_grained"},
      {"tr_attar", "[attention]\nscheme = \"attar\"\nanalog_products = []\n", "in_memory_lut", "digital_topk", "scores", "layer"},
      {"tr_sprint", "[attention]\nscheme = \"sprint\"\nanalog_products = []\nthreshold = -64\n", "digital", "threshold", "", "layer"},
      {"tr_hardsea", "[attention]\nscheme = \"hardsea\"\nanalog_products = []\ntop_k = 33\n", "digital", "wta", "", "layer"},
      {"tr_hybrid", "[attention]\nscheme = \"hybrid-cim\"\nanalog_products = []\nprune_fraction = 0\n", "digital", "digital_topk", "approx_scores", "layer"},
  };
  for (const auto& c : cases) {
    run(kEnc, c.toml, c.tag);
    H5Reader h(fs::temp_directory_path() / "cimchar_test_schemes" / (std::string(c.tag) + ".h5"));
    EXPECT_EQ(h.attr_string("/", "trait_softmax"), c.softmax) << c.tag;
    EXPECT_EQ(h.attr_string("/", "trait_selector"), c.selector) << c.tag;
    EXPECT_EQ(h.attr_string("/", "trait_select_over"), c.over) << c.tag;
    EXPECT_EQ(h.attr_string("/", "trait_pipeline"), c.pipeline) << c.tag;
  }
}
