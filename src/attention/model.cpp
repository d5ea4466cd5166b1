#include "attention/model.hpp"

#include <algorithm>

#include <cmath>
#include <limits>
#include <optional>
#include <stdexcept>

#include "core/error.hpp"
#include "core/h5.hpp"

namespace cimchar::attention {

const char* activation_name(Activation a) {
  switch (a) {
    case Activation::relu: return "relu";
    case Activation::gelu: return "gelu";
    case Activation::gelu_tanh: return "gelu_tanh";
  }
  return "?";
}

bool Batch::mask_for(int b, int h, int n_heads, Mat& out) const {
  bool any = false;
  if (attn_mask.size() == 1) {
    out = attn_mask[0];
    any = true;
  } else if (!attn_mask.empty()) {
    out = attn_mask[static_cast<size_t>(b * n_heads + h)];
    any = true;
  }
  if (!key_padding.empty()) {
    const auto& kp = key_padding[static_cast<size_t>(b)];
    for (int j = 0; j < seq; ++j) {
      if (!kp[static_cast<size_t>(j)]) continue;
      if (!any) {
        out = Mat::Zero(seq, seq);
        any = true;
      }
      out.col(j).setConstant(-std::numeric_limits<double>::infinity());
    }
  }
  return any;
}

Vec TaskHead::logits(const Mat& y, const std::vector<bool>* padding) const {
  Vec pooled;
  switch (pooling) {
    case Pooling::first: pooled = y.row(0).transpose(); break;
    case Pooling::last: pooled = y.row(y.rows() - 1).transpose(); break;
    case Pooling::token:
      throw std::logic_error("TaskHead::logits on a per-token task (use token_logits)");
    case Pooling::mean: {
      pooled = Vec::Zero(y.cols());
      int n = 0;
      for (Eigen::Index t = 0; t < y.rows(); ++t)
        if (!padding || !(*padding)[static_cast<size_t>(t)]) pooled += y.row(t).transpose(), ++n;
      pooled /= std::max(n, 1);
      break;
    }
  }
  return w * pooled + b;
}

namespace {

// The largest magnitude a weight, bias, norm parameter or input may have.
constexpr double kMaxValue = 1e6;

class Loader {
 public:
  explicit Loader(const std::filesystem::path& p) : r_(p), file_(p.string()) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw InputError(file_ + ": " + what);
  }

  // The shape is checked before the data are read (and allocated).
  // Values must be finite; `mask` (an additive attention mask) also allows -inf.
  std::vector<double> read(const std::string& path, const std::vector<size_t>& want,
                           bool mask = false) {
    const std::vector<size_t> dims = r_.dims(path);
    if (dims != want) fail("dataset '" + path + "' has shape " + shape(dims) + ", expected " +
                           shape(want));
    const std::vector<double> data = r_.read(path);
    for (double v : data)
      if (!std::isfinite(v) && !(mask && v == -std::numeric_limits<double>::infinity()))
        fail("dataset '" + path + "' holds " + std::to_string(v) +
             (mask ? " (a mask holds finite values or -inf)" : " (values must be finite)"));
    return data;
  }
  // Row-major [rows, cols] dataset into an Eigen matrix.
  Mat matrix(const std::string& path, size_t rows, size_t cols) {
    auto d = read(path, {rows, cols});
    Mat m(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
    for (size_t i = 0; i < rows; ++i)
      for (size_t j = 0; j < cols; ++j) m(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = d[i * cols + j];
    check_finite(path, m);
    return m;
  }
  Vec vector(const std::string& path, size_t n) {
    auto d = read(path, {n});
    Vec v = Eigen::Map<Vec>(d.data(), static_cast<Eigen::Index>(n));
    check_finite(path, v);
    return v;
  }
  // Weights, biases, norms and inputs: finite and within +-kMaxValue, so that no product of the
  // executor overflows (a trained model's values are many decades inside; found by fuzzing: a
  // norm weight of -1.8e308 made every score -inf).
  void check_finite(const std::string& path, const Eigen::Ref<const Mat>& m) {
    if (!m.allFinite()) fail("dataset '" + path + "' holds non-finite values");
    if (m.size() > 0 && m.cwiseAbs().maxCoeff() > kMaxValue)
      fail("dataset '" + path + "' holds a value of magnitude " +
           std::to_string(m.cwiseAbs().maxCoeff()) + "; model weights and inputs must be within "
           "+-1e6");
  }
  int64_t attr_int(const std::string& obj, const std::string& name, int64_t lo, int64_t hi) {
    if (!r_.has_attr(obj, name)) fail("missing attribute '" + name + "' on '" + obj + "'");
    double v = r_.attr_double(obj, name);
    if (v != std::floor(v) || v < static_cast<double>(lo) || v > static_cast<double>(hi))
      fail("attribute '" + name + "' on '" + obj + "' must be an integer in [" +
           std::to_string(lo) + ", " + std::to_string(hi) + "], got " + std::to_string(v));
    return static_cast<int64_t>(v);
  }
  double attr_pos(const std::string& obj, const std::string& name) {
    if (!r_.has_attr(obj, name)) fail("missing attribute '" + name + "' on '" + obj + "'");
    double v = r_.attr_double(obj, name);
    if (!(v > 0) || !std::isfinite(v)) fail("attribute '" + name + "' on '" + obj + "' must be > 0");
    return v;
  }
  std::string attr_str(const std::string& obj, const std::string& name) {
    if (!r_.has_attr(obj, name)) fail("missing attribute '" + name + "' on '" + obj + "'");
    return r_.attr_string(obj, name);
  }
  bool has(const std::string& p) const { return r_.has(p); }
  bool has_attr(const std::string& obj, const std::string& name) const { return r_.has_attr(obj, name); }
  double attr_real(const std::string& obj, const std::string& name) const {
    return r_.attr_double(obj, name);
  }
  std::vector<size_t> dims_of(const std::string& p) { return r_.dims(p); }
  static std::string shape(const std::vector<size_t>& d) {
    std::string s = "[";
    for (size_t i = 0; i < d.size(); ++i) s += (i ? ", " : "") + std::to_string(d[i]);
    return s + "]";
  }
  LayerNormWeights norm(const std::string& g, size_t d) {
    LayerNormWeights n;
    n.weight = vector(g + "/weight", d);
    n.bias = vector(g + "/bias", d);
    n.eps = attr_pos(g, "eps");
    return n;
  }

 private:
  H5Reader r_;
  std::string file_;
};


// A dataset [B, S, d] as one matrix per batch item.
std::vector<Mat> load3(Loader& L, const std::string& p, size_t B, size_t S, size_t d) {
  auto v = L.read(p, {B, S, d});
  std::vector<Mat> out;
  for (size_t b = 0; b < B; ++b) {
    Mat x(static_cast<Eigen::Index>(S), static_cast<Eigen::Index>(d));
    for (size_t s = 0; s < S; ++s)
      for (size_t j = 0; j < d; ++j)
        x(static_cast<Eigen::Index>(s), static_cast<Eigen::Index>(j)) = v[(b * S + s) * d + j];
    L.check_finite(p, x);
    out.push_back(std::move(x));
  }
  return out;
}

// The position embedding [S, d] (zero when the model has none).
Mat positions(Loader& L, size_t S, size_t d) {
  Mat pos = Mat::Zero(static_cast<Eigen::Index>(S), static_cast<Eigen::Index>(d));
  if (L.has("/model/embedding/position")) {
    auto pd = L.dims_of("/model/embedding/position");
    if (pd.size() != 2 || pd[1] != d || pd[0] < S)
      L.fail("dataset '/model/embedding/position' has shape " + Loader::shape(pd) +
             ", expected [>= " + std::to_string(S) + ", " + std::to_string(d) + "]");
    pos = L.matrix("/model/embedding/position", pd[0], d).topRows(static_cast<Eigen::Index>(S));
  }
  return pos;
}

// x = patches W^T + b + P: a linear patch embedding (vision models), digital and exact.
std::vector<Mat> embed_patches(Loader& L, const std::string& p, size_t B, size_t S, size_t pdim,
                               size_t d) {
  const std::vector<double> data = L.read(p, {B, S, pdim});
  const Mat w = L.matrix("/model/embedding/patch/w", d, pdim);
  const Vec pb = L.vector("/model/embedding/patch/b", d);
  const Mat pos = positions(L, S, d);
  std::vector<Mat> out;
  for (size_t b = 0; b < B; ++b) {
    Mat x(static_cast<Eigen::Index>(S), static_cast<Eigen::Index>(pdim));
    for (size_t t = 0; t < S; ++t)
      for (size_t j = 0; j < pdim; ++j)
        x(static_cast<Eigen::Index>(t), static_cast<Eigen::Index>(j)) = data[(b * S + t) * pdim + j];
    if (!x.allFinite()) L.fail("dataset '" + p + "' holds non-finite values");
    Mat e = x * w.transpose() + pos;
    e.rowwise() += pb.transpose();
    out.push_back(std::move(e));
  }
  return out;
}

// x = E[token] + P: token ids with the model's embedding table.
std::vector<Mat> embed_tokens(Loader& L, const std::string& p, size_t B, size_t S, size_t d) {
  const std::vector<double> tokens = L.read(p, {B, S});
  auto ed = L.dims_of("/model/embedding/token");
  if (ed.size() != 2 || ed[1] != d || ed[0] == 0)
    L.fail("dataset '/model/embedding/token' has shape " + Loader::shape(ed) + ", expected [vocab, " +
           std::to_string(d) + "]");
  const Mat emb = L.matrix("/model/embedding/token", ed[0], d);
  const Mat pos = positions(L, S, d);
  std::vector<Mat> out;
  for (size_t b = 0; b < B; ++b) {
    Mat x(static_cast<Eigen::Index>(S), static_cast<Eigen::Index>(d));
    for (size_t t = 0; t < S; ++t) {
      const double tok = tokens[b * S + t];
      if (tok < 0 || tok >= static_cast<double>(ed[0]) || tok != std::floor(tok))
        L.fail("token " + std::to_string(tok) + " at " + p + "[" + std::to_string(b) + ", " +
               std::to_string(t) + "] is outside the vocabulary [0, " + std::to_string(ed[0]) + ")");
      x.row(static_cast<Eigen::Index>(t)) = emb.row(static_cast<Eigen::Index>(tok)) + pos.row(static_cast<Eigen::Index>(t));
    }
    out.push_back(std::move(x));
  }
  return out;
}

constexpr double kMaxMaskMagnitude = 1e300;

// The masks of an input group g (optional datasets g/attn_mask, g/key_padding_mask).
void read_masks(Loader& L, const std::string& g, const Model& m, size_t B, size_t S, Batch& bt) {
  if (L.has(g + "/attn_mask")) {
    const std::string p = g + "/attn_mask";
    auto md = L.dims_of(p);
    const size_t H = static_cast<size_t>(m.n_heads());
    size_t count = 0;
    if (md == std::vector<size_t>{S, S}) count = 1;
    else if (md == std::vector<size_t>{B, H, S, S}) count = B * H;
    else
      L.fail("dataset '" + p + "' has shape " + Loader::shape(md) + ", expected [" +
             std::to_string(S) + ", " + std::to_string(S) + "] or [" + std::to_string(B) + ", " +
             std::to_string(H) + ", " + std::to_string(S) + ", " + std::to_string(S) + "]");
    std::vector<double> v = L.read(p, md, /*mask=*/true);
    // Additive masks: -inf, or finite values a score can be added to without overflowing to
    // -inf (torch's finfo(float32).min, -3.4e38, is fine; -1.7e308 is not).
    for (double x : v)
      if (std::isfinite(x) && std::abs(x) > kMaxMaskMagnitude)
        L.fail("dataset '" + p + "' holds " + std::to_string(x) + ": an additive mask is -inf or "
               "a finite value within +-1e300");
    for (size_t k = 0; k < count; ++k) {
      Mat mk(static_cast<Eigen::Index>(S), static_cast<Eigen::Index>(S));
      for (size_t i = 0; i < S; ++i)
        for (size_t j = 0; j < S; ++j)
          mk(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = v[(k * S + i) * S + j];
      bt.attn_mask.push_back(std::move(mk));
    }
  }
  if (L.has(g + "/key_padding_mask")) {
    const std::string p = g + "/key_padding_mask";
    auto v = L.read(p, {B, S});
    bt.key_padding.assign(B, std::vector<bool>(S, false));
    for (size_t b = 0; b < B; ++b)
      for (size_t s = 0; s < S; ++s) {
        const double k = v[b * S + s];
        if (k != 0 && k != 1) L.fail("dataset '" + p + "' must hold 0 or 1");
        bt.key_padding[b][s] = k != 0;
      }
  }
}

// The input group g: g/x, or g/tokens or g/patches with the model's embedding tables, and masks.
Batch read_batch(Loader& L, const std::string& g, const Model& m, bool* from_tokens,
                 bool* from_patches) {
  const auto d = static_cast<size_t>(m.d_model);
  Batch bt;
  size_t B = 0, S = 0;
  if (L.has(g + "/x")) {
    auto xd = L.dims_of(g + "/x");
    if (xd.size() != 3 || xd[0] == 0 || xd[1] == 0)
      L.fail("dataset '" + g + "/x' has shape " + Loader::shape(xd) + ", expected [batch, seq, d_model]");
    if (xd[2] != d)
      L.fail("input x has d_model " + std::to_string(xd[2]) + " but the model expects " +
             std::to_string(d) + " (" + g + "/x is " + Loader::shape(xd) + ")");
    B = xd[0], S = xd[1];
    bt.x = load3(L, g + "/x", B, S, d);
  } else if (L.has(g + "/tokens")) {
    auto td = L.dims_of(g + "/tokens");
    if (td.size() != 2 || td[0] == 0 || td[1] == 0)
      L.fail("dataset '" + g + "/tokens' has shape " + Loader::shape(td) + ", expected [batch, seq]");
    B = td[0], S = td[1];
    bt.x = embed_tokens(L, g + "/tokens", B, S, d);
    if (from_tokens) *from_tokens = true;
  } else if (L.has(g + "/patches")) {
    auto pd = L.dims_of(g + "/patches");
    if (pd.size() != 3 || pd[0] == 0 || pd[1] == 0 || pd[2] == 0)
      L.fail("dataset '" + g + "/patches' has shape " + Loader::shape(pd) + ", expected [batch, seq, patch]");
    B = pd[0], S = pd[1];
    bt.x = embed_patches(L, g + "/patches", B, S, pd[2], d);
    if (from_patches) *from_patches = true;
  } else {
    L.fail("no input: neither '" + g + "/x', '" + g + "/tokens' nor '" + g + "/patches'");
  }
  bt.seq = static_cast<int>(S);
  read_masks(L, g, m, B, S, bt);
  return bt;
}

}  // namespace

namespace {

FfnWeights read_ffn(Loader& L, const std::string& g, size_t d) {
  FfnWeights f;
  auto dims = L.dims_of(g + "/ffn/w1");
  if (dims.size() != 2 || dims[1] != d || dims[0] == 0)
    L.fail("dataset '" + g + "/ffn/w1' has shape " + Loader::shape(dims) + ", expected [d_ff, " +
           std::to_string(d) + "]");
  const size_t d_ff = dims[0];
  f.w1 = L.matrix(g + "/ffn/w1", d_ff, d);
  f.b1 = L.vector(g + "/ffn/b1", d_ff);
  f.w2 = L.matrix(g + "/ffn/w2", d, d_ff);
  f.b2 = L.vector(g + "/ffn/b2", d);
  const std::string act = L.attr_str(g + "/ffn", "activation");
  if (act == "relu") f.activation = Activation::relu;
  else if (act == "gelu") f.activation = Activation::gelu;
  else if (act == "gelu_tanh") f.activation = Activation::gelu_tanh;
  else L.fail("unknown activation '" + act + "' in '" + g + "/ffn' (relu, gelu, gelu_tanh)");
  return f;
}

// Layer i; `model_heads` is /model's n_heads attribute when the file has one.
LayerWeights read_layer(Loader& L, int64_t i, int64_t n_layers, const Model& m,
                        std::optional<int64_t> model_heads) {
  const auto d = static_cast<size_t>(m.d_model);
  const std::string g = "/model/layers/" + std::to_string(i);
  if (!L.has(g)) L.fail("missing group '" + g + "' (n_layers = " + std::to_string(n_layers) + ")");
  LayerWeights lw;
  lw.residual = L.attr_int(g, "residual", 0, 1) != 0;
  lw.norm_first = L.attr_int(g, "norm_first", 0, 1) != 0;
  AttnWeights& a = lw.attn;
  const std::string ag = g + "/attn";
  a.n_heads = static_cast<int>(L.attr_int(ag, "n_heads", 1, m.d_model));
  if (m.d_model % a.n_heads != 0)
    L.fail("d_model " + std::to_string(m.d_model) + " is not a multiple of n_heads " +
           std::to_string(a.n_heads) + " in '" + ag + "'");
  a.w_q = L.matrix(ag + "/w_q", d, d);
  a.w_k = L.matrix(ag + "/w_k", d, d);
  a.w_v = L.matrix(ag + "/w_v", d, d);
  a.b_q = L.vector(ag + "/b_q", d);
  a.b_k = L.vector(ag + "/b_k", d);
  a.b_v = L.vector(ag + "/b_v", d);
  a.out_proj = L.attr_int(ag, "out_proj", 0, 1) != 0;
  if (a.out_proj) {
    a.w_o = L.matrix(ag + "/w_o", d, d);
    a.b_o = L.vector(ag + "/b_o", d);
  }
  if (L.has(g + "/norm1")) lw.norm1 = L.norm(g + "/norm1", d);
  if (L.has(g + "/norm2")) lw.norm2 = L.norm(g + "/norm2", d);
  if (L.has(g + "/ffn")) {
    lw.ffn = read_ffn(L, g, d);
    if (!lw.norm_first && lw.norm1 && !lw.norm2)
      L.fail("'" + g + "' has an FFN and norm1 but no norm2");
  }
  if (lw.norm_first && (!lw.norm1 || (lw.ffn && !lw.norm2)))
    L.fail("'" + g + "' is norm_first but lacks norm1/norm2");
  if (!m.layers.empty() && lw.attn.n_heads != m.layers[0].attn.n_heads)
    L.fail("layers have different head counts; not supported");
  if (model_heads && *model_heads != lw.attn.n_heads)
    L.fail("attribute n_heads of '/model' is " + std::to_string(*model_heads) + " but '" + ag +
           "' has n_heads " + std::to_string(lw.attn.n_heads));
  return lw;
}

void read_layers(Loader& L, Model& m) {
  m.d_model = static_cast<int>(L.attr_int("/model", "d_model", 1, 1 << 20));
  const auto n_layers = L.attr_int("/model", "n_layers", 1, 10000);
  // A layer group beyond n_layers would be silently ignored: the attribute disagrees.
  if (L.has("/model/layers/" + std::to_string(n_layers)))
    L.fail("attribute n_layers of '/model' is " + std::to_string(n_layers) + " but the file has a "
           "group '/model/layers/" + std::to_string(n_layers) + "'");
  // /model's n_heads, when present, must be every layer's.
  std::optional<int64_t> model_heads;
  if (L.has_attr("/model", "n_heads")) model_heads = L.attr_int("/model", "n_heads", 1, m.d_model);
  for (int64_t i = 0; i < n_layers; ++i) m.layers.push_back(read_layer(L, i, n_layers, m, model_heads));
  if (L.has("/model/final_norm"))
    m.final_norm = L.norm("/model/final_norm", static_cast<size_t>(m.d_model));
}

// Class labels at `path`: n integers in [0, C); per position ([n, seq], -1 = no label) when
// `seq` > 0 (a language model's next tokens).
std::vector<int> read_labels(Loader& L, const std::string& path, size_t n, size_t C, size_t seq = 0) {
  std::vector<int> out;
  const double lowest = seq > 0 ? -1 : 0;
  for (double v : L.read(path, seq > 0 ? std::vector<size_t>{n, seq} : std::vector<size_t>{n})) {
    if (v < lowest || v >= static_cast<double>(C) || v != std::floor(v))
      L.fail("label " + std::to_string(v) + " in '" + path + "' is not a class index < " +
             std::to_string(C) + (seq > 0 ? " (or -1: no label)" : ""));
    out.push_back(static_cast<int>(v));
  }
  if (seq > 0 && std::all_of(out.begin(), out.end(), [](int v) { return v < 0; }))
    L.fail("'" + path + "' holds no label (every position is -1): nothing to score the model on");
  return out;
}

// The task head, its labels and torch's logits (/task, /output/logits*).
void read_task(Loader& L, ModelFile& mf, size_t B, size_t d) {
  TaskHead t;
  t.name = L.attr_str("/task", "name");
  const std::string pool = L.attr_str("/task", "pooling");
  if (pool == "first") t.pooling = Pooling::first;
  else if (pool == "last") t.pooling = Pooling::last;
  else if (pool == "mean") t.pooling = Pooling::mean;
  else if (pool == "token") t.pooling = Pooling::token;
  else L.fail("attribute 'pooling' on '/task' is '" + pool + "' (first, last, mean, token)");
  auto wd = L.dims_of("/task/head/w");
  if (wd.size() != 2 || wd[1] != d || wd[0] < 2)
    L.fail("dataset '/task/head/w' has shape " + Loader::shape(wd) + ", expected [classes, " +
           std::to_string(d) + "]");
  const size_t C = wd[0];
  t.w = L.matrix("/task/head/w", C, d);
  t.b = L.vector("/task/head/b", C);
  const size_t S = t.per_token() ? static_cast<size_t>(mf.batch.seq) : 0;
  t.labels = read_labels(L, "/task/labels", B, C, S);
  if (mf.calibration)
    mf.calibration_labels =
        read_labels(L, "/calibration/labels", static_cast<size_t>(mf.calibration->size()), C,
                    S > 0 ? static_cast<size_t>(mf.calibration->seq) : 0);
  if (L.has_attr("/task", "fp32_accuracy")) t.fp32_accuracy = L.attr_real("/task", "fp32_accuracy");
  if (L.has_attr("/task", "fp32_perplexity")) t.fp32_perplexity = L.attr_real("/task", "fp32_perplexity");
  // Per-token tasks store no logits (they would be [batch, seq, vocab]).
  if (L.has("/output/logits") && !t.per_token()) mf.reference.logits = L.matrix("/output/logits", B, C);
  if (L.has("/output/logits_fp64") && !t.per_token())
    mf.reference.logits_fp64 = L.matrix("/output/logits_fp64", B, C);
  mf.task = std::move(t);
}

}  // namespace

ModelFile load_model_file(const std::filesystem::path& path) {
  Loader L(path);
  ModelFile mf;
  mf.path = path;
  const std::string fmt = L.attr_str("/", "format");
  if (fmt != "cimchar-attention-model")
    L.fail("attribute 'format' is '" + fmt + "', expected 'cimchar-attention-model' "
           "(docs/model-format.md)");
  const int64_t version = L.attr_int("/", "format_version", 0, 1000);
  if (version != 1) L.fail("format_version " + std::to_string(version) + " is not supported (1)");
  Model& m = mf.model;
  m.kind = L.attr_str("/", "kind");
  read_layers(L, m);
  const auto d = static_cast<size_t>(m.d_model);

  // Input batch (the held-out set): embedded vectors, or token ids with the model's embedding
  // tables; the calibration split, when the file has one, in the same forms.
  mf.batch = read_batch(L, "/input", m, &mf.from_tokens, &mf.from_patches);
  check_batch(m, mf.batch, path.string());
  if (L.has("/calibration")) {
    mf.calibration = read_batch(L, "/calibration", m, nullptr, nullptr);
    check_batch(m, *mf.calibration, path.string() + " (/calibration)");
    // A calibration run without the held-out run's mask (a decoder's causal mask) would
    // calibrate on scores the held-out run never forms.
    if (!mf.batch.attn_mask.empty() && mf.calibration->attn_mask.empty())
      L.fail("'/input/attn_mask' is set but '/calibration' has no attn_mask: the calibration "
             "split must be run under the same mask (export_task_model writes it)");
  }
  const size_t B = static_cast<size_t>(mf.batch.size()), S = static_cast<size_t>(mf.batch.seq);
  // torch's outputs: for every held-out sequence, or for the first ones only.
  for (auto [p, out] : {std::pair{"/output/y", &mf.reference.y}, {"/output/y_fp64", &mf.reference.y_fp64}}) {
    if (!L.has(p)) continue;
    const auto yd = L.dims_of(p);
    if (yd.size() != 3 || yd[0] == 0 || yd[0] > B)
      L.fail("dataset '" + std::string(p) + "' has shape " + Loader::shape(yd) + ", expected [<= " +
             std::to_string(B) + ", " + std::to_string(S) + ", " + std::to_string(d) + "]");
    *out = load3(L, p, yd[0], S, d);
  }
  if (L.has("/task")) read_task(L, mf, B, d);
  return mf;
}

void check_batch(const Model& model, const Batch& batch, const std::string& what) {
  const int H = model.n_heads();
  for (int b = 0; b < batch.size(); ++b) {
    const Mat& x = batch.x[static_cast<size_t>(b)];
    if (x.cols() != model.d_model || x.rows() != batch.seq)
      throw InputError(what + ": input item " + std::to_string(b) + " is [" +
                       std::to_string(x.rows()) + ", " + std::to_string(x.cols()) +
                       "], the model expects [seq, " + std::to_string(model.d_model) + "]");
    Mat mk;
    for (int h = 0; h < H; ++h) {
      if (!batch.mask_for(b, h, H, mk)) break;
      for (int i = 0; i < batch.seq; ++i) {
        bool open = false;
        for (int j = 0; j < batch.seq && !open; ++j) open = mk(i, j) != -std::numeric_limits<double>::infinity();
        if (!open)
          throw InputError(what + ": batch item " + std::to_string(b) + ", head " +
                           std::to_string(h) + ": query " + std::to_string(i) +
                           " has every key masked");
      }
      if (batch.attn_mask.size() <= 1) break;  // the same mask for every head
    }
  }
}

}  // namespace cimchar::attention
