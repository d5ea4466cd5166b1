// Bad model files are refused with an InputError that names what is wrong.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <limits>
#include <string>

#include "attention/model.hpp"
#include "core/error.hpp"
#include "core/h5.hpp"

using namespace cimchar;
using namespace cimchar::attention;
namespace fs = std::filesystem;

namespace {

struct Spec {
  int d = 4, heads = 2, seq = 3, batch = 1, x_d = 4;
  std::string format = "cimchar-attention-model";
  bool drop_wk = false;
  std::vector<size_t> mask_dims;  // empty: no mask
  double mask_value = 0;
  size_t patch = 0;  // > 0: /input/patches [batch, seq, patch] and a patch embedding
  bool drop_patch_w = false;
  int model_heads = 0;   // /model's n_heads attribute when > 0, else `heads`
  bool extra_layer = false;  // a second layer group that n_layers = 1 does not count
  double w_q_value = 0.1;    // every entry of w_q
  bool token_task = false;   // a per-token task head (3 classes) with every label = token_label
  double token_label = -1;
};

// Values of the patch-embedding fixture, as functions of their indices.
double patch_value(size_t b, size_t t, size_t j) { return 0.5 * static_cast<double>(b + 1) - 0.25 * static_cast<double>(t) + static_cast<double>(j); }
double patch_w(size_t i, size_t j) { return 0.1 * static_cast<double>(i + 1) - 0.05 * static_cast<double>(j); }
double patch_b(size_t i) { return 0.01 * static_cast<double>(i); }
double position(size_t t, size_t i) { return 0.001 * static_cast<double>(t * 10 + i); }

fs::path write_model(const Spec& s, const std::string& name) {
  fs::path p = fs::temp_directory_path() / "cimchar_test_attention" / (name + ".h5");
  H5Writer w(p);
  w.attr("/", "format", s.format);
  w.attr("/", "format_version", int64_t{1});
  w.attr("/", "kind", std::string("mha"));
  w.group("/model");
  w.attr("/model", "d_model", int64_t{s.d});
  w.attr("/model", "n_heads", int64_t{s.model_heads > 0 ? s.model_heads : s.heads});
  w.attr("/model", "n_layers", int64_t{1});
  if (s.extra_layer) w.group("/model/layers/1/attn");
  const std::string g = "/model/layers/0";
  w.group(g + "/attn");
  w.attr(g, "residual", int64_t{0});
  w.attr(g, "norm_first", int64_t{0});
  w.attr(g + "/attn", "n_heads", int64_t{s.heads});
  w.attr(g + "/attn", "out_proj", int64_t{1});
  const size_t d = static_cast<size_t>(s.d);
  std::vector<double> m(d * d, 0.1), v(d, 0.0);
  for (const char* k : {"w_q", "w_k", "w_v", "w_o"}) {
    if (s.drop_wk && std::string(k) == "w_k") continue;
    w.write(g + "/attn/" + k, std::string(k) == "w_q" ? std::vector<double>(d * d, s.w_q_value) : m,
            {d, d}, "");
  }
  for (const char* k : {"b_q", "b_k", "b_v", "b_o"}) w.write(g + "/attn/" + k, v, {d}, "");
  const size_t B = static_cast<size_t>(s.batch), S = static_cast<size_t>(s.seq);
  if (s.patch == 0) {
    w.write("/input/x", std::vector<double>(B * S * static_cast<size_t>(s.x_d), 1.0),
            {B, S, static_cast<size_t>(s.x_d)}, "");
  } else {
    const size_t P = s.patch;
    std::vector<double> px, pw, pb, pos;
    for (size_t b = 0; b < B; ++b)
      for (size_t t = 0; t < S; ++t)
        for (size_t j = 0; j < P; ++j) px.push_back(patch_value(b, t, j));
    for (size_t i = 0; i < d; ++i) {
      for (size_t j = 0; j < P; ++j) pw.push_back(patch_w(i, j));
      pb.push_back(patch_b(i));
    }
    for (size_t t = 0; t < S + 2; ++t)  // a longer table than the sequence is allowed
      for (size_t i = 0; i < d; ++i) pos.push_back(position(t, i));
    w.write("/input/patches", px, {B, S, P}, "");
    if (!s.drop_patch_w) w.write("/model/embedding/patch/w", pw, {d, P}, "");
    w.write("/model/embedding/patch/b", pb, {d}, "");
    w.write("/model/embedding/position", pos, {S + 2, d}, "");
  }
  if (!s.mask_dims.empty()) {
    size_t n = 1;
    for (size_t k : s.mask_dims) n *= k;
    w.write("/input/attn_mask", std::vector<double>(n, s.mask_value), s.mask_dims, "");
  }
  if (s.token_task) {
    w.group("/task");
    w.attr("/task", "name", std::string("next_token"));
    w.attr("/task", "pooling", std::string("token"));
    w.write("/task/head/w", std::vector<double>(3 * d, 0.1), {3, d}, "");
    w.write("/task/head/b", std::vector<double>(3, 0.0), {3}, "");
    w.write("/task/labels", std::vector<double>(B * S, s.token_label), {B, S}, "");
  }
  w.commit();
  return p;
}

void expect_input_error(const fs::path& p, const std::string& needle) {
  try {
    load_model_file(p);
    FAIL() << "no error for " << p;
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(ModelFile, ValidMinimalFileLoads) {
  const ModelFile mf = load_model_file(write_model(Spec{}, "ok"));
  EXPECT_EQ(mf.model.d_model, 4);
  EXPECT_EQ(mf.model.n_heads(), 2);
  EXPECT_EQ(mf.batch.size(), 1);
  EXPECT_EQ(mf.batch.seq, 3);
}

TEST(ModelFile, PatchEmbeddingBuildsInput) {
  Spec s;
  s.batch = 2;
  s.patch = 3;
  const ModelFile mf = load_model_file(write_model(s, "patches"));
  ASSERT_TRUE(mf.from_patches);
  ASSERT_EQ(mf.batch.size(), 2);
  for (size_t b = 0; b < 2; ++b)
    for (size_t t = 0; t < 3; ++t)
      for (size_t i = 0; i < 4; ++i) {
        double want = patch_b(i) + position(t, i);  // x = W patch + b + P, by hand
        for (size_t j = 0; j < 3; ++j) want += patch_w(i, j) * patch_value(b, t, j);
        EXPECT_NEAR(mf.batch.x[b](static_cast<Eigen::Index>(t), static_cast<Eigen::Index>(i)), want, 1e-12);
      }
}

TEST(ModelFile, PatchEmbeddingWithoutWeightsNamed) {
  Spec s;
  s.patch = 3;
  s.drop_patch_w = true;
  expect_input_error(write_model(s, "patches_now"), "/model/embedding/patch/w");
}

TEST(ModelFile, InputWidthMismatchNamesBoth) {
  Spec s;
  s.x_d = 5;
  expect_input_error(write_model(s, "xd"), "input x has d_model 5 but the model expects 4");
}

TEST(ModelFile, WrongFormatAttribute) {
  Spec s;
  s.format = "something-else";
  expect_input_error(write_model(s, "fmt"), "cimchar-attention-model");
}

TEST(ModelFile, MissingWeightNamed) {
  Spec s;
  s.drop_wk = true;
  expect_input_error(write_model(s, "wk"), "/model/layers/0/attn/w_k");
}

TEST(ModelFile, MaskShapeMismatch) {
  Spec s;
  s.mask_dims = {3, 4};
  expect_input_error(write_model(s, "mask"), "attn_mask");
}

TEST(ModelFile, FullyMaskedQueryRow) {
  Spec s;
  s.mask_dims = {3, 3};
  s.mask_value = -std::numeric_limits<double>::infinity();
  expect_input_error(write_model(s, "allmasked"), "every key masked");
}

// Attributes that disagree with the layers were ignored: each is now an error naming both.
TEST(ModelFile, ModelHeadsDisagreeingWithTheLayersNamed) {
  Spec s;
  s.model_heads = 4;
  expect_input_error(write_model(s, "heads"), "attribute n_heads of '/model' is 4 but "
                                              "'/model/layers/0/attn' has n_heads 2");
}

TEST(ModelFile, MoreLayerGroupsThanNLayersNamed) {
  Spec s;
  s.extra_layer = true;
  expect_input_error(write_model(s, "layers2"), "attribute n_layers of '/model' is 1 but the file "
                                                "has a group '/model/layers/1'");
}

// Found by fuzzing (fuzz/corpus/model_file/crash-huge-norm-weight-overflows-scores): a finite
// but absurd weight (-1.8e308) made every score -inf inside the executor; -inf weights were
// accepted too (only NaN and +inf were refused). Both are now refused naming the dataset.
TEST(ModelFile, WeightsOfAbsurdMagnitudeOrMinusInfNamed) {
  Spec s;
  s.w_q_value = -1.7976931348623157e308;
  expect_input_error(write_model(s, "huge_w"), "'/model/layers/0/attn/w_q' holds a value of magnitude");
  s.w_q_value = -std::numeric_limits<double>::infinity();
  expect_input_error(write_model(s, "minf_w"), "'/model/layers/0/attn/w_q' holds -inf");
  s.w_q_value = 3.0;  // an ordinary weight still loads
  EXPECT_NO_THROW(load_model_file(write_model(s, "ok_w")));
}

// A per-token task (a language model's next tokens) whose labels are all -1 has nothing to
// score: refused naming the dataset, not a division by zero later. One real label loads.
TEST(ModelFile, PerTokenLabelsAllMissingNamed) {
  Spec s;
  s.token_task = true;
  expect_input_error(write_model(s, "nolabels"), "'/task/labels' holds no label");
  s.token_label = 2;
  EXPECT_NO_THROW(load_model_file(write_model(s, "labels")));
}

TEST(ModelFile, MissingFile) {
  expect_input_error("/nonexistent/model.h5", "no such file");
}

}  // namespace
