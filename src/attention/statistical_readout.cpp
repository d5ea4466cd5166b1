#include "attention/statistical_readout.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "attention/parallel_product.hpp"
#include "core/error.hpp"
#include "core/normal.hpp"
#include "core/parallel.hpp"
#include "core/rng.hpp"

namespace cimchar::attention {

StatisticalReadout::StatisticalReadout(const CrossbarConfig& c, Eigen::Index in, Eigen::Index out,
                                       Eigen::Index row_tiles, double read_rel,
                                       double adc_error_lsb2)
    : cfg_(c), read_rel_(read_rel) {
  const bool diff = c.signed_weights == SignedWeights::differential;
  ns_ = c.weight_slices();
  group_ = diff ? 2 * ns_ : ns_;
  n_ref_ = diff ? 0 : ns_;
  g_step_S_ = (c.g_on_S - c.g_off_S) / (c.levels() - 1);
  v_unit_V_ = c.v_read_V / (std::ldexp(1.0, c.dac_bits) - 1);
  const double i_unit = v_unit_V_ * g_step_S_;
  row_tiles_ = row_tiles;
  bipolar_ = diff && c.diff_sense == DiffSense::analog;
  if (c.adc_bits > 0 && adc_error_lsb2 > 0) {
    const double tile_i = c.adc_full_scale * c.rows * c.v_read_V;
    lsb_A_ = bipolar_ ? tile_i * (c.g_on_S - c.g_off_S) / (std::ldexp(1.0, c.adc_bits - 1) - 1)
                      : tile_i * c.g_on_S / (std::ldexp(1.0, c.adc_bits) - 1);
    lsb_scale_ = (lsb_A_ / i_unit) * (lsb_A_ / i_unit) * adc_error_lsb2 * 12;
    for (int s = 0; s < ns_; ++s) {
      adc_p_.push_back(Eigen::MatrixXf::Zero(in, out));
      adc_m_.push_back(Eigen::MatrixXf::Zero(in, out));
    }
    col_d2_ = col_p_ = col_m_ = Mat::Zero(in, ns_);
  }
  weff_ = Mat::Zero(in, out);
  if (read_rel_ > 0) h_ = Eigen::MatrixXf::Zero(in, out);
  beta_ = Eigen::RowVectorXd::Zero(out);
  g_rowsum_S_ = Vec::Zero(in);
  b_sum_A_ = Vec::Zero(row_tiles);
}

StatisticalReadout::TileSums StatisticalReadout::add_tile(Eigen::Index rt, Eigen::Index row0,
                                                          Eigen::Index lcol0, const Mat& g,
                                                          const TileArray& array) {
  Mat a;
  Eigen::RowVectorXd b;
  if (!array.linear(a, b))
    throw ConfigError(
        "crossbar.readout: \"statistical\" needs arrays whose currents are linear in the row "
        "voltages (ideal wires, or ir_drop = \"exact\"); this array model depends on each read's "
        "activity (ir_drop = \"model\"): use readout = \"per_read\"");
  CIMCHAR_CHECK(a.rows() == g.rows() && a.cols() == g.cols() && b.size() == g.cols(),
                "statistical readout: linear map does not match the tile");
  const Eigen::Index nrows = g.rows(), nlcols = (g.cols() - n_ref_) / group_;
  const double i_unit = v_unit_V_ * g_step_S_;
  TileSums ts;
  ts.rt = rt;
  ts.row0 = row0;
  ts.lcol0 = lcol0;
  ts.rows = Mat::Zero(nrows, 1 + 3 * ns_);
  ts.beta = Eigen::RowVectorXd::Zero(nlcols);
  const bool diff = cfg_.signed_weights == SignedWeights::differential;
  // Slice s of every logical column at once: its first columns are every group_-th physical
  // column from cp0; its second columns likewise from cm0 (differential), or the one reference
  // column repeated (offset).
  using Strided = Eigen::Map<const Mat, 0, Eigen::OuterStride<>>;
  auto cols = [&](const Mat& m, Eigen::Index c0) {
    return Strided(m.data() + c0 * nrows, nrows, nlcols, Eigen::OuterStride<>(group_ * nrows));
  };
  for (int s = 0; s < ns_; ++s) {
    const Eigen::Index cp0 = diff ? 2 * s : s, ref = nlcols * group_ + s;
    const Mat ap = cols(a, cp0), gp = cols(g, cp0);
    const Mat am = diff ? Mat(cols(a, cp0 + 1)) : Mat(a.col(ref).replicate(1, nlcols));
    const Mat gm = diff ? Mat(cols(g, cp0 + 1)) : Mat(g.col(ref).replicate(1, nlcols));
    const double w = std::ldexp(1.0, s * cfg_.bits_per_cell);
    const Mat ad = ap - am;
    weff_.block(row0, lcol0, nrows, nlcols) += (w / g_step_S_) * ad;
    if (read_rel_ > 0)
        h_.block(row0, lcol0, nrows, nlcols) +=
          ((w * w / (g_step_S_ * g_step_S_)) * (gp.array().square() + gm.array().square())).matrix().cast<float>();
    if (lsb_scale_ > 0) {
      const double per_digit = v_unit_V_ / lsb_A_;  // a column current per unit digit, in LSB
      adc_p_[static_cast<size_t>(s)].block(row0, lcol0, nrows, nlcols) = (ap * per_digit).cast<float>();
      adc_m_[static_cast<size_t>(s)].block(row0, lcol0, nrows, nlcols) = (am * per_digit).cast<float>();
      ts.rows.col(1 + s) = (ad * per_digit).array().square().rowwise().sum().matrix();
      ts.rows.col(1 + ns_ + s) = ap.rowwise().sum() * per_digit;
      ts.rows.col(1 + 2 * ns_ + s) = am.rowwise().sum() * per_digit;
    }
    for (Eigen::Index jj = 0; jj < nlcols; ++jj)
      ts.beta(jj) += w * (b(cp0 + jj * group_) - (diff ? b(cp0 + 1 + jj * group_) : b(ref))) / i_unit;
  }
  ts.rows.col(0) = a.rowwise().sum();
  ts.b_sum_A = b.sum();
  return ts;
}

void StatisticalReadout::add_sums(const TileSums& ts) {
  const Eigen::Index nrows = ts.rows.rows();
  g_rowsum_S_.segment(ts.row0, nrows) += ts.rows.col(0);
  if (lsb_scale_ > 0) {
    col_d2_.middleRows(ts.row0, nrows) += ts.rows.middleCols(1, ns_);
    col_p_.middleRows(ts.row0, nrows) += ts.rows.middleCols(1 + ns_, ns_);
    col_m_.middleRows(ts.row0, nrows) += ts.rows.middleCols(1 + 2 * ns_, ns_);
  }
  beta_.segment(ts.lcol0, ts.beta.size()) += ts.beta;
  b_sum_A_(ts.rt) += ts.b_sum_A;
}

namespace {

// Mean-square error (LSB^2) of quantizing a difference current with E[delta^2] = m2 LSB^2: by
// one bipolar conversion, or by two unipolar ones whose codes are subtracted (header).
double ms_bipolar(double m2) { return -std::expm1(-12 * m2) / 12; }
double ms_two_unipolar(double m2) { return -std::expm1(-6 * std::sqrt(2 * m2 / std::numbers::pi)) / 6; }
// The form that applies to a slice read: bipolar, or two unipolar conversions unless both mean
// currents (up, um, in LSB) are under half an LSB.
double ms_slice(bool bipolar, double m2, double up, double um) {
  return bipolar || std::max(up, um) < 0.5 ? ms_bipolar(m2) : ms_two_unipolar(m2);
}

}  // namespace

Mat StatisticalReadout::apply(const std::vector<InputPass>& passes, Eigen::Index n,
                              std::mt19937_64& rng, double& read_vi_W) const {
  const Eigen::Index in = weff_.rows(), out = weff_.cols();
  const bool adc = lsb_scale_ > 0;
  Mat xs = Mat::Zero(n, in);
  Eigen::MatrixXf x2;
  if (read_rel_ > 0) x2 = Eigen::MatrixXf::Zero(n, in);
  // Per read cycle: its weight, and each input's digit mean and variance over the batch.
  std::vector<double> cws;
  Eigen::MatrixXf dmean, dvar;
  size_t cycles = 0;
  for (const InputPass& p : passes) cycles += p.chunk_weight.size();
  // Per input row, the vectors each row tile's digits are multiplied with: the summed cell
  // conductance (read power) and, with an ADC, per slice the first and second columns' summed
  // currents; and per slice the summed squared difference. One small product per row tile and
  // cycle gives them all.
  // Binary digits (dac_bits = 1) are their own squares: the squared-difference vectors join
  // the same product, and the digit sums are the squared-digit sums.
  const bool binary = cfg_.dac_bits == 1;
  Mat u(in, adc ? (binary ? 1 + 3 * ns_ : 1 + 2 * ns_) : 1);
  u.col(0) = g_rowsum_S_;
  if (adc) {
    u.middleCols(1, ns_) = col_p_ / static_cast<double>(out);
    u.middleCols(1 + ns_, ns_) = col_m_ / static_cast<double>(out);
    if (binary) u.middleCols(1 + 2 * ns_, ns_) = col_d2_ / static_cast<double>(out);
  }
  const Mat u2 = adc && !binary ? Mat(col_d2_ / static_cast<double>(out)) : Mat();
  // A pass whose cycle weights are s 2^(c dac_bits) adds s x to the summed inputs (its digits
  // put back together); other passes (two's complement) add their cycles one by one.
  std::vector<double> whole(passes.size(), 0.0);
  for (size_t i = 0; i < passes.size(); ++i) {
    const InputPass& p = passes[i];
    const size_t nc = p.chunk_weight.size();
    if (nc == 0) continue;
    const double sgn = p.chunk_weight[0] < 0 ? -1.0 : 1.0;
    bool pure = p.m.size() == 0 || p.m.maxCoeff() < std::ldexp(1.0, static_cast<int>(nc) * cfg_.dac_bits);
    for (size_t c = 0; c < nc && pure; ++c)
      pure = p.chunk_weight[c] == sgn * std::ldexp(1.0, static_cast<int>(c) * cfg_.dac_bits);
    if (pure) whole[i] = sgn;
  }
  double cw_sum = 0;
  for (const InputPass& p : passes)
    for (double cw : p.chunk_weight) {
      cws.push_back(cw);
      cw_sum += cw;
    }
  Vec per_vector = Vec::Zero(n);  // each vector's ADC variance with column-averaged currents
  // Blocks of vectors, so that a block's digits stay in cache through every use of a cycle;
  // blocks run in parallel, each writing its own rows and its own partial sums, added in order.
  constexpr Eigen::Index kBlock = 32;
  const size_t blocks = static_cast<size_t>((n + kBlock - 1) / kBlock);
  std::vector<Mat> dsum(adc ? blocks : 0), d2sum(adc ? blocks : 0);  // [cycles, in] per block
  std::vector<double> vi(blocks, 0.0);
  parallel_for(blocks, [&](size_t b) {
    const Eigen::Index v0 = static_cast<Eigen::Index>(b) * kBlock, nb = std::min(kBlock, n - v0);
    if (adc) {
      dsum[b] = Mat::Zero(static_cast<Eigen::Index>(cycles), in);
      if (!binary) d2sum[b] = dsum[b];
    }
    Mat d, d2, pu, pu2;
    Eigen::Index k = 0;
    for (size_t i = 0; i < passes.size(); ++i) {
      const InputPass& p = passes[i];
      if (whole[i] != 0) xs.middleRows(v0, nb) += whole[i] * p.m.middleRows(v0, nb);
      for (size_t c = 0; c < p.chunk_weight.size(); ++c, ++k) {
        const double cw = p.chunk_weight[c];
        chunk_digits(p, c, cfg_.dac_bits, v0, nb, d);
        if (whole[i] == 0) xs.middleRows(v0, nb) += cw * d;
        if (!binary && (adc || read_rel_ > 0)) d2 = d.cwiseProduct(d);
        const Mat& dd = binary ? d : d2;
        if (read_rel_ > 0) x2.middleRows(v0, nb) += static_cast<float>(cw * cw) * dd.cast<float>();
        if (adc) {
          dsum[b].row(k) = d.colwise().sum();
          if (!binary) d2sum[b].row(k) = dd.colwise().sum();
        }
        for (Eigen::Index rt = 0; rt < row_tiles_; ++rt) {
          const Eigen::Index r0 = rt * cfg_.rows, nr = std::min<Eigen::Index>(cfg_.rows, in - r0);
          const auto blk = d.middleCols(r0, nr);
          const Vec dmax = blk.rowwise().maxCoeff();
          pu.noalias() = blk * u.middleRows(r0, nr);
          for (Eigen::Index r = 0; r < nb; ++r)
            if (dmax(r) > 0) vi[b] += dmax(r) * v_unit_V_ * std::abs(pu(r, 0) * v_unit_V_ + b_sum_A_(rt));
          if (!adc) continue;
          if (!binary) pu2.noalias() = dd.middleCols(r0, nr) * u2.middleRows(r0, nr);
          for (int s = 0; s < ns_; ++s) {
            const double w = cw * cw * std::ldexp(1.0, 2 * s * cfg_.bits_per_cell);
            for (Eigen::Index r = 0; r < nb; ++r) {
              const double m2 = binary ? pu(r, 1 + 2 * ns_ + s) : pu2(r, s);
              per_vector(v0 + r) += w * ms_slice(bipolar_, m2, pu(r, 1 + s), pu(r, 1 + ns_ + s));
            }
          }
        }
      }
    }
  });
  for (double v : vi) read_vi_W += v;
  if (adc) {
    Mat mu = Mat::Zero(static_cast<Eigen::Index>(cycles), in), m2 = mu;
    for (size_t b = 0; b < blocks; ++b) {
      mu += dsum[b];
      m2 += binary ? dsum[b] : d2sum[b];
    }
    mu /= static_cast<double>(n);
    dmean = mu.cast<float>();
    dvar = (m2 / static_cast<double>(n) - mu.cwiseProduct(mu)).cwiseMax(0.0).cast<float>();
  }
  Mat acc = parallel_product(xs, weff_);
  if (cw_sum != 0) acc.rowwise() += cw_sum * beta_;
  Mat var = Mat::Zero(n, out);
  if (read_rel_ > 0) var += (read_rel_ * read_rel_) * parallel_product(x2, h_).cast<double>();
  if (adc) {
    // ADC error variance per output column over the batch, then each vector's share of it.
    const Eigen::VectorXf cw2 = Eigen::Map<const Vec>(cws.data(), static_cast<Eigen::Index>(cws.size()))
                                    .array().square().matrix().cast<float>();
    // Row tiles in parallel, each its own partial sum over the columns, added in order.
    std::vector<Eigen::RowVectorXd> part(static_cast<size_t>(row_tiles_), Eigen::RowVectorXd::Zero(out));
    parallel_for(part.size(), [&](size_t t) {
      const Eigen::Index rt = static_cast<Eigen::Index>(t);
      const Eigen::Index r0 = rt * cfg_.rows, nr = std::min<Eigen::Index>(cfg_.rows, in - r0);
      const auto mu = dmean.middleCols(r0, nr);
      const auto vr = dvar.middleCols(r0, nr);
      for (int s = 0; s < ns_; ++s) {
        const auto wp = adc_p_[static_cast<size_t>(s)].middleRows(r0, nr);
        const auto wm = adc_m_[static_cast<size_t>(s)].middleRows(r0, nr);
        const Eigen::MatrixXf mp = mu * wp, mm = mu * wm;  // [cycles, out] mean currents, LSB
        const Eigen::MatrixXf sd = vr * (wp - wm).cwiseAbs2();  // variance of the difference
        const double w4 = std::ldexp(1.0, 2 * s * cfg_.bits_per_cell);
        for (Eigen::Index j = 0; j < out; ++j)
          for (Eigen::Index k = 0; k < mp.rows(); ++k) {
            const double dm = mp(k, j) - mm(k, j);
            const double m2 = dm * dm + sd(k, j);
            part[t](j) += cw2(k) * w4 * ms_slice(bipolar_, m2, mp(k, j), mm(k, j));
          }
      }
    });
    Eigen::RowVectorXd v_adc = Eigen::RowVectorXd::Zero(out);
    for (const auto& v : part) v_adc += v;
    const double mean = per_vector.mean();
    const Vec share = mean > 0 ? Vec(per_vector / mean) : Vec::Ones(n);
    var.noalias() += lsb_scale_ * (share * v_adc);
  }
  if (adc || read_rel_ > 0) {
    SplitMix64 e(rng());
    const ZigguratNormal n01;
    for (Eigen::Index j = 0; j < out; ++j)
      for (Eigen::Index r = 0; r < n; ++r) acc(r, j) += std::sqrt(var(r, j)) * n01(e);
  }
  return acc;
}

}  // namespace cimchar::attention
