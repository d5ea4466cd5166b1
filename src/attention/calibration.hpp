// Calibration of a scheme's data-dependent settings on a model file's calibration split
// (/calibration, docs/model-format.md), never on the held-out set (/input): the ideal run of
// the calibration sequences gives the distribution of the scaled attention scores
// q.k / sqrt(d_head), from which a scheme picks its fixed-point score format (attar, star),
// its comparator threshold for a target keep ratio (sprint), ... (docs/schemes.md,
// "Calibration"). A value fixed in the config is never calibrated.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "attention/model.hpp"
#include "attention/sparse_ops.hpp"

namespace cimchar::attention {

// The scaled scores of the calibration split's ideal run, over unmasked (query, key) pairs of
// every layer and head.
struct ScoreStats {
  int sequences = 0;           // calibration sequences run
  int64_t pairs = 0;           // unmasked pairs seen
  double abs_max = 0;          // largest |score|
  std::vector<double> sample;  // a fixed-stride subsample of the scores, sorted
  // The q-quantile of the sampled scores (q in [0, 1]).
  double quantile(double q) const;
};

// Runs the ideal scheme on `calibration` (only) and gathers its score statistics; at most
// `max_pairs` scores are kept for quantiles.
ScoreStats collect_score_stats(const Model& model, const Batch& calibration,
                               int64_t max_pairs = 1 << 20);

// What a scheme's calibration has to go on: the statistics (none when the model file has no
// calibration split) and the sequence length of the workload (a shape, not data).
struct CalibrationData {
  std::optional<ScoreStats> scores;
  int seq = 0;
};

// One setting a scheme chose: its config key, value, and where it came from.
struct ChosenValue {
  std::string key;
  double value = 0;
  std::string source;  // "config", "calibration" or "default (no calibration split)"
  std::string basis;   // what the calibration measured, e.g. "max |score| 9.71 over 256 sequences"
};

// The fixed-point format with `bits` bits whose range covers +-abs_max with the most
// fractional bits (0 when even that saturates).
FixedPoint covering_format(int bits, double abs_max);

}  // namespace cimchar::attention
