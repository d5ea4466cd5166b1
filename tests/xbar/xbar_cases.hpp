// Crossbar test cases shared by the ngspice agreement tests: conductance and input patterns,
// and the comparison metric.
#pragma once

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "xbar/cell.hpp"
#include "xbar/crossbar.hpp"

namespace cimchar::xbar::test {

enum class GPattern { random, all_on, checkerboard, one_column };
enum class VPattern { random, all_high, alternating, one_row };

inline const char* name(GPattern p) {
  switch (p) {
    case GPattern::random: return "random";
    case GPattern::all_on: return "all_on";
    case GPattern::checkerboard: return "checkerboard";
    default: return "one_column";
  }
}
inline const char* name(VPattern p) {
  switch (p) {
    case VPattern::random: return "random";
    case VPattern::all_high: return "all_high";
    case VPattern::alternating: return "alternating";
    default: return "one_row";
  }
}

// On/off conductances of a typical RRAM (10 kohm / 1 Mohm); random: uniform in between.
inline Array make_array(size_t n, size_t m, GPattern p, uint64_t seed, double g_on = 1e-4,
                        double g_off = 1e-6) {
  Array a{n, m, std::vector<double>(n * m)};
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(g_off, g_on);
  for (size_t r = 0; r < n; ++r)
    for (size_t c = 0; c < m; ++c) {
      double& g = a.g_S[r * m + c];
      switch (p) {
        case GPattern::random: g = u(rng); break;
        case GPattern::all_on: g = g_on; break;
        case GPattern::checkerboard: g = (r + c) % 2 ? g_off : g_on; break;
        case GPattern::one_column: g = c == m / 2 ? g_on : g_off; break;
      }
    }
  return a;
}

inline std::vector<double> make_inputs(size_t n, VPattern p, uint64_t seed, double v_high) {
  std::vector<double> v(n);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, v_high);
  for (size_t r = 0; r < n; ++r) {
    switch (p) {
      case VPattern::random: v[r] = u(rng); break;
      case VPattern::all_high: v[r] = v_high; break;
      case VPattern::alternating: v[r] = r % 2 ? 0.0 : v_high; break;
      case VPattern::one_row: v[r] = r == n / 3 ? v_high : 0.0; break;
    }
  }
  return v;
}

// Max over columns of |got - ref| / max(|ref|, 1e-3 max|ref|): relative per column, with a floor
// so that columns carrying next to no current are judged against the array's scale.
inline double max_rel_err(const std::vector<double>& got, const std::vector<double>& ref) {
  double imax = 0, e = 0;
  for (double x : ref) imax = std::max(imax, std::abs(x));
  for (size_t i = 0; i < ref.size(); ++i)
    e = std::max(e, std::abs(got[i] - ref[i]) / std::max(std::abs(ref[i]), 1e-3 * imax));
  return e;
}

inline CellModel sinh_cell(double v0_V = 0.25, double v_ref_V = 0) {
  CellModel c;
  c.element = Element::sinh;
  c.sinh.v0_V = v0_V;
  c.sinh.v_ref_V = v_ref_V;
  return c;
}

}  // namespace cimchar::xbar::test
