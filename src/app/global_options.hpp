// The global options (-j, -o, --seed, --ngspice, -q, -v, --resume, --json) and the commands
// that honour them: each subcommand's --help lists the ones that work there with its --out
// rule, and a global option given to a command that ignores it is refused (exit 2) instead of
// being silently dropped.
#pragma once

#include <CLI/CLI.hpp>

#include <map>
#include <string>

namespace cimchar::app {

enum GlobalFlag : unsigned {
  kJobs = 1u << 0,
  kOutDir = 1u << 1,
  kSeed = 1u << 2,
  kNgspice = 1u << 3,
  kResume = 1u << 4,
  kJson = 1u << 5,
  kAllGlobals = (1u << 6) - 1,
};

// What one command honours and its --out rule, keyed by the command path ("xbar solve").
struct CommandGlobals {
  unsigned honours = 0;
  std::string out_rule;
};
using GlobalsTable = std::map<std::string, CommandGlobals>;

// The table for the commands main() registers (flow stages honour everything).
GlobalsTable globals_table(const CLI::App& app);

// Appends "Global options that work here" and the --out rule to every subcommand's footer.
void document_globals(CLI::App& app, const GlobalsTable& table);

// After parsing: InputError when a global option was given that the chosen command ignores.
void refuse_unused_globals(const CLI::App& app, const GlobalsTable& table);

}  // namespace cimchar::app
