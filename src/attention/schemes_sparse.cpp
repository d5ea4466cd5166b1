// The sparse and in-memory-softmax accelerator schemes (docs/schemes.md):
//  - attar: top-k pruning of quantized scores, softmax with exp by lookup (Li, Qi, Wang, Han,
//    "Attar: RRAM-based in-memory attention accelerator with software-hardware
//    co-optimization", Sci. China Inf. Sci. 68(3), 2025);
//  - star: RRAM softmax engine, CAM max, subtraction, exp by crossbar lookup (Zhai, Li, Yan,
//    Wang, "STAR: An Efficient Softmax Engine for Attention Model with RRAM Crossbar",
//    arXiv:2401.17582, 2024);
//  - sprint: approximate scores in ReRAM, analog threshold pruning, exact digital recompute of
//    the kept keys (Yazdanbakhsh, Moradifirouzabadi, Li, Kang, "Sparse Attention Acceleration
//    with Synergistic In-Memory Pruning and On-Chip Recomputation", MICRO 2022,
//    arXiv:2209.00606);
//  - hardsea: product-quantization token relevance in ReRAM, top tokens by a time-domain k-WTA,
//    exact sparse attention in digital SRAM-CIM (Liu et al., "HARDSEA: Hybrid Analog-ReRAM
//    Clustering and Digital-SRAM In-Memory Computing Accelerator for Dynamic Sparse
//    Self-Attention in Transformer", IEEE TVLSI 2023, doi:10.1109/TVLSI.2023.3337777);
//  - hybrid-cim: an analog CIM core estimates scores and prunes ~75% of tokens, a digital core
//    computes the rest exactly (Moradifirouzabadi, Dodla, Kang, "An Analog and Digital Hybrid
//    Attention Accelerator for Transformers with Charge-based In-memory Computing",
//    arXiv:2409.04940, 2024).
// The comparator and WTA errors are Gaussian placeholders (sigma as a parameter) until the
// periphery LUTs (src/periph) are wired in.
#include <cmath>
#include <optional>
#include <cstdio>
#include <random>

#include "attention/product_quantization.hpp"
#include "attention/periph_luts.hpp"
#include "attention/scheme.hpp"
#include "attention/sparse_ops.hpp"
#include "core/error.hpp"
#include "core/rng.hpp"

namespace cimchar::attention {

namespace {

// A key in a config file, kept to name it in errors found once the model is known.
struct KeyRef {
  std::string file, key;
  int line = 0;
  [[noreturn]] void fail(const std::string& what) const { throw ConfigError(file, key, line, what); }
};
std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", v);
  return b;
}
KeyRef key_ref(const Section& s, const std::string& key) {
  return {s.file(), s.path(key), s.line_of(key)};
}

// The approximate in-memory score arrays of sprint, hardsea and hybrid-cim: low precision,
// one analog read (multi-level DAC), analog differential sensing.
CrossbarConfig approx_defaults(int adc_bits) {
  CrossbarConfig c;
  c.rows = 64;  // a head dimension of 64 fills a tile, so the readout range fits the sums
  c.cols = 64;
  c.weight_bits = 4;
  c.bits_per_cell = 3;  // 3-bit magnitudes: one slice per polarity
  c.input_bits = 4;
  c.dac_bits = 3;  // signed 4-bit inputs: 3-bit magnitudes in one cycle per sign pass
  c.diff_sense = DiffSense::analog;
  c.adc_bits = adc_bits;
  return c;
}

class SparseSchemeBase : public Scheme, public AttentionCore {
 public:
  SparseSchemeBase(std::string name, CrossbarConfig cfg, std::array<bool, kProductCount> analog,
                   uint64_t seed)
      : name_(std::move(name)), backend_(std::move(cfg), CrossbarParts{}, analog, seed), seed_(seed) {}
  MatmulBackend& backend() override { return backend_; }
  AttentionCore& core() override { return *this; }
  std::vector<NamedStats> counters() const override {
    auto out = named(backend_);
    if (approx_) {
      const auto& a = approx_->stats()[static_cast<size_t>(Product::scores)];
      out.push_back({rows::kApproxScores, a, approx_->config()});
    }
    if (digital_used_) out.push_back({rows::kDigitalScores, digital_scores_, std::nullopt});
    if (digital_context_.applies > 0)
      out.push_back({rows::kDigitalContext, digital_context_, std::nullopt});
    return out;
  }
  std::vector<NamedCrossbar> crossbars() override {
    std::vector<NamedCrossbar> out{{"crossbar", &backend_}};
    if (approx_) out.push_back({"approx_crossbar", approx_.get()});
    return out;
  }

 protected:
  std::string products_text() const {
    std::string p;
    for (int i = 0; i < kProductCount; ++i)
      if (backend_.analog(static_cast<Product>(i)))
        p += std::string(p.empty() ? "" : ", ") + product_name(static_cast<Product>(i));
    return "analog products [" + p + "] on " + backend_.config().describe();
  }
  std::mt19937_64 head_rng(const HeadId& id) const {
    return stream_rng(seed_ ^ 0x5EEDA77E47ULL,
                      (static_cast<uint64_t>(id.layer) * 1048576 + static_cast<uint64_t>(id.batch)) *
                              4096 + static_cast<uint64_t>(id.head));
  }
  Mat approx_scores(const HeadId& id, const Mat& q, const Mat& k) {
    auto u = approx_->make({Product::scores, id.layer, id.batch, id.head});
    u->program(k);
    return u->apply(q) / std::sqrt(static_cast<double>(q.cols()));
  }
  // Exact digital attention on the kept keys, with its work counted.
  Mat recompute(const Mat& q, const Mat& k, const Mat& v, const Mat* mask, const Mat& keep,
                Mat* probs) {
    digital_used_ = true;
    const Mat exact = q * k.transpose() / std::sqrt(static_cast<double>(q.cols()));
    Mat p;
    Mat ctx = sparse_exact_attention(exact, mask, keep, v, p);
    count_kept(keep, q.cols(), digital_scores_);  // keys fetched
    count_kept(keep, v.cols(), digital_context_);  // values fetched
    if (probs) *probs = std::move(p);
    return ctx;
  }

  // p v in digital over the kept keys only (the nonzero weights of p), its work counted.
  Mat sparse_context(const Mat& p, const Mat& v) {
    count_kept(p, v.cols(), digital_context_);
    return p * v;
  }

  // One digital pass over the kept (query, key) pairs (the nonzeros of `kept`, [queries, keys]):
  // d multiply-accumulates per pair, one vector fetched per key any query keeps.
  static void count_kept(const Mat& kept, Eigen::Index d, ProductStats& st) {
    int64_t fetched = 0;
    for (Eigen::Index j = 0; j < kept.cols(); ++j) fetched += (kept.col(j).array() != 0).any() ? 1 : 0;
    st.macs += static_cast<int64_t>((kept.array() != 0).count()) * d;
    st.vectors += fetched;
    st.applies += 1;
  }

  std::string name_;
  CrossbarBackend backend_;
  std::unique_ptr<CrossbarBackend> approx_;
  uint64_t seed_;
  bool digital_used_ = false;
  ProductStats digital_scores_, digital_context_;
};

std::array<bool, kProductCount> all_products() {
  std::array<bool, kProductCount> a;
  a.fill(true);
  return a;
}
// The recompute schemes form scores and context in their own arrays and digital core.
std::array<bool, kProductCount> parse_projection_products(Section& s) {
  std::array<bool, kProductCount> def;
  def.fill(true);
  def[static_cast<size_t>(Product::scores)] = def[static_cast<size_t>(Product::context)] = false;
  auto a = parse_analog_products(s, def);
  if (a[static_cast<size_t>(Product::scores)] || a[static_cast<size_t>(Product::context)])
    s.fail("analog_products", "this scheme computes 'scores' and 'context' itself (approximate "
                              "arrays and digital recompute); list only projections and FFN");
  return a;
}

// How many keys a top-k selector keeps: `top_k` fixed, or `density` (the fraction of the keys
// kept: top_k = round(density seq), set by calibrate() once the sequence length is known).
struct KeepCount {
  std::optional<int> top_k;
  std::optional<double> density;
  KeyRef key;  // the key given, for errors against the sequence length

  static KeepCount parse(Section& s) {
    KeepCount k;
    k.key = key_ref(s, s.has("density") ? "density" : "top_k");
    if (s.has("top_k")) k.top_k = static_cast<int>(s.get_int("top_k", 16, 1, 1 << 20));
    if (s.has("density")) {
      if (k.top_k) s.fail("density", "give either top_k or density, not both");
      k.density = s.get_double("density", 0.0625, "", {1e-6, 1.0});
    }
    return k;
  }
  // The k to use for sequences of `seq` keys, and how it was chosen.
  ChosenValue choose(int default_k, int seq) const {
    if (density) {
      const int k = std::max(1, static_cast<int>(std::lround(*density * seq)));
      return {"top_k", static_cast<double>(k), "calibration",
              "density " + num(*density) + " of " + std::to_string(seq) + " keys"};
    }
    return {"top_k", static_cast<double>(top_k.value_or(default_k)), top_k ? "config" : "default", ""};
  }
  void check(int k, int seq) const {
    if (k > seq)
      key.fail("top_k = " + std::to_string(k) + " is larger than the sequence length " +
               std::to_string(seq));
  }
};

// attar and star's options: the softmax engine's formats and attar's pruning. A value left
// out of the config is calibrated (score_frac_bits: the score range covers the calibration
// split's largest |score|; top_k from `density`), docs/schemes.md "Calibration".
struct LutSoftmaxOptions {
  int score_bits = 8;
  std::optional<int> score_frac_bits;  // none: calibrated
  int exp_bits = 8;
  bool pruning = false;                // attar: top-k
  KeepCount keep;                      // attar: top_k or density
  KeyRef frac_key;
  static constexpr int kDefaultFracBits = 4, kDefaultTopK = 16;

  static LutSoftmaxOptions parse(Section& s, bool pruning) {
    LutSoftmaxOptions o;
    o.pruning = pruning;
    o.score_bits = static_cast<int>(s.get_int("score_bits", 8, 2, 24));
    if (s.has("score_frac_bits")) {
      o.score_frac_bits = static_cast<int>(s.get_int("score_frac_bits", 4, 0, 23));
      o.frac_key = key_ref(s, "score_frac_bits");
    }
    o.exp_bits = static_cast<int>(s.get_int("exp_bits", 8, 1, 24));
    if (pruning) o.keep = KeepCount::parse(s);
    o.validate();
    return o;
  }
  void validate() const {
    if (score_frac_bits && *score_frac_bits >= score_bits)
      frac_key.fail("score_frac_bits = " + std::to_string(*score_frac_bits) +
                    " must be smaller than score_bits (" + std::to_string(score_bits) + ")");
  }
};

std::string lut_text(const LutSoftmaxConfig& c) {
  return "scores in " + std::to_string(c.score.bits) + "-bit fixed point (" +
         std::to_string(c.score.frac_bits) + " fractional bits), exp LUT with " +
         std::to_string(c.exp_bits) + "-bit entries";
}

// attar and star: scores and context through the main backend, LUT softmax, attar with top-k.
class LutSoftmaxScheme final : public SparseSchemeBase {
 public:
  LutSoftmaxScheme(std::string name, CrossbarConfig cfg, std::array<bool, kProductCount> analog,
                   uint64_t seed, LutSoftmaxOptions opt, const char* pipeline)
      : SparseSchemeBase(std::move(name), std::move(cfg), analog, seed), opt_(std::move(opt)),
        pipeline_(pipeline) {
    lut_.score = {opt_.score_bits, opt_.score_frac_bits.value_or(LutSoftmaxOptions::kDefaultFracBits)};
    lut_.exp_bits = opt_.exp_bits;
    top_k_ = opt_.pruning ? opt_.keep.top_k.value_or(LutSoftmaxOptions::kDefaultTopK) : 0;
  }
  SchemeTraits traits() const override {
    SchemeTraits t;
    t.softmax = traits::kSoftmaxInMemoryLut;
    if (top_k_ > 0) {
      t.selector = traits::kSelectDigitalTopK;
      t.select_over = rows::kScores;
    }
    t.pipeline = pipeline_;
    t.luts = {"cell", "adc"};
    t.digital_units = {"softmax_normalize"};
    if (top_k_ > 0) t.digital_units.push_back("topk");
    return t;
  }
  std::string describe() const override {
    return (top_k_ > 0 ? "top-" + std::to_string(top_k_) + " pruning, " : std::string()) +
           "in-memory softmax: " + lut_text(lut_) + "; " + products_text();
  }
  bool wants_scores() const override { return !opt_.score_frac_bits; }
  std::vector<ChosenValue> calibrate(const CalibrationData& cal) override;
  void check(const Model&, const Batch& b) const override {
    opt_.keep.check(top_k_, b.seq);
  }
  Mat attend(const HeadId& id, const Mat& q, const Mat& k, const Mat& v, const Mat* mask,
             MatmulBackend& be, Mat* probs) override {
    auto su = be.make({Product::scores, id.layer, id.batch, id.head});
    su->program(k);
    const Mat s = su->apply(q) / std::sqrt(static_cast<double>(q.cols()));
    Mat p;
    if (top_k_ > 0) {
      // Top-k on the quantized scores the engine holds.
      const Mat sq = s.unaryExpr([this](double x) { return lut_.score.quantize(x); });
      const Mat keep = topk_keep(mask ? Mat(sq + *mask) : sq, mask, top_k_);
      p = lut_softmax(s, mask, lut_, &keep);
    } else {
      p = lut_softmax(s, mask, lut_);
    }
    Mat ctx;
    if (top_k_ > 0 && !backend_.analog(Product::context)) {
      ctx = sparse_context(p, v);  // a digital weighted sum touches only the kept values
    } else {  // on arrays every row is driven (a pruned key's input is 0); dense in digital
      auto cu = be.make({Product::context, id.layer, id.batch, id.head});
      cu->program(v.transpose());
      ctx = cu->apply(p);
    }
    if (probs) *probs = std::move(p);
    return ctx;
  }

 private:
  LutSoftmaxOptions opt_;
  const char* pipeline_;  // STAR streams query rows through score, softmax and value
  LutSoftmaxConfig lut_;
  int top_k_ = 0;
};

std::vector<ChosenValue> LutSoftmaxScheme::calibrate(const CalibrationData& cal) {
  std::vector<ChosenValue> out;
  if (opt_.score_frac_bits) {
    out.push_back({"score_frac_bits", static_cast<double>(*opt_.score_frac_bits), "config", ""});
  } else if (cal.scores) {
    lut_.score = covering_format(opt_.score_bits, cal.scores->abs_max);
    out.push_back({"score_frac_bits", static_cast<double>(lut_.score.frac_bits), "calibration",
                   "max |score| " + num(cal.scores->abs_max) + " over " +
                       std::to_string(cal.scores->sequences) + " calibration sequences; range +-" +
                       num(lut_.score.max())});
  } else {
    out.push_back({"score_frac_bits", static_cast<double>(lut_.score.frac_bits),
                   "default (no calibration split)", ""});
  }
  if (opt_.pruning) {
    out.push_back(opt_.keep.choose(LutSoftmaxOptions::kDefaultTopK, cal.seq));
    top_k_ = static_cast<int>(out.back().value);
  }
  return out;
}

// sprint's options (docs/schemes.md): the comparator's threshold (fixed, or calibrated from a
// keep ratio) and its errors (a Gaussian sigma in score units, or the threshold LUT's offsets).
struct SprintOptions {
  double threshold = 0;
  bool threshold_given = false;
  std::optional<double> keep_ratio;  // the threshold calibrated to keep this fraction
  KeyRef key;                        // `threshold` when given, else `keep_ratio`
  double sigma = 0;
  std::shared_ptr<const ComparatorLut> lut;
  double volts_per_score = 0.01;  // the comparator's input per score unit (LUT offsets in V)

  static SprintOptions parse(Section& s) {
    SprintOptions o;
    o.threshold_given = s.has("threshold");
    o.threshold = s.get_double("threshold", 0.0, "", {-64, 64});
    o.key = key_ref(s, o.threshold_given ? "threshold" : "keep_ratio");
    if (s.has("keep_ratio")) {
      if (o.threshold_given) s.fail("keep_ratio", "give either threshold or keep_ratio, not both");
      o.keep_ratio = s.get_double("keep_ratio", 0.5, "", {1e-6, 1.0});
    }
    o.sigma = s.get_double("comparator_sigma", 0.0, "", {0, 64});
    if (const std::string f = lut_file(s, "comparator_lut"); !f.empty()) {
      if (o.sigma > 0) s.fail("comparator_sigma", "give either comparator_sigma or comparator_lut, not both");
      o.lut = std::make_shared<const ComparatorLut>(ComparatorLut::load(f));
    }
    o.volts_per_score = s.get_double("comparator_volts_per_score", 0.01, "V", {1e-9, 100});
    return o;
  }
  std::string comparator_text() const {
    return lut ? "comparator offsets from " + lut->file() + " at " + num(volts_per_score) +
                     " V per score unit"
               : "comparator sigma " + num(sigma);
  }
};

class SprintScheme final : public SparseSchemeBase {
 public:
  // keep_ratio: the threshold is calibrated so that this fraction of the calibration split's
  // exact scores lies above it (the scheme compares its in-memory estimates, so the held-out
  // keep ratio is close to, not equal to, the target; the run reports it as 1 - sparsity).
  SprintScheme(CrossbarConfig cfg, std::array<bool, kProductCount> analog, uint64_t seed,
               CrossbarConfig approx, SprintOptions opt)
      : SparseSchemeBase("sprint", std::move(cfg), analog, seed), opt_(std::move(opt)),
        threshold_(opt_.threshold) {
    approx_ = std::make_unique<CrossbarBackend>(approx, CrossbarParts{}, all_products(), seed ^ 0xA9);
  }
  SchemeTraits traits() const override {
    SchemeTraits t;
    t.selector = traits::kSelectThreshold;
    t.luts = {"cell", "adc", "threshold"};
    t.digital_units = {"softmax", "recompute"};
    return t;
  }
  std::string describe() const override {
    return "in-ReRAM approximate scores (" + approx_->config().describe() + "), analog threshold " +
           num(threshold_) + " (" + opt_.comparator_text() +
           "), exact digital recompute of kept keys; " + products_text();
  }
  bool wants_scores() const override { return opt_.keep_ratio.has_value(); }
  std::vector<ChosenValue> calibrate(const CalibrationData& cal) override {
    if (!opt_.keep_ratio) return {{"threshold", threshold_, opt_.threshold_given ? "config" : "default", ""}};
    if (!cal.scores)
      opt_.key.fail("keep_ratio needs a calibration split (/calibration) in the model file "
                     "(docs/model-format.md); give `threshold` instead");
    threshold_ = cal.scores->quantile(1.0 - *opt_.keep_ratio);
    return {{"threshold", threshold_, "calibration",
             "keep ratio " + num(*opt_.keep_ratio) + " of " + std::to_string(cal.scores->pairs) +
                 " exact scores over " + std::to_string(cal.scores->sequences) +
                 " calibration sequences"}};
  }
  Mat attend(const HeadId& id, const Mat& q, const Mat& k, const Mat& v, const Mat* mask,
             MatmulBackend&, Mat* probs) override {
    Mat a = approx_scores(id, q, k);
    if (opt_.sigma > 0) {
      auto rng = head_rng(id);
      std::normal_distribution<double> n(0, opt_.sigma);
      a = a.unaryExpr([&](double x) { return x + n(rng); });
    }
    if (const ComparatorLut* lut = opt_.lut.get()) {  // keep when v(score) > v_th + offset: the offset, in score units, is subtracted
      auto rng = head_rng(id);
      a = a.unaryExpr([&](double x) { return x - lut->draw_offset_V(rng) / opt_.volts_per_score; });
    }
    if (mask) a += *mask;  // additive biases shift the compared score
    const Mat keep = threshold_keep(a, mask, threshold_, nullptr);
    return recompute(q, k, v, mask, keep, probs);
  }

 private:
  SprintOptions opt_;
  double threshold_;  // the fixed, default or calibrated threshold
};

// hardsea's options (docs/schemes.md): the product-quantized relevance and the k-WTA.
struct HardseaOptions {
  KeepCount keep;  // top_k or density
  int subspaces = 4;
  KeyRef subspaces_key;
  int centroids = 16, iterations = 10;
  double wta_sigma = 0;                // Gaussian WTA error, of each row's relevance range, or
  std::shared_ptr<const WtaLut> wta;   // the WTA LUT's offsets
  static constexpr int kDefaultTopK = 16;

  static HardseaOptions parse(Section& s) {
    HardseaOptions o;
    o.keep = KeepCount::parse(s);
    o.subspaces = static_cast<int>(s.get_int("subspaces", 4, 1, 4096));
    o.subspaces_key = key_ref(s, "subspaces");
    o.centroids = static_cast<int>(s.get_int("centroids", 16, 1, 65536));
    o.iterations = static_cast<int>(s.get_int("kmeans_iterations", 10, 0, 1000));
    o.wta_sigma = s.get_double("wta_sigma", 0.0, "", {0, 10});
    if (const std::string f = lut_file(s, "wta_lut"); !f.empty()) {
      if (o.wta_sigma > 0) s.fail("wta_sigma", "give either wta_sigma or wta_lut, not both");
      const double cap = s.get_double("wta_capacitance", 100e-15, "F", {1e-18, 1e-6});
      try {
        o.wta = std::make_shared<const WtaLut>(WtaLut::load(f, cap));
      } catch (const InputError& e) {
        s.fail("wta_lut", e.what());
      }
    }
    return o;
  }
  std::string wta_text() const {
    return wta ? "offsets from " + wta->file + " at " + num(wta->capacitance_F * 1e15) +
                     " fF: relative current sigma " + num(wta->sigma_rel)
               : "sigma " + num(wta_sigma) + " of the row range";
  }
};

class HardseaScheme final : public SparseSchemeBase {
 public:
  HardseaScheme(CrossbarConfig cfg, std::array<bool, kProductCount> analog, uint64_t seed,
                CrossbarConfig approx, HardseaOptions opt)
      : SparseSchemeBase("hardsea", std::move(cfg), analog, seed), opt_(std::move(opt)),
        top_k_(opt_.keep.top_k.value_or(HardseaOptions::kDefaultTopK)) {
    approx_ = std::make_unique<CrossbarBackend>(approx, CrossbarParts{}, all_products(), seed ^ 0xB7);
  }
  SchemeTraits traits() const override {
    SchemeTraits t;
    t.selector = traits::kSelectWta;
    t.luts = {"cell", "adc", "wta"};
    t.digital_units = {"softmax", "recompute"};
    return t;
  }
  std::string describe() const override {
    return "product-quantized relevance in ReRAM (" + std::to_string(opt_.subspaces) +
           " subspaces x " + std::to_string(opt_.centroids) + " centroids; " +
           approx_->config().describe() + "), top-" + std::to_string(top_k_) + " by k-WTA (" +
           opt_.wta_text() + "), exact digital sparse attention; " + products_text();
  }
  std::vector<ChosenValue> calibrate(const CalibrationData& cal) override {
    ChosenValue k = opt_.keep.choose(HardseaOptions::kDefaultTopK, cal.seq);
    top_k_ = static_cast<int>(k.value);
    return {k};
  }
  void check(const Model& m, const Batch& b) const override {
    opt_.keep.check(top_k_, b.seq);
    const int dh = m.d_model / m.n_heads();
    if (dh % opt_.subspaces != 0)
      opt_.subspaces_key.fail("subspaces = " + std::to_string(opt_.subspaces) +
                              " does not divide the head dimension " + std::to_string(dh));
  }
  Mat attend(const HeadId& id, const Mat& q, const Mat& k, const Mat& v, const Mat* mask,
             MatmulBackend&, Mat* probs) override {
    auto rng = head_rng(id);
    const PqCodebook pq = pq_train(k, opt_.subspaces, opt_.centroids, opt_.iterations, rng);
    const Eigen::Index ds = q.cols() / opt_.subspaces;
    Mat rel = Mat::Zero(q.rows(), k.rows());
    for (int m = 0; m < opt_.subspaces; ++m) {
      // Centroids written into ReRAM; the query sub-vectors read against them.
      auto u = approx_->make({Product::scores, id.layer, id.batch, id.head});
      u->program(pq.centroids[static_cast<size_t>(m)]);
      const Mat t = u->apply(q.middleCols(m * ds, ds));
      for (Eigen::Index j = 0; j < k.rows(); ++j)
        rel.col(j) += t.col(pq.codes[static_cast<size_t>(m)][static_cast<size_t>(j)]);
    }
    if (opt_.wta_sigma > 0) {
      std::normal_distribution<double> n(0, 1);
      for (Eigen::Index i = 0; i < rel.rows(); ++i) {
        const double range = rel.row(i).maxCoeff() - rel.row(i).minCoeff();
        for (Eigen::Index j = 0; j < rel.cols(); ++j) rel(i, j) += opt_.wta_sigma * range * n(rng);
      }
    }
    if (const WtaLut* wta = opt_.wta.get()) {  // relevances as bit-line currents, each with its comparator's relative error
      std::normal_distribution<double> n(0, 1);
      for (Eigen::Index i = 0; i < rel.rows(); ++i) {
        const double lo = rel.row(i).minCoeff(), range = rel.row(i).maxCoeff() - lo;
        for (Eigen::Index j = 0; j < rel.cols(); ++j) {
          const double f = range > 0 ? (rel(i, j) - lo) / range : 1.0;
          const double cur = wta->i_min_A + f * (wta->i_max_A - wta->i_min_A);
          rel(i, j) = cur * (1 + wta->sigma_rel * n(rng));
        }
      }
    }
    const Mat keep = topk_keep(rel, mask, top_k_);
    return recompute(q, k, v, mask, keep, probs);
  }

 private:
  HardseaOptions opt_;
  int top_k_;
};

class HybridCimScheme final : public SparseSchemeBase {
 public:
  HybridCimScheme(CrossbarConfig cfg, std::array<bool, kProductCount> analog, uint64_t seed,
                  CrossbarConfig approx, double prune_fraction)
      : SparseSchemeBase("hybrid-cim", std::move(cfg), analog, seed), prune_(prune_fraction) {
    approx_ = std::make_unique<CrossbarBackend>(approx, CrossbarParts{}, all_products(), seed ^ 0xC3);
  }
  SchemeTraits traits() const override {
    SchemeTraits t;
    t.selector = traits::kSelectDigitalTopK;
    t.select_over = rows::kApproxScores;
    t.luts = {"cell", "adc"};
    t.digital_units = {"softmax", "topk", "recompute"};
    return t;
  }
  std::string describe() const override {
    return "analog score estimate (" + approx_->config().describe() + ") prunes " +
           num(prune_) + " of the keys per query, exact digital on the rest; " +
           products_text();
  }
  Mat attend(const HeadId& id, const Mat& q, const Mat& k, const Mat& v, const Mat* mask,
             MatmulBackend&, Mat* probs) override {
    Mat a = approx_scores(id, q, k);
    if (mask) a += *mask;
    const Mat keep = fraction_keep(a, mask, 1.0 - prune_);
    return recompute(q, k, v, mask, keep, probs);
  }

 private:
  double prune_;
};

}  // namespace

std::unique_ptr<Scheme> make_attar_scheme(Section& s, uint64_t seed) {
  auto analog = parse_analog_products(s, all_products());
  auto opt = LutSoftmaxOptions::parse(s, true);
  return std::make_unique<LutSoftmaxScheme>("attar", parse_crossbar(s, "crossbar", {}), analog,
                                            seed, std::move(opt), traits::kPipelineLayer);
}

std::unique_ptr<Scheme> make_star_scheme(Section& s, uint64_t seed) {
  auto analog = parse_analog_products(s, all_products());
  auto opt = LutSoftmaxOptions::parse(s, false);
  return std::make_unique<LutSoftmaxScheme>("star", parse_crossbar(s, "crossbar", {}), analog,
                                            seed, std::move(opt), traits::kPipelineFineGrained);
}

std::unique_ptr<Scheme> make_sprint_scheme(Section& s, uint64_t seed) {
  auto analog = parse_projection_products(s);
  SprintOptions opt = SprintOptions::parse(s);
  auto approx = parse_crossbar(s, "approx_crossbar", approx_defaults(0));
  return std::make_unique<SprintScheme>(parse_crossbar(s, "crossbar", {}), analog, seed, approx,
                                        std::move(opt));
}

std::unique_ptr<Scheme> make_hardsea_scheme(Section& s, uint64_t seed) {
  auto analog = parse_projection_products(s);
  HardseaOptions opt = HardseaOptions::parse(s);
  auto approx = parse_crossbar(s, "approx_crossbar", approx_defaults(0));
  return std::make_unique<HardseaScheme>(parse_crossbar(s, "crossbar", {}), analog, seed, approx,
                                         std::move(opt));
}

std::unique_ptr<Scheme> make_hybrid_cim_scheme(Section& s, uint64_t seed) {
  auto analog = parse_projection_products(s);
  const double prune = s.get_double("prune_fraction", 0.75, "", {0, 0.999});
  CrossbarConfig approx_default = approx_defaults(4);
  // The 4-bit ADC's range: about 3 sigma of the column current of 64 rows of random signed
  // 4-bit operands (sigma ~ sqrt(64) x 0.35 x 0.35 ~ 1 cell at full scale, 1.5% of a full
  // tile). At a full tile's current (1.0) every score estimate reads as 0 (docs/schemes.md).
  approx_default.adc_full_scale = 0.05;
  auto approx = parse_crossbar(s, "approx_crossbar", approx_default);
  return std::make_unique<HybridCimScheme>(parse_crossbar(s, "crossbar", {}), analog, seed,
                                           approx, prune);
}

}  // namespace cimchar::attention
