// Building blocks of the sparse and in-memory-softmax schemes, all on one head's [seq, seq]
// score rows, with the additive mask (-inf = blocked) respected everywhere:
//  - fixed-point quantization of scores (two's complement, saturating), as a CAM/LUT softmax
//    engine holds them (STAR, Zhai et al., arXiv:2401.17582, 2024);
//  - softmax with the max subtracted and exp() read from a lookup table of limited precision;
//  - top-k and threshold selection of keys per query row;
//  - exact attention restricted to the kept keys (the digital recompute of SPRINT, HARDSEA and
//    the hybrid analog/digital processor).
// Dimensionless.
#pragma once

#include <cstdint>
#include <vector>

#include "attention/model.hpp"

namespace cimchar::attention {

struct FixedPoint {
  int bits = 8;       // total, two's complement
  int frac_bits = 4;  // step 2^-frac_bits
  double step() const;
  double max() const;  // largest representable value
  double min() const;
  double quantize(double v) const;  // round to the grid, saturate
};

struct LutSoftmaxConfig {
  FixedPoint score{8, 4};
  int exp_bits = 8;  // exp(d) for d <= 0 stored as an unsigned fraction with exp_bits bits
};

// Row-wise softmax of `scores` (already scaled by 1/sqrt(d_head)) computed the way a LUT
// softmax engine does: scores quantized to `score`, row max found among the quantized values,
// d = x - max on the same grid (saturating), exp(d) from a table quantized to exp_bits (entries
// that round to 0 are 0), then normalized. `keep` (optional, same shape, 1 = kept) restricts the
// softmax to kept keys; masked keys are never kept.
Mat lut_softmax(const Mat& scores, const Mat* mask, const LutSoftmaxConfig& c,
                const Mat* keep = nullptr);

// 1 where a key is among the k largest of its row (ties to the lower index), masked keys
// excluded; k is clipped to the number of unmasked keys of the row.
Mat topk_keep(const Mat& scores, const Mat* mask, int k);
// Per row, the ceil(keep_fraction * unmasked keys) largest (at least one).
Mat fraction_keep(const Mat& scores, const Mat* mask, double keep_fraction);
// 1 where scores >= threshold (masked keys excluded); a row with none kept keeps its largest.
Mat threshold_keep(const Mat& scores, const Mat* mask, double threshold, int64_t* fallbacks);

// Exact softmax attention over the kept keys: probs [seq, seq] (0 for dropped keys) and
// returns probs * v. scores_exact already scaled.
Mat sparse_exact_attention(const Mat& scores_exact, const Mat* mask, const Mat& keep,
                           const Mat& v, Mat& probs);

}  // namespace cimchar::attention
