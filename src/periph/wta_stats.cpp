#include "periph/wta_stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/error.hpp"
#include "core/rng.hpp"

namespace cimchar::periph {

namespace {
constexpr double kBoltzmann = 1.380649e-23;  // J/K
}

double WtaNoise::total_sigma_V(double c_F) const {
  const double ktc_var = ktc ? kBoltzmann * temperature_K / c_F : 0.0;
  return std::sqrt(sigma_offset_V * sigma_offset_V + sigma_noise_V * sigma_noise_V + ktc_var);
}

WtaDecision draw_wta_decision(const WtaCircuit& c, const WtaNoise& nz, double margin, uint64_t seed,
                              uint64_t index) {
  const size_t n = c.n_inputs, k = c.k;
  CIMCHAR_CHECK(k >= 1 && k < n, "wta decision: need 1 <= k < n_inputs");
  auto rng = stream_rng(seed, index);
  std::uniform_real_distribution<double> uni(0.0, 1.0);
  std::normal_distribution<double> gauss(0.0, 1.0);
  // Fixed draw order, so that every margin and capacitance sees the same numbers.
  const double ik = nz.i_min_A * std::pow(nz.i_max_A / nz.i_min_A, uni(rng));
  WtaDecision d;
  for (size_t j = 0; j + 1 < k; ++j) d.i_A.push_back(ik * std::pow(nz.i_max_A / ik, uni(rng)));
  d.i_A.push_back(ik);
  const double loser = ik * (1 - margin);
  d.i_A.push_back(loser);
  for (size_t j = k + 1; j < n; ++j) d.i_A.push_back(loser * (1 - 0.5 * uni(rng)));
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  for (size_t j = n - 1; j > 0; --j) {  // Fisher-Yates with our own draws (portable)
    const size_t r = static_cast<size_t>(uni(rng) * static_cast<double>(j + 1));
    std::swap(order[j], order[std::min(r, j)]);
  }
  std::vector<double> shuffled(n);
  for (size_t j = 0; j < n; ++j) shuffled[order[j]] = d.i_A[j];
  d.i_A = shuffled;
  const double s_ktc = nz.ktc ? std::sqrt(kBoltzmann * nz.temperature_K / c.c_F) : 0.0;
  for (size_t j = 0; j < n; ++j) {
    const double z1 = gauss(rng), z2 = gauss(rng), z3 = gauss(rng);
    d.offset_V.push_back(nz.sigma_offset_V * z1 + nz.sigma_noise_V * z2 + s_ktc * z3);
  }
  return d;
}

double wta_mc_stop_time(const WtaCircuit& c, const WtaNoise& nz) {
  return wta_stop_time(c, nz.i_min_A, 6 * nz.total_sigma_V(c.c_F));
}

double resolved_margin(const std::vector<double>& m, const std::vector<double>& p, double rate) {
  CIMCHAR_CHECK(m.size() == p.size() && !m.empty(), "resolved_margin: sizes differ");
  size_t j = m.size();
  while (j > 0 && p[j - 1] <= rate) --j;
  if (j == m.size()) return std::numeric_limits<double>::quiet_NaN();
  if (j == 0) return m[0];
  const double f = (p[j - 1] - rate) / (p[j - 1] - p[j]);
  return m[j - 1] + f * (m[j] - m[j - 1]);
}

}  // namespace cimchar::periph
