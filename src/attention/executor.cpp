#include "attention/executor.hpp"

#include <cmath>
#include <limits>

#include "core/error.hpp"
#include "core/scheme_traits.hpp"

namespace cimchar::attention {

const char* product_name(Product p) {
  switch (p) {
    case Product::q_proj: return rows::kQProj;
    case Product::k_proj: return rows::kKProj;
    case Product::v_proj: return rows::kVProj;
    case Product::o_proj: return rows::kOProj;
    case Product::ffn1: return rows::kFfn1;
    case Product::ffn2: return rows::kFfn2;
    case Product::scores: return rows::kScores;
    case Product::context: return rows::kContext;
  }
  return "?";
}

// Both work column by column (the matrices are column-major); row statistics as vectors.
Mat masked_softmax(const Mat& scores, const Mat* mask) {
  Mat p = mask ? Mat(scores + *mask) : scores;
  const Vec mx = p.rowwise().maxCoeff();
  CIMCHAR_CHECK(mx.allFinite(), "softmax row with every key masked");
  for (Eigen::Index j = 0; j < p.cols(); ++j)
    for (Eigen::Index i = 0; i < p.rows(); ++i)
      p(i, j) = std::exp(p(i, j) - mx(i));  // exp(-inf) = 0 for blocked keys
  const Vec sum = p.rowwise().sum();
  p.array().colwise() /= sum.array();
  return p;
}

Mat layer_norm(const Mat& x, const LayerNormWeights& n) {
  const double inv_d = 1.0 / static_cast<double>(x.cols());
  const Vec mean = x.rowwise().sum() * inv_d;
  Mat y = x.colwise() - mean;
  const Vec r = (y.array().square().rowwise().sum() * inv_d + n.eps).rsqrt().matrix();
  y.array().colwise() *= r.array();
  y.array().rowwise() *= n.weight.transpose().array();
  y.array().rowwise() += n.bias.transpose().array();
  return y;
}

void apply_activation(Mat& x, Activation a) {
  switch (a) {
    case Activation::relu:
      x = x.cwiseMax(0.0);
      return;
    case Activation::gelu:  // exact: x Phi(x) (Hendrycks & Gimpel 2016)
      x = x.unaryExpr([](double v) { return 0.5 * v * (1.0 + std::erf(v * M_SQRT1_2)); });
      return;
    case Activation::gelu_tanh: {  // the tanh approximation of the same paper
      const double c = std::sqrt(2.0 / M_PI);
      x = x.unaryExpr(
          [c](double v) { return 0.5 * v * (1.0 + std::tanh(c * (v + 0.044715 * v * v * v))); });
      return;
    }
  }
}

Mat SoftmaxCore::attend(const HeadId& id, const Mat& q, const Mat& k, const Mat& v,
                        const Mat* mask, MatmulBackend& backend, Mat* probs) {
  auto scores_unit = backend.make({Product::scores, id.layer, id.batch, id.head});
  scores_unit->program(k);
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.cols()));
  Mat p = masked_softmax(scores_unit->apply(q) * scale, mask);
  auto context_unit = backend.make({Product::context, id.layer, id.batch, id.head});
  context_unit->program(v.transpose());
  Mat ctx = context_unit->apply(p);
  if (probs) *probs = std::move(p);
  return ctx;
}

namespace {
std::unique_ptr<Matmul> programmed(MatmulBackend& be, Product p, int layer, const Mat& w) {
  auto u = be.make({p, layer, -1, -1});
  u->program(w);
  return u;
}
Mat affine(Matmul& u, const Mat& x, const Vec& b) {
  Mat y = u.apply(x);
  y.rowwise() += b.transpose();
  return y;
}
}  // namespace

Executor::Executor(const Model& model, MatmulBackend& backend, AttentionCore& core)
    : model_(model), backend_(backend), core_(core) {
  for (size_t i = 0; i < model.layers.size(); ++i) {
    const LayerWeights& lw = model.layers[i];
    const int l = static_cast<int>(i);
    LayerUnits u;
    u.q = programmed(backend, Product::q_proj, l, lw.attn.w_q);
    u.k = programmed(backend, Product::k_proj, l, lw.attn.w_k);
    u.v = programmed(backend, Product::v_proj, l, lw.attn.w_v);
    if (lw.attn.out_proj) u.o = programmed(backend, Product::o_proj, l, lw.attn.w_o);
    if (lw.ffn) {
      u.ffn1 = programmed(backend, Product::ffn1, l, lw.ffn->w1);
      u.ffn2 = programmed(backend, Product::ffn2, l, lw.ffn->w2);
    }
    units_.push_back(std::move(u));
  }
}

Mat Executor::attention(int layer, int b, const Mat& h, const Batch& batch, SeqTrace* trace) {
  const LayerWeights& lw = model_.layers[static_cast<size_t>(layer)];
  LayerUnits& u = units_[static_cast<size_t>(layer)];
  const Mat q = affine(*u.q, h, lw.attn.b_q);
  const Mat k = affine(*u.k, h, lw.attn.b_k);
  const Mat v = affine(*u.v, h, lw.attn.b_v);
  const int H = lw.attn.n_heads;
  const Eigen::Index dh = model_.d_model / H;
  Mat ctx(h.rows(), model_.d_model);
  Mat mask;
  for (int head = 0; head < H; ++head) {
    const bool masked = batch.mask_for(b, head, H, mask);
    Mat probs;
    const bool want = trace && trace->keep_probs;
    ctx.middleCols(head * dh, dh) =
        core_.attend(HeadId{layer, b, head}, q.middleCols(head * dh, dh),
                     k.middleCols(head * dh, dh), v.middleCols(head * dh, dh),
                     masked ? &mask : nullptr, backend_, want ? &probs : nullptr);
    if (want) trace->probs[static_cast<size_t>(layer)][static_cast<size_t>(head)] = std::move(probs);
  }
  if (!lw.attn.out_proj) return ctx;
  return affine(*u.o, ctx, lw.attn.b_o);
}

Mat Executor::run_sequence(const Batch& batch, int b, SeqTrace* trace) {
  const size_t L = model_.layers.size(), H = static_cast<size_t>(model_.n_heads());
  if (trace) {
    trace->probs.assign(trace->keep_probs ? L : 0, std::vector<Mat>(H));
    trace->layer_out.assign(trace->keep_layer_outputs ? L : 0, Mat());
  }
  Mat h = batch.x[static_cast<size_t>(b)];
  for (size_t i = 0; i < model_.layers.size(); ++i) {
    const LayerWeights& lw = model_.layers[i];
    LayerUnits& u = units_[i];
    const int l = static_cast<int>(i);
    auto ffn = [&](const Mat& x) {
      Mat a = affine(*u.ffn1, x, lw.ffn->b1);
      apply_activation(a, lw.ffn->activation);
      return affine(*u.ffn2, a, lw.ffn->b2);
    };
    if (lw.norm_first) {
      h += attention(l, b, layer_norm(h, *lw.norm1), batch, trace);
      if (lw.ffn) h += ffn(layer_norm(h, *lw.norm2));
    } else {
      Mat a = attention(l, b, h, batch, trace);
      h = lw.residual ? Mat(h + a) : a;
      if (lw.norm1) h = layer_norm(h, *lw.norm1);
      if (lw.ffn) {
        h += ffn(h);
        h = layer_norm(h, *lw.norm2);
      }
    }
    if (trace && trace->keep_layer_outputs) trace->layer_out[i] = h;
  }
  if (model_.final_norm) h = layer_norm(h, *model_.final_norm);
  return h;
}

std::vector<Mat> Executor::run(const Batch& batch, Trace* trace) {
  check_batch(model_, batch, "attention input");
  const size_t L = model_.layers.size(), B = static_cast<size_t>(batch.size());
  const size_t H = static_cast<size_t>(model_.n_heads());
  if (trace) {
    trace->probs.assign(trace->keep_probs ? L : 0, std::vector<Mat>(B * H));
    trace->layer_out.assign(trace->keep_layer_outputs ? L : 0, std::vector<Mat>(B));
  }
  std::vector<Mat> out;
  SeqTrace st;
  st.keep_probs = trace && trace->keep_probs;
  st.keep_layer_outputs = trace && trace->keep_layer_outputs;
  for (int b = 0; b < batch.size(); ++b) {
    out.push_back(run_sequence(batch, b, trace ? &st : nullptr));
    if (!trace) continue;
    for (size_t l = 0; l < st.probs.size(); ++l)
      for (size_t h = 0; h < H; ++h) trace->probs[l][static_cast<size_t>(b) * H + h] = std::move(st.probs[l][h]);
    for (size_t l = 0; l < st.layer_out.size(); ++l) trace->layer_out[l][static_cast<size_t>(b)] = std::move(st.layer_out[l]);
  }
  return out;
}

}  // namespace cimchar::attention
