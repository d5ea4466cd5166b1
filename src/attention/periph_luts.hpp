// The peripheral LUTs the attention schemes read (docs/results-format.md): the threshold
// comparator's decision errors (threshold.h5). Each loader checks the file and datasets and
// throws InputError naming them.
#pragma once

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

}  // namespace cimchar::attention
