// `cimchar sweep`: parse the flags, then call attention::run_sweep.
#include <iostream>
#include <memory>

#include "app/commands.hpp"
#include "attention/sweep.hpp"
#include "core/error.hpp"
#include "core/paths.hpp"

namespace cimchar::app {

void add_sweep_command(CLI::App& app, GlobalOptions& g, Action& action) {
  auto file = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "sweep", "Sweep one or two config keys of attention schemes over models: accuracy with "
               "its Wilson interval, sparsity, output errors per point, to one HDF5 file");
  cmd->add_option("sweep", *file, "TOML file with a [sweep] table (docs/schemes.md, \"Sweeps\")")->required();
  cmd->add_option("--out", *out, "output HDF5 file (docs/results-format.md, sweep.h5), or an existing folder ending in / (writes sweep.h5 there)")->required();
  cmd->footer("Every key is checked against every scheme before anything runs. Finished points "
              "are journaled in <out>.journal: after a kill, the same command with --resume "
              "computes only the rest and writes the same curves.");
  cmd->callback([file, out, &g, &action] {
    action = [file, out, &g] {
      attention::SweepRequest req;
      req.sweep_file = resolve_flow(*file);
      req.out_file = output_file("--out", *out, "sweep.h5");
      req.seed = g.seed.value_or(1);
      req.resume = g.resume;
      req.progress = !g.quiet;
      const attention::SweepSummary s = attention::run_sweep(req);
      std::cout << s.table << s.points << " points (" << s.computed << " computed, " << s.reused
                << " from the journal); wrote " << req.out_file.string() << "\n";
      return static_cast<int>(kExitOk);
    };
  });
}

}  // namespace cimchar::app
