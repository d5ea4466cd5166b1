// The attention executor: multi-head self-attention and transformer encoder layers (attention,
// residual, layer norm, MLP) over a batch of sequences, with every crossbar-mapped product made
// by a MatmulBackend and the per-head attention (scores, softmax, context) by an
// AttentionCore, so accelerator schemes swap either without touching the layer math.
// Layer semantics follow torch.nn.MultiheadAttention / TransformerEncoderLayer
// (Vaswani et al., "Attention is all you need", NeurIPS 2017), as docs/model-format.md states.
#pragma once

#include <memory>
#include <vector>

#include "attention/matmul.hpp"
#include "attention/model.hpp"

namespace cimchar::attention {

struct HeadId {
  int layer = 0, batch = 0, head = 0;
};

// One head of one sequence.
class AttentionCore {
 public:
  virtual ~AttentionCore() = default;
  // q, k, v [seq, d_head]; mask: additive [seq, seq] (-inf = blocked) or nullptr. Returns the
  // context [seq, d_head] and, when probs is not null, the attention weights [seq, seq] the
  // scheme effectively applied (for the metrics).
  virtual Mat attend(const HeadId& id, const Mat& q, const Mat& k, const Mat& v, const Mat* mask,
                     MatmulBackend& backend, Mat* probs) = 0;
};

// Scores through the backend's `scores` product, digital softmax, context through `context`.
class SoftmaxCore final : public AttentionCore {
 public:
  Mat attend(const HeadId& id, const Mat& q, const Mat& k, const Mat& v, const Mat* mask,
             MatmulBackend& backend, Mat* probs) override;
};

// Row-wise softmax of scores + mask (blocked entries -> exactly 0).
Mat masked_softmax(const Mat& scores, const Mat* mask);
// Layer norm of each row, biased variance (torch.nn.LayerNorm).
Mat layer_norm(const Mat& x, const LayerNormWeights& n);
void apply_activation(Mat& x, Activation a);

// What one sequence's run records besides its output, for the metrics.
struct SeqTrace {
  bool keep_probs = false;
  bool keep_layer_outputs = false;
  std::vector<std::vector<Mat>> probs;  // [layer][head], [seq, seq]
  std::vector<Mat> layer_out;           // [layer], [seq, d_model]
};

// The same for a whole batch (small inputs: tests).
struct Trace {
  bool keep_probs = false;
  bool keep_layer_outputs = false;
  std::vector<std::vector<Mat>> probs;      // [layer][batch * heads + head], [seq, seq]
  std::vector<std::vector<Mat>> layer_out;  // [layer][batch], [seq, d_model]
};

class Executor {
 public:
  // Programs the static weights of every layer into the backend's product units.
  Executor(const Model& model, MatmulBackend& backend, AttentionCore& core);
  // Outputs per batch item, [seq, d_model].
  std::vector<Mat> run(const Batch& batch, Trace* trace = nullptr);
  // Batch item b alone, [seq, d_model] (the batch must have passed check_batch).
  Mat run_sequence(const Batch& batch, int b, SeqTrace* trace = nullptr);

 private:
  struct LayerUnits {
    std::unique_ptr<Matmul> q, k, v, o, ffn1, ffn2;
  };
  Mat attention(int layer, int b, const Mat& h, const Batch& batch, SeqTrace* trace);

  const Model& model_;
  MatmulBackend& backend_;
  AttentionCore& core_;
  std::vector<LayerUnits> units_;
};

}  // namespace cimchar::attention
