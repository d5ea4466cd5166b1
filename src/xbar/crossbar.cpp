#include "xbar/crossbar.hpp"

#include <cmath>
#include <sstream>

#include "core/error.hpp"

namespace cimchar::xbar {

namespace {
void check_resistance(double v, const char* key) {
  if (!std::isfinite(v) || v < 0)
    throw ConfigError("wiring", key, 0, "must be a finite resistance >= 0 ohm");
}
}  // namespace

const char* to_string(Drive d) { return d == Drive::near ? "near" : "both"; }
const char* to_string(Sense s) { return s == Sense::far ? "far" : "near"; }

void Wiring::validate() const {
  check_resistance(r_wire_row_ohm, "r_wire_row");
  check_resistance(r_wire_col_ohm, "r_wire_col");
  check_resistance(r_driver_ohm, "r_driver");
  check_resistance(r_sense_ohm, "r_sense");
  if (!std::isfinite(v_sense_V)) throw ConfigError("wiring", "v_sense", 0, "must be finite");
}

std::string Wiring::describe() const {
  std::ostringstream os;
  os << "wire " << r_wire_row_ohm << "/" << r_wire_col_ohm << " ohm per row/column segment, driver "
     << r_driver_ohm << " ohm (" << to_string(drive) << "), sense " << r_sense_ohm << " ohm ("
     << to_string(sense) << ") at " << v_sense_V << " V";
  return os.str();
}

void Array::validate() const {
  if (rows == 0 || cols == 0) throw InputError("conductance array is empty");
  if (g_S.size() != rows * cols)
    throw InputError("conductance array has " + std::to_string(g_S.size()) + " values for " +
                     std::to_string(rows) + " x " + std::to_string(cols) + " cells");
  for (size_t k = 0; k < g_S.size(); ++k)
    if (!(std::isfinite(g_S[k]) && g_S[k] > 0))
      throw InputError("conductance G[" + std::to_string(k / cols) + "," +
                       std::to_string(k % cols) + "] = " + std::to_string(g_S[k]) +
                       " S: every cell needs a finite conductance > 0");
}

}  // namespace cimchar::xbar
