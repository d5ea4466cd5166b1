// Nonidealities of the analog parts of a crossbar product, taken from the characterization
// outputs or from the same variation models the `variation` stage characterizes
// (docs/schemes.md, "Nonidealities"). A [<crossbar table>.nonideal] table switches each on:
//   variation = "results/variation/variation.h5"  programmed conductances drawn from the
//       distribution the variation stage measured in ngspice (/mc/g_read vs /mc/target_g);
//   [nonideal.model]  or the analytic models, each switchable (keys of docs/flows.md
//       [variation] model.*: d2d, c2c, read_noise, drift, stuck), read at t_read;
//   ir_drop = "off" | "exact" | "model" | "both"  wire resistance r_wire (and r_driver, r_sense): the exact
//       native solver on every tile (its factorization reused for every input vector), or the
//       fitted compact IR-drop model (theta from irdrop = "results/irdrop/irdrop.h5", else the
//       mean-field theory); "both": exact, and the model's difference reported;
//   adc = "results/adc/adc.h5", adc_arch = "sar"  the column ADCs' transfer errors measured by the
//       adc stage at this crossbar's adc_bits (periph_luts.hpp, AdcLut).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "attention/crossbar_matmul.hpp"
#include "attention/periph_luts.hpp"
#include "device/variation.hpp"

namespace cimchar::attention {

// Programmed-conductance distribution measured by the variation stage: per target level, the
// relative errors G_read/G_target - 1 of its samples (failed samples dropped).
struct MeasuredCellError {
  std::string file;
  std::vector<double> target_S;
  std::vector<std::vector<double>> rel;  // [level][sample]
  static MeasuredCellError load(const std::string& file);  // InputError naming file and dataset
};

// both: the exact solver for the run's outputs, and the whole run repeated with the compact
// model to report how far the model's outputs are from the exact ones (attention_run.cpp).
enum class IrDropMode { off, exact, model, both };

struct NonidealConfig {
  std::shared_ptr<const MeasuredCellError> measured;  // null: not used
  device::VariationParams model;                      // used when any() is on
  double t_read_s = 1;
  IrDropMode ir_drop = IrDropMode::off;
  double r_wire_ohm = 0, r_driver_ohm = 0, r_sense_ohm = 0;
  std::vector<double> irdrop_theta = {1, 1, 0, 0, 0};
  std::string irdrop_file;  // where theta came from ("" = the theory)
  std::shared_ptr<const AdcLut> adc;  // null: the ideal uniform quantizer

  // Reads `s` (a [...nonideal] table) for a crossbar read by adc_bits ADCs; a missing LUT file
  // is a ConfigError naming the key.
  static NonidealConfig parse(Section& s, int adc_bits = 0);
  bool any() const { return measured || model.any() || ir_drop != IrDropMode::off || adc; }
  std::string describe() const;
};

// The conductance and array models for `cfg` (ideal parts where nothing is switched on).
CrossbarParts make_parts(const NonidealConfig& n, const CrossbarConfig& cfg, uint64_t seed);

// G for a level, drawn from the measured distribution: the relative error of a random sample
// of the nearest characterized levels, interpolated linearly in G between the two levels that
// bracket the target (the end levels' errors outside the characterized range).
class MeasuredConductance final : public ConductanceModel {
 public:
  explicit MeasuredConductance(std::shared_ptr<const MeasuredCellError> m) : m_(std::move(m)) {}
  // Each cell takes one word of a SplitMix64 stream seeded from rng (core/rng.hpp).
  Mat program(const Mat& level, const CrossbarConfig& c, std::mt19937_64& rng) override;
  double draw(double g_target_S, std::mt19937_64& rng) const {
    return draw_u(g_target_S, bracket(g_target_S), rng());
  }

 private:
  // The measured levels around a target (lo = hi at or beyond the ends) and the target's
  // fraction f of the way from lo to hi; the error is interpolated linearly in G.
  struct Bracket {
    size_t lo = 0, hi = 0;
    double f = 0;
  };
  Bracket bracket(double g_target_S) const;
  // The cell's conductance from the random word u (one sample of each level's errors).
  double draw_u(double g_target_S, const Bracket& b, uint64_t u) const;
  std::shared_ptr<const MeasuredCellError> m_;
};

// G from the variation models: one programming (d2d, c2c, stuck-at, drift exponent), then the
// conductance at t_read (drift). Read noise is applied per read by the array model.
// Column readout through ADCs with the measured transfer errors (same ranges as UniformAdc:
// unipolar 2^bits - 1 steps over [0, fs]; bipolar 2^(bits-1) - 1 steps each side).
class LutAdcModel final : public AdcModel {
 public:
  explicit LutAdcModel(std::shared_ptr<const AdcLut> lut);
  void convert(Mat& i_A, double full_scale_A, bool bipolar, std::mt19937_64& rng) override;
  double error_ms_lsb2() const override { return error_ms_lsb2_; }

 private:
  std::shared_ptr<const AdcLut> lut_;
  double error_ms_lsb2_ = 0;
};

class ModelConductance final : public ConductanceModel {
 public:
  ModelConductance(device::VariationParams p, double t_read_s) : s_(p), t_read_s_(t_read_s) {}
  Mat program(const Mat& level, const CrossbarConfig& c, std::mt19937_64& rng) override;

 private:
  device::VariationSampler s_;
  double t_read_s_;
};

}  // namespace cimchar::attention
