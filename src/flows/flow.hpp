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

namespace cimchar::flows {

// A stage is prepared (its table parsed and validated: unknown keys, ranges, units, files) and
// then run. run_flow prepares every stage before running any.
using StageRunner = std::function<std::filesystem::path(const RunContext&)>;

struct StageInfo {
  const char* name;
  const char* summary;
  StageRunner (*prepare)(Section& table, const RunContext& ctx);
  // Sharded stages run on every MPI rank (they split their samples); the others run on rank 0.
  bool sharded = false;
};

const std::vector<StageInfo>& stages();
const StageInfo* find_stage(const std::string& name);

struct FlowOptions {
  std::optional<std::filesystem::path> out_dir;  // --out; default results/<flow name>
  std::optional<uint64_t> seed;                  // --seed; default [flow] seed, else 1
  int jobs = 0;
  std::string ngspice_library;
  bool progress = true;
  bool resume = false;
};

// Runs the named stages of a flow file (all stages present when `only` is empty). Every
// stage is validated before any runs, so a typo in the last table fails before an hour of work.
std::vector<std::filesystem::path> run_flow(const std::filesystem::path& flow_file,
                                            const FlowOptions& opts,
                                            const std::vector<std::string>& only = {});

}  // namespace cimchar::flows
