// A transformer attention model as read from an HDF5 model file (docs/model-format.md):
// weights per layer, an input batch with its masks, and the torch reference outputs.
// Dimensionless throughout (activations and weights are numbers, not physical quantities).
#pragma once

#include <Eigen/Dense>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace cimchar::attention {

using Mat = Eigen::MatrixXd;  // column-major; activations are [tokens, features]
using Vec = Eigen::VectorXd;

struct LayerNormWeights {
  Vec weight, bias;
  double eps = 1e-5;
};

enum class Activation { relu, gelu, gelu_tanh };
const char* activation_name(Activation a);

struct AttnWeights {
  int n_heads = 1;
  Mat w_q, w_k, w_v;  // [d_model, d_model], torch layout [out, in]: y = x W^T + b
  Vec b_q, b_k, b_v;
  bool out_proj = true;
  Mat w_o;
  Vec b_o;
};

struct FfnWeights {
  Mat w1, w2;  // [d_ff, d_model], [d_model, d_ff]
  Vec b1, b2;
  Activation activation = Activation::relu;
};

struct LayerWeights {
  AttnWeights attn;
  bool residual = true;
  bool norm_first = false;
  std::optional<LayerNormWeights> norm1, norm2;
  std::optional<FfnWeights> ffn;
};

struct Model {
  std::string kind;  // mha, encoder_layer, encoder, bert_*
  int d_model = 0;
  std::vector<LayerWeights> layers;
  std::optional<LayerNormWeights> final_norm;
  int n_heads() const { return layers.empty() ? 0 : layers.front().attn.n_heads; }
};

// The input batch: one [seq, d_model] matrix per batch item, and the masks.
struct Batch {
  std::vector<Mat> x;
  int seq = 0;
  // Additive mask (-inf = blocked): none, one [seq, seq] for all, or one per (batch, head).
  std::vector<Mat> attn_mask;  // size 0, 1, or batch*heads (index b*heads + h)
  std::vector<std::vector<bool>> key_padding;  // [batch][seq], true = padded; empty = none
  int size() const { return static_cast<int>(x.size()); }
  // The combined additive mask of (b, h) into `out`; false when nothing is masked.
  bool mask_for(int b, int h, int n_heads, Mat& out) const;
};

struct Reference {
  std::vector<Mat> y;       // torch float32 output per batch item (empty if absent)
  std::vector<Mat> y_fp64;  // float64 rerun (empty if absent)
  Mat logits;               // [batch, classes], torch float32 (task models; empty if absent)
  Mat logits_fp64;
};

// A task on the encoder output (the shipped trained models): a classification (pooling of the
// tokens, a linear head, one label per sequence) or, with Pooling::token, a language model (the
// head on every position, the next token as each position's label, -1 where there is none);
// the labels of the input batch and what torch recorded.
enum class Pooling { first, last, mean, token };
struct TaskHead {
  std::string name;
  Pooling pooling = Pooling::last;
  Mat w;  // [classes, d_model]
  Vec b;
  // Per batch item; per position (index b * seq + t, -1 = no label) for a language model.
  std::vector<int> labels;
  std::optional<double> fp32_accuracy, fp32_perplexity;
  bool per_token() const { return pooling == Pooling::token; }
  // Logits [classes] of one sequence's encoder output y [seq, d_model]; padded positions
  // (key_padding true) are left out of the mean. Not for per-token tasks (token_logits).
  Vec logits(const Mat& y, const std::vector<bool>* padding) const;
  // Logits [seq, classes] of every position (per-token tasks).
  Mat token_logits(const Mat& y) const { return (y * w.transpose()).rowwise() + b.transpose(); }
};

struct ModelFile {
  std::filesystem::path path;
  Model model;
  Batch batch;  // the held-out set (/input)
  // The calibration split (/calibration), apart from the held-out set, and its labels (task
  // models). Calibration passes read only this; none when the file has no split.
  std::optional<Batch> calibration;
  std::vector<int> calibration_labels;
  Reference reference;  // reference.y may cover only the first held-out sequences
  std::optional<TaskHead> task;
  bool from_tokens = false;  // x built from /input/tokens and /model/embedding
  bool from_patches = false;  // x built from /input/patches and /model/embedding/patch
};

// Reads and validates a model file. InputError naming the file and the dataset or attribute
// on anything missing or of the wrong shape.
ModelFile load_model_file(const std::filesystem::path& path);

// Checks that `batch` fits `model` (d_model, mask shapes); InputError otherwise.
void check_batch(const Model& model, const Batch& batch, const std::string& what);

}  // namespace cimchar::attention
