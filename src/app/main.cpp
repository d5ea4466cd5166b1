// cimchar command line: parses, validates, calls the flows. No physics here.
#include <CLI/CLI.hpp>

#include <iostream>

#include "core/error.hpp"
#include "core/provenance.hpp"

int main(int argc, char** argv) {
  CLI::App app{"cimchar: characterize RRAM compute-in-memory circuits with SPICE"};
  app.set_version_flag("--version", std::string("cimchar ") + cimchar::cimchar_version() + " (" +
                                        cimchar::cimchar_git_hash() + ")");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : cimchar::kExitBadInput;
  }
  return 0;
}
