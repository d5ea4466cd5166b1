// `cimchar xbar ...` subcommands (registration only; the work is in src/xbar).
#pragma once

#include <CLI/CLI.hpp>

namespace cimchar::app {

// Adds `xbar solve`. Errors propagate as cimchar::Error to main(); exit_code is set to 0 on
// success.
void add_xbar_command(CLI::App& app, int& exit_code);

}  // namespace cimchar::app
