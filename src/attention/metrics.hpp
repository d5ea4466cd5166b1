// Accuracy metrics of a scheme's run against the ideal (double-precision) run of the same
// model on the same input:
//  - rel_l2: ||y - y_ref||_2 / ||y_ref||_2 over all tokens and features;
//  - cosine: mean over tokens of cos(y_t, y_ref_t);
//  - kl: mean over query rows (all layers, heads, sequences) of KL(p_ref || p) in nats, with
//    p floored at kKlFloor so that pruned keys give a finite, large penalty;
//  - topk_recall: mean over query rows of |top-k(p_ref) & top-k(p)| / k, k = min(top_k,
//    unmasked keys);
//  - sparsity: fraction of unmasked (query, key) pairs whose weight the scheme set to exactly 0.
#pragma once

#include <cstdint>
#include <vector>

#include "attention/executor.hpp"

namespace cimchar::attention {

constexpr double kKlFloor = 1e-9;

struct Metrics {
  double rel_l2 = 0;
  double cosine = 1;
  double kl = 0;
  double topk_recall = 1;
  double sparsity = 0;
};

struct RunMetrics {
  Metrics model;                // outputs and every layer's attention rows
  std::vector<Metrics> layers;  // per layer: that layer's outputs and attention rows
};

// Wilson score interval of a proportion (k successes in n trials) at z standard deviations
// (1.96: 95%): the p with (k/n - p)^2 = z^2 p (1 - p) / n (Wilson 1927). Unlike k/n +- z se it
// stays inside [0, 1] and is not empty at k = 0 or n. n must be positive.
struct Interval {
  double lo = 0, hi = 1;
};
constexpr double kZ95 = 1.959963984540054;
Interval wilson_interval(int64_t k, int64_t n, double z = kZ95);

// The paired 2x2 table of two classifiers on the same n items: both right, only a right, only b
// right, both wrong.
struct PairedCounts {
  int64_t both = 0, only_a = 0, only_b = 0, neither = 0;
  int64_t n() const { return both + only_a + only_b + neither; }
};
// The interval of the difference of accuracies a - b = (only_a - only_b) / n from the paired
// table: Newcombe's hybrid score interval (Newcombe 1998, Statistics in Medicine 17:2635,
// method 10), from the two Wilson intervals and the correlation phi of the pairs (0 when a
// margin is empty). Far narrower than the two accuracies' intervals when the classifiers agree
// on most items, as a scheme and the ideal run do. n must be positive.
Interval paired_difference_interval(const PairedCounts& t, double z = kZ95);

// Output comparison only.
void output_metrics(const std::vector<Mat>& y, const std::vector<Mat>& ref, Metrics& m);

namespace detail {
struct OutSums {
  double num = 0, den = 0, cos = 0;
  int64_t tokens = 0;
};
struct RowSums {
  double kl = 0, recall = 0;
  int64_t rows = 0, pairs = 0, zeros = 0;
};
}  // namespace detail

// Accumulates the metrics sequence by sequence, so a large held-out set needs no traces of the
// whole batch in memory.
class MetricsAccumulator {
 public:
  MetricsAccumulator(const Model& model, int top_k);
  // One sequence: the ideal run's and the scheme's outputs and traces (keep_probs and
  // keep_layer_outputs set).
  void add(const Batch& batch, int b, const Mat& y_ref, const SeqTrace& ref, const Mat& y,
           const SeqTrace& run);
  RunMetrics result() const;

 private:
  const Model& model_;
  int top_k_;
  detail::OutSums out_;
  std::vector<detail::OutSums> layer_out_;
  detail::RowSums rows_;
  std::vector<detail::RowSums> layer_rows_;
};

// ref/run: traces with keep_probs and keep_layer_outputs. top_k >= 1.
RunMetrics compare_runs(const Model& model, const Batch& batch, const std::vector<Mat>& y_ref,
                        const Trace& ref, const std::vector<Mat>& y, const Trace& run, int top_k);

}  // namespace cimchar::attention
