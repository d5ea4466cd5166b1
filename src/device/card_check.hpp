// Checks a device card against its subcircuit library before anything runs: the card's
// subcircuits exist in its .lib, its pins are theirs, its state and every parameter it names
// are parameters of them, and ngspice can read the library. Each failure is a ConfigError
// naming the card file and the key ([model] subckt, static_subckt, pins, state, lib, or
// params.<name>), i.e. exit 2.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/param_table.hpp"

namespace cimchar::spice {
class WorkerPool;
}

namespace cimchar::device {

struct SubcktHeader {
  std::vector<std::string> pins, params;  // params: the names in `params:` (lower case)
};

// The `.subckt` headers of a SPICE library (continuation lines joined; names lower case, as
// ngspice compares them). InputError when the file cannot be read.
std::map<std::string, SubcktHeader> read_subckt_headers(const std::string& lib_path);

// The text checks (no simulator).
void check_card_against_lib(const ParamTable& card);

// Loads the static subcircuit at the middle of the card's state range in ngspice (one `op`):
// ConfigError naming [model] lib with ngspice's message when it cannot be read or evaluated.
void check_card_with_ngspice(const ParamTable& card, spice::WorkerPool& pool);

}  // namespace cimchar::device
