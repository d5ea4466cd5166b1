#include "attention/sparse_ops.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "attention/executor.hpp"
#include "core/error.hpp"

namespace cimchar::attention {

namespace {
constexpr double kNegInf = -std::numeric_limits<double>::infinity();
bool open(const Mat* mask, Eigen::Index i, Eigen::Index j) {
  return !mask || (*mask)(i, j) != kNegInf;
}
}  // namespace

double FixedPoint::step() const { return std::ldexp(1.0, -frac_bits); }
double FixedPoint::max() const { return (std::ldexp(1.0, bits - 1) - 1) * step(); }
double FixedPoint::min() const { return -std::ldexp(1.0, bits - 1) * step(); }
double FixedPoint::quantize(double v) const {
  return std::clamp(std::round(v / step()) * step(), min(), max());
}

Mat lut_softmax(const Mat& scores, const Mat* mask, const LutSoftmaxConfig& c, const Mat* keep) {
  const Eigen::Index S = scores.rows(), K = scores.cols();
  Mat p = Mat::Zero(S, K);
  const double exp_step = std::ldexp(1.0, -c.exp_bits);
  for (Eigen::Index i = 0; i < S; ++i) {
    double mx = kNegInf;
    for (Eigen::Index j = 0; j < K; ++j)
      if (open(mask, i, j) && (!keep || (*keep)(i, j) != 0)) {
        // An additive mask that is not -inf (a bias) is added before quantization.
        const double s = scores(i, j) + (mask ? (*mask)(i, j) : 0.0);
        p(i, j) = c.score.quantize(s);
        mx = std::max(mx, p(i, j));
      } else {
        p(i, j) = kNegInf;
      }
    CIMCHAR_CHECK(mx != kNegInf, "lut_softmax: a row with no key kept");
    double sum = 0;
    for (Eigen::Index j = 0; j < K; ++j) {
      if (p(i, j) == kNegInf) {
        p(i, j) = 0;
        continue;
      }
      const double d = std::max(p(i, j) - mx, c.score.min());  // subtraction on the same grid
      const double e = std::round(std::exp(d) / exp_step) * exp_step;  // LUT entry
      p(i, j) = e;
      sum += e;
    }
    // exp(0) = 1 is always representable, so the row max keeps sum >= 1.
    p.row(i) /= sum;
  }
  return p;
}

namespace {
// Keeps, per row, the n(open keys) largest unmasked scores.
template <class CountFn>
Mat keep_largest(const Mat& scores, const Mat* mask, CountFn count) {
  const Eigen::Index S = scores.rows(), K = scores.cols();
  Mat keep = Mat::Zero(S, K);
  std::vector<Eigen::Index> idx;
  for (Eigen::Index i = 0; i < S; ++i) {
    idx.clear();
    for (Eigen::Index j = 0; j < K; ++j)
      if (open(mask, i, j)) idx.push_back(j);
    const auto n = std::min<size_t>(count(idx.size()), idx.size());
    std::partial_sort(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(n), idx.end(),
                      [&](Eigen::Index a, Eigen::Index b) {
                        return scores(i, a) > scores(i, b) || (scores(i, a) == scores(i, b) && a < b);
                      });
    for (size_t t = 0; t < n; ++t) keep(i, idx[t]) = 1;
  }
  return keep;
}
}  // namespace

Mat topk_keep(const Mat& scores, const Mat* mask, int k) {
  CIMCHAR_CHECK(k >= 1, "topk_keep: k must be >= 1");
  return keep_largest(scores, mask, [k](size_t) { return static_cast<size_t>(k); });
}

Mat fraction_keep(const Mat& scores, const Mat* mask, double keep_fraction) {
  CIMCHAR_CHECK(keep_fraction > 0 && keep_fraction <= 1, "fraction_keep: fraction in (0, 1]");
  return keep_largest(scores, mask, [keep_fraction](size_t n) {
    return std::max<size_t>(1, static_cast<size_t>(std::ceil(keep_fraction * static_cast<double>(n) - 1e-9)));
  });
}

Mat threshold_keep(const Mat& scores, const Mat* mask, double threshold, int64_t* fallbacks) {
  const Eigen::Index S = scores.rows(), K = scores.cols();
  Mat keep = Mat::Zero(S, K);
  for (Eigen::Index i = 0; i < S; ++i) {
    Eigen::Index best = -1;
    bool any = false;
    for (Eigen::Index j = 0; j < K; ++j) {
      if (!open(mask, i, j)) continue;
      if (best < 0 || scores(i, j) > scores(i, best)) best = j;
      if (scores(i, j) >= threshold) keep(i, j) = 1, any = true;
    }
    if (!any && best >= 0) {
      keep(i, best) = 1;
      if (fallbacks) ++*fallbacks;
    }
  }
  return keep;
}

Mat sparse_exact_attention(const Mat& scores_exact, const Mat* mask, const Mat& keep,
                           const Mat& v, Mat& probs) {
  Mat m = keep.unaryExpr([](double k) { return k != 0 ? 0.0 : kNegInf; });
  if (mask) m += *mask;
  probs = masked_softmax(scores_exact, &m);
  return probs * v;
}

}  // namespace cimchar::attention
