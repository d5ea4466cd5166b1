// `cimchar report <run-dir>`: the HTML report of a run folder (src/report).
#include <iostream>

#include "app/commands.hpp"
#include "core/paths.hpp"
#include "report/report.hpp"

namespace cimchar::app {

void add_report_command(CLI::App& app, GlobalOptions&, Action& action) {
  auto* cmd = app.add_subcommand("report", "one self-contained HTML report of a run folder");
  auto opts = std::make_shared<report::ReportOptions>();
  auto run_dir = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  cmd->add_option("run-dir", *run_dir, "folder of a run, e.g. results/default")->required();
  cmd->add_option("--out,--html", *out, "report file (default <run-dir>/report.html), or an existing "
                 "folder ending in / (writes report.html there); --html is the older spelling");
  cmd->footer(
      "Draws every stage file in the folder (cell, fit, irdrop, variation, adc, wta, threshold,\n"
      "attention*.h5, ppa*.h5) with matplotlib into one HTML file with inline SVG figures;\n"
      "sections whose stage did not run are marked \"not run\". Needs Debian's python3-h5py and\n"
      "python3-matplotlib (scripts/setup.sh installs them). Prints the report's path.");
  cmd->callback([&action, opts, run_dir, out] {
    action = [opts, run_dir, out] {
      opts->run_dir = *run_dir;
      opts->out = out->empty() ? std::filesystem::path() : output_file("--out", *out, "report.html");
      std::cout << report::make_report(*opts).string() << "\n";
      return 0;
    };
  });
}

}  // namespace cimchar::app
