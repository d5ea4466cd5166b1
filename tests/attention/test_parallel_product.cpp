// parallel_product against the plain product: large (split) and small (one piece) shapes,
// double and float, a transposed right operand as the executor passes it.
#include <gtest/gtest.h>

#include <random>

#include "attention/parallel_product.hpp"

using namespace cimchar;
using namespace cimchar::attention;

namespace {
template <class M>
M random(Eigen::Index r, Eigen::Index c, uint64_t seed) {
  std::mt19937_64 g(seed);
  std::normal_distribution<double> n(0, 1);
  return M::NullaryExpr(r, c, [&] { return static_cast<typename M::Scalar>(n(g)); });
}
}  // namespace

TEST(ParallelProduct, EqualsThePlainProduct) {
  for (auto [n, k, m] : {std::tuple{300, 200, 257}, std::tuple{5, 7, 3}, std::tuple{512, 64, 512}}) {
    const Mat x = random<Mat>(n, k, 1), w = random<Mat>(m, k, 2);
    const Mat plain = x * w.transpose();
    const Mat split = parallel_product(x, w.transpose());
    ASSERT_EQ(split.rows(), n);
    ASSERT_EQ(split.cols(), m);
    EXPECT_LT((split - plain).norm(), 1e-13 * plain.norm()) << n << "x" << k << "x" << m;
  }
  const Eigen::MatrixXf xf = random<Eigen::MatrixXf>(400, 300, 3), hf = random<Eigen::MatrixXf>(300, 350, 4);
  const Eigen::MatrixXf plain = xf * hf;
  EXPECT_LT((parallel_product(xf, hf) - plain).norm(), 1e-6f * plain.norm());
}
