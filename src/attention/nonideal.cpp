#include "attention/nonideal.hpp"
#include "attention/periph_luts.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <sstream>

#include "core/error.hpp"
#include "core/h5.hpp"
#include "core/rng.hpp"
#include "lut/xbar_records.hpp"
#include "xbar/irdrop_model.hpp"
#include "xbar/transfer.hpp"

namespace cimchar::attention {

MeasuredCellError MeasuredCellError::load(const std::string& file) {
  H5Reader r(file);
  MeasuredCellError m;
  m.file = file;
  m.target_S = r.read("/mc/target_g");
  std::vector<size_t> dims;
  const auto g = r.read("/mc/g_read", &dims);
  const size_t L = m.target_S.size();
  if (L == 0 || dims.size() != 2 || dims[0] != L)
    throw InputError(file + ": /mc/g_read is not [levels, samples] for " + std::to_string(L) +
                     " levels of /mc/target_g");
  if (!std::is_sorted(m.target_S.begin(), m.target_S.end()))
    throw InputError(file + ": /mc/target_g is not increasing");
  m.rel.resize(L);
  for (size_t l = 0; l < L; ++l) {
    for (size_t k = 0; k < dims[1]; ++k) {
      const double x = g[l * dims[1] + k];
      if (std::isfinite(x)) m.rel[l].push_back(x / m.target_S[l] - 1);
    }
    if (m.rel[l].empty())
      throw InputError(file + ": every sample of level " + std::to_string(l) + " failed");
  }
  return m;
}

NonidealConfig NonidealConfig::parse(Section& s, int adc_bits) {
  NonidealConfig n;
  auto lut = [&](const std::string& key) { return lut_file(s, key); };
  if (const std::string f = lut("variation"); !f.empty())
    n.measured = std::make_shared<const MeasuredCellError>(MeasuredCellError::load(f));
  Section m = s.sub("model");
  n.model.read(m);
  m.finish();
  if (n.measured && n.model.any())
    s.fail("model", "give either `variation` (measured LUT) or [model], not both");
  n.t_read_s = s.get_double("t_read", 1.0, "s", {0, 1e10});
  const std::string mode = s.get_choice("ir_drop", "off", {"off", "exact", "model", "both"});
  n.ir_drop = mode == "exact" ? IrDropMode::exact
              : mode == "model" ? IrDropMode::model
              : mode == "both"  ? IrDropMode::both
                                : IrDropMode::off;
  n.r_wire_ohm = s.get_double("r_wire", 2.5, "ohm", {0, 1e4});
  n.r_driver_ohm = s.get_double("r_driver", 0, "ohm", {0, 1e6});
  n.r_sense_ohm = s.get_double("r_sense", 0, "ohm", {0, 1e6});
  n.irdrop_file = lut("irdrop");
  if (!n.irdrop_file.empty()) {
    if (n.ir_drop != IrDropMode::model && n.ir_drop != IrDropMode::both)
      s.fail("irdrop", "a fitted IR-drop model needs ir_drop = \"model\" or \"both\"");
    n.irdrop_theta = lut::read<lut::IrDropModelLut>(H5Reader(n.irdrop_file)).theta;
    if (n.irdrop_theta.size() != xbar::kIrDropFeatures)
      s.fail("irdrop", n.irdrop_file + ": " + lut::IrDropModelLut::kGroup + "/theta does not have " +
                           std::to_string(xbar::kIrDropFeatures) + " coefficients");
  }
  if (const std::string f = lut("adc"); !f.empty()) {
    const std::string arch = s.get_choice("adc_arch", "sar", {"sar", "flash"});
    const int inst = static_cast<int>(s.get_int("adc_instances", 64, 1, 1 << 20));
    if (adc_bits <= 0) s.fail("adc", "an ADC LUT needs a crossbar read by ADCs (adc_bits > 0)");
    try {
      n.adc = std::make_shared<const AdcLut>(AdcLut::load(f, arch, adc_bits, inst, 0xADC0));
    } catch (const InputError& e) {
      s.fail("adc", e.what());
    }
  }
  s.finish();
  return n;
}

std::string NonidealConfig::describe() const {
  std::ostringstream o;
  if (measured) o << "conductance from " << measured->file << "; ";
  if (model.any()) {
    o << "variation models [";
    std::string sep;
    auto on = [&](bool b, const char* name) {
      if (b) {
        o << sep << name;
        sep = ", ";
      }
    };
    on(model.d2d, "d2d");
    on(model.c2c, "c2c");
    on(model.read_noise, "read noise");
    on(model.drift, "drift");
    on(model.stuck, "stuck-at");
    o << "] at t_read " << t_read_s << " s; ";
  }
  if (ir_drop == IrDropMode::exact) o << "IR drop: exact native solver, ";
  if (ir_drop == IrDropMode::both)
    o << "IR drop: exact native solver, compared with the compact model ("
      << (irdrop_file.empty() ? "theory" : irdrop_file) << "), ";
  if (ir_drop == IrDropMode::model)
    o << "IR drop: compact model (" << (irdrop_file.empty() ? "theory" : irdrop_file) << "), ";
  if (ir_drop != IrDropMode::off) o << r_wire_ohm << " ohm per wire segment; ";
  if (adc) o << "ADC errors from " << adc->file() << " (" << adc->instances() << " ADCs); ";
  std::string s = o.str();
  return s.empty() ? "ideal devices and wires" : s.substr(0, s.size() - 2);
}

MeasuredConductance::Bracket MeasuredConductance::bracket(double g) const {
  const auto& t = m_->target_S;
  if (g <= t.front()) return {0, 0, 0.0};
  if (g >= t.back()) return {t.size() - 1, t.size() - 1, 0.0};
  const size_t hi = static_cast<size_t>(std::upper_bound(t.begin(), t.end(), g) - t.begin());
  return {hi - 1, hi, (g - t[hi - 1]) / (t[hi] - t[hi - 1])};
}

double MeasuredConductance::draw_u(double g, const Bracket& b, uint64_t u) const {
  // Sample floor(u_hi n / 2^32) of each level's n errors, u_hi the word's top 32 bits (no
  // division; n < 2^32).
  auto pick = [&](size_t l) {
    const auto& r = m_->rel[l];
    return r[static_cast<size_t>(((u >> 32) * static_cast<uint64_t>(r.size())) >> 32)];
  };
  const double rel = b.f == 0 ? pick(b.lo) : (1 - b.f) * pick(b.lo) + b.f * pick(b.hi);
  return std::max(g * (1 + rel), 0.0);
}

Mat MeasuredConductance::program(const Mat& level, const CrossbarConfig& c, std::mt19937_64& rng) {
  const double step = (c.g_on_S - c.g_off_S) / (c.levels() - 1);
  // Levels are integers 0 .. levels-1: their brackets once, then one word per cell.
  std::vector<Bracket> br(static_cast<size_t>(c.levels()));
  for (size_t l = 0; l < br.size(); ++l) br[l] = bracket(c.g_off_S + static_cast<double>(l) * step);
  SplitMix64 e(rng());
  return level.unaryExpr([&](double l) {
    const size_t k = static_cast<size_t>(l);
    return draw_u(c.g_off_S + l * step, br[k], e());
  });
}

void LutAdcModel::convert(Mat& i, double fs, bool bipolar, std::mt19937_64&) {
  const int b = lut_->bits();
  const double n = bipolar ? std::ldexp(1.0, b - 1) - 1 : std::ldexp(1.0, b) - 1;
  const double step = fs / n, shift = bipolar ? n : 0, top = bipolar ? 2 * n : n;
  for (Eigen::Index c = 0; c < i.cols(); ++c) {
    const std::vector<double>& t = lut_->transitions(static_cast<size_t>(c));  // column c's ADC
    double* col = i.col(c).data();
    for (Eigen::Index k = 0; k < i.rows(); ++k) {
      const double code = std::min<double>(AdcLut::count_at_or_below(t, col[k] / step + shift), top);
      col[k] = (code - shift) * step;
    }
  }
}

LutAdcModel::LutAdcModel(std::shared_ptr<const AdcLut> lut) : lut_(std::move(lut)) {
  // Mean-square error: (code(x) - x)^2 averaged over x uniform in [0, 2^bits - 1] LSB (64
  // points per LSB) and over the drawn ADC instances.
  const int top = (1 << lut_->bits()) - 1, per_lsb = 64;
  double sum = 0;
  for (size_t k = 0; k < lut_->instances(); ++k)
    for (int i = 0; i < top * per_lsb; ++i) {
      const double x = (i + 0.5) / per_lsb;
      const double e = std::min(lut_->code(x, k), top) - x;
      sum += e * e;
    }
  error_ms_lsb2_ = sum / (static_cast<double>(lut_->instances()) * top * per_lsb);
}

Mat ModelConductance::program(const Mat& level, const CrossbarConfig& c, std::mt19937_64& rng) {
  const double step = (c.g_on_S - c.g_off_S) / (c.levels() - 1);
  Mat g = (c.g_off_S + level.array() * step).matrix();
  s_.program_at(g.data(), g.data(), static_cast<size_t>(g.size()), t_read_s_, rng);
  return g;
}

namespace {

// The exact IR drop of one tile of linear cells: its transfer matrix (xbar/transfer.hpp, the
// nested-dissection reduction of the whole resistive network) is built once when the tile is
// written, so every read of every input vector is one dense product, I = (V - v_sense) M^T.
class ExactIrDropTile final : public TileArray {
 public:
  ExactIrDropTile(const Mat& g, const xbar::Wiring& w) : v_sense_V_(w.v_sense_V) {
    const size_t rows = static_cast<size_t>(g.rows()), cols = static_cast<size_t>(g.cols());
    xbar::Array a{rows, cols, std::vector<double>(rows * cols)};
    for (size_t r = 0; r < rows; ++r)
      for (size_t c = 0; c < cols; ++c)
        a.g_S[r * cols + c] = std::max(g(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)), 1e-15);
    const xbar::TransferMatrix t = xbar::transfer_matrix(a, w);
    // m_S is [cols][rows] row-major, i.e. the column-major [rows, cols] matrix M^T.
    m_t_ = Eigen::Map<const Mat>(t.m_S.data(), g.rows(), g.cols());
  }
  Mat currents(const Mat& v) override {
    if (v_sense_V_ == 0) return v * m_t_;
    return (v.array() - v_sense_V_).matrix() * m_t_;
  }
  bool linear(Mat& a, Eigen::RowVectorXd& b) const override {
    a = m_t_;
    b = -v_sense_V_ * m_t_.colwise().sum();
    return true;
  }

 private:
  double v_sense_V_;
  Mat m_t_;  // [rows, cols]: dI[c]/dV[r]
};

// The compact IR-drop model: ideal currents times the model's ratio for the tile's mean
// conductance and the vector's activity (fraction of rows driven), cached per active-row count.
class ModelIrDropTile final : public TileArray {
 public:
  ModelIrDropTile(Mat g, xbar::IrDropInputs in, xbar::IrDropModel m)
      : g_(std::move(g)), in_(in), m_(std::move(m)) {
    in_.rows = static_cast<size_t>(g_.rows());
    in_.cols = static_cast<size_t>(g_.cols());
    in_.g_mean_S = g_.mean();
  }
  // Column by column (the matrices are column-major: walking a row of a tall read block is a
  // cache miss an element; that loop took half of a per-read run's time).
  Mat currents(const Mat& v) override {
    Mat out = v * g_;
    const Eigen::VectorXi active = (v.array() != 0).cast<int>().rowwise().sum();
    std::vector<const double*> ratio(static_cast<size_t>(v.rows()));
    for (Eigen::Index k = 0; k < v.rows(); ++k) ratio[static_cast<size_t>(k)] = ratio_for(active(k));
    for (Eigen::Index c = 0; c < out.cols(); ++c) {
      double* o = out.col(c).data();
      for (Eigen::Index k = 0; k < out.rows(); ++k) o[k] *= ratio[static_cast<size_t>(k)][c];
    }
    return out;
  }

 private:
  // The model's per-column ratio for `active` driven rows, computed once per count.
  const double* ratio_for(int active) {
    auto it = ratio_.find(active);
    if (it == ratio_.end()) {
      xbar::IrDropInputs in = in_;
      in.activity = std::max(1.0, static_cast<double>(active)) / static_cast<double>(in_.rows);
      const auto r = m_.ratio(in);
      it = ratio_.emplace(active, Eigen::Map<const Eigen::RowVectorXd>(r.data(), static_cast<Eigen::Index>(r.size()))).first;
    }
    return it->second.data();
  }

  Mat g_;
  xbar::IrDropInputs in_;
  xbar::IrDropModel m_;
  std::map<int, Eigen::RowVectorXd> ratio_;
};

// Read noise: every cell current of a read gets an independent relative Gaussian error, so a
// column current gets N(0, sigma^2 sum_r (v_r G_rc)^2), added to the array's currents.
class ReadNoiseTile final : public TileArray {
 public:
  ReadNoiseTile(std::unique_ptr<TileArray> inner, Mat g, double rel, std::mt19937_64 rng)
      : inner_(std::move(inner)), g2_(g.array().square().matrix()), rel_(rel), rng_(rng) {}
  Mat currents(const Mat& v) override {
    Mat i = inner_->currents(v);
    const Mat var = v.array().square().matrix() * g2_;
    std::normal_distribution<double> n01(0, 1);
    for (Eigen::Index c = 0; c < i.cols(); ++c)
      for (Eigen::Index k = 0; k < i.rows(); ++k) i(k, c) += rel_ * std::sqrt(var(k, c)) * n01(rng_);
    return i;
  }
  // The noise is drawn by the statistical readout itself; the mean response is the inner one.
  bool linear(Mat& a, Eigen::RowVectorXd& b) const override { return inner_->linear(a, b); }

 private:
  std::unique_ptr<TileArray> inner_;
  Mat g2_;
  double rel_;
  std::mt19937_64 rng_;
};

class NonidealArrayModel final : public ArrayModel {
 public:
  NonidealArrayModel(NonidealConfig n, uint64_t seed) : n_(std::move(n)), seed_(seed) {}
  std::unique_ptr<TileArray> make(Mat g, uint64_t stream) override {
    std::unique_ptr<TileArray> t;
    xbar::Wiring w;
    w.r_wire_row_ohm = w.r_wire_col_ohm = n_.r_wire_ohm;
    w.r_driver_ohm = n_.r_driver_ohm;
    w.r_sense_ohm = n_.r_sense_ohm;
    if (n_.ir_drop == IrDropMode::exact || n_.ir_drop == IrDropMode::both) {
      t = std::make_unique<ExactIrDropTile>(g, w);
    } else if (n_.ir_drop == IrDropMode::model) {
      xbar::IrDropInputs in;
      in.r_wire_row_ohm = in.r_wire_col_ohm = n_.r_wire_ohm;
      in.r_driver_ohm = n_.r_driver_ohm;
      in.r_sense_ohm = n_.r_sense_ohm;
      t = std::make_unique<ModelIrDropTile>(g, in, xbar::IrDropModel{n_.irdrop_theta});
    } else {
      t = IdealArrayModel().make(g, stream);
    }
    if (n_.model.read_noise && n_.model.read_rel > 0)
      t = std::make_unique<ReadNoiseTile>(std::move(t), std::move(g), n_.model.read_rel,
                                          stream_rng(seed_, stream));
    return t;
  }

 private:
  NonidealConfig n_;
  uint64_t seed_;
};

}  // namespace

CrossbarParts make_parts(const NonidealConfig& n, const CrossbarConfig&, uint64_t seed) {
  CrossbarParts p;
  if (n.measured) p.conductance = std::make_shared<MeasuredConductance>(n.measured);
  else if (n.model.any()) p.conductance = std::make_shared<ModelConductance>(n.model, n.t_read_s);
  if (n.adc) p.adc = std::make_shared<LutAdcModel>(n.adc);
  if (n.ir_drop != IrDropMode::off || (n.model.read_noise && n.model.read_rel > 0))
    p.array = std::make_shared<NonidealArrayModel>(n, seed ^ 0x4EAD0000ULL);
  return p;
}

}  // namespace cimchar::attention
