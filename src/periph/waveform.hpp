// Reading ngspice transient vectors: one by name, and a waveform's value at a time.
#pragma once

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace cimchar::periph {

// The vector `name` of a result; SpiceError naming the bench `who` when it is missing.
inline const std::vector<double>& vector_named(const std::map<std::string, std::vector<double>>& v,
                                               const std::string& name, const std::string& who) {
  auto it = v.find(name);
  if (it == v.end()) throw SpiceError(who, "no vector " + name + " in the results");
  return it->second;
}

// Linear interpolation of y at t (held at the ends outside the time vector).
inline double value_at(const std::vector<double>& time, const std::vector<double>& y, double t) {
  auto it = std::upper_bound(time.begin(), time.end(), t);
  if (it == time.begin()) return y.front();
  if (it == time.end()) return y.back();
  const size_t j = static_cast<size_t>(it - time.begin());
  const double f = (t - time[j - 1]) / (time[j] - time[j - 1]);
  return y[j - 1] + f * (y[j] - y[j - 1]);
}

}  // namespace cimchar::periph
