#include "attention/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "core/error.hpp"

namespace cimchar::attention {

namespace {

using detail::OutSums;
using detail::RowSums;

void add_out(OutSums& s, const Mat& y, const Mat& ref) {
  CIMCHAR_CHECK(y.rows() == ref.rows() && y.cols() == ref.cols(), "metrics: output shapes differ");
  s.num += (y - ref).squaredNorm();
  s.den += ref.squaredNorm();
  for (Eigen::Index t = 0; t < y.rows(); ++t) {
    const double na = y.row(t).norm(), nb = ref.row(t).norm();
    s.cos += (na > 0 && nb > 0) ? y.row(t).dot(ref.row(t)) / (na * nb) : (na == nb ? 1.0 : 0.0);
    ++s.tokens;
  }
}

void finish_out(const OutSums& s, Metrics& m) {
  m.rel_l2 = s.den > 0 ? std::sqrt(s.num / s.den) : std::sqrt(s.num);
  m.cosine = s.tokens ? s.cos / static_cast<double>(s.tokens) : 1.0;
}

void add_rows(RowSums& a, const RowSums& o) {
  a.kl += o.kl, a.recall += o.recall, a.rows += o.rows, a.pairs += o.pairs, a.zeros += o.zeros;
}

// Keys of `p` (restricted to `open`) ordered by decreasing weight, ties by index.
std::vector<Eigen::Index> ranked(const Eigen::Ref<const Eigen::RowVectorXd>& p,
                                 const std::vector<Eigen::Index>& open, size_t k) {
  std::vector<Eigen::Index> idx = open;
  std::partial_sort(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(k), idx.end(),
                    [&](Eigen::Index a, Eigen::Index b) { return p(a) > p(b) || (p(a) == p(b) && a < b); });
  idx.resize(k);
  return idx;
}

RowSums head_rows(const Mat& pr, const Mat& p, const Mat* mask, int top_k) {
  RowSums s;
  std::vector<Eigen::Index> open;
  for (Eigen::Index i = 0; i < pr.rows(); ++i) {
    open.clear();
    for (Eigen::Index j = 0; j < pr.cols(); ++j)
      if (!mask || (*mask)(i, j) != -std::numeric_limits<double>::infinity()) open.push_back(j);
    double kl = 0;
    for (Eigen::Index j : open) {
      if (pr(i, j) > 0) kl += pr(i, j) * std::log(pr(i, j) / std::max(p(i, j), kKlFloor));
      if (p(i, j) == 0) ++s.zeros;
    }
    s.kl += kl;
    const size_t k = std::min(static_cast<size_t>(top_k), open.size());
    auto a = ranked(pr.row(i), open, k), b = ranked(p.row(i), open, k);
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    std::vector<Eigen::Index> both;
    std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(both));
    s.recall += static_cast<double>(both.size()) / static_cast<double>(k);
    s.rows += 1;
    s.pairs += static_cast<int64_t>(open.size());
  }
  return s;
}

void finish_rows(const RowSums& s, Metrics& m) {
  m.kl = s.rows ? s.kl / static_cast<double>(s.rows) : 0;
  m.topk_recall = s.rows ? s.recall / static_cast<double>(s.rows) : 1;
  m.sparsity = s.pairs ? static_cast<double>(s.zeros) / static_cast<double>(s.pairs) : 0;
}

}  // namespace

Interval wilson_interval(int64_t k, int64_t n, double z) {
  if (n <= 0 || k < 0 || k > n) throw std::invalid_argument("wilson_interval: need 0 <= k <= n, n > 0");
  const double nn = static_cast<double>(n), p = static_cast<double>(k) / nn, z2 = z * z;
  const double den = 1 + z2 / nn;
  const double mid = (p + z2 / (2 * nn)) / den;
  const double half = z * std::sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn)) / den;
  return {std::max(0.0, mid - half), std::min(1.0, mid + half)};
}

Interval paired_difference_interval(const PairedCounts& t, double z) {
  const int64_t n = t.n();
  if (n <= 0 || t.both < 0 || t.only_a < 0 || t.only_b < 0 || t.neither < 0)
    throw std::invalid_argument("paired_difference_interval: need non-negative counts, n > 0");
  const double nn = static_cast<double>(n);
  const int64_t ka = t.both + t.only_a, kb = t.both + t.only_b;
  const double pa = static_cast<double>(ka) / nn, pb = static_cast<double>(kb) / nn;
  const Interval ia = wilson_interval(ka, n, z), ib = wilson_interval(kb, n, z);
  const double den = static_cast<double>(ka) * static_cast<double>(n - ka) *
                     static_cast<double>(kb) * static_cast<double>(n - kb);
  const double phi = den > 0 ? (static_cast<double>(t.both) * static_cast<double>(t.neither) -
                                static_cast<double>(t.only_a) * static_cast<double>(t.only_b)) / std::sqrt(den)
                             : 0.0;
  const double a_lo = pa - ia.lo, a_hi = ia.hi - pa, b_lo = pb - ib.lo, b_hi = ib.hi - pb;
  const double down = std::sqrt(std::max(0.0, a_lo * a_lo - 2 * phi * a_lo * b_hi + b_hi * b_hi));
  const double up = std::sqrt(std::max(0.0, a_hi * a_hi - 2 * phi * a_hi * b_lo + b_lo * b_lo));
  return {pa - pb - down, pa - pb + up};
}

void output_metrics(const std::vector<Mat>& y, const std::vector<Mat>& ref, Metrics& m) {
  CIMCHAR_CHECK(y.size() == ref.size(), "metrics: batch sizes differ");
  OutSums s;
  for (size_t b = 0; b < y.size(); ++b) add_out(s, y[b], ref[b]);
  finish_out(s, m);
}

MetricsAccumulator::MetricsAccumulator(const Model& model, int top_k)
    : model_(model), top_k_(top_k), layer_out_(model.layers.size()),
      layer_rows_(model.layers.size()) {
  CIMCHAR_CHECK(top_k >= 1, "metrics: top_k must be >= 1");
}

void MetricsAccumulator::add(const Batch& batch, int b, const Mat& y_ref, const SeqTrace& ref,
                             const Mat& y, const SeqTrace& run) {
  const size_t L = model_.layers.size();
  const int H = model_.n_heads();
  CIMCHAR_CHECK(ref.probs.size() == L && run.probs.size() == L && ref.layer_out.size() == L &&
                    run.layer_out.size() == L,
                "metrics: traces must keep probabilities and layer outputs");
  add_out(out_, y, y_ref);
  Mat mask;
  for (size_t l = 0; l < L; ++l) {
    add_out(layer_out_[l], run.layer_out[l], ref.layer_out[l]);
    for (int h = 0; h < H; ++h) {
      const bool masked = batch.mask_for(b, h, H, mask);
      const RowSums r = head_rows(ref.probs[l][static_cast<size_t>(h)],
                                  run.probs[l][static_cast<size_t>(h)], masked ? &mask : nullptr, top_k_);
      add_rows(layer_rows_[l], r);
      add_rows(rows_, r);
    }
  }
}

RunMetrics MetricsAccumulator::result() const {
  RunMetrics rm;
  finish_out(out_, rm.model);
  finish_rows(rows_, rm.model);
  for (size_t l = 0; l < layer_out_.size(); ++l) {
    Metrics m;
    finish_out(layer_out_[l], m);
    finish_rows(layer_rows_[l], m);
    rm.layers.push_back(m);
  }
  return rm;
}

RunMetrics compare_runs(const Model& model, const Batch& batch, const std::vector<Mat>& y_ref,
                        const Trace& ref, const std::vector<Mat>& y, const Trace& run, int top_k) {
  const size_t L = model.layers.size(), H = static_cast<size_t>(model.n_heads());
  CIMCHAR_CHECK(ref.probs.size() == L && run.probs.size() == L && ref.layer_out.size() == L &&
                    run.layer_out.size() == L,
                "metrics: traces must keep probabilities and layer outputs");
  MetricsAccumulator acc(model, top_k);
  for (int b = 0; b < batch.size(); ++b) {
    SeqTrace r, s;
    for (size_t l = 0; l < L; ++l) {
      r.probs.emplace_back(ref.probs[l].begin() + static_cast<std::ptrdiff_t>(b * H),
                           ref.probs[l].begin() + static_cast<std::ptrdiff_t>((b + 1) * H));
      s.probs.emplace_back(run.probs[l].begin() + static_cast<std::ptrdiff_t>(b * H),
                           run.probs[l].begin() + static_cast<std::ptrdiff_t>((b + 1) * H));
      r.layer_out.push_back(ref.layer_out[l][static_cast<size_t>(b)]);
      s.layer_out.push_back(run.layer_out[l][static_cast<size_t>(b)]);
    }
    acc.add(batch, b, y_ref[static_cast<size_t>(b)], r, y[static_cast<size_t>(b)], s);
  }
  return acc.result();
}

}  // namespace cimchar::attention
