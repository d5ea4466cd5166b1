// Numeric flags read like flow values: "5k", "1meg", "10u", "1.5V", "5kohm", "100 ns" (SPICE
// suffixes and SI prefixes with units, docs/flows.md "Numbers"), through core/units.hpp's parser.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace cimchar::app {

// A CLI11 transform that turns the text into the SI number in `unit` ("" = dimensionless),
// or fails naming the flag's value and the expected unit.
CLI::Validator quantity(const std::string& unit);

}  // namespace cimchar::app
