#include "core/units.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <utility>

namespace cimchar {

namespace {
std::string trim(const std::string& s) {
  size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return s.substr(a, b - a);
}

std::optional<double> prefix_factor(const std::string& p) {
  static const std::pair<const char*, double> table[] = {
      {"f", 1e-15}, {"p", 1e-12}, {"n", 1e-9}, {"u", 1e-6}, {"\xC2\xB5", 1e-6},
      {"m", 1e-3},  {"k", 1e3},   {"M", 1e6},  {"G", 1e9},  {"T", 1e12}};
  for (const auto& [name, f] : table)
    if (p == name) return f;
  return std::nullopt;
}

// Spellings accepted for the same unit.
std::string canonical_unit(const std::string& u) {
  if (u == "Ohm" || u == "ohm" || u == "\xCE\xA9") return "ohm";
  if (u == "sec") return "s";
  return u;
}
std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// SPICE number suffixes, case-insensitive, longest first: "meg" and "mil" before "m".
std::optional<std::pair<double, size_t>> spice_suffix(const std::string& rest) {
  static const std::pair<const char*, double> table[] = {
      {"meg", 1e6}, {"mil", 25.4e-6}, {"f", 1e-15}, {"p", 1e-12}, {"n", 1e-9}, {"u", 1e-6},
      {"m", 1e-3},  {"k", 1e3},       {"g", 1e9},   {"t", 1e12}};
  const std::string l = lower(rest);
  for (const auto& [name, f] : table)
    if (l.rfind(name, 0) == 0) return std::make_pair(f, std::string(name).size());
  return std::nullopt;
}

// The SPICE form "5k", "1meg", "10u", "5kohm": a suffix right after the number, then nothing
// or the expected unit. A lone "M" is refused: SPICE reads it as milli, SI as mega.
std::optional<double> spice_suffixed(double value, const std::string& unit, const std::string& want,
                                     std::string* why) {
  const auto suffix = spice_suffix(unit);
  if (!suffix) return std::nullopt;
  const std::string after = unit.substr(suffix->second);
  if (!after.empty() && canonical_unit(after) != want) return std::nullopt;
  if (unit.rfind("M", 0) == 0 && lower(unit).rfind("meg", 0) != 0 && after.empty()) {
    if (why) *why = "'" + unit + "' is ambiguous (SPICE reads M as milli, SI as mega): write m "
                    "for milli or meg for mega";
    return std::nullopt;
  }
  return value * suffix->first;
}
}  // namespace

std::optional<double> parse_quantity(const std::string& text, const std::string& expected_unit,
                                     std::string* why) {
  if (why) why->clear();
  const std::string t = trim(text);
  double value = 0;
  const char* begin = t.data();
  const char* end = t.data() + t.size();
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || ptr == begin) {
    if (why) *why = "'" + text + "' is not a number with a unit";
    return std::nullopt;
  }
  if (!std::isfinite(value)) {
    if (why) *why = "'" + text + "' is not a finite number";
    return std::nullopt;
  }
  const std::string unit = canonical_unit(trim(std::string(ptr, end)));
  const std::string want = canonical_unit(expected_unit);
  if (unit == want) return value;
  // Try a one-character (or micro sign) SI prefix in front of the expected unit.
  for (size_t plen : {size_t(1), size_t(2)}) {
    if (unit.size() > plen && canonical_unit(unit.substr(plen)) == want && !want.empty()) {
      if (auto f = prefix_factor(unit.substr(0, plen))) return value * *f;
    }
  }
  if (auto v = spice_suffixed(value, unit, want, why)) return v;
  if (why && why->empty()) {
    *why = "'" + text + "' has unit '" + unit + "' but '" + (want.empty() ? "(none)" : want) +
           "' is expected";
  }
  return std::nullopt;
}

std::string netlist_number(double value) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", value);
  return buf;
}

std::string format_quantity(double value, const std::string& unit) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", value);
  return unit.empty() ? std::string(buf) : std::string(buf) + " " + unit;
}

double spice_number(const std::string& tok) {
  char* end = nullptr;
  const double v = std::strtod(tok.c_str(), &end);
  if (end == tok.c_str()) return std::nan("");
  const auto suffix = spice_suffix(end);
  return suffix ? v * suffix->first : v;
}

}  // namespace cimchar
