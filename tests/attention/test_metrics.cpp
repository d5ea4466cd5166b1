// Metrics against values worked out by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>

#include "attention/metrics.hpp"

using namespace cimchar::attention;

namespace {

TEST(Metrics, OutputRelL2AndCosine) {
  Mat ref(2, 2), y(2, 2);
  ref << 3, 4, 1, 0;
  y << 3, 4, 0, 1;  // second token orthogonal: cosine 0; error norm sqrt(2) over norm sqrt(26)
  Metrics m;
  output_metrics({y}, {ref}, m);
  EXPECT_NEAR(m.rel_l2, std::sqrt(2.0 / 26.0), 1e-15);
  EXPECT_NEAR(m.cosine, 0.5, 1e-15);
}

TEST(Metrics, AttentionRowsKlRecallSparsity) {
  // One layer, one head, one sequence of 3 tokens; key 2 is padded (masked).
  Model model;
  model.d_model = 2;
  model.layers.resize(1);
  model.layers[0].attn.n_heads = 1;
  Batch batch;
  batch.seq = 3;
  batch.x = {Mat::Zero(3, 2)};
  batch.key_padding = {{false, false, true}};
  Trace ref, run;
  Mat pr(3, 3), p(3, 3);
  pr << 0.75, 0.25, 0, 0.5, 0.5, 0, 0.9, 0.1, 0;
  p << 0.5, 0.5, 0, 0.5, 0.5, 0, 0.0, 1.0, 0;  // row 2 prunes key 0
  ref.probs = {{pr}};
  run.probs = {{p}};
  ref.layer_out = run.layer_out = {{Mat::Ones(3, 2)}};
  const std::vector<Mat> y = {Mat::Ones(3, 2)};
  const RunMetrics rm = compare_runs(model, batch, y, ref, y, run, 1);
  const double kl0 = 0.75 * std::log(0.75 / 0.5) + 0.25 * std::log(0.25 / 0.5);
  const double kl2 = 0.9 * std::log(0.9 / kKlFloor) + 0.1 * std::log(0.1 / 1.0);
  EXPECT_NEAR(rm.model.kl, (kl0 + 0 + kl2) / 3, 1e-12);
  // top-1: row 0 ref key 0, run tie 0.5/0.5 -> key 0 (lower index): hit; row 1 tie both ->
  // key 0 both: hit; row 2 ref key 0, run key 1: miss.
  EXPECT_NEAR(rm.model.topk_recall, 2.0 / 3.0, 1e-15);
  // 6 unmasked pairs, one set to zero by the scheme.
  EXPECT_NEAR(rm.model.sparsity, 1.0 / 6.0, 1e-15);
  EXPECT_NEAR(rm.layers[0].kl, rm.model.kl, 1e-15);
}

// The Wilson bounds are the two roots p of (k/n - p)^2 = z^2 p (1 - p) / n; at k = 0 the
// lower is 0 and the upper z^2 / (n + z^2); at k = n the mirror image.
TEST(Wilson, BoundsSolveTheScoreEquationAndMeetTheClosedForms) {
  for (auto [k, n] : {std::pair<int64_t, int64_t>{81, 263}, {118, 128}, {5, 10}, {1, 29}}) {
    const Interval ci = wilson_interval(k, n);
    const double ph = static_cast<double>(k) / static_cast<double>(n), z2 = kZ95 * kZ95;
    for (double p : {ci.lo, ci.hi})
      EXPECT_NEAR((ph - p) * (ph - p), z2 * p * (1 - p) / static_cast<double>(n), 1e-12) << k << "/" << n;
    EXPECT_LT(ci.lo, ph);
    EXPECT_GT(ci.hi, ph);
  }
  const double z2 = kZ95 * kZ95;
  EXPECT_EQ(wilson_interval(0, 20).lo, 0.0);
  EXPECT_NEAR(wilson_interval(0, 20).hi, z2 / (20 + z2), 1e-14);
  EXPECT_NEAR(wilson_interval(20, 20).lo, 20 / (20 + z2), 1e-14);
  // 1000 samples at 0.9: the half-width is about z sqrt(0.09 / 1000) = 1.86 pt.
  const Interval big = wilson_interval(900, 1000);
  EXPECT_NEAR((big.hi - big.lo) / 2, kZ95 * std::sqrt(0.09 / 1000), 2e-4);
  EXPECT_THROW(wilson_interval(3, 2), std::invalid_argument);
}

}  // namespace

// Newcombe's paired interval covers the true difference of accuracies about 95% of the time:
// 4000 simulated studies of n = 200 paired items, two classifiers that agree on most items
// (as a scheme and the ideal run do), true accuracies 0.85 and 0.87.
TEST(PairedInterval, CoversTheTrueDifferenceAtItsLevel) {
  std::mt19937_64 rng(11);
  // Cells: both right 0.83, only a 0.02, only b 0.04, neither 0.11: a - b = -0.02.
  std::discrete_distribution<int> cell({0.83, 0.02, 0.04, 0.11});
  int covered = 0, narrower = 0;
  const int studies = 4000;
  for (int s = 0; s < studies; ++s) {
    PairedCounts t;
    for (int i = 0; i < 200; ++i) {
      const int c = cell(rng);
      (c == 0 ? t.both : c == 1 ? t.only_a : c == 2 ? t.only_b : t.neither) += 1;
    }
    const Interval d = paired_difference_interval(t);
    covered += d.lo <= -0.02 && -0.02 <= d.hi;
    const Interval a = wilson_interval(t.both + t.only_a, 200), b = wilson_interval(t.both + t.only_b, 200);
    narrower += (d.hi - d.lo) < 0.5 * ((a.hi - a.lo) + (b.hi - b.lo));
  }
  const double coverage = static_cast<double>(covered) / studies;  // binomial sd 0.0034
  EXPECT_GT(coverage, 0.93) << coverage;
  EXPECT_LT(coverage, 0.97) << coverage;
  EXPECT_GT(narrower, 0.99 * studies);  // the pairing is what buys the resolution
}

// Hand cases: identical classifiers give 0 inside a non-empty interval; the point estimate is
// (only_a - only_b) / n and lies inside; bounds stay within [-1, 1]; bad counts throw.
TEST(PairedInterval, HandCases) {
  const Interval same = paired_difference_interval({90, 0, 0, 10});
  EXPECT_LT(same.lo, 0);
  EXPECT_GT(same.hi, 0);
  const Interval d = paired_difference_interval({80, 2, 8, 10});
  EXPECT_LT(d.lo, -0.06);
  EXPECT_GT(d.hi, -0.06);
  const Interval all = paired_difference_interval({0, 0, 50, 0});
  EXPECT_GE(all.lo, -1.0 - 1e-12);
  EXPECT_LT(all.hi, 0);
  EXPECT_THROW(paired_difference_interval({0, 0, 0, 0}), std::invalid_argument);
}
