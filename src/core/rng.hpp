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

inline std::mt19937_64 stream_rng(uint64_t seed, uint64_t stream) {
  return std::mt19937_64(splitmix64(splitmix64(seed) ^ splitmix64(stream + 0x632BE59BD9B4E019ULL)));
}

}  // namespace cimchar
