// The crossbar mapping against the integer arithmetic it must reproduce: with an ideal readout,
// slicing, tiling, differential/offset columns, bit-serial or multi-bit inputs and signed-input
// passes must give exactly the product of the quantized operands, Q(x) Q(W)^T s_x s_w,
// computed here directly from its definition (round(x / s) with s = max|.| / q_max). With a
// finite ADC the error must stay within the analytic bound (half an ADC step per conversion,
// weighted by its shift), and vanish when the ADC step equals one current unit.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "attention/crossbar_matmul.hpp"
#include "core/error.hpp"

using namespace cimchar;
using namespace cimchar::attention;

namespace {

Mat random_mat(Eigen::Index r, Eigen::Index c, uint64_t seed, double lo = -1, double hi = 1) {
  std::mt19937_64 g(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  return Mat::NullaryExpr(r, c, [&] { return u(g); });
}

// Q(x) Q(W)^T with the scales, from the definition.
Mat quantized_product(const Mat& x, const Mat& w, const CrossbarConfig& c) {
  const bool sx = x.minCoeff() < 0;
  const double qx = sx ? std::ldexp(1, c.input_bits - 1) - 1 : std::ldexp(1, c.input_bits) - 1;
  const double qw = std::ldexp(1, c.weight_bits - 1) - 1;
  Mat xq = x, wq = w;
  Vec s_x(x.rows()), s_w(w.rows());
  for (Eigen::Index r = 0; r < x.rows(); ++r) {
    const double m = c.input_scale_per_row ? x.row(r).cwiseAbs().maxCoeff() : x.cwiseAbs().maxCoeff();
    s_x(r) = m / qx;
    xq.row(r) = (x.row(r) / s_x(r)).array().round().matrix();
  }
  for (Eigen::Index j = 0; j < w.rows(); ++j) {
    const double m = c.weight_scale_per_column ? w.row(j).cwiseAbs().maxCoeff() : w.cwiseAbs().maxCoeff();
    s_w(j) = m / qw;
    wq.row(j) = (w.row(j) / s_w(j)).array().round().matrix();
  }
  return s_x.asDiagonal() * (xq * wq.transpose()) * s_w.asDiagonal();
}

double rel(const Mat& a, const Mat& b) { return (a - b).norm() / b.norm(); }

struct Case {
  const char* name;
  CrossbarConfig cfg;
  bool nonneg_input = false;
};

std::vector<Case> ideal_readout_cases() {
  std::vector<Case> v;
  CrossbarConfig c;
  c.adc_bits = 0;
  c.rows = 16;
  c.cols = 24;
  v.push_back({"diff_bitserial_2bpc", c});
  CrossbarConfig o = c;
  o.signed_weights = SignedWeights::offset;
  o.bits_per_cell = 3;
  v.push_back({"offset_3bpc", o});
  CrossbarConfig d = c;
  d.dac_bits = 4;
  d.input_bits = 7;
  d.weight_bits = 6;
  d.bits_per_cell = 1;
  d.weight_scale_per_column = false;
  d.input_scale_per_row = false;
  v.push_back({"dac4_1bpc_tensor_scales", d});
  CrossbarConfig t = c;
  t.input_sign = InputSign::twos_complement;
  t.diff_sense = DiffSense::analog;
  v.push_back({"twos_complement_analog_diff", t});
  CrossbarConfig u = o;
  u.rows = 7;
  u.cols = 9;
  u.weight_bits = 5;
  u.bits_per_cell = 2;
  v.push_back({"nonneg_input_offset_small_tiles", u, true});
  return v;
}

TEST(CrossbarMatmul, IdealReadoutEqualsQuantizedProduct) {
  for (const Case& k : ideal_readout_cases()) {
    const Mat w = random_mat(37, 45, 1);  // out 37, in 45: several row and column tiles
    const Mat x = k.nonneg_input ? random_mat(6, 45, 2, 0, 1) : random_mat(6, 45, 2);
    ProductStats st;
    CrossbarMatmul mm(k.cfg, CrossbarParts{}, st, std::mt19937_64(1));
    mm.program(w);
    EXPECT_GT(mm.row_tiles(), 1) << k.name;
    EXPECT_GT(mm.col_tiles(), 1) << k.name;
    const Mat y = mm.apply(x);
    EXPECT_LT(rel(y, quantized_product(x, w, k.cfg)), 1e-12) << k.name;
    // ...and the quantized product is close to the exact one (8-bit-ish operands).
    EXPECT_LT(rel(y, x * w.transpose()), 0.05) << k.name;
  }
}

TEST(CrossbarMatmul, HighPrecisionApproachesExactProduct) {
  CrossbarConfig c;
  c.adc_bits = 0;
  c.weight_bits = 16;
  c.input_bits = 16;
  c.bits_per_cell = 4;
  c.dac_bits = 8;
  ProductStats st;
  CrossbarMatmul mm(c, CrossbarParts{}, st, std::mt19937_64(1));
  const Mat w = random_mat(20, 300, 3), x = random_mat(5, 300, 4);
  mm.program(w);
  EXPECT_LT(rel(mm.apply(x), x * w.transpose()), 1e-4);
}

TEST(CrossbarMatmul, LosslessAdcWhenStepIsOneCurrentUnit) {
  // Bit-serial inputs, 2-bit cells, 5 rows, g_off = 0: a column current is an integer multiple
  // of v_read * g_on / 3 up to 15 units = the full scale of a 4-bit ADC (15 steps); the last
  // row tile holds 2 rows, the ADC range stays that of a full tile.
  CrossbarConfig c;
  c.rows = 5;
  c.cols = 8;
  c.g_off_S = 0;
  c.adc_bits = 4;
  ProductStats st;
  CrossbarMatmul mm(c, CrossbarParts{}, st, std::mt19937_64(1));
  const Mat w = random_mat(9, 12, 5), x = random_mat(4, 12, 6);
  mm.program(w);
  EXPECT_LT(rel(mm.apply(x), quantized_product(x, w, c)), 1e-12);
}

TEST(CrossbarMatmul, CoarseAdcErrorWithinAnalyticBound) {
  CrossbarConfig c;
  c.rows = 32;
  c.cols = 32;
  c.adc_bits = 5;  // coarse: 31 steps for up to 32 rows x 3 levels
  c.g_off_S = 2e-6;
  const Mat w = random_mat(10, 70, 7), x = random_mat(3, 70, 8);
  ProductStats st;
  CrossbarMatmul mm(c, CrossbarParts{}, st, std::mt19937_64(1));
  mm.program(w);
  const Mat y = mm.apply(x), ref = quantized_product(x, w, c);
  // Bound per output: sum over conversions of |shift| * step/2, in integer-product units.
  // Digital differential sensing: two conversions per slice. Inputs signed: two passes of
  // 7 bit-serial cycles.
  const int ns = c.weight_slices();
  double bound_units = 0;
  for (int t = 0; t < 3; ++t) {  // row tiles of 32, 32, 6 rows; the ADC range is the full tile's
    const double fs = 32 * c.v_read_V * c.g_on_S, step = fs / 31;
    const double unit = c.v_read_V * (c.g_on_S - c.g_off_S) / 3;
    for (int pass = 0; pass < 2; ++pass)
      for (int b = 0; b < 7; ++b)
        for (int s = 0; s < ns; ++s) bound_units += 2 * std::ldexp(1, b + 2 * s) * step / 2 / unit;
  }
  const double qx = 127, qw = 127;
  double worst = 0;
  for (Eigen::Index r = 0; r < y.rows(); ++r)
    for (Eigen::Index j = 0; j < y.cols(); ++j) {
      const double s = x.row(r).cwiseAbs().maxCoeff() / qx * w.row(j).cwiseAbs().maxCoeff() / qw;
      const double err_units = std::abs(y(r, j) - ref(r, j)) / s;
      worst = std::max(worst, err_units / bound_units);
    }
  EXPECT_LE(worst, 1.0);
  EXPECT_GT(rel(y, ref), 1e-6);  // the ADC does quantize
}

TEST(CrossbarMatmul, CountsWritesReadsAndConversions) {
  CrossbarConfig c;  // 128x128, differential, 8-bit weights -> 4 slices of 2 bits, 8 cols/value
  c.adc_bits = 8;
  ProductStats st;
  CrossbarMatmul mm(c, CrossbarParts{}, st, std::mt19937_64(1));
  // K of one head: 40 keys x d_head 64 stored as 64 rows x 40*8 = 320 physical columns.
  mm.program(random_mat(40, 64, 9));
  EXPECT_EQ(mm.row_tiles(), 1);
  EXPECT_EQ(mm.col_tiles(), 3);  // 16 keys per 128-column tile
  EXPECT_EQ(st.cell_writes, 64 * 320);
  EXPECT_EQ(st.programs, 1);
  mm.apply(random_mat(40, 64, 10));  // signed queries: 2 passes x 7 bit-serial cycles
  EXPECT_EQ(st.array_reads, 40 * 2 * 7 * 3);
  EXPECT_EQ(st.adc_conversions, 40 * 2 * 7 * 320);
  EXPECT_EQ(st.macs, 40 * 64 * 40);
}

TEST(CrossbarConfig, RejectsTooFewColumnsForTheSlices) {
  CrossbarConfig c;
  c.cols = 4;  // 8 physical columns needed per differential value
  EXPECT_THROW(c.validate(), ConfigError);
  c = CrossbarConfig{};
  c.dac_bits = 2;
  c.input_sign = InputSign::twos_complement;
  EXPECT_THROW(c.validate(), ConfigError);
}

}  // namespace

// The PPA read energy counter (src/ppa): bit-serial, all inputs at full scale and all weights
// at +max, so every read drives every row at v_read and each logical column holds the levels of
// 127 = 1,3,3,3 (base 4) on its positive cells and level 0 on its negative ones. Sum over reads of
// V x sum I = reads x v^2 x rows x sum of the column conductances, by Ohm's law here.
TEST(CrossbarMatmul, ReadPowerCounterIsOhmsLaw) {
  CrossbarConfig c;  // 8-bit weights, 2-bit cells, differential, bit-serial 8-bit inputs
  const int in = 4, out = 2, n = 3;
  ProductStats st;
  CrossbarMatmul mm(c, CrossbarParts{}, st, std::mt19937_64(1));
  mm.program(Mat::Constant(out, in, 0.5));
  mm.apply(Mat::Constant(n, in, 2.0));  // unsigned: 255 = all 8 bits set, one pass
  const double step = (c.g_on_S - c.g_off_S) / 3;
  const double g_col = (4 * c.g_off_S + 10 * step) + 4 * c.g_off_S;  // W+ cells and W- cells
  const double expect = n * 8 * c.v_read_V * c.v_read_V * in * out * g_col;
  EXPECT_NEAR(st.read_vi_W, expect, 1e-9 * expect);
}
