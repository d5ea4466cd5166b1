// `cimchar attribution`: which nonideality costs a scheme its accuracy. From the full set of
// nonidealities a scheme config switches on, every one is turned on alone (from the config with
// all of them off, the "ideal" arm) and turned off alone (from the full set); each arm is one
// `run_attention` with the same seed, so the deltas are paired (the crossbar's random streams do
// not shift when an effect is switched: device/variation.cpp). docs/schemes.md, "Attribution".
// The catalog (kNonidealities) and how each is switched off, in every crossbar table the scheme
// reads (crossbar, approx_crossbar):
//   quantization  the ADCs' quantization and clipping: adc_bits = 0 (ideal readout). Weight and
//                 input formats stay (they fix the cells and read cycles, so every arm draws the
//                 same devices); a measured ADC LUT keeps its bits while on (it is its quantizer)
//   variation     nonideal.variation (measured) removed, nonideal.model.d2d / c2c disabled
//   read_noise, drift, stuck_at   nonideal.model.read_noise / drift / stuck disabled
//   ir_drop       nonideal.ir_drop = "off" (and the fitted model file dropped)
//   adc           nonideal.adc (measured transfer errors) removed: the uniform quantizer
//   comparator    comparator_lut removed, comparator_sigma = 0 (sprint's threshold comparator)
//   wta           wta_lut removed, wta_sigma = 0 (hardsea's k-WTA)
// A nonideality is in the full set when switching it off changes the config.
// The attribution file ([attribution] table, or a scheme config with an [attention] table):
//   [attribution]
//   models = ["models/recall.h5"]
//   schemes = ["rram-nonideal", "my.toml"]   # presets or files holding an [attention] table
//   max_sequences = 0                        # 0 = the whole held-out set
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "attention/sweep.hpp"
#include "core/config.hpp"

namespace cimchar::attention {

constexpr int kNonidealityCount = 9;
extern const std::array<const char*, kNonidealityCount> kNonidealities;

struct AttributionSpec {
  std::vector<std::filesystem::path> models;
  std::vector<SweepScheme> schemes;
  int max_sequences = 0;
};

// The spec of `doc`: its [attribution] table, or (a scheme config) the file itself as the one
// scheme. Non-empty `models` / `schemes` replace the file's lists (a config file holding only
// [attention] needs `models`). ConfigError naming the file and key.
AttributionSpec parse_attribution(const TomlDoc& doc, const std::vector<std::string>& models,
                                  const std::vector<std::string>& schemes);
// The same for the table itself (a flow's [attribution]); paths relative to `file`'s folder.
AttributionSpec parse_attribution(Section& t, const std::filesystem::path& file,
                                  const std::vector<std::string>& models = {},
                                  const std::vector<std::string>& schemes = {});

// The indices (into kNonidealities) that the scheme config `text` switches on.
std::vector<int> present_nonidealities(const std::string& text, const std::string& file, uint64_t seed);

// `text` with the listed nonidealities switched off (ConfigError if the result is refused).
std::string config_without(const std::string& text, const std::string& file, const std::vector<int>& off,
                           uint64_t seed);

// Builds every arm of every scheme (ConfigError naming the scheme's file and key).
void check_attribution(const AttributionSpec& spec, uint64_t seed);

struct AttributionRequest {
  std::filesystem::path config_file, out_file;
  std::vector<std::string> models, schemes;  // replace the file's lists when given
  uint64_t seed = 1;
  bool resume = false;    // reuse <out>.journal's finished arms
  bool progress = false;  // one line per arm on stderr
};

struct AttributionSummary {
  size_t runs = 0, reused = 0, computed = 0;
  std::string table;  // printed deltas
};

AttributionSummary run_attribution(const AttributionRequest& req);

// The computing half, shared with the flow stage: every distinct arm run (or taken from
// `journal`), and `fill`, which writes the table into a file whose provenance the caller writes.
struct AttributionOutcome {
  AttributionSummary summary;
  std::function<void(H5Writer&)> fill;
};
AttributionOutcome compute_attribution(const AttributionSpec& spec, const AttributionRequest& req,
                                       spice::JobJournal& journal);

}  // namespace cimchar::attention
