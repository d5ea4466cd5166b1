// `cimchar ppa`: parse the flags, then call ppa::run_ppa.
#include <iostream>
#include <memory>

#include "app/commands.hpp"
#include "core/error.hpp"
#include "core/paths.hpp"
#include "ppa/peak.hpp"
#include "ppa/ppa_run.hpp"

namespace cimchar::app {

namespace {
struct PpaArgs {
  std::vector<std::string> attention;
  std::string tech, arch, gpu, luts, out, peak;
};
}  // namespace

void add_ppa_command(CLI::App& app, GlobalOptions&, Action& action) {
  auto args = std::make_shared<PpaArgs>();
  CLI::App* cmd = app.add_subcommand(
      "ppa", "Power, performance and area of attention runs on modeled crossbars: energy "
             "breakdown, latency (pipeline model), throughput, area, TOPS/W, GOPS/mm^2, and a "
             "roofline GPU baseline");
  cmd->add_option("--attention", args->attention,
                  "attention.h5 of a crossbar scheme (cimchar attention --out); repeat to compare "
                  "(required unless --peak)");
  cmd->add_option("--tech", args->tech, "technology card (characterization/tech/<node>.toml)")
      ->required();
  cmd->add_option("--arch", args->arch, "architecture card: tiles, PEs, ADC sharing, area budget "
                                        "for weight replication, K/V write power")
      ->default_val("characterization/tech/arch_isaac_like.toml");
  cmd->add_option("--gpu", args->gpu, "GPU card for the roofline baseline "
                                      "(characterization/tech/gpu_a100.toml)");
  cmd->add_option("--luts", args->luts,
                  "folder with characterization outputs (cell.h5, adc.h5, wta.h5, threshold.h5) "
                  "whose measured energy/delay replace the card's figures");
  cmd->add_option("--out", args->out, "output HDF5 file, or an existing folder ending in / (writes "
                                      "ppa.h5 there); required with --attention");
  cmd->add_option("--peak", args->peak,
                  "chip card (characterization/tech/chip_*.toml): print its peak GOPS/s/mm^2 and "
                  "GOPS/W beside its published figures (docs/ppa.md, validation)");
  cmd->footer("Models, formulas and the cards' sources: docs/ppa.md.");
  cmd->callback([args, &action] {
    action = [args] {
      if (args->attention.empty() && args->peak.empty())
        throw ConfigError("cimchar ppa: --attention is required (or --peak)");
      if (!args->attention.empty() && args->out.empty())
        throw ConfigError("cimchar ppa: --out is required with --attention");
      if (!args->peak.empty()) {
        const auto chip = ppa::load_chip_card(resolve_flow(args->peak));
        const auto tech = ppa::load_tech_card(resolve_flow(args->tech));
        std::cout << ppa::peak_table(chip, tech, ppa::peak_of(chip, tech));
        if (args->attention.empty()) return static_cast<int>(kExitOk);
      }
      ppa::PpaRequest req;
      for (const auto& a : args->attention) req.attention.emplace_back(a);
      req.tech = resolve_flow(args->tech);
      req.arch = resolve_flow(args->arch);
      if (!args->gpu.empty()) req.gpu = resolve_flow(args->gpu);
      if (!args->luts.empty()) req.luts = args->luts;
      req.out = output_file("--out", args->out, "ppa.h5");
      const ppa::PpaSummary s = ppa::run_ppa(req);
      std::cout << s.table << "wrote " << req.out.string() << "\n";
      return static_cast<int>(kExitOk);
    };
  });
}

}  // namespace cimchar::app
