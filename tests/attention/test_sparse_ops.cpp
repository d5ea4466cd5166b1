// Sparse-scheme building blocks against hand-worked values and exact references.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "attention/executor.hpp"
#include "attention/product_quantization.hpp"
#include "attention/sparse_ops.hpp"

using namespace cimchar::attention;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(LutSoftmax, CoarseTableByHand) {
  // Scores quantized to steps of 1/4: [0, -0.25, -1]; exp table with 3 fractional bits:
  // exp(0) = 8/8, exp(-0.25) = 0.7788 -> 6/8, exp(-1) = 0.3679 -> 3/8; normalized by 17/8.
  Mat s(1, 3);
  s << 0.05, -0.3, -1.0;
  LutSoftmaxConfig c;
  c.score = {6, 2};
  c.exp_bits = 3;
  const Mat p = lut_softmax(s, nullptr, c);
  EXPECT_NEAR(p(0, 0), 8.0 / 17, 1e-15);
  EXPECT_NEAR(p(0, 1), 6.0 / 17, 1e-15);
  EXPECT_NEAR(p(0, 2), 3.0 / 17, 1e-15);
}

TEST(LutSoftmax, SaturationAndMask) {
  // 4-bit scores with 1 fractional bit span [-4, 3.5]: 10 saturates to 3.5, -10 to -4; the
  // difference -7.5 saturates to -4 on the same grid and reads exp(-4) = 0.0183 -> 1/64 in a
  // 6-bit table: p = (64/64, 0, 1/64) / (65/64). Key 1 is masked.
  Mat s(1, 3), m = Mat::Zero(1, 3);
  s << 10, 0, -10;
  m(0, 1) = -kInf;
  LutSoftmaxConfig c;
  c.score = {4, 1};
  c.exp_bits = 6;
  const Mat p = lut_softmax(s, &m, c);
  EXPECT_NEAR(p(0, 0), 64.0 / 65, 1e-15);
  EXPECT_DOUBLE_EQ(p(0, 1), 0.0);
  EXPECT_NEAR(p(0, 2), 1.0 / 65, 1e-15);
}

TEST(LutSoftmax, FinePrecisionApproachesSoftmax) {
  std::mt19937_64 g(3);
  std::normal_distribution<double> n(0, 2);
  Mat s = Mat::NullaryExpr(5, 9, [&] { return n(g); });
  LutSoftmaxConfig c;
  c.score = {24, 16};
  c.exp_bits = 24;
  EXPECT_LT((lut_softmax(s, nullptr, c) - masked_softmax(s, nullptr)).cwiseAbs().maxCoeff(), 1e-5);
}

TEST(Selection, TopkThresholdFraction) {
  Mat s(2, 4), m = Mat::Zero(2, 4);
  s << 0.1, 0.9, 0.5, 0.9, -1, -2, -3, -4;
  m(0, 3) = -kInf;  // key 3 of row 0 masked: it may never be kept
  const Mat k2 = topk_keep(s, &m, 2);
  EXPECT_EQ(k2.row(0), (Eigen::RowVector4d() << 0, 1, 1, 0).finished());
  EXPECT_EQ(k2.row(1), (Eigen::RowVector4d() << 1, 1, 0, 0).finished());
  int64_t fallbacks = 0;
  const Mat th = threshold_keep(s, &m, 0.4, &fallbacks);
  EXPECT_EQ(th.row(0), (Eigen::RowVector4d() << 0, 1, 1, 0).finished());
  EXPECT_EQ(th.row(1), (Eigen::RowVector4d() << 1, 0, 0, 0).finished());  // none >= 0.4: argmax
  EXPECT_EQ(fallbacks, 1);
  // Row 0 has 3 open keys: ceil(0.5 * 3) = 2; row 1 has 4: 2.
  const Mat fr = fraction_keep(s, &m, 0.5);
  EXPECT_EQ(fr.row(0).sum(), 2);
  EXPECT_EQ(fr.row(1).sum(), 2);
}

TEST(Selection, SparseExactAttentionRenormalizesKeptKeys) {
  Mat s(1, 3), keep(1, 3), v(3, 1);
  s << 1, 2, 3;
  keep << 1, 0, 1;
  v << 10, 20, 30;
  Mat probs;
  const Mat ctx = sparse_exact_attention(s, nullptr, keep, v, probs);
  const double e1 = std::exp(1.0), e3 = std::exp(3.0);
  EXPECT_NEAR(probs(0, 0), e1 / (e1 + e3), 1e-15);
  EXPECT_DOUBLE_EQ(probs(0, 1), 0.0);
  EXPECT_NEAR(ctx(0, 0), (10 * e1 + 30 * e3) / (e1 + e3), 1e-12);
}

TEST(ProductQuantization, RecoversKeysWhenCentroidsSuffice) {
  // 20 keys drawn from 3 distinct vectors per subspace: k-means with 3 centroids finds them
  // exactly, so PQ relevance equals the exact dot products.
  std::mt19937_64 g(5);
  std::normal_distribution<double> n(0, 1);
  const Mat protos = Mat::NullaryExpr(3, 8, [&] { return n(g); });
  Mat keys(20, 8);
  for (int i = 0; i < 20; ++i) {
    keys.leftCols(4).row(i) = protos.leftCols(4).row(i % 3);
    keys.rightCols(4).row(i) = protos.rightCols(4).row((i / 3) % 3);
  }
  std::mt19937_64 rng(1);
  const PqCodebook pq = pq_train(keys, 2, 3, 20, rng);
  const Mat q = Mat::NullaryExpr(4, 8, [&] { return n(g); });
  Mat rel = Mat::Zero(4, 20);
  for (int m = 0; m < 2; ++m) {
    const Mat t = q.middleCols(4 * m, 4) * pq.centroids[static_cast<size_t>(m)].transpose();
    for (int j = 0; j < 20; ++j) rel.col(j) += t.col(pq.codes[static_cast<size_t>(m)][static_cast<size_t>(j)]);
  }
  EXPECT_LT((rel - q * keys.transpose()).cwiseAbs().maxCoeff(), 1e-12);
}

}  // namespace
