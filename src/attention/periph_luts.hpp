// The peripheral LUTs the attention schemes read (docs/results-format.md): the threshold
// comparator's decision errors (threshold.h5). Each loader checks the file and datasets and
// throws InputError naming them.
#pragma once

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
  int bits() const { return bits_; }
  size_t instances() const { return transitions_.size(); }
  const std::string& file() const { return file_; }

 private:
  std::string file_;
  int bits_ = 0;
  std::vector<std::vector<double>> transitions_;  // [instance][2^bits - 1], LSB, increasing
};

}  // namespace cimchar::attention
