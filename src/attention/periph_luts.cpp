#include "attention/periph_luts.hpp"

#include <algorithm>
#include <cmath>

#include <filesystem>

#include "core/config.hpp"
#include "core/error.hpp"
#include "core/h5.hpp"
#include "lut/periph_records.hpp"

namespace cimchar::attention {

std::string lut_file(Section& s, const std::string& key) {
  const std::string f = s.get_string(key, "");
  std::error_code ec;
  if (!f.empty() && !std::filesystem::is_regular_file(f, ec))
    s.fail(key, "the LUT file '" + f + "' does not exist (run its characterization stage first)");
  return f;
}

ComparatorLut ComparatorLut::load(const std::string& file) {
  const auto lut = lut::read<lut::ThresholdLut>(H5Reader(file));
  lut.validate(file);
  ComparatorLut c;
  c.file_ = file;
  c.d_V_ = lut.distance;
  c.sigma_V_ = lut.sigma_total_V;
  const auto& p = lut.p_prune;
  c.cdf_.resize(p.size());
  double run = 0;
  for (size_t k = 0; k < p.size(); ++k) {
    run = std::max(run, 1 - p[k]);  // sampling noise can make the curve wiggle: keep it monotone
    c.cdf_[k] = run;
  }
  return c;
}

double ComparatorLut::draw_offset_V(std::mt19937_64& rng) const {
  const double u = std::uniform_real_distribution<double>(0, 1)(rng);
  if (u <= cdf_.front() || u >= cdf_.back()) {
    // Outside the table: the Gaussian quantile with the file's total sigma (bisection on its
    // CDF), kept on the side of the table it belongs to.
    double lo = -40 * sigma_V_, hi = 40 * sigma_V_;
    for (int k = 0; k < 100 && sigma_V_ > 0; ++k) {
      const double mid = 0.5 * (lo + hi);
      (0.5 * std::erfc(-mid / (std::sqrt(2.0) * sigma_V_)) < u ? lo : hi) = mid;
    }
    const double x = 0.5 * (lo + hi);
    return u <= cdf_.front() ? std::min(x, d_V_.front()) : std::max(x, d_V_.back());
  }
  const size_t hi = static_cast<size_t>(std::upper_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin());
  const size_t lo = hi - 1;
  const double span = cdf_[hi] - cdf_[lo];
  const double f = span > 0 ? (u - cdf_[lo]) / span : 0.5;
  return d_V_[lo] + f * (d_V_[hi] - d_V_[lo]);
}

AdcLut AdcLut::load(const std::string& file, const std::string& arch, int bits, int instances,
                    uint64_t seed) {
  H5Reader r(file);
  const std::string g = lut::AdcErrorLut::group(arch, bits);
  if (!r.has(g))
    throw InputError(file + ": no " + g + ": the adc stage did not characterize a " +
                     std::to_string(bits) + "-bit " + arch + " ADC");
  const auto l = lut::read<lut::AdcErrorLut>(r, g);
  const auto& mean = l.transition_error_mean;
  const auto& sigma = l.transition_error_sigma;
  const size_t n = (size_t{1} << bits) - 1;
  if (mean.size() != n)
    throw InputError(file + ": " + g + "/transition must have " + std::to_string(n) +
                     " entries (a " + std::to_string(bits) + "-bit ADC)");
  AdcLut a;
  a.file_ = file;
  a.bits_ = bits;
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> n01(0, 1);
  a.transitions_.resize(static_cast<size_t>(instances));
  for (auto& t : a.transitions_) {
    t.resize(n);
    for (size_t k = 0; k < n; ++k) t[k] = static_cast<double>(k) + 0.5 + mean[k] + sigma[k] * n01(rng);
    std::sort(t.begin(), t.end());  // a comparator can't decide out of order
  }
  return a;
}

int AdcLut::code(double x, size_t instance) const { return count_at_or_below(transitions(instance), x); }

WtaLut WtaLut::load(const std::string& file, double c_F) {
  const auto l = lut::read<lut::WtaDecisionLut>(H5Reader(file));
  l.validate(file);
  const auto& caps = l.capacitance;
  size_t best = 0;
  for (size_t k = 1; k < caps.size(); ++k)
    if (std::abs(std::log(caps[k] / c_F)) < std::abs(std::log(caps[best] / c_F))) best = k;
  WtaLut w;
  w.file = file;
  w.capacitance_F = caps[best];
  w.sigma_rel = l.sigma_total[best] / l.v_trip_V;
  w.i_min_A = l.i_min_A;
  w.i_max_A = l.i_max_A;
  w.delay_s = l.delay[best];
  w.energy_J = l.energy[best];
  return w;
}

}  // namespace cimchar::attention
