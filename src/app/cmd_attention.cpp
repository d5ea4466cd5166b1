// `cimchar attention`: parse the flags, then call attention::run_attention.
#include <iostream>
#include <memory>

#include "app/commands.hpp"
#include "attention/attention_run.hpp"
#include "core/error.hpp"
#include "core/paths.hpp"

namespace cimchar::app {

namespace {
struct AttentionArgs {
  std::string model, scheme, config, out;
};

std::string scheme_list() {
  std::string s;
  for (const auto& info : attention::schemes())
    s += std::string("  ") + info.name + ": " + info.summary + "\n";
  return s;
}
}  // namespace

void add_attention_command(CLI::App& app, GlobalOptions& g, Action& action) {
  auto args = std::make_shared<AttentionArgs>();
  CLI::App* cmd = app.add_subcommand(
      "attention", "Run an exported attention model (tools/export_torch.py) under an accelerator "
                   "scheme; outputs and accuracy metrics vs fp32");
  cmd->add_option("--model", args->model, "model file (HDF5, docs/model-format.md)")->required();
  cmd->add_option("--scheme", args->scheme,
                  "scheme name (default: the config's [attention] scheme)");
  cmd->add_option("--config", args->config,
                  "TOML file with an [attention] table: scheme parameters "
                  "(characterization/attention/<scheme>.toml)");
  cmd->add_option("--out", args->out, "output HDF5 file (y, metrics, counters, stage times), or an existing folder ending in / (writes attention.h5 there)")->required();
  cmd->footer("Schemes (docs/schemes.md):\n" + scheme_list() +
              "Metrics against the ideal run: relative L2 error and cosine similarity of the "
              "outputs, KL divergence of the attention rows, recall of the true top-k keys, "
              "sparsity. Written to --out and printed as a table, with the time of each stage "
              "(model file, static weights programmed once, the sequences under the scheme, "
              "the ideal reference). Large layers (BERT-size): set readout = \"statistical\" "
              "in [attention.crossbar] (docs/schemes.md).");
  cmd->callback([args, &g, &action] {
    action = [args, &g] {
      attention::RunRequest req;
      req.model_file = resolve_flow(args->model);
      req.out_file = output_file("--out", args->out, "attention.h5");
      if (!args->config.empty()) req.config_file = resolve_flow(args->config);
      req.scheme = args->scheme;
      req.seed = g.seed.value_or(1);
      req.progress = !g.quiet;
      const attention::RunSummary s = attention::run_attention(req);
      std::cout << s.table << "wrote " << req.out_file.string() << "\n";
      return static_cast<int>(kExitOk);
    };
  });
}

}  // namespace cimchar::app
