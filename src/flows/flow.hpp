// A flow file (characterization/*.toml) names stages; `cimchar run` runs each in pipeline
// order, `cimchar <stage>` runs one. Stages are listed explicitly in flow.cpp.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "flows/context.hpp"
#include "spice/pool.hpp"

namespace cimchar::flows {

// A stage is prepared (its table parsed and validated: unknown keys, ranges, units, files) and
// then run. run_flow prepares every stage before running any.
using StageRunner = std::function<std::filesystem::path(const RunContext&)>;

// One nominal ngspice run of a netlist that a stage will sweep. run_flow runs every stage's
// probes after preparing and before running any stage: a netlist that ngspice cannot read (an
// unknown subcircuit, a syntax error, a floating node) or that does not converge at its nominal
// point is a bad-input error naming `file` before anything is written.
struct Probe {
  std::string file;  // what the user names: the netlist template or device file
  spice::Job job;    // vectors: each must come back finite
};

struct PreparedStage {
  template <class F>
  PreparedStage(F run_fn, std::vector<Probe> p = {}) : run(std::move(run_fn)), probes(std::move(p)) {}
  StageRunner run;
  std::vector<Probe> probes;
};

struct StageInfo {
  const char* name;
  const char* summary;
  PreparedStage (*prepare)(Section& table, const RunContext& ctx);
  // Sharded stages run on every MPI rank (they split their samples); the others run on rank 0.
  bool sharded = false;
  // The stage is also a command of its own (`cimchar sweep`, `cimchar attribution`, which take
  // their own file, not a flow): no `cimchar <stage> FLOW` command is made for it.
  bool own_command = false;
};

const std::vector<StageInfo>& stages();
const StageInfo* find_stage(const std::string& name);

struct FlowOptions {
  std::optional<std::filesystem::path> out_dir;  // --out; default results/<flow name>
  std::optional<uint64_t> seed;                  // --seed; default [flow] seed, else 1
  int jobs = 0;
  std::string ngspice_library;
  bool progress = true;
  bool notes = true;  // "stage ...", "wrote ..." lines on stderr (-q: off)
  bool resume = false;
};

// What a run did, for the file list on stdout and `--json`.
struct StageRecord {
  std::string name;
  double seconds = 0;
  bool kept = false;  // --resume: finished before, not rerun
};
struct FlowResult {
  std::filesystem::path out_dir;
  std::vector<StageRecord> stages;
  std::vector<std::filesystem::path> files;  // every file the run wrote (written_files.hpp)
  double seconds = 0;
};

// Runs the probes of prepared stages on a small pool of their own; throws SpiceError (bad input)
// naming the probe's file for the first that fails.
void run_probes(const std::vector<Probe>& probes, const RunContext& ctx);

// A flow document parsed and every stage it names prepared (tables parsed and validated, inputs
// checked, probes built), nothing run and nothing written: the first half of run_flow.
struct PreparedFlow {
  RunContext ctx;
  bool report = false;
  std::vector<std::pair<const StageInfo*, PreparedStage>> stages;  // pipeline order
  std::vector<Probe> probes;                                      // of every stage, in order
};
PreparedFlow prepare_flow(const TomlDoc& doc, const std::filesystem::path& flow_file,
                          const FlowOptions& opts, const std::vector<std::string>& only = {});

// Runs the named stages of a flow file (all stages present when `only` is empty). Every
// stage is validated, and its netlists probed, before any runs, so a typo in the last table
// fails before an hour of work. The output folder is locked for the run (flows/output_lock.hpp).
std::vector<std::filesystem::path> run_flow(const std::filesystem::path& flow_file,
                                            const FlowOptions& opts,
                                            const std::vector<std::string>& only = {});
// The same, with the stages' timings and every file written (not only the <stage>.h5 files).
FlowResult run_flow_recorded(const std::filesystem::path& flow_file, const FlowOptions& opts,
                             const std::vector<std::string>& only = {});

}  // namespace cimchar::flows
