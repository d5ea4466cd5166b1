// Records of the attention analyses (record.hpp says what a record is). Written by
// attention/sweep.cpp (`cimchar sweep`) and attention/attribution.cpp (`cimchar attribution`), read by tools/report.py and the tests.
#pragma once

#include <string>
#include <vector>

#include "lut/record.hpp"

namespace cimchar::lut {

// One model under one scheme, swept over one or two config keys. Always two axes: a one-axis
// sweep has y = [0] and y_key = "". sweep.h5, one group per model and scheme.
struct SweepCurves {
  static constexpr const char* kGroup = "/sweep/MODEL/SCHEME";
  static constexpr const char* kDescription =
      "held-out accuracy and output errors of one model under one scheme against one or two "
      "swept config keys";
  static constexpr Interpolation kInterpolation = Interpolation::none;

  std::vector<double> x, y;  // the swept values of x_key and y_key
  std::vector<double> accuracy, accuracy_lo, accuracy_hi, accuracy_n, accuracy_ideal;
  std::vector<double> sparsity, rel_l2, kl, cosine;
  // accuracy - accuracy_ideal on the same items, with its paired 95% interval.
  std::vector<double> accuracy_delta, accuracy_delta_lo, accuracy_delta_hi;
  // The point's PPA roll-up per sequence (NaN with ppa = false or for the ideal scheme).
  std::vector<double> energy, energy_core, latency, gpu_time_ratio, gpu_energy_ratio, tops_per_w;
  double accuracy_fp32 = 0;
  bool has_fp32 = false;
  std::string x_key, y_key, model, scheme, config;

  void fields(Visitor& v);
};

// Nonideality attribution (`cimchar attribution`): every nonideality of a scheme's config
// switched on alone (mode 0, "alone": from the config with all of them off) and switched off
// alone (mode 1, "removed": from the full set). Label axes are indices; their names are the
// newline-separated texts `models`, `schemes`, `nonidealities`, `modes`. A nonideality the
// scheme's config does not switch on has NaN rows. d_* is the effect of switching the
// nonideality on: alone - ideal (mode 0), full - removed (mode 1). attribution.h5.
struct AttributionTable {
  static constexpr const char* kGroup = "/attribution";
  static constexpr const char* kDescription =
      "accuracy and output errors of each model under each scheme with each nonideality switched "
      "on alone and off alone, and their paired deltas";
  static constexpr Interpolation kInterpolation = Interpolation::none;

  std::vector<double> model, scheme, nonideality, mode, layer;  // index axes
  // [model, scheme, nonideality, mode]
  std::vector<double> accuracy, accuracy_lo, accuracy_hi, accuracy_n, rel_l2, kl, cosine, sparsity;
  std::vector<double> d_accuracy, d_accuracy_lo, d_accuracy_hi, d_rel_l2, d_kl;
  // [model, scheme, nonideality, mode, layer]
  std::vector<double> layer_rel_l2, layer_kl, d_layer_rel_l2, d_layer_kl;
  // [model, scheme]: the arms with every nonideality off (ideal_*) and on (full_*)
  std::vector<double> ideal_accuracy, ideal_accuracy_lo, ideal_accuracy_hi, ideal_rel_l2, ideal_kl;
  std::vector<double> full_accuracy, full_accuracy_lo, full_accuracy_hi, full_rel_l2, full_kl;
  std::vector<double> reference_accuracy, accuracy_fp32, dominant;
  // [model, scheme, layer]
  std::vector<double> ideal_layer_rel_l2, full_layer_rel_l2;
  std::string models, schemes, nonidealities, modes;

  void fields(Visitor& v);
};

// The hardware counters of an attention run, one row per product (q/k/v/o projections, FFN,
// scores, values, the scheme's approximate and digital products; core/scheme_traits.hpp names
// them), and the arrays each row ran on (zeros for digital rows). Written by
// attention/attention_run.cpp, read by the PPA roll-up (ppa/workload.cpp). attention.h5.
struct ProductCounters {
  static constexpr const char* kGroup = "/counters";
  static constexpr const char* kDescription =
      "operations each product of an attention run performed, and the crossbar configuration it ran on";
  static constexpr Interpolation kInterpolation = Interpolation::none;

  std::vector<double> product;  // index axis
  std::vector<double> programs, cell_writes, tiles, applies, vectors, array_reads,
      adc_conversions, macs, read_vi;
  std::vector<double> xbar_rows, xbar_cols, xbar_adc_bits, xbar_dac_bits, xbar_input_bits,
      xbar_weight_bits, xbar_bits_per_cell, xbar_v_read, xbar_g_on, xbar_g_off;
  std::string products;  // names, one a line, in index order

  void fields(Visitor& v);
  // The names of `products`, in index order.
  std::vector<std::string> product_names() const;
};

}  // namespace cimchar::lut
