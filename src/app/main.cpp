// cimchar command line: parses, validates, calls the flows. No physics here.
#include <CLI/CLI.hpp>

#include <iostream>

#include "app/commands.hpp"
#include "app/global_options.hpp"
#include "app/process_tuning.hpp"
#include "core/suggest.hpp"
#include "core/data_dir.hpp"
#include "core/error.hpp"
#include "core/provenance.hpp"
#include "core/ranks.hpp"
#include "core/signal_cleanup.hpp"

namespace {

const char* kFooter = R"(
Every stage writes an HDF5 file under --out (default results/<flow name>/<stage>.h5) with
units on every dataset and the config, seed, versions and git hash as root attributes; see
docs/results-format.md. Values in flow files are SI numbers or strings with units ("100 ns").

Exit codes:
  0  ok
  1  the run failed (a simulation did not converge, a worker crashed, a file could not be written)
  2  bad input (malformed TOML, unknown key, value out of range or with the wrong unit,
     missing device card or input file, netlist syntax error); nothing is written

Examples:
  cimchar run characterization/default.toml      the default end-to-end flow
  cimchar cell --jobs 2 --out results/mycell     cell characterization (characterization/cell.toml)
  cimchar fit characterization/fit.toml          fit a compact model to I-V data
  cimchar xbar solve --g G.npy --v V.npy --r-wire 2.5 --out I.npy
                                                 column currents of a crossbar (docs/crossbar.md)
  cimchar attention --model m.h5 --scheme rram-baseline --out a.h5
                                                 an exported transformer layer on crossbars
  cimchar ppa --attention a.h5 --tech characterization/tech/32nm.toml --out ppa.h5
                                                 energy, latency, area of that run (docs/ppa.md)
  cimchar report results/default                 HTML report of a run folder
Environment: CIMCHAR_NGSPICE (libngspice to load), CIMCHAR_DATA (the shipped data: devices,
             netlists, flows, models, report tooling; default share/cimchar beside an installed
             binary, else the source tree; --version prints it), CIMCHAR_DEVICES (device card
             folder), CIMCHAR_NETLISTS (netlist template folder). cimchar restarts itself once with
             GLIBC_TUNABLES=glibc.malloc.hugetlb=1 and OPENBLAS_NUM_THREADS=1 (huge pages; its
             own threads instead of OpenBLAS's: ~3x faster attention runs); CIMCHAR_TUNED=0
             skips that.)";

// `cimchar frobnicate`: name the word, the closest command and the list.
void report_unknown_command(const CLI::App& app, const std::string& word) {
  std::vector<std::string> names;
  for (const auto* c : app.get_subcommands([](const CLI::App*) { return true; }))
    names.push_back(c->get_name());
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  const auto near = cimchar::closest_name(word, names);
  std::cerr << "cimchar: error: unknown command '" << word << "'"
            << (near.empty() ? "" : "; did you mean '" + near + "'?") << "\ncommands: " << list
            << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace cimchar;
  app::tune_process(argv);    // may re-execute the program once (huge pages, OpenBLAS threads)
  RankGuard mpi(&argc, &argv);  // MPI, when launched by mpirun
  install_signal_cleanup();     // SIGINT/SIGTERM/SIGHUP remove the run's temporary files
  CLI::App app{"cimchar: characterize RRAM compute-in-memory circuits with SPICE (ngspice) and "
               "carry the results up to a transformer attention layer."};
  app.set_version_flag("--version", [] {
    std::string v = std::string("cimchar ") + cimchar_version() + " (git " + cimchar_git_hash() + ")";
    try {
      v += "\ndata: " + data_dir().string();  // where devices, netlists and flows are found
    } catch (const Error& e) {
      v += std::string("\ndata: ") + e.what();
    }
    return v;
  });
  app.footer(kFooter);
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the subcommand: `cimchar cell --jobs 2`
  app::GlobalOptions g;
  app.add_option("-j,--jobs", g.jobs, "ngspice worker processes and native threads, at most (default: the cores this "
                 "process may use; $CIMCHAR_THREADS when set)")
      ->check(CLI::Range(0, 256));
  app.add_option("-o,--out", g.out_dir, "output folder (default: results/<flow name>)");
  app.add_option("--seed", g.seed, "random seed, an integer >= 0 (default: the flow's [flow] seed, else 1)")
      ->check([](const std::string& v) {
        return v.find_first_not_of("0123456789") == std::string::npos && !v.empty()
                   ? std::string()
                   : "'" + v + "' is not an integer >= 0";
      });
  app.add_option("--ngspice", g.ngspice,
                 "path of the libngspice shared library to load (default: $CIMCHAR_NGSPICE, "
                 "else Debian's libngspice.so.0)");
  app.add_flag("-q,--quiet", g.quiet, "only errors and the final summary (no progress, no notes)");
  app.add_flag("-v,--verbose", g.verbose, "more detail: the wall time of each stage and of the run");
  app.add_flag("--json", g.json,
               "print a machine-readable run summary (files, stages, timings, exit status) as "
               "JSON on stdout instead of the file list");
  app.add_flag("--resume", g.resume,
               "continue a killed run (kill -9 included) from its journal "
               "(<out>/<stage>.journal, written by the cell, irdrop and variation stages): "
               "finished ngspice jobs and Monte Carlo samples are not recomputed, a stage whose "
               "<stage>.h5 was written with the same flow and seed is kept, and the output "
               "equals a clean run's");

  app::Action action;
  app::add_run_command(app, g, action);
  app::add_stage_commands(app, g, action);
  app::add_xbar_command(app, g, action);
  app::add_attention_command(app, g, action);
  app::add_sweep_command(app, g, action);
  app::add_attribution_command(app, g, action);
  app::add_ppa_command(app, g, action);
  app::add_report_command(app, g, action);
  const app::GlobalsTable globals = app::globals_table(app);
  app::document_globals(app, globals);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (app.get_subcommands().empty() && !app.remaining().empty()) {
      report_unknown_command(app, app.remaining().front());
      return kExitBadInput;
    }
    const int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitBadInput;
  }
  try {
    app::refuse_unused_globals(app, globals);
    app::bound_threads(g.jobs);
    return action ? action() : kExitOk;
  } catch (const std::exception& e) {
    std::cerr << "cimchar: error: " << e.what() << "\n";
    return exit_code_of(e);
  }
}
