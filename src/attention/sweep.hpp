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
//   [sweep.x]                              # and optionally [sweep.y]
//   key = "top_k"
//   values = [4, 8, 16]                    # or from = 4, to = 32, steps = 4, scale = "log"
#pragma once

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "attention/attention_run.hpp"
#include "attention/sweep_cost.hpp"
#include "core/config.hpp"
#include "core/h5.hpp"
#include "spice/job_journal.hpp"

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
  SweepCost cost;  // the PPA of every point (sweep_cost.hpp)
  // A published claim the curves test (`claim`, free text with its source) and the x value it
  // names (`operating_point`), written to sweep.h5 and marked in the report; "" / NaN if none.
  std::string claim;
  double operating_point = std::nan("");
};

// Reads the [sweep] table of `doc` (ConfigError naming file, key and line); scheme files are
// read here. Does not check the keys against the schemes (check_sweep does).
SweepSpec parse_sweep(const TomlDoc& doc);
// The same for the table itself (a flow's [sweep]); paths relative to `file`'s folder.
SweepSpec parse_sweep(Section& sweep, const std::filesystem::path& file);

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

// The computing half, shared with the flow stage: every point run (or taken from `journal`)
// and `fill`, which writes the curves into a file whose provenance the caller writes.
struct SweepOutcome {
  SweepSummary summary;
  std::function<void(H5Writer&)> fill;
};
SweepOutcome compute_sweep(const SweepSpec& spec, const SweepRequest& req, spice::JobJournal& journal);

// Shared with attribution.cpp.
// A path as given, else beside `beside` (a config file), else in the source tree ("" if none).
std::filesystem::path find_input(const std::string& p, const std::filesystem::path& beside);
// A scheme entry of table `t`'s `schemes` list: a preset name or a .toml file (ConfigError
// naming `schemes` when neither exists).
SweepScheme load_scheme(const Section& t, const std::string& entry, const std::filesystem::path& beside);
// One run's metrics, in this order, in the journals and the curves.
constexpr int kFields = 13;
enum Field { kAcc, kLo, kHi, kN, kIdeal, kSparsity, kRelL2, kKl, kCos, kDelta, kDeltaLo, kDeltaHi, kFp32 };
std::vector<double> point_metrics(const RunSummary& s);
// Builds the scheme of a config's text as run_attention would (ConfigError for a key it does
// not read or a value it refuses).
void check_scheme_config(const std::string& text, const std::string& file, uint64_t seed);
// Whether the scheme of `text` (a config that sets `key`, a dotted path below [attention])
// reads that key: false when the key (or a table on its path) is unknown to it; any other
// refusal is thrown.
bool scheme_reads(const std::string& text, const std::string& file, uint64_t seed, const std::string& key);
uint64_t mix_hash(uint64_t h, const std::string& s);  // h folded with s (splitmix64)

}  // namespace cimchar::attention
