#include "spice/analysis_size.hpp"

#include "core/units.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <vector>

namespace cimchar::spice {

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::vector<std::string> words(const std::string& command) {
  std::istringstream in(command);
  std::vector<std::string> tok;
  for (std::string t; in >> t;) tok.push_back(lower(t));
  return tok;
}

bool positive_finite(double v) { return std::isfinite(v) && v > 0; }

double tran_points(std::vector<std::string> tok) {
  if (!tok.empty() && tok.back() == "uic") tok.pop_back();
  if (tok.size() < 3) return 1;
  const double tstep = spice_number(tok[1]);
  const double span = spice_number(tok[2]) - (tok.size() >= 4 ? spice_number(tok[3]) : 0.0);
  if (!positive_finite(tstep) || !positive_finite(span)) return 1;
  const double tmax = tok.size() >= 5 ? spice_number(tok[4]) : span / 1e4;
  const double step = positive_finite(tmax) ? std::min(tstep, tmax) : tstep;
  return std::max(1.0, span / step);
}

double dc_points(const std::vector<std::string>& tok) {
  double points = 1;
  for (size_t k = 1; k + 3 < tok.size(); k += 4) {
    const double span = std::abs(spice_number(tok[k + 2]) - spice_number(tok[k + 1]));
    const double incr = std::abs(spice_number(tok[k + 3]));
    if (!std::isfinite(span) || !positive_finite(incr)) return 1;
    points *= std::floor(span / incr + 1e-9) + 1;
  }
  return std::max(1.0, points);
}

double ac_points(const std::vector<std::string>& tok) {
  if (tok.size() < 5) return 1;
  const double n = spice_number(tok[2]);
  const double f1 = spice_number(tok[3]), f2 = spice_number(tok[4]);
  if (!positive_finite(n) || !positive_finite(f1) || !positive_finite(f2) || f2 < f1) return 1;
  if (tok[1] == "dec") return std::max(1.0, n * std::log10(f2 / f1));
  if (tok[1] == "oct") return std::max(1.0, n * std::log2(f2 / f1));
  return std::max(1.0, n);
}

}  // namespace

double analysis_points(const std::string& command) {
  const auto tok = words(command);
  if (tok.empty()) return 1;
  if (tok[0] == "tran") return tran_points(tok);
  if (tok[0] == "dc") return dc_points(tok);
  if (tok[0] == "ac") return ac_points(tok);
  return 1;
}

}  // namespace cimchar::spice
