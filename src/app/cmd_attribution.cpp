// `cimchar attribution`: parse the flags, then call attention::run_attribution.
#include <filesystem>
#include <iostream>
#include <memory>

#include "app/commands.hpp"
#include "attention/attribution.hpp"
#include "core/error.hpp"

namespace cimchar::app {

void add_attribution_command(CLI::App& app, GlobalOptions& g, Action& action) {
  struct Args {
    std::string file, out;
    std::vector<std::string> models, schemes;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "attribution", "Which nonideality costs the accuracy: each one of a scheme config's "
                     "nonidealities switched on alone and off alone, paired runs, to <dir>/attribution.h5");
  cmd->add_option("config", a->file,
                  "TOML file with an [attribution] table, or a scheme config ([attention] table) "
                  "holding the full set of nonidealities (docs/schemes.md, \"Attribution\")")
      ->required();
  cmd->add_option("--model", a->models, "model file(s); replace the file's models");
  cmd->add_option("--scheme", a->schemes, "preset name(s) or scheme config file(s); replace the file's schemes");
  cmd->add_option("-o,--out", a->out, "output folder: <dir>/attribution.h5 (docs/results-format.md)")->required();
  cmd->footer("Every arm runs with the same seed, so the deltas are paired. Finished arms are "
              "journaled in <dir>/attribution.h5.journal: after a kill, the same command with "
              "--resume computes only the rest.");
  cmd->callback([a, &g, &action] {
    action = [a, &g] {
      attention::AttributionRequest req;
      req.config_file = resolve_flow(a->file);
      req.out_file = std::filesystem::path(a->out) / "attribution.h5";
      req.models = a->models;
      req.schemes = a->schemes;
      req.seed = g.seed.value_or(1);
      req.resume = g.resume;
      req.progress = !g.quiet;
      const attention::AttributionSummary s = attention::run_attribution(req);
      std::cout << s.table << s.runs << " runs (" << s.computed << " computed, " << s.reused
                << " from the journal); wrote " << req.out_file.string() << "\n";
      return static_cast<int>(kExitOk);
    };
  });
}

}  // namespace cimchar::app
