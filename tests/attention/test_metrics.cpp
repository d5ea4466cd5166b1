// Metrics against values worked out by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

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

}  // namespace
