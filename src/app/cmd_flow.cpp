// `cimchar run <flow>` and one subcommand per stage (`cimchar cell [flow]`, ...).
#include <filesystem>
#include <iostream>

#include "app/commands.hpp"
#include "core/data_dir.hpp"
#include "flows/flow.hpp"

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
  o.progress = !g.quiet;
  o.resume = g.resume;
  return o;
}

int report(const std::vector<std::filesystem::path>& written) {
  for (const auto& p : written) std::cout << p.string() << "\n";
  return 0;
}
}  // namespace

void add_run_command(CLI::App& app, GlobalOptions& g, Action& action) {
  auto* cmd = app.add_subcommand("run", "run every stage a flow file names, in pipeline order");
  auto flow = std::make_shared<std::string>();
  cmd->add_option("flow", *flow, "flow file, e.g. characterization/default.toml")->required();
  cmd->footer("Stages run in pipeline order; all are validated before the first one runs.\n"
              "Prints the path of every file written.");
  cmd->callback([&g, &action, flow] {
    action = [&g, flow] { return report(flows::run_flow(resolve_flow(*flow), flow_options(g))); };
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
        return report(flows::run_flow(resolve_flow(*flow), flow_options(g), {name}));
      };
    });
  }
}

}  // namespace cimchar::app
