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

// A number as ngspice reads it in a netlist: the scale suffix (f p n u m k meg mil g t,
// case-insensitive, the same table parse_quantity accepts) and any letters after it ignored:
// "1.5u" -> 1.5e-6, "2meg" -> 2e6, "10ns" -> 1e-8, "5M" -> 5e-3 (milli, as SPICE has it).
// NaN when the text does not start with a number.
double spice_number(const std::string& tok);

// A number as netlist text, with every digit a double carries (%.17g).
std::string netlist_number(double value);

// "1.5e-06 A" style rendering for messages and tables.
std::string format_quantity(double value, const std::string& unit);

}  // namespace cimchar
