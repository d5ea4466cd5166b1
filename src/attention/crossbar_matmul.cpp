#include "attention/crossbar_matmul.hpp"
#include "attention/parallel_product.hpp"
#include "attention/nonideal.hpp"
#include "attention/statistical_readout.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <utility>

#include "core/error.hpp"
#include "core/parallel.hpp"
#include "core/rng.hpp"

namespace cimchar::attention {

namespace {

double pow2(int k) { return std::ldexp(1.0, k); }
std::string fmt_g(double v) {
  std::ostringstream o;
  o << v;
  return o.str();
}

// First violated constraint as (key, message); key empty when valid.
std::pair<std::string, std::string> check(const CrossbarConfig& c) {
  auto in = [](int v, int lo, int hi) { return v >= lo && v <= hi; };
  if (!in(c.rows, 1, 65536)) return {"rows", "must be in [1, 65536]"};
  if (!in(c.cols, 1, 65536)) return {"cols", "must be in [1, 65536]"};
  if (!in(c.weight_bits, 2, 16)) return {"weight_bits", "must be in [2, 16]"};
  if (!in(c.bits_per_cell, 1, 8)) return {"bits_per_cell", "must be in [1, 8]"};
  if (!in(c.input_bits, 2, 16)) return {"input_bits", "must be in [2, 16]"};
  if (!in(c.dac_bits, 1, c.input_bits)) return {"dac_bits", "must be in [1, input_bits]"};
  if (c.input_sign == InputSign::twos_complement && c.dac_bits != 1)
    return {"input_sign", "'twos_complement' needs bit-serial inputs (dac_bits = 1)"};
  if (!(c.adc_bits == 0 || in(c.adc_bits, 1, 24))) return {"adc_bits", "must be 0 (ideal) or in [1, 24]"};
  if (c.signed_weights == SignedWeights::differential && c.diff_sense == DiffSense::analog &&
      c.adc_bits == 1)
    return {"adc_bits", "a bipolar ADC (differential_sense = 'analog') needs at least 2 bits"};
  if (!(c.adc_full_scale > 0 && c.adc_full_scale <= 10))
    return {"adc_full_scale", "must be in (0, 10] (fraction of the worst-case column current)"};
  if (!(c.g_off_S >= 0 && std::isfinite(c.g_off_S))) return {"g_off", "must be >= 0 S"};
  if (!(c.g_on_S > c.g_off_S && std::isfinite(c.g_on_S))) return {"g_on", "must be > g_off"};
  if (!(c.v_read_V > 0 && std::isfinite(c.v_read_V))) return {"v_read", "must be > 0 V"};
  if (c.statistical_readout && c.adc_bits > 0 && c.adc_full_scale < 1 && !c.adc_range_calibrated)
    return {"readout", "\"statistical\" assumes no clipping: it needs adc_full_scale >= 1 "
                       "(or adc_bits = 0); use readout = \"per_read\""};
  if (c.statistical_readout && c.nonideal &&
      (c.nonideal->ir_drop == IrDropMode::model || c.nonideal->ir_drop == IrDropMode::both))
    return {"readout", "\"statistical\" needs arrays linear in the row voltages; the compact "
                       "IR-drop model (ir_drop = \"model\" or \"both\") depends on each read's "
                       "activity: use ir_drop = \"exact\" or readout = \"per_read\""};
  const int ns = c.weight_slices();
  const int need = 2 * ns;  // a differential pair of slices, or the slices and the reference
  if (c.cols < need)
    return {"cols", "must hold at least " + std::to_string(need) + " columns (" +
                        std::to_string(ns) + " slices of " + std::to_string(c.bits_per_cell) +
                        " bits per signed value)"};
  return {};
}

}  // namespace

void chunk_digits(const InputPass& p, size_t c, int dac_bits, Eigen::Index row0, Eigen::Index rows,
                  Mat& out) {
  const int shift = static_cast<int>(c) * dac_bits, mask = (1 << dac_bits) - 1;
  out = p.m.middleRows(row0, rows).unaryExpr(
      [=](double t) { return static_cast<double>((static_cast<int64_t>(t) >> shift) & mask); });
}

Mat chunk_digits(const InputPass& p, size_t c, int dac_bits) {
  Mat d;
  chunk_digits(p, c, dac_bits, 0, p.m.rows(), d);
  return d;
}

int CrossbarConfig::weight_slices() const {
  const int bits = signed_weights == SignedWeights::differential ? weight_bits - 1 : weight_bits;
  return (bits + bits_per_cell - 1) / bits_per_cell;
}

void CrossbarConfig::validate() const {
  auto [key, msg] = check(*this);
  if (!key.empty()) throw ConfigError("crossbar." + key + ": " + msg);
}

CrossbarConfig CrossbarConfig::parse(Section& s, const CrossbarConfig& d) {
  CrossbarConfig c = d;
  c.rows = static_cast<int>(s.get_int("rows", d.rows, 1, 65536));
  c.cols = static_cast<int>(s.get_int("cols", d.cols, 1, 65536));
  c.signed_weights =
      s.get_choice("signed_weights",
                   d.signed_weights == SignedWeights::differential ? "differential" : "offset",
                   {"differential", "offset"}) == "offset"
          ? SignedWeights::offset
          : SignedWeights::differential;
  c.diff_sense = s.get_choice("differential_sense",
                              d.diff_sense == DiffSense::digital ? "digital" : "analog",
                              {"digital", "analog"}) == "analog"
                     ? DiffSense::analog
                     : DiffSense::digital;
  c.weight_bits = static_cast<int>(s.get_int("weight_bits", d.weight_bits, 2, 16));
  c.bits_per_cell = static_cast<int>(s.get_int("bits_per_cell", d.bits_per_cell, 1, 8));
  c.weight_scale_per_column =
      s.get_choice("weight_scale", d.weight_scale_per_column ? "column" : "tensor",
                   {"column", "tensor"}) == "column";
  c.input_bits = static_cast<int>(s.get_int("input_bits", d.input_bits, 2, 16));
  c.dac_bits = static_cast<int>(s.get_int("dac_bits", d.dac_bits, 1, 16));
  c.input_sign = s.get_choice("input_sign",
                              d.input_sign == InputSign::split ? "split" : "twos_complement",
                              {"split", "twos_complement"}) == "twos_complement"
                     ? InputSign::twos_complement
                     : InputSign::split;
  c.input_scale_per_row =
      s.get_choice("input_scale", d.input_scale_per_row ? "row" : "tensor", {"row", "tensor"}) ==
      "row";
  c.adc_bits = static_cast<int>(s.get_int("adc_bits", d.adc_bits, 0, 24));
  c.adc_full_scale_given = s.has("adc_full_scale") || d.adc_full_scale_given;
  c.adc_full_scale = s.get_double("adc_full_scale", d.adc_full_scale, "", {1e-9, 10});
  c.g_on_S = s.get_double("g_on", d.g_on_S, "S", {0, 1});
  c.g_off_S = s.get_double("g_off", d.g_off_S, "S", {0, 1});
  c.v_read_V = s.get_double("v_read", d.v_read_V, "V", {1e-6, 100});
  c.statistical_readout =
      s.get_choice("readout", d.statistical_readout ? "statistical" : "per_read",
                   {"per_read", "statistical"}) == "statistical";
  if (s.has("nonideal")) {
    Section n = s.sub("nonideal");
    c.nonideal = std::make_shared<const NonidealConfig>(NonidealConfig::parse(n, c.adc_bits));
  }
  auto [key, msg] = check(c);
  if (!key.empty()) s.fail(key, msg);
  return c;
}

std::string CrossbarConfig::describe() const {
  std::ostringstream o;
  o << rows << "x" << cols << " tiles, "
    << (signed_weights == SignedWeights::differential
            ? std::string("differential pairs (") +
                  (diff_sense == DiffSense::digital ? "digital" : "analog") + " subtraction)"
            : std::string("offset columns"))
    << ", " << weight_bits << "-bit weights in " << weight_slices() << " slice(s) of "
    << bits_per_cell << " bit(s)/cell, " << input_bits << "-bit inputs "
    << (dac_bits == 1 ? std::string("bit-serial") : std::to_string(dac_bits) + " bits/cycle")
    << (input_sign == InputSign::split ? " (signed: two passes)" : " (two's complement)") << ", "
    << (adc_bits == 0 ? std::string("ideal readout") : std::to_string(adc_bits) + "-bit ADC")
    << (adc_bits > 0 && !adc_full_scale_given
            ? std::string(", range calibrated per product (") + fmt_g(adc_full_scale) +
                  " of full scale without a calibration split)"
            : " at " + fmt_g(adc_full_scale) + " of full scale")
    << ", G " << g_off_S << ".." << g_on_S
    << " S, v_read " << v_read_V << " V"
    << (statistical_readout ? ", statistical readout" : "");
  if (nonideal) o << "; " << nonideal->describe();
  return o.str();
}

Mat LinearConductance::program(const Mat& level, const CrossbarConfig& c, std::mt19937_64&) {
  const double step = (c.g_on_S - c.g_off_S) / (c.levels() - 1);
  return (level.array() * step + c.g_off_S).matrix();
}

namespace {
class IdealTile final : public TileArray {
 public:
  explicit IdealTile(Mat g) : g_(std::move(g)) {}
  Mat currents(const Mat& v_V) override { return v_V * g_; }
  bool linear(Mat& a, Eigen::RowVectorXd& b) const override {
    a = g_;
    b = Eigen::RowVectorXd::Zero(g_.cols());
    return true;
  }

 private:
  Mat g_;
};
}  // namespace

std::unique_ptr<TileArray> IdealArrayModel::make(Mat g_S, uint64_t) {
  return std::make_unique<IdealTile>(std::move(g_S));
}

void UniformAdc::convert(Mat& i, double fs, bool bipolar, std::mt19937_64&) {
  if (bits_ == 0) return;
  // Codes rounded half away from zero as floor(|x| + 1/2) (|x| + 1/2 >= 0, so floor is the
  // truncation; it compiles to one rounding instruction, where a cast to an integer did not
  // vectorize): the same codes as std::round on the clamped range.
  if (bipolar) {
    const double n = pow2(bits_ - 1) - 1, step = fs / n;
    i = i.unaryExpr([=](double v) {
      const double x = std::clamp(v / step, -n, n);
      const double m = std::floor(std::abs(x) + 0.5);  // = trunc: the argument is >= 0
      return (x < 0 ? -m : m) * step;
    });
  } else {
    const double n = pow2(bits_) - 1, step = fs / n;
    i = i.unaryExpr([=](double v) { return std::floor(std::clamp(v / step, 0.0, n) + 0.5) * step; });
  }
}

ProductStats& ProductStats::operator+=(const ProductStats& o) {
  programs += o.programs;
  cell_writes += o.cell_writes;
  tiles += o.tiles;
  applies += o.applies;
  vectors += o.vectors;
  array_reads += o.array_reads;
  adc_conversions += o.adc_conversions;
  macs += o.macs;
  read_vi_W += o.read_vi_W;
  return *this;
}

struct CrossbarMatmul::Tile {
  Eigen::Index row0 = 0, nrows = 0, lcol0 = 0, nlcols = 0;
  std::unique_ptr<TileArray> array;
};

CrossbarMatmul::CrossbarMatmul(const CrossbarConfig& cfg, const CrossbarParts& parts,
                               ProductStats& stats, std::mt19937_64 rng)
    : cfg_(cfg), parts_(parts), stats_(stats), rng_(rng) {
  cfg_.validate();
  if (!parts_.adc) parts_.adc = std::make_shared<UniformAdc>(cfg_.adc_bits);
  CIMCHAR_CHECK(parts_.conductance && parts_.array, "crossbar parts missing");
}

CrossbarMatmul::~CrossbarMatmul() = default;

Eigen::Index CrossbarMatmul::physical_cols() const {
  Eigen::Index n = 0;
  for (Eigen::Index ct = 0; ct < col_tiles_; ++ct) n += tiles_[static_cast<size_t>(ct)].nlcols * group_ + n_ref_;
  return n;
}

void CrossbarMatmul::layout_tiles() {
  row_tiles_ = (in_ + cfg_.rows - 1) / cfg_.rows;
  col_tiles_ = (out_ + lcols_per_tile_ - 1) / lcols_per_tile_;
  tiles_.clear();
  tiles_.resize(static_cast<size_t>(row_tiles_ * col_tiles_));
  for (size_t k = 0; k < tiles_.size(); ++k) {
    Tile& t = tiles_[k];
    const Eigen::Index rt = static_cast<Eigen::Index>(k) / col_tiles_, ct = static_cast<Eigen::Index>(k) % col_tiles_;
    t.row0 = rt * cfg_.rows;
    t.nrows = std::min<Eigen::Index>(cfg_.rows, in_ - t.row0);
    t.lcol0 = ct * lcols_per_tile_;
    t.nlcols = std::min<Eigen::Index>(lcols_per_tile_, out_ - t.lcol0);
    stats_.cell_writes += t.nrows * (t.nlcols * group_ + n_ref_);
  }
}

void CrossbarMatmul::program(const Mat& w) {
  CIMCHAR_CHECK(w.rows() > 0 && w.cols() > 0, "crossbar program: empty matrix");
  out_ = w.rows();
  in_ = w.cols();
  const bool diff = cfg_.signed_weights == SignedWeights::differential;
  const int ns = cfg_.weight_slices(), bpc = cfg_.bits_per_cell;
  const double qmax = pow2(cfg_.weight_bits - 1) - 1, offset = pow2(cfg_.weight_bits - 1);
  group_ = diff ? 2 * ns : ns;
  n_ref_ = diff ? 0 : ns;
  lcols_per_tile_ = (cfg_.cols - n_ref_) / group_;

  // Symmetric quantization, one scale per logical column (output) or for the whole matrix.
  w_scale_.resize(out_);
  const double wmax_all = w.cwiseAbs().maxCoeff();
  for (Eigen::Index j = 0; j < out_; ++j) {
    const double m = cfg_.weight_scale_per_column ? w.row(j).cwiseAbs().maxCoeff() : wmax_all;
    w_scale_(j) = m > 0 ? m / qmax : 1.0;
  }
  const int64_t digit_mask = cfg_.levels() - 1;
  auto slice = [&](int64_t v, int s) {  // s-th bits_per_cell-bit digit of the integer v >= 0
    return static_cast<double>((v >> (s * bpc)) & digit_mask);
  };
  // The quantized weights, transposed to [in, out] so that a tile column is contiguous.
  const Eigen::Matrix<int64_t, Eigen::Dynamic, Eigen::Dynamic> q_int =
      (w.array().colwise() / w_scale_.array()).round().matrix().transpose().cast<int64_t>();
  const int64_t offset_int = static_cast<int64_t>(offset);
  // The conductance levels of one tile: per logical column its slices' (first, second) cells.
  auto levels = [&](const Tile& t) {
    Mat lv(t.nrows, t.nlcols * group_ + n_ref_);
    for (Eigen::Index jj = 0; jj < t.nlcols; ++jj) {
      const Eigen::Index j = t.lcol0 + jj;
      for (int s = 0; s < ns; ++s) {
        for (Eigen::Index i = 0; i < t.nrows; ++i) {
          const int64_t q = q_int(t.row0 + i, j);
          if (diff) {
            lv(i, jj * group_ + 2 * s) = slice(std::max<int64_t>(q, 0), s);
            lv(i, jj * group_ + 2 * s + 1) = slice(std::max<int64_t>(-q, 0), s);
          } else {
            lv(i, jj * group_ + s) = slice(q + offset_int, s);
          }
        }
      }
    }
    for (int s = 0; s < n_ref_; ++s) lv.col(t.nlcols * group_ + s).setConstant(slice(offset_int, s));
    return lv;
  };

  layout_tiles();
  stat_.reset();
  if (cfg_.statistical_readout) {
    const double rel = cfg_.nonideal && cfg_.nonideal->model.read_noise ? cfg_.nonideal->model.read_rel : 0.0;
    stat_ = std::make_unique<StatisticalReadout>(cfg_, in_, out_, row_tiles_, rel,
                                                 parts_.adc->error_ms_lsb2());
  }
  // Every tile programmed in parallel, each from its own random stream, so the result does not
  // depend on the schedule. The statistical readout keeps only each tile's contribution to the
  // effective matrices (its own block, written in parallel) and its row sums (added in order).
  const uint64_t tile_seed = rng_();
  std::vector<StatisticalReadout::TileSums> sums(stat_ ? tiles_.size() : 0);
  parallel_for(tiles_.size(), [&](size_t k) {
    Tile& t = tiles_[k];
    std::mt19937_64 r = stream_rng(tile_seed, k);
    Mat g = parts_.conductance->program(levels(t), cfg_, r);
    const uint64_t array_stream = r();
    if (stat_) {
      const auto array = parts_.array->make(g, array_stream);
      sums[k] = stat_->add_tile(static_cast<Eigen::Index>(k) / col_tiles_, t.row0, t.lcol0, g, *array);
    } else {
      t.array = parts_.array->make(std::move(g), array_stream);
    }
  });
  for (const auto& ts : sums) stat_->add_sums(ts);
  stats_.programs += 1;
  stats_.tiles += static_cast<int64_t>(tiles_.size());
}

Mat CrossbarMatmul::apply(const Mat& x) {
  CIMCHAR_CHECK(!tiles_.empty(), "crossbar apply before program");
  CIMCHAR_CHECK(x.cols() == in_, "crossbar apply: input has " + std::to_string(x.cols()) +
                                     " columns, the array stores " + std::to_string(in_) + " rows");
  const Eigen::Index n = x.rows();
  const bool is_signed = x.size() > 0 && x.minCoeff() < 0;
  const double qx = is_signed ? pow2(cfg_.input_bits - 1) - 1 : pow2(cfg_.input_bits) - 1;
  // Column-wise expressions throughout (the matrices are column-major).
  Vec x_scale = cfg_.input_scale_per_row ? Vec(x.cwiseAbs().rowwise().maxCoeff())
                                         : Vec::Constant(n, x.size() ? x.cwiseAbs().maxCoeff() : 0.0);
  x_scale = x_scale.unaryExpr([qx](double m) { return m > 0 ? m / qx : 1.0; });
  const Mat xi = (x.array().colwise() / x_scale.array()).round().matrix();

  // Passes of non-negative integer inputs, each applied in chunks of dac_bits.
  std::vector<InputPass> passes;
  const int db = cfg_.dac_bits;
  if (is_signed && cfg_.input_sign == InputSign::twos_complement) {
    const int ib = cfg_.input_bits;
    InputPass p{xi.unaryExpr([ib](double v) { return v < 0 ? v + pow2(ib) : v; }), {}};
    for (int c = 0; c < ib; ++c) p.chunk_weight.push_back(c == ib - 1 ? -pow2(c) : pow2(c));
    passes.push_back(std::move(p));
  } else {
    const int mag_bits = is_signed ? cfg_.input_bits - 1 : cfg_.input_bits;
    const int n_c = (mag_bits + db - 1) / db;
    std::vector<double> cw, ncw;
    for (int c = 0; c < n_c; ++c) {
      cw.push_back(pow2(c * db));
      ncw.push_back(-pow2(c * db));
    }
    passes.push_back({xi.cwiseMax(0.0), cw});
    if (is_signed) passes.push_back({(-xi).cwiseMax(0.0), ncw});
  }

  int64_t chunks = 0;
  for (const InputPass& p : passes) chunks += static_cast<int64_t>(p.chunk_weight.size());
  const int64_t reads_per_vector = chunks * static_cast<int64_t>(tiles_.size());
  Mat acc;
  if (stat_) {
    double read_vi = 0;
    acc = stat_->apply(passes, n, rng_, read_vi);
    stats_.read_vi_W += read_vi;
  } else {
    acc = apply_per_read(passes, n);
  }
  acc.array().colwise() *= x_scale.array();
  acc.array().rowwise() *= w_scale_.transpose().array();
  const bool analog_diff =
      cfg_.signed_weights == SignedWeights::differential && cfg_.diff_sense == DiffSense::analog;
  int64_t conv_per_chunk = 0;  // column conversions of one input cycle over every tile
  for (const Tile& t : tiles_)
    conv_per_chunk += analog_diff ? t.nlcols * cfg_.weight_slices() : t.nlcols * group_ + n_ref_;
  stats_.applies += 1;
  stats_.vectors += n;
  stats_.array_reads += n * reads_per_vector;
  stats_.adc_conversions += n * chunks * conv_per_chunk;
  stats_.macs += n * in_ * out_;
  return acc;
}

Mat CrossbarMatmul::apply_per_read(const std::vector<InputPass>& passes, Eigen::Index n) {
  const int db = cfg_.dac_bits;
  const bool diff = cfg_.signed_weights == SignedWeights::differential;
  const bool analog_diff = diff && cfg_.diff_sense == DiffSense::analog;
  const int ns = cfg_.weight_slices(), bpc = cfg_.bits_per_cell;
  const double dmax = pow2(db) - 1, v_unit = cfg_.v_read_V / dmax;
  const double i_unit = v_unit * (cfg_.g_on_S - cfg_.g_off_S) / (cfg_.levels() - 1);
  // The ADC range is a design constant: a fraction of the current of a full tile (every row
  // driven at v_read, every cell at g_on), whether or not a matrix fills the tile.
  const double tile_uni = cfg_.rows * cfg_.v_read_V * cfg_.g_on_S;
  const double tile_bi = cfg_.rows * cfg_.v_read_V * (cfg_.g_on_S - cfg_.g_off_S);
  const double fs_uni = cfg_.adc_full_scale * tile_uni, fs_bi = cfg_.adc_full_scale * tile_bi;
  Mat acc = Mat::Zero(n, out_);
  double read_vi = 0;
  // Column tiles in parallel: each owns its logical columns of acc, its tiles (array models
  // with state: read-noise streams, IR-drop caches) and an ADC stream; partial sums in order.
  const uint64_t adc_seed = rng_();
  std::vector<std::mt19937_64> adc_rng;
  for (Eigen::Index ct = 0; ct < col_tiles_; ++ct) adc_rng.push_back(stream_rng(adc_seed, static_cast<uint64_t>(ct)));
  std::vector<double> vi(static_cast<size_t>(col_tiles_));
  for (const InputPass& pass : passes) {
    for (size_t c = 0; c < pass.chunk_weight.size(); ++c) {
      const Mat v = chunk_digits(pass, c, db) * v_unit;
      Mat vmax(n, row_tiles_);  // per vector and row tile: the highest drive voltage
      for (Eigen::Index rt = 0; rt < row_tiles_; ++rt) {
        const Eigen::Index r0 = rt * cfg_.rows;
        vmax.col(rt) = v.middleCols(r0, std::min<Eigen::Index>(cfg_.rows, in_ - r0)).rowwise().maxCoeff();
      }
      const double wgt = pass.chunk_weight[c] / i_unit;
      std::fill(vi.begin(), vi.end(), 0.0);
      parallel_for(static_cast<size_t>(col_tiles_), [&](size_t ct) {
        for (Eigen::Index rt = 0; rt < row_tiles_; ++rt) {
          const Tile& t = tiles_[static_cast<size_t>(rt * col_tiles_) + ct];
          Mat cur = t.array->currents(v.middleCols(t.row0, t.nrows));
          vi[ct] += vmax.col(rt).dot(cur.cwiseAbs().rowwise().sum());
          Mat d(n, t.nlcols * ns);  // per (logical column, slice): the signed current
          if (analog_diff) {
            for (Eigen::Index k = 0; k < t.nlcols * ns; ++k) d.col(k) = cur.col(2 * k) - cur.col(2 * k + 1);
            if (peak_ && d.size()) peak_->offer(d.cwiseAbs().maxCoeff() / tile_bi);
            parts_.adc->convert(d, fs_bi, true, adc_rng[ct]);
          } else {
            if (peak_ && cur.size()) peak_->offer(cur.cwiseAbs().maxCoeff() / tile_uni);
            parts_.adc->convert(cur, fs_uni, false, adc_rng[ct]);
            for (Eigen::Index jj = 0; jj < t.nlcols; ++jj)
              for (int s = 0; s < ns; ++s) {  // no temporaries: this runs per read and column
                const Eigen::Index a = diff ? jj * group_ + 2 * s : jj * group_ + s;
                const Eigen::Index b = diff ? a + 1 : t.nlcols * group_ + s;
                d.col(jj * ns + s) = cur.col(a) - cur.col(b);
              }
          }
          for (Eigen::Index jj = 0; jj < t.nlcols; ++jj) {
            auto col = acc.col(t.lcol0 + jj);
            for (int s = 0; s < ns; ++s) col += (wgt * pow2(s * bpc)) * d.col(jj * ns + s);
          }
        }
      });
      for (double x : vi) read_vi += x;
    }
  }
  stats_.read_vi_W += read_vi;
  return acc;
}

void CountingIdealMatmul::program(const Mat& w) {
  w_ = w;
  stats_.programs += 1;
}

Mat CountingIdealMatmul::apply(const Mat& x) {
  stats_.applies += 1;
  stats_.vectors += x.rows();
  stats_.macs += x.rows() * x.cols() * w_.rows();
  return parallel_product(x, w_.transpose());
}

CrossbarBackend::CrossbarBackend(CrossbarConfig cfg, CrossbarParts parts,
                                 std::array<bool, kProductCount> analog, uint64_t seed)
    : cfg_(std::move(cfg)), given_parts_(std::move(parts)), analog_(analog), seed_(seed) {
  cfg_.validate();
  apply_nonideal();
  for (auto& pk : peaks_) pk = std::make_shared<RangePeak>();
}

void CrossbarBackend::apply_nonideal() {
  parts_ = given_parts_;
  if (cfg_.nonideal && cfg_.nonideal->any()) {
    CrossbarParts n = make_parts(*cfg_.nonideal, cfg_, seed_);
    parts_.conductance = n.conductance;
    parts_.array = n.array;
    if (n.adc) parts_.adc = n.adc;
  }
  if (!parts_.adc) parts_.adc = std::make_shared<UniformAdc>(cfg_.adc_bits);
}

bool CrossbarBackend::use_compact_ir_model() {
  if (!cfg_.nonideal || cfg_.nonideal->ir_drop != IrDropMode::both) return false;
  auto n = std::make_shared<NonidealConfig>(*cfg_.nonideal);
  n->ir_drop = IrDropMode::model;
  cfg_.nonideal = n;
  apply_nonideal();
  return true;
}

void CrossbarBackend::record_ranges(bool on) {
  recording_ = on;
  if (on)
    for (auto& pk : peaks_) pk = std::make_shared<RangePeak>();
}

void CrossbarBackend::set_adc_full_scale(Product p, double fraction) {
  CIMCHAR_CHECK(fraction > 0 && fraction <= 10, "calibrated ADC full scale out of (0, 10]");
  fs_[static_cast<size_t>(p)] = fraction;
}

std::unique_ptr<Matmul> CrossbarBackend::make(const UnitId& id) {
  const auto p = static_cast<size_t>(id.product);
  StatsTable& st = recording_ ? scratch_ : stats_;
  if (!analog_[p]) return std::make_unique<CountingIdealMatmul>(st[p]);
  // One stream per unit: (product, layer, batch, head) packed into the stream index.
  const uint64_t stream = ((static_cast<uint64_t>(p) * 4096 + static_cast<uint64_t>(id.layer)) *
                               1048576 + static_cast<uint64_t>(id.batch + 1)) * 4096 +
                          static_cast<uint64_t>(id.head + 1);
  if (recording_) {  // every read simulated, through an ideal readout, its peak kept
    CrossbarConfig c = cfg_;
    c.statistical_readout = false;
    c.adc_bits = 0;
    CrossbarParts parts = parts_;
    parts.adc = std::make_shared<UniformAdc>(0);
    auto m = std::make_unique<CrossbarMatmul>(c, parts, st[p], stream_rng(seed_, stream));
    m->record_peak(peaks_[p]);
    return m;
  }
  if (!fs_[p]) return std::make_unique<CrossbarMatmul>(cfg_, parts_, st[p], stream_rng(seed_, stream));
  CrossbarConfig c = cfg_;
  c.adc_full_scale = *fs_[p];
  c.adc_range_calibrated = true;
  return std::make_unique<CrossbarMatmul>(c, parts_, st[p], stream_rng(seed_, stream));
}

}  // namespace cimchar::attention
