#include "attention/calibration.hpp"

#include <algorithm>
#include <cmath>

#include "attention/executor.hpp"
#include "core/error.hpp"

namespace cimchar::attention {

namespace {

// Exact softmax attention that records the scaled scores it forms.
class ScoreRecorder final : public AttentionCore {
 public:
  ScoreRecorder(ScoreStats& st, int64_t stride) : st_(st), stride_(stride) {}
  Mat attend(const HeadId& id, const Mat& q, const Mat& k, const Mat& v, const Mat* mask,
             MatmulBackend& be, Mat* probs) override {
    const Mat s = q * k.transpose() / std::sqrt(static_cast<double>(q.cols()));
    for (Eigen::Index i = 0; i < s.rows(); ++i)
      for (Eigen::Index j = 0; j < s.cols(); ++j) {
        if (mask && !std::isfinite((*mask)(i, j))) continue;
        const double x = s(i, j) + (mask ? (*mask)(i, j) : 0.0);
        st_.abs_max = std::max(st_.abs_max, std::abs(x));
        if (st_.pairs++ % stride_ == 0) st_.sample.push_back(x);
      }
    return inner_.attend(id, q, k, v, mask, be, probs);
  }

 private:
  ScoreStats& st_;
  int64_t stride_;
  SoftmaxCore inner_;
};

}  // namespace

double ScoreStats::quantile(double q) const {
  if (sample.empty()) throw std::logic_error("ScoreStats::quantile: no scores");
  const double pos = std::clamp(q, 0.0, 1.0) * static_cast<double>(sample.size() - 1);
  const auto lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, sample.size() - 1);
  return sample[lo] + (pos - static_cast<double>(lo)) * (sample[hi] - sample[lo]);
}

ScoreStats collect_score_stats(const Model& model, const Batch& calibration, int64_t max_pairs) {
  ScoreStats st;
  const int64_t S = calibration.seq;
  const int64_t total = static_cast<int64_t>(calibration.size()) * S * S * model.n_heads() *
                        static_cast<int64_t>(model.layers.size());
  const int64_t stride = std::max<int64_t>(1, (total + max_pairs - 1) / max_pairs);
  IdealBackend be;
  ScoreRecorder rec(st, stride);
  Executor ex(model, be, rec);
  for (int b = 0; b < calibration.size(); ++b) ex.run_sequence(calibration, b);
  st.sequences = calibration.size();
  std::sort(st.sample.begin(), st.sample.end());
  return st;
}

FixedPoint covering_format(int bits, double abs_max) {
  // Largest frac with max() = 2^(bits-1-frac) - 2^-frac >= abs_max.
  for (int f = bits - 1; f > 0; --f) {
    const FixedPoint p{bits, f};
    if (p.max() >= abs_max) return p;
  }
  return {bits, 0};
}

}  // namespace cimchar::attention
