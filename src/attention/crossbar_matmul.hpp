// A matrix product mapped onto RRAM crossbar tiles, the way ISAAC-style accelerators do it
// (Shafiee et al., ISCA 2016; PRIME, Chi et al., ISCA 2016):
//  - the stored operand W [out, in] is quantized to signed integers (weight_bits, symmetric, one
//    scale per column or per tensor) and held as conductances, signed values either as
//    differential column pairs (W+ and W-) or as offset-binary columns with a reference column
//    holding the offset, each value sliced over ceil(bits / bits_per_cell) cells;
//  - the array is tiled rows x cols; tiles along `in` produce partial sums added digitally;
//  - the input x is quantized (input_bits, one scale per row or per tensor) and applied as row
//    voltages, dac_bits at a time (dac_bits = 1: bit-serial), signed inputs as a positive and a
//    negative pass (split) or, bit-serial only, as two's complement with a negative MSB cycle;
//  - every column current is read by an ADC (adc_bits over a full scale that is a fraction of
//    the worst-case column current; 0 bits = ideal readout), and the codes are shifted and
//    added digitally across slices, input cycles and tiles.
// The analog parts are interfaces so that nonidealities plug in without touching the mapping:
// ConductanceModel (levels -> programmed G: write-verify spread, variation, faults, drift),
// ArrayModel (G and row voltages -> column currents: ideal Ohm/Kirchhoff, or an IR-drop
// solver) and AdcModel (current -> digital estimate: uniform, or a measured transfer curve).
// Units: G in S, voltages in V, currents in A.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "attention/matmul.hpp"
#include "core/config.hpp"

namespace cimchar::attention {

struct NonidealConfig;  // nonideal.hpp

enum class SignedWeights { differential, offset };
enum class DiffSense { digital, analog };  // differential pairs: two ADC reads, or I+ - I- first
enum class InputSign { split, twos_complement };

struct CrossbarConfig {
  int rows = 128, cols = 128;  // tile size
  SignedWeights signed_weights = SignedWeights::differential;
  DiffSense diff_sense = DiffSense::digital;
  int weight_bits = 8;  // signed, symmetric: |w_int| <= 2^(weight_bits-1) - 1
  int bits_per_cell = 2;
  bool weight_scale_per_column = true;
  int input_bits = 8;  // signed inputs: |x_int| <= 2^(input_bits-1) - 1; non-negative: 2^bits - 1
  int dac_bits = 1;    // bits applied per read cycle; 1 = bit-serial
  InputSign input_sign = InputSign::split;
  bool input_scale_per_row = true;
  int adc_bits = 8;             // 0 = ideal readout (no quantization, no clipping)
  double adc_full_scale = 1.0;  // ADC range as a fraction of the worst-case column current
  bool adc_full_scale_given = false;  // set in the config (calibration never overrides it)
  // Set by the range calibration (CrossbarBackend::set_adc_full_scale): the calibration split's
  // largest read lies inside the range, so the statistical readout's no-clipping assumption
  // holds below 1 too.
  bool adc_range_calibrated = false;
  double g_on_S = 100e-6, g_off_S = 1e-6;
  double v_read_V = 0.2;
  // readout = "per_read": every tile read of every input cycle simulated and converted;
  // "statistical": one product through the programmed arrays' linear map, the ADC and read
  // errors drawn from their variances (statistical_readout.hpp).
  bool statistical_readout = false;
  // [<table>.nonideal]: variation, read noise, IR drop (nonideal.hpp); null = ideal parts.
  std::shared_ptr<const NonidealConfig> nonideal;

  // Reads the keys of `s` (rows, cols, signed_weights, ...); defaults are the values above.
  static CrossbarConfig parse(Section& s, const CrossbarConfig& defaults);
  void validate() const;  // ConfigError naming the key and the allowed range
  std::string describe() const;

  int weight_slices() const;  // cells per stored value (per polarity)
  int levels() const { return 1 << bits_per_cell; }
};

// Levels -> programmed conductances of one tile.
class ConductanceModel {
 public:
  virtual ~ConductanceModel() = default;
  // level [rows, cols], integers in [0, levels-1] -> G [rows, cols] in S.
  virtual Mat program(const Mat& level, const CrossbarConfig& c, std::mt19937_64& rng) = 0;
};

// Ideal programming: G = g_off + level / (levels - 1) * (g_on - g_off).
class LinearConductance final : public ConductanceModel {
 public:
  Mat program(const Mat& level, const CrossbarConfig& c, std::mt19937_64& rng) override;
};

// One programmed tile: row voltages -> column currents.
class TileArray {
 public:
  virtual ~TileArray() = default;
  virtual Mat currents(const Mat& v_V) = 0;  // v [n, rows] V -> I [n, cols] A
  // Where every read is affine in the row voltages, I = v A + b (read noise aside): sets A
  // [rows, cols] (S) and b [cols] (A) and returns true. Arrays whose response depends on each
  // read's activity return false.
  virtual bool linear(Mat& /*a_S*/, Eigen::RowVectorXd& /*b_A*/) const { return false; }
};

class ArrayModel {
 public:
  virtual ~ArrayModel() = default;
  // G [rows, cols]; `stream` seeds the tile's own random draws (read noise), so that tiles
  // can be made in any order or in parallel. make() must be safe to call from several threads.
  virtual std::unique_ptr<TileArray> make(Mat g_S, uint64_t stream) = 0;
};

// Ohm's and Kirchhoff's laws with ideal wires: I = V G.
class IdealArrayModel final : public ArrayModel {
 public:
  std::unique_ptr<TileArray> make(Mat g_S, uint64_t stream) override;
};

// Column readout. Converts currents in place to the currents the digital side reconstructs
// from the codes. Unipolar range [0, full_scale_A], bipolar [-full_scale_A, full_scale_A].
class AdcModel {
 public:
  virtual ~AdcModel() = default;
  virtual void convert(Mat& i_A, double full_scale_A, bool bipolar, std::mt19937_64& rng) = 0;
  // Mean-square conversion error in LSB^2 for an input spread uniformly over the range
  // (1/12 for an ideal quantizer, 0 for an ideal readout); the statistical readout draws it.
  virtual double error_ms_lsb2() const = 0;
};

// Uniform quantizer with clipping: unipolar 2^bits - 1 steps over [0, fs]; bipolar mid-tread,
// 2^(bits-1) - 1 steps each side. bits = 0: ideal.
class UniformAdc final : public AdcModel {
 public:
  explicit UniformAdc(int bits) : bits_(bits) {}
  void convert(Mat& i_A, double full_scale_A, bool bipolar, std::mt19937_64& rng) override;
  double error_ms_lsb2() const override { return bits_ == 0 ? 0.0 : 1.0 / 12; }

 private:
  int bits_;
};

struct CrossbarParts {
  std::shared_ptr<ConductanceModel> conductance = std::make_shared<LinearConductance>();
  std::shared_ptr<ArrayModel> array = std::make_shared<IdealArrayModel>();
  std::shared_ptr<AdcModel> adc;  // default: UniformAdc(config.adc_bits)
};

// Counters per product kind; writes of the dynamic products are the K and V writes.
struct ProductStats {
  int64_t programs = 0;         // matrices written
  int64_t cell_writes = 0;      // physical cells programmed (reference columns included)
  int64_t tiles = 0;            // tiles written, summed over programs
  int64_t applies = 0;          // apply() calls
  int64_t vectors = 0;          // input vectors (rows of x)
  int64_t array_reads = 0;      // tile activations: vectors x passes x input cycles x tiles
  int64_t adc_conversions = 0;  // column conversions
  int64_t macs = 0;             // logical multiply-accumulates (analog or digital)
  // Sum over tile reads of the drive voltage times the summed column currents (W): times the
  // read pulse width it is the energy the row drivers deliver (exact for bit-serial inputs,
  // where every active row sits at v_read; an upper bound for multi-bit DACs). src/ppa.
  double read_vi_W = 0;
  ProductStats& operator+=(const ProductStats& o);
};
using StatsTable = std::array<ProductStats, kProductCount>;

// Non-negative integer inputs applied in chunks: chunk c of `m` (digits of dac_bits bits) is one
// read cycle whose result is weighted by chunk_weight[c]; the passes' weighted sum is x_int.
struct InputPass {
  Mat m;
  std::vector<double> chunk_weight;
};
// The digits of read cycle c of a pass: bits [c dac_bits, (c + 1) dac_bits) of every input.
Mat chunk_digits(const InputPass& p, size_t c, int dac_bits);
// The same for `rows` vectors from row0, into an existing matrix (reused across cycles).
void chunk_digits(const InputPass& p, size_t c, int dac_bits, Eigen::Index row0, Eigen::Index rows,
                  Mat& out);

class StatisticalReadout;  // statistical_readout.hpp

// The largest column current seen by one product's arrays during the range calibration, as a
// fraction of a full tile's current (rows x v_read x g_on unipolar, x (g_on - g_off) bipolar):
// the ADC full scale that just covers it. Shared by the product's matmuls (any thread).
class RangePeak {
 public:
  void offer(double fraction) {
    std::lock_guard<std::mutex> l(m_);
    peak_ = std::max(peak_, fraction);
    reads_ += 1;
  }
  double peak() const { std::lock_guard<std::mutex> l(m_); return peak_; }
  int64_t reads() const { std::lock_guard<std::mutex> l(m_); return reads_; }

 private:
  mutable std::mutex m_;
  double peak_ = 0;
  int64_t reads_ = 0;  // tile reads offered
};

class CrossbarMatmul final : public Matmul {
 public:
  CrossbarMatmul(const CrossbarConfig& cfg, const CrossbarParts& parts, ProductStats& stats,
                 std::mt19937_64 rng);
  ~CrossbarMatmul() override;
  void program(const Mat& w) override;
  Mat apply(const Mat& x) override;

  int row_tiles() const { return static_cast<int>(row_tiles_); }
  int col_tiles() const { return static_cast<int>(col_tiles_); }
  Eigen::Index physical_cols() const;  // over all column tiles, reference columns included
  // Range calibration: every tile read offers its largest column current (before the ADC).
  void record_peak(std::shared_ptr<RangePeak> p) { peak_ = std::move(p); }

 private:
  struct Tile;
  Mat apply_per_read(const std::vector<InputPass>& passes, Eigen::Index n);
  void layout_tiles();  // row/column tiles of the in_ x out_ matrix, their cells counted
  CrossbarConfig cfg_;
  CrossbarParts parts_;
  ProductStats& stats_;
  std::mt19937_64 rng_;
  Eigen::Index in_ = 0, out_ = 0;
  Eigen::Index row_tiles_ = 0, col_tiles_ = 0, lcols_per_tile_ = 0;
  int group_ = 0, n_ref_ = 0;  // physical columns per logical column; reference columns per tile
  Vec w_scale_;                // per logical column
  std::vector<Tile> tiles_;    // row-tile major
  std::unique_ptr<StatisticalReadout> stat_;  // readout = "statistical"
  std::shared_ptr<RangePeak> peak_;           // range calibration only
};

// Digital products counted as MACs only.
class CountingIdealMatmul final : public Matmul {
 public:
  explicit CountingIdealMatmul(ProductStats& stats) : stats_(stats) {}
  void program(const Mat& w) override;
  Mat apply(const Mat& x) override;

 private:
  ProductStats& stats_;
  Mat w_;
};

// A backend mapping the chosen products onto crossbars and computing the rest exactly.
class CrossbarBackend final : public MatmulBackend {
 public:
  CrossbarBackend(CrossbarConfig cfg, CrossbarParts parts, std::array<bool, kProductCount> analog,
                  uint64_t seed);
  std::unique_ptr<Matmul> make(const UnitId& id) override;
  const StatsTable& stats() const { return stats_; }
  const CrossbarConfig& config() const { return cfg_; }
  bool analog(Product p) const { return analog_[static_cast<size_t>(p)]; }

  // Range calibration (docs/schemes.md, "Calibration"). While recording, every analog product
  // made is read per read through an ideal readout, its largest column current kept per
  // product (range_peak), and its counters go to a scratch table, not stats().
  void record_ranges(bool on);
  const RangePeak& range_peak(Product p) const { return *peaks_[static_cast<size_t>(p)]; }
  // The calibrated ADC range of one product's arrays (fraction of a full tile's current); the
  // products made afterwards use it.
  void set_adc_full_scale(Product p, double fraction);
  std::optional<double> adc_full_scale(Product p) const { return fs_[static_cast<size_t>(p)]; }
  // ir_drop = "both": makes this backend the compact-model twin (its arrays use the fitted
  // IR-drop model instead of the exact solver); true when it had "both".
  bool use_compact_ir_model();

 private:
  void apply_nonideal();  // the parts the config's [nonideal] table asks for
  CrossbarConfig cfg_;
  CrossbarParts parts_, given_parts_;  // as used, and as the caller gave them
  std::array<bool, kProductCount> analog_;
  uint64_t seed_;
  StatsTable stats_{};
  bool recording_ = false;
  StatsTable scratch_{};
  std::array<std::shared_ptr<RangePeak>, kProductCount> peaks_;
  std::array<std::optional<double>, kProductCount> fs_;
};

}  // namespace cimchar::attention
