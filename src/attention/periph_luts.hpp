// The peripheral LUTs the attention schemes read (docs/results-format.md): the threshold
// comparator's decision errors (threshold.h5). Each loader checks the file and datasets and
// throws InputError naming them.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace cimchar {
class Section;
}

namespace cimchar::attention {

// The LUT file named by `key` in `s` ("" when the key is absent); a file that does not exist is
// a ConfigError naming the key (run the stage that writes it first).
std::string lut_file(Section& s, const std::string& key);

// The comparator's input-referred offset distribution, recovered from the measured prune
// probability: a key at distance d (V) above the threshold is pruned when the offset exceeds d,
// so P(offset <= d) = 1 - p_prune(d). Drawn by inverse transform on the tabulated curve; beyond
// the table's ends, the Gaussian with the file's total sigma.
class ComparatorLut {
 public:
  static ComparatorLut load(const std::string& file);
  double draw_offset_V(std::mt19937_64& rng) const;
  double sigma_V() const { return sigma_V_; }
  const std::string& file() const { return file_; }

 private:
  std::string file_;
  std::vector<double> d_V_, cdf_;  // increasing distance; non-decreasing CDF
  double sigma_V_ = 0;
};

// An ADC's static transfer errors from the adc stage (adc.h5, /lut/adc/<arch>/b<bits>/
// transition_error_{mean,sigma}, LSB per code transition): `instances` ADCs are drawn once
// (transition k at k - 1/2 + e_k LSB, e_k ~ N(mean_k, sigma_k)) and column j of a tile is read
// by ADC j mod instances, so a column keeps its ADC's errors from read to read.
class AdcLut {
 public:
  static AdcLut load(const std::string& file, const std::string& arch, int bits, int instances,
                     uint64_t seed);
  // Code of a value given in LSB (0 .. 2^bits - 1, clipped) by ADC `instance`.
  int code(double x_lsb, size_t instance) const;
  // The number of transitions t (increasing) at or below x, std::upper_bound's count, found by
  // walking from the ideal code round(x): the transitions lie within a fraction of an LSB of
  // k + 1/2, so one step each way (branch-free) almost always settles it, where a binary
  // search over 2^N - 1 of them mispredicted at every level (it was most of a LUT-wired
  // per-read run's time). NaN counts all, as upper_bound.
  static int count_at_or_below(const std::vector<double>& t, double x) {
    const auto n = static_cast<std::ptrdiff_t>(t.size());
    if (std::isnan(x)) return static_cast<int>(n);
    const double g = std::floor(x + 0.5);
    std::ptrdiff_t j = g <= 0 ? 0 : g >= static_cast<double>(n) ? n : static_cast<std::ptrdiff_t>(g);
    const double* p = t.data();
    if (j < n) j += p[j] <= x;
    if (j > 0) j -= p[j - 1] > x;
    while (j < n && p[j] <= x) ++j;
    while (j > 0 && p[j - 1] > x) --j;
    return static_cast<int>(j);
  }
  int bits() const { return bits_; }
  size_t instances() const { return transitions_.size(); }
  // ADC `instance`'s transitions in LSB, increasing (code(x) counts those at or below x).
  const std::vector<double>& transitions(size_t instance) const { return transitions_[instance % transitions_.size()]; }
  const std::string& file() const { return file_; }

 private:
  std::string file_;
  int bits_ = 0;
  std::vector<std::vector<double>> transitions_;  // [instance][2^bits - 1], LSB, increasing
};

// The time-domain WTA characterized by the wta stage (wta.h5), at the capacitance nearest the
// one asked for. A comparator offset v_os moves a firing time C (V_trip + v_os) / I like a
// relative current error -v_os / V_trip, so the per-decision offset (mismatch, noise, kT/C;
// /wta/sigma_total) acts as a relative current error of sigma_total / V_trip on every input.
// Relevances are mapped linearly onto the stage's current range [i_min, i_max].
struct WtaLut {
  std::string file;
  double capacitance_F = 0, sigma_rel = 0, i_min_A = 0, i_max_A = 0, delay_s = 0, energy_J = 0;
  static WtaLut load(const std::string& file, double capacitance_F);
};

}  // namespace cimchar::attention
