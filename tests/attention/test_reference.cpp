// The `ideal` executor against PyTorch: the fixtures under tests/attention/data/ were written by
// tools/export_torch.py (tools/make_attention_fixtures.py) from torch 1.13 modules; the test
// needs no torch. Tolerances: 1e-5 relative against torch's float32 outputs (the issue's
// criterion; float32 rounding in torch is ~1e-7 relative), 1e-10 against torch's float64
// rerun of the same weights (the executor computes in double).
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "attention/executor.hpp"
#include "attention/model.hpp"
#include "core/h5.hpp"

using namespace cimchar;
using namespace cimchar::attention;

namespace {

std::string fixture(const std::string& name) {
  return std::string(CIMCHAR_TEST_SOURCE_DIR) + "/tests/attention/data/" + name + ".h5";
}

struct Err {
  double rel_l2 = 0;   // ||y - ref|| / ||ref|| over the whole batch
  double max_rel = 0;  // max |y - ref| / max |ref|
};

Err compare(const std::vector<Mat>& y, const std::vector<Mat>& ref) {
  double num = 0, den = 0, max_err = 0, max_ref = 0;
  EXPECT_EQ(y.size(), ref.size());
  for (size_t b = 0; b < y.size() && b < ref.size(); ++b) {
    EXPECT_EQ(y[b].rows(), ref[b].rows());
    EXPECT_EQ(y[b].cols(), ref[b].cols());
    num += (y[b] - ref[b]).squaredNorm();
    den += ref[b].squaredNorm();
    max_err = std::max(max_err, (y[b] - ref[b]).cwiseAbs().maxCoeff());
    max_ref = std::max(max_ref, ref[b].cwiseAbs().maxCoeff());
  }
  return {std::sqrt(num / den), max_err / max_ref};
}

class TorchFixture : public ::testing::TestWithParam<const char*> {};

TEST_P(TorchFixture, IdealMatchesTorch) {
  const ModelFile mf = load_model_file(fixture(GetParam()));
  IdealBackend backend;
  SoftmaxCore core;
  Executor ex(mf.model, backend, core);
  Trace trace;
  trace.keep_probs = true;
  const std::vector<Mat> y = ex.run(mf.batch, &trace);

  ASSERT_FALSE(mf.reference.y.empty());
  const Err e32 = compare(y, mf.reference.y);
  EXPECT_LT(e32.rel_l2, 1e-5) << GetParam();
  EXPECT_LT(e32.max_rel, 1e-5) << GetParam();
  const Err e64 = compare(y, mf.reference.y_fp64);
  EXPECT_LT(e64.rel_l2, 1e-10) << GetParam();
  EXPECT_LT(e64.max_rel, 1e-10) << GetParam();

  // Attention probabilities of every layer against torch's (float32 run).
  H5Reader r(fixture(GetParam()));
  const int H = mf.model.n_heads(), S = mf.batch.seq;
  for (size_t l = 0; l < mf.model.layers.size(); ++l) {
    std::vector<size_t> dims;
    const auto a = r.read("/output/attn/" + std::to_string(l), &dims);
    ASSERT_EQ(dims, (std::vector<size_t>{static_cast<size_t>(mf.batch.size()),
                                         static_cast<size_t>(H), static_cast<size_t>(S),
                                         static_cast<size_t>(S)}));
    double worst = 0;
    for (int b = 0; b < mf.batch.size(); ++b)
      for (int h = 0; h < H; ++h) {
        const Mat& p = trace.probs[l][static_cast<size_t>(b * H + h)];
        for (int i = 0; i < S; ++i)
          for (int j = 0; j < S; ++j)
            worst = std::max(worst, std::abs(p(i, j) - a[((static_cast<size_t>(b) * H + h) * S + i) * S + j]));
      }
    EXPECT_LT(worst, 1e-6) << GetParam() << " layer " << l;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, TorchFixture,
    ::testing::Values("mha_d16_h2_s5", "mha_seq_first_d24_h3_s9_pad", "mha_d32_h8_s12_float3d",
                      "mha_d8_h1_s1", "layer_relu_post_d32_h4_s16_causal",
                      "layer_gelu_pre_d20_h5_s7_pad",
                      "encoder3_gelutanh_final_d32_h4_s33_causal_pad",
                      "encoder2_relu_pre_d16_h2_s64"));

}  // namespace
