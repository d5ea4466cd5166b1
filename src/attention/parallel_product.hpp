// Dense products split over the machine's cores by output columns, each part one
// single-threaded BLAS call (cimchar runs OpenBLAS with one thread: its own threads compete
// with parallel_for's; src/app/process_tuning.cpp, bench/RESULTS.md). Small products run in
// one piece. The result equals the plain product to rounding (tests/attention/
// test_parallel_product.cpp).
#pragma once

#include <algorithm>

#include "attention/model.hpp"
#include "core/parallel.hpp"

namespace cimchar::attention {

// x [n, k] times y [k, m]; y may be an expression with direct access (a transpose, a block).
template <class X, class Y>
Eigen::Matrix<typename X::Scalar, Eigen::Dynamic, Eigen::Dynamic> parallel_product(const X& x, const Y& y) {
  const Eigen::Index n = x.rows(), k = x.cols(), m = y.cols();
  Eigen::Matrix<typename X::Scalar, Eigen::Dynamic, Eigen::Dynamic> out(n, m);
  constexpr double kMinMacsPerPart = 4e6;
  const auto parts = static_cast<Eigen::Index>(std::min<double>(
      {static_cast<double>(default_threads()), static_cast<double>(n) * k * m / kMinMacsPerPart,
       static_cast<double>(m)}));
  if (parts <= 1) {
    out.noalias() = x * y;
    return out;
  }
  parallel_for(static_cast<size_t>(parts), [&](size_t p) {
    const Eigen::Index c0 = m * static_cast<Eigen::Index>(p) / parts;
    const Eigen::Index c1 = m * static_cast<Eigen::Index>(p + 1) / parts;
    out.middleCols(c0, c1 - c0).noalias() = x * y.middleCols(c0, c1 - c0);
  });
  return out;
}

}  // namespace cimchar::attention
