// `cimchar run <flow>` and one subcommand per stage (`cimchar cell [flow]`, ...).
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>

#include "app/commands.hpp"
#include "core/data_dir.hpp"
#include "core/error.hpp"
#include "flows/flow.hpp"
#include "flows/run_summary.hpp"

namespace cimchar::app {

std::string resolve_flow(const std::string& path) {
  return find_data_file(path).string();  // run_flow reports a missing file by the given name
}

namespace {
flows::FlowOptions flow_options(const GlobalOptions& g) {
  flows::FlowOptions o;
  if (!g.out_dir.empty()) o.out_dir = g.out_dir;
  o.seed = g.seed;
  o.jobs = g.jobs;
  o.ngspice_library = g.ngspice;
  o.progress = !g.quiet && !g.json;
  o.notes = !g.quiet && !g.json;  // --json: stdout holds only the JSON object
  o.resume = g.resume;
  return o;
}

// Runs the flow and prints its summary: every file written (one a line), or with --json one
// JSON object, also for a run that fails (then rethrown for main's message and exit code).
int run_and_report(const GlobalOptions& g, const std::function<flows::FlowResult()>& run) {
  flows::FlowResult r;
  try {
    r = run();
  } catch (const std::exception& e) {
    if (g.json) std::cout << flows::failed_run_json(exit_code_of(e), e.what()) << std::endl;
    throw;
  }
  if (g.json) {
    std::cout << flows::run_summary_json(r) << "\n";
    return 0;
  }
  if (g.verbose > 0 && !g.quiet) {
    for (const auto& s : r.stages)
      std::fprintf(stderr, "cimchar: %-10s %8.2f s%s\n", s.name.c_str(), s.seconds,
                   s.kept ? " (kept, --resume)" : "");
    std::fprintf(stderr, "cimchar: run %.2f s, %zu file(s) in %s\n", r.seconds, r.files.size(),
                 r.out_dir.string().c_str());
  }
  for (const auto& p : r.files) std::cout << p.string() << "\n";
  return 0;
}
}  // namespace

void add_run_command(CLI::App& app, GlobalOptions& g, Action& action) {
  auto* cmd = app.add_subcommand("run", "run every stage a flow file names, in pipeline order");
  auto flow = std::make_shared<std::string>();
  cmd->add_option("flow", *flow, "flow file, e.g. characterization/default.toml")->required();
  cmd->footer("Stages run in pipeline order; all are validated before the first one runs.\n"
              "Prints the path of every file written (--json: a JSON summary instead).");
  cmd->callback([&g, &action, flow] {
    action = [&g, flow] {
      return run_and_report(g, [&] { return flows::run_flow_recorded(resolve_flow(*flow), flow_options(g)); });
    };
  });
}

void add_stage_commands(CLI::App& app, GlobalOptions& g, Action& action) {
  for (const auto& stage : flows::stages()) {
    if (stage.own_command) continue;
    const std::string name = stage.name;
    auto* cmd = app.add_subcommand(name, stage.summary);
    auto flow = std::make_shared<std::string>("characterization/" + name + ".toml");
    cmd->add_option("flow", *flow, "flow file holding a [" + name + "] table")
        ->capture_default_str();
    cmd->footer("Runs only the [" + name + "] stage of the flow file. Its keys, units and "
                "defaults are documented in docs/flows.md and in characterization/" + name +
                ".toml.");
    cmd->callback([&g, &action, flow, name] {
      action = [&g, flow, name] {
        return run_and_report(g, [&] {
          return flows::run_flow_recorded(resolve_flow(*flow), flow_options(g), {name});
        });
      };
    });
  }
}

}  // namespace cimchar::app
