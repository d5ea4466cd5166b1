// The statistical readout of a crossbar product (`readout = "statistical"`, docs/schemes.md).
//
// The per-read path simulates every read cycle of every tile and converts every column
// current: for a BERT-size layer about 128x the MACs of the product plus one conversion per
// column read. When every read is affine in the row voltages (ideal wires, or the exact IR-drop
// transfer matrix), the digital shift-and-add of the unquantized currents over slices, input
// cycles, passes and row tiles collapses into one product with the programmed arrays'
// effective integer matrix
//     W_eff[i, j] = sum_s 2^(s bpc) (A[i, c+_s] - A[i, c-_s]) / g_step,   acc = x_int W_eff,
// (c-_s the negative or the reference column of slice s), exact to rounding with an ideal
// readout. The errors the per-read path adds are zero-mean and independent from read to read,
// so they are drawn as one Gaussian per output with their summed variance:
//  - read noise (relative sigma of each cell current):
//        sigma^2 sum_cycles cw^2 digit_i^2 sum_s 4^(s bpc) (G+^2 + G-^2) / g_step^2,
//    one more product X2 H;
//  - ADC: what matters is the difference current delta of a slice's two columns (in LSB). Its
//    mean and variance over the batch's input vectors follow from the mean and variance of
//    each input's digit per read cycle (inputs taken as independent), one small product per
//    cycle and slice. A bipolar ADC quantizing delta errs by
//        ms_a(m2) = (1 - exp(-12 m2)) / 12   LSB^2,  m2 = E[delta^2]
//    (delta^2 when delta is well below an LSB, 1/12 when it spans several); two unipolar
//    conversions whose codes are subtracted err by
//        ms_d(m2) = (1 - exp(-6 sqrt(2 m2 / pi))) / 6
//    (their errors are correlated while the currents are close: ~ E|delta| for a small
//    delta, 2/12 for a large one), or by ms_a when both currents sit below half an LSB.
//    Both forms are within 0.75..1.0 of a Monte Carlo of Gaussian delta. The measured ADC
//    transfer scales them by its mean-square error over the ideal 1/12. Each contributes
//    cw^2 4^(s bpc) LSB^2 / i_unit^2 to the output's variance. That variance is a column's
//    over the batch; each vector's share is scaled by its own total over the columns (the same
//    forms with its own digits and the column-averaged cell currents) relative to the batch's,
//    so that a vector driving few rows gets the small error it has in the per-read path.
// Assumed: no clipping (adc_full_scale >= 1), errors uncorrelated between reads, slices and
// tiles, the same variance for every vector of a batch. Checked against the per-read path in
// tests/attention/test_statistical_readout.cpp (RMS error ratios recorded in docs/schemes.md).
#pragma once

#include <random>
#include <vector>

#include "attention/crossbar_matmul.hpp"

namespace cimchar::attention {

class StatisticalReadout {
 public:
  // A product of `in` inputs and `out` outputs on `row_tiles` row tiles; read_rel is the read
  // noise's relative sigma (0: none), adc_error_lsb2 the ADC's mean-square error (0: ideal).
  StatisticalReadout(const CrossbarConfig& c, Eigen::Index in, Eigen::Index out,
                     Eigen::Index row_tiles, double read_rel, double adc_error_lsb2);

  // A tile's contributions that it shares with the other tiles of its row tile (sums over its
  // columns, per input row) or of its column tile (the offsets of its logical columns).
  struct TileSums {
    Eigen::Index rt = 0, row0 = 0, lcol0 = 0;
    Mat rows;                  // [rows, 1 + 3 slices]: G row sums, then col_d2, col_p, col_m
    Eigen::RowVectorXd beta;   // [logical cols]
    double b_sum_A = 0;
  };
  // One written tile: its row tile index, first input row and first logical column, its
  // programmed G [rows, physical cols] and its array model. Writes the tile's own block of the
  // effective matrices (tiles may be added in parallel) and returns the shared sums, which
  // add_sums() adds (in a fixed order, for reproducible sums). ConfigError when the array is
  // not affine in the row voltages.
  TileSums add_tile(Eigen::Index rt, Eigen::Index row0, Eigen::Index lcol0, const Mat& g_S,
                    const TileArray& array);
  void add_sums(const TileSums& s);

  // The accumulated products (the per-read path's `acc`, before the input and weight scales)
  // for the input passes; adds the drive power sum of every tile read to read_vi_W.
  Mat apply(const std::vector<InputPass>& passes, Eigen::Index n, std::mt19937_64& rng,
            double& read_vi_W) const;

 private:
  CrossbarConfig cfg_;
  int ns_ = 0, group_ = 0, n_ref_ = 0;
  double g_step_S_ = 0, v_unit_V_ = 0, read_rel_ = 0;
  double lsb_A_ = 0;        // the ADC's LSB
  double lsb_scale_ = 0;    // (LSB / i_unit)^2 x measured-over-ideal mean-square error; 0: no ADC
  bool bipolar_ = false;
  Eigen::Index row_tiles_ = 0;
  Mat weff_;                // [in, out], integer-level units
  Eigen::MatrixXf h_;       // [in, out], read-noise weights (empty without read noise)
  // Per slice, [in, out] in LSB per unit digit: the current of the slice's first column
  // (W+ or the offset column) and of its second (W- or the reference). Empty without an ADC.
  std::vector<Eigen::MatrixXf> adc_p_, adc_m_;
  // [in, slices]: sums over the output columns of (first - second)^2, first and second: the
  // per-vector scale of the ADC variance (header).
  Mat col_d2_, col_p_, col_m_;
  Eigen::RowVectorXd beta_;  // [out]: the affine offsets b, per unit of summed chunk weight
  Vec g_rowsum_S_;          // [in]: sum over every physical column of A (read power)
  Vec b_sum_A_;             // [row_tiles]: sum of b over the row tile's columns
};

}  // namespace cimchar::attention
