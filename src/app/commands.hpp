// Subcommands of the cimchar command line, one file each. Each registers its CLI11
// subcommand and sets `action` to what runs after parsing; main() runs it and maps errors to
// exit codes. Physics stays out of here.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace cimchar::app {

struct GlobalOptions {
  int jobs = 0;
  std::string out_dir;
  std::optional<uint64_t> seed;
  std::string ngspice;
  bool quiet = false;
  int verbose = 0;  // -v count
  bool json = false;
  bool resume = false;
};

using Action = std::function<int()>;

void add_run_command(CLI::App& app, GlobalOptions& g, Action& action);
void add_stage_commands(CLI::App& app, GlobalOptions& g, Action& action);
// `cimchar xbar solve` (cmd_xbar.cpp): native crossbar solve from .npy / HDF5 files.
void add_xbar_command(CLI::App& app, GlobalOptions& g, Action& action);
// `cimchar attention` (cmd_attention.cpp): run an exported model under an accelerator scheme.
void add_attention_command(CLI::App& app, GlobalOptions& g, Action& action);
// `cimchar sweep` (cmd_sweep.cpp): scheme and nonideality keys swept over models and schemes.
void add_sweep_command(CLI::App& app, GlobalOptions& g, Action& action);
// `cimchar attribution` (cmd_attribution.cpp): each nonideality on alone and off alone.
void add_attribution_command(CLI::App& app, GlobalOptions& g, Action& action);
// `cimchar ppa` (cmd_ppa.cpp): power, performance and area of attention runs.
void add_ppa_command(CLI::App& app, GlobalOptions& g, Action& action);
// `cimchar report <run-dir>` (cmd_report.cpp): the HTML report of a run folder.
void add_report_command(CLI::App& app, GlobalOptions& g, Action& action);

// A flow path as given, or characterization/<name> under the source tree when the user runs
// cimchar from elsewhere.
std::string resolve_flow(const std::string& path);

}  // namespace cimchar::app
