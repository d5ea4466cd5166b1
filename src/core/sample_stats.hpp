// Sample statistics shared by the Monte Carlo characterizations.
#pragma once

#include <cmath>
#include <numeric>
#include <vector>

namespace cimchar {

// The sample standard deviation of x (n - 1 in the denominator; 0 for fewer than two values),
// its mean in `mean`.
inline double sample_sd(const std::vector<double>& x, double& mean) {
  mean = x.empty() ? 0.0 : std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(x.size());
  double ss = 0;
  for (double v : x) ss += (v - mean) * (v - mean);
  return x.size() > 1 ? std::sqrt(ss / static_cast<double>(x.size() - 1)) : 0.0;
}

}  // namespace cimchar
