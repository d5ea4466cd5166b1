// `cimchar sweep`: one or two knobs of a scheme's [attention] config (any dotted key the scheme
// reads: `top_k`, `threshold`, `crossbar.adc_bits`, `crossbar.nonideal.model.read_noise`, ...)
// swept over several models and schemes; every point is a `run_attention` on the point's
// config. The curves go to one HDF5 file (lut::SweepCurves, docs/results-format.md); finished
// points are journaled (<out>.journal, bound to the run identity) so a sweep killed at any point
// resumes without recomputing them, and points are shared out over MPI ranks.
// The sweep file (docs/schemes.md, "Sweeps"):
//   [sweep]
//   models = ["models/recall.h5"]
//   schemes = ["attar", "my_attar.toml"]   # preset names (characterization/attention/<name>.toml)
//                                          # or TOML files holding an [attention] table
//   max_sequences = 256                    # 0 = the whole held-out set
//   [[sweep.axis]]                         # one or two
//   key = "top_k"
//   values = [4, 8, 16]                    # or from = 4, to = 32, steps = 4, scale = "log"
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/config.hpp"

namespace cimchar::attention {

struct SweepAxis {
  std::string key;             // dotted path below [attention]
  std::vector<double> values;  // strictly increasing
};

struct SweepScheme {
  std::string label;  // the preset's name or the file's stem
  std::string file;   // where the base config came from
  std::string text;   // the base config's TOML text
};

struct SweepSpec {
  std::vector<std::filesystem::path> models;
  std::vector<SweepScheme> schemes;
  std::vector<SweepAxis> axes;  // one or two
  int max_sequences = 0;
};

// Reads the [sweep] table of `doc` (ConfigError naming file, key and line); scheme files are
// read here. Does not check the keys against the schemes (check_sweep does).
SweepSpec parse_sweep(const TomlDoc& doc);

// `base` (a config's TOML text) with the value at `key` below [attention] set to `value`: an
// integer where the config holds an integer or the key is absent and the value is integral.
// ConfigError when a part of the path is a value, not a table.
std::string config_with(const std::string& base, const std::string& file,
                        const std::vector<std::pair<std::string, double>>& settings);

// Builds every scheme at each axis's first and last value: a key no scheme reads, or a value
// it refuses, is a ConfigError naming the scheme and the key, before anything runs.
void check_sweep(const SweepSpec& spec, uint64_t seed);

struct SweepRequest {
  std::filesystem::path sweep_file, out_file;
  uint64_t seed = 1;
  bool resume = false;    // reuse <out>.journal's finished points
  bool progress = false;  // one line per point on stderr
};

struct SweepSummary {
  size_t points = 0, reused = 0, computed = 0;
  std::string table;  // printed curves
};

SweepSummary run_sweep(const SweepRequest& req);

}  // namespace cimchar::attention
