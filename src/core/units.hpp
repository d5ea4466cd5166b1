// Quantities with units at the input edge. Inside cimchar everything is SI; a TOML value is
// either a bare number (already in the parameter's SI unit) or a string "<number> <prefix><unit>"
// such as "100 ns", "10 kohm", "1.2 V". A string whose unit is not the expected one is an error.
#pragma once

#include <optional>
#include <string>

namespace cimchar {

// Parses "<number> [prefix]unit". Returns the SI value, or nullopt with `why` set when the text
// is not a number followed by the expected unit. expected_unit "" means dimensionless.
std::optional<double> parse_quantity(const std::string& text, const std::string& expected_unit,
                                     std::string* why);

// A number as netlist text, with every digit a double carries (%.17g).
std::string netlist_number(double value);

// "1.5e-06 A" style rendering for messages and tables.
std::string format_quantity(double value, const std::string& unit);

}  // namespace cimchar
