// `cimchar attention` through the real binary: the ideal scheme reproduces torch's output
// stored in the model file; a high-precision crossbar configuration approaches it; bad input
// (unknown scheme, model/input shape mismatch, unknown config key, conflicting scheme names)
// exits 2 with a message naming the problem and writes nothing.
#include <gtest/gtest.h>

#include "cli_runner.hpp"
#include "core/h5.hpp"

namespace fs = std::filesystem;

namespace {

std::string data(const std::string& name) {
  return std::string(CIMCHAR_TEST_SOURCE_DIR) + "/tests/attention/data/" + name + ".h5";
}

const char* kModel = "encoder3_gelutanh_final_d32_h4_s33_causal_pad";

TEST(CliAttention, IdealReproducesTorch) {
  const fs::path d = fresh_dir("attention_ideal");
  const auto r = run_cimchar("attention --model " + data(kModel) + " --scheme ideal --out " +
                             (d / "a.h5").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("model"), std::string::npos) << r.out;
  cimchar::H5Reader h(d / "a.h5");
  std::vector<size_t> dims;
  h.read("/y", &dims);
  EXPECT_EQ(dims, (std::vector<size_t>{2, 33, 32}));
  EXPECT_LT(h.read("/metrics/rel_l2_vs_torch")[0], 1e-5);
  EXPECT_EQ(h.attr_string("/", "scheme"), "ideal");
}

TEST(CliAttention, HighPrecisionCrossbarApproachesTorch) {
  const fs::path d = fresh_dir("attention_hp");
  write_text(d / "hp.toml", R"([attention]
scheme = "rram-baseline"
[attention.crossbar]
weight_bits = 16
input_bits = 16
bits_per_cell = 4
dac_bits = 8
adc_bits = 0
)");
  const auto r = run_cimchar("attention --model " + data(kModel) + " --config " +
                             (d / "hp.toml").string() + " --out " + (d / "a.h5").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  cimchar::H5Reader h(d / "a.h5");
  EXPECT_LT(h.read("/metrics/rel_l2_vs_torch")[0], 1e-3);
  EXPECT_GT(h.read("/metrics/cosine")[0], 0.99999);
  // Stage times: each positive, and the stages fit in the whole run.
  double stages = 0;
  for (const char* t : {"load", "program", "scheme", "reference"}) {
    const double v = h.read(std::string("/timing/") + t)[0];
    EXPECT_GT(v, 0.0) << t;
    stages += v;
  }
  EXPECT_LE(stages, h.read("/timing/total")[0]);
  EXPECT_NE(r.out.find("static weights programmed"), std::string::npos) << r.out;
  // K and V written once per (sequence, layer, head): 2 x 3 x 4.
  const auto programs = h.read("/counters/programs");
  EXPECT_EQ(programs[6], 24);  // scores (K)
  EXPECT_EQ(programs[7], 24);  // context (V)
}

TEST(CliAttention, EveryPresetRuns) {
  const fs::path d = fresh_dir("attention_presets");
  int n = 0;
  for (const auto& e : fs::directory_iterator(fs::path(CIMCHAR_TEST_SOURCE_DIR) /
                                              "characterization" / "attention")) {
    if (e.path().extension() != ".toml") continue;
    ++n;
    const auto r = run_cimchar("attention --model " + data("layer_relu_post_d32_h4_s16_causal") +
                               " --config " + e.path().string() + " --out " +
                               (d / (e.path().stem().string() + ".h5")).string());
    EXPECT_EQ(r.exit_code, 0) << e.path() << ": " << r.err;
    EXPECT_TRUE(fs::exists(d / (e.path().stem().string() + ".h5"))) << e.path();
  }
  EXPECT_GE(n, 2);
}

struct Bad {
  const char* name;
  std::string args;
  const char* needle;
};

TEST(CliAttention, BadInputExits2WithoutOutput) {
  const fs::path d = fresh_dir("attention_bad");
  write_text(d / "typo.toml", "[attention]\nscheme = \"rram-baseline\"\n[attention.crossbar]\nadc_bitz = 4\n");
  write_text(d / "other.toml", "[attention]\nscheme = \"ideal\"\n");
  write_text(d / "nolut.toml", "[attention]\nscheme = \"rram-baseline\"\n[attention.crossbar.nonideal]\n"
                               "variation = \"no_such_variation.h5\"\n");
  const std::string out = (d / "out.h5").string();
  const Bad cases[] = {
      {"unknown scheme", "--model " + data(kModel) + " --scheme nonesuch", "unknown scheme 'nonesuch'"},
      {"input wider than model", "--model " + data("bad_x_width") + " --scheme ideal",
       "input x has d_model 9 but the model expects 8"},
      {"unknown config key", "--model " + data(kModel) + " --config " + (d / "typo.toml").string(),
       "adc_bitz"},
      {"conflicting schemes",
       "--model " + data(kModel) + " --scheme rram-baseline --config " + (d / "other.toml").string(),
       "scheme"},
      {"missing LUT", "--model " + data(kModel) + " --config " + (d / "nolut.toml").string(),
       "attention.crossbar.nonideal.variation"},
      {"missing model", "--model " + (d / "none.h5").string() + " --scheme ideal", "no such file"},
  };
  for (const Bad& c : cases) {
    const auto r = run_cimchar("attention " + c.args + " --out " + out);
    EXPECT_EQ(r.exit_code, 2) << c.name << ": " << r.err;
    EXPECT_NE(r.err.find(c.needle), std::string::npos) << c.name << ": " << r.err;
    EXPECT_FALSE(fs::exists(out)) << c.name;
    for (const auto& e : fs::directory_iterator(d))  // no temporary file left behind either
      EXPECT_EQ(e.path().extension(), ".toml") << c.name << ": " << e.path();
  }
}

}  // namespace
