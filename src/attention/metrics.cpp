#include "attention/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/error.hpp"

namespace cimchar::attention {

void output_metrics(const std::vector<Mat>& y, const std::vector<Mat>& ref, Metrics& m) {
  CIMCHAR_CHECK(y.size() == ref.size(), "metrics: batch sizes differ");
  double num = 0, den = 0, cos_sum = 0;
  int64_t tokens = 0;
  for (size_t b = 0; b < y.size(); ++b) {
    CIMCHAR_CHECK(y[b].rows() == ref[b].rows() && y[b].cols() == ref[b].cols(),
                  "metrics: output shapes differ");
    num += (y[b] - ref[b]).squaredNorm();
    den += ref[b].squaredNorm();
    for (Eigen::Index t = 0; t < y[b].rows(); ++t) {
      const double na = y[b].row(t).norm(), nb = ref[b].row(t).norm();
      cos_sum += (na > 0 && nb > 0) ? y[b].row(t).dot(ref[b].row(t)) / (na * nb) : (na == nb ? 1.0 : 0.0);
      ++tokens;
    }
  }
  m.rel_l2 = den > 0 ? std::sqrt(num / den) : std::sqrt(num);
  m.cosine = tokens ? cos_sum / static_cast<double>(tokens) : 1.0;
}

namespace {

struct RowSums {
  double kl = 0, recall = 0;
  int64_t rows = 0, pairs = 0, zeros = 0;
  void add(const RowSums& o) {
    kl += o.kl, recall += o.recall, rows += o.rows, pairs += o.pairs, zeros += o.zeros;
  }
};

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

void finish(const RowSums& s, Metrics& m) {
  m.kl = s.rows ? s.kl / static_cast<double>(s.rows) : 0;
  m.topk_recall = s.rows ? s.recall / static_cast<double>(s.rows) : 1;
  m.sparsity = s.pairs ? static_cast<double>(s.zeros) / static_cast<double>(s.pairs) : 0;
}

}  // namespace

RunMetrics compare_runs(const Model& model, const Batch& batch, const std::vector<Mat>& y_ref,
                        const Trace& ref, const std::vector<Mat>& y, const Trace& run, int top_k) {
  CIMCHAR_CHECK(top_k >= 1, "metrics: top_k must be >= 1");
  const size_t L = model.layers.size();
  const int H = model.n_heads();
  CIMCHAR_CHECK(ref.probs.size() == L && run.probs.size() == L && ref.layer_out.size() == L &&
                    run.layer_out.size() == L,
                "metrics: traces must keep probabilities and layer outputs");
  RunMetrics rm;
  output_metrics(y, y_ref, rm.model);
  RowSums all;
  Mat mask;
  for (size_t l = 0; l < L; ++l) {
    Metrics m;
    output_metrics(run.layer_out[l], ref.layer_out[l], m);
    RowSums s;
    for (int b = 0; b < batch.size(); ++b)
      for (int h = 0; h < H; ++h) {
        const bool masked = batch.mask_for(b, h, H, mask);
        const size_t k = static_cast<size_t>(b * H + h);
        s.add(head_rows(ref.probs[l][k], run.probs[l][k], masked ? &mask : nullptr, top_k));
      }
    finish(s, m);
    all.add(s);
    rm.layers.push_back(m);
  }
  finish(all, rm.model);
  return rm;
}

}  // namespace cimchar::attention
