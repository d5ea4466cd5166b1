// Reproducible random streams: sample i of a run seeded with s always draws from
// stream_rng(s, i), so results do not depend on how samples are spread over workers.
#pragma once

#include <cstdint>
#include <random>

namespace cimchar {

inline uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// SplitMix64 as a sequential engine (Steele, Lea & Flood, OOPSLA 2014): a Weyl sequence of
// step 0x9E3779B97F4A7C15 through the splitmix64 finalizer; period 2^64, passes BigCrush.
// Several times faster than std::mt19937_64 here (bench/bench_normal.cpp), with a 64-bit
// state, so a stream per tile and effect costs nothing. A UniformRandomBitGenerator.
class SplitMix64 {
 public:
  using result_type = uint64_t;
  explicit SplitMix64(uint64_t seed) : s_(seed) {}
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return ~uint64_t{0}; }
  result_type operator()() {
    s_ += 0x9E3779B97F4A7C15ULL;
    uint64_t x = s_;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
  }

 private:
  uint64_t s_;
};

inline std::mt19937_64 stream_rng(uint64_t seed, uint64_t stream) {
  return std::mt19937_64(splitmix64(splitmix64(seed) ^ splitmix64(stream + 0x632BE59BD9B4E019ULL)));
}

}  // namespace cimchar
