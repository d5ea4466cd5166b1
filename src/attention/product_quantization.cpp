#include "attention/product_quantization.hpp"

#include <algorithm>
#include <limits>

#include "core/error.hpp"

namespace cimchar::attention {

namespace {

Mat kmeans(const Mat& x, int c, int iterations, std::mt19937_64& rng, std::vector<int>& assign) {
  const Eigen::Index n = x.rows();
  Mat cent(c, x.cols());
  // k-means++ seeding.
  std::uniform_int_distribution<Eigen::Index> first(0, n - 1);
  cent.row(0) = x.row(first(rng));
  Eigen::VectorXd d2(n);
  for (Eigen::Index i = 0; i < n; ++i) d2(i) = (x.row(i) - cent.row(0)).squaredNorm();
  for (int k = 1; k < c; ++k) {
    const double total = d2.sum();
    Eigen::Index pick = 0;
    if (total > 0) {
      std::uniform_real_distribution<double> u(0, total);
      double r = u(rng), acc = 0;
      for (pick = 0; pick < n - 1; ++pick) {
        acc += d2(pick);
        if (acc >= r) break;
      }
    } else {
      pick = k % n;  // all points coincide with chosen centroids
    }
    cent.row(k) = x.row(pick);
    for (Eigen::Index i = 0; i < n; ++i) d2(i) = std::min(d2(i), (x.row(i) - cent.row(k)).squaredNorm());
  }
  assign.assign(static_cast<size_t>(n), 0);
  for (int it = 0; it <= iterations; ++it) {
    bool changed = false;
    for (Eigen::Index i = 0; i < n; ++i) {
      int best = 0;
      double bd = std::numeric_limits<double>::infinity();
      for (int k = 0; k < c; ++k) {
        const double d = (x.row(i) - cent.row(k)).squaredNorm();
        if (d < bd) bd = d, best = k;
      }
      if (assign[static_cast<size_t>(i)] != best || it == 0) changed = true;
      assign[static_cast<size_t>(i)] = best;
    }
    if (!changed || it == iterations) break;
    Mat sum = Mat::Zero(c, x.cols());
    std::vector<int> count(static_cast<size_t>(c), 0);
    for (Eigen::Index i = 0; i < n; ++i) {
      sum.row(assign[static_cast<size_t>(i)]) += x.row(i);
      ++count[static_cast<size_t>(assign[static_cast<size_t>(i)])];
    }
    for (int k = 0; k < c; ++k)
      if (count[static_cast<size_t>(k)] > 0) cent.row(k) = sum.row(k) / count[static_cast<size_t>(k)];
  }
  return cent;
}

}  // namespace

PqCodebook pq_train(const Mat& keys, int subspaces, int centroids, int iterations,
                    std::mt19937_64& rng) {
  CIMCHAR_CHECK(subspaces >= 1 && keys.cols() % subspaces == 0,
                "pq_train: d must be a multiple of the subspace count");
  CIMCHAR_CHECK(keys.rows() >= 1 && centroids >= 1, "pq_train: empty input");
  const int c = static_cast<int>(std::min<Eigen::Index>(centroids, keys.rows()));
  const Eigen::Index ds = keys.cols() / subspaces;
  PqCodebook pq;
  pq.subspaces = subspaces;
  for (int m = 0; m < subspaces; ++m) {
    std::vector<int> assign;
    pq.centroids.push_back(kmeans(keys.middleCols(m * ds, ds), c, iterations, rng, assign));
    pq.codes.push_back(std::move(assign));
  }
  return pq;
}

}  // namespace cimchar::attention
