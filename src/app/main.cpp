// cimchar command line: parses, validates, calls the flows. No physics here.
#include <CLI/CLI.hpp>

#include <iostream>

#include "app/cmd_xbar.hpp"
#include "core/error.hpp"
#include "core/provenance.hpp"

int main(int argc, char** argv) {
  CLI::App app{"cimchar: characterize RRAM compute-in-memory circuits with SPICE"};
  app.set_version_flag("--version", std::string("cimchar ") + cimchar::cimchar_version() + " (" +
                                        cimchar::cimchar_git_hash() + ")");
  app.footer("Exit codes: 0 ok, 1 run failed, 2 bad input.");
  int exit_code = 0;
  cimchar::app::add_xbar_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : cimchar::kExitBadInput;
  } catch (const cimchar::ConfigError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return cimchar::kExitBadInput;
  } catch (const cimchar::InputError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return cimchar::kExitBadInput;
  } catch (const cimchar::SpiceError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return e.bad_input() ? cimchar::kExitBadInput : cimchar::kExitRunFailed;
  } catch (const cimchar::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return cimchar::kExitRunFailed;
  }
  return exit_code;
}
