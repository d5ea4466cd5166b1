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

// Output comparison only.
void output_metrics(const std::vector<Mat>& y, const std::vector<Mat>& ref, Metrics& m);

// ref/run: traces with keep_probs and keep_layer_outputs. top_k >= 1.
RunMetrics compare_runs(const Model& model, const Batch& batch, const std::vector<Mat>& y_ref,
                        const Trace& ref, const std::vector<Mat>& y, const Trace& run, int top_k);

}  // namespace cimchar::attention
