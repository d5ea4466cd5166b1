// `cimchar attention`: run one model file (docs/model-format.md) under one scheme, compare it
// with the ideal run and write the outputs, metrics and hardware counters to HDF5
// (docs/results-format.md, section attention.h5).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "attention/metrics.hpp"
#include "attention/range_calibration.hpp"
#include "attention/scheme.hpp"

namespace cimchar::attention {

// The [attention] keys of a run that are not the scheme's own (docs/schemes.md): the k of the
// top-k recall metric, and how many calibration sequences the ADC ranges are read on.
struct RunKeys {
  int recall_k = 8;
  int calibration_sequences = kRangeSequences;
};
// ConfigError naming the key when a value is out of range.
RunKeys read_run_keys(Section& attention);

struct RunRequest {
  std::filesystem::path model_file;
  std::filesystem::path out_file;
  std::optional<std::filesystem::path> config_file;  // TOML with an [attention] table
  std::optional<std::string> config_text;            // or its text (used when no file)
  std::string scheme;                                // "" = the config's `scheme`
  uint64_t seed = 1;
  bool progress = false;  // a progress bar on stderr for long runs
  // Run only the first max_sequences sequences of the batch (0 = all). The recorded fp32
  // accuracy stays that of the whole held-out set; accuracy_ideal is the subset's.
  int max_sequences = 0;
};

struct RunSummary {
  std::string scheme, description;
  int top_k = 8;  // recall_k: the k of the top-k recall metric
  RunMetrics metrics;
  std::optional<double> rel_l2_vs_torch;  // scheme output vs torch's float32 output
  std::vector<NamedStats> counters;  // empty for the ideal scheme
  // The scheme's calibratable settings as chosen (calibration split, config or default).
  std::vector<ChosenValue> calibrated;
  // Task models: held-out accuracy of the scheme, of the ideal run, and as recorded by torch.
  std::optional<double> accuracy, accuracy_ideal, accuracy_fp32_recorded;
  // Their 95% Wilson intervals over the n sequences run (accuracy_n); for a language model
  // (per_token) the next-token accuracy over the n labelled positions of those sequences, and
  // the perplexity (exp of the mean cross-entropy over the same positions).
  Interval accuracy_ci, accuracy_ideal_ci;
  int accuracy_n = 0;
  bool per_token = false;
  // The scheme's accuracy minus the ideal run's on the same items, with the paired 95%
  // interval (metrics.hpp) and the paired table it comes from.
  std::optional<double> accuracy_delta;
  Interval accuracy_delta_ci;
  PairedCounts pairs;
  // Per scored item (sequence, or labelled position), in order: 1 where the scheme is right.
  // Two runs of one model on the same sequences pair item by item (attribution's arms).
  std::vector<uint8_t> item_right;
  std::optional<double> perplexity, perplexity_ideal, perplexity_fp32_recorded;
  std::optional<double> logits_rel_l2_vs_torch;  // ideal-run logits vs torch's float32 logits
  // ir_drop = "both": the run repeated with the compact IR-drop model; its outputs vs the exact
  // run's (relative L2 over every sequence) and vs the ideal reference.
  std::optional<double> ir_model_vs_exact, ir_model_rel_l2;
  // Wall-clock seconds of the run's stages (steady clock). `program` writes the static weights
  // into the scheme's arrays (once per model: Q/K/V/O and FFN); `scheme` runs the sequences
  // under the scheme (K and V written for every sequence and head included); `reference` is
  // the ideal double-precision run the metrics compare with (its own weights included);
  // `ir_model` the rerun with the compact IR-drop model under ir_drop = "both".
  struct Timing {
    double load_s = 0, calibration_s = 0, program_s = 0, scheme_s = 0, reference_s = 0, ir_model_s = 0, total_s = 0;
  } timing;
  std::string table;  // the printed summary
};

// Validates everything (config, scheme, model file, scheme vs model) before computing; writes
// nothing on error. ConfigError / InputError for bad input.
RunSummary run_attention(const RunRequest& req);

}  // namespace cimchar::attention
