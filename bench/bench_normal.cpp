// Standard-normal draws: std::normal_distribution<double> (libstdc++: Marsaglia's polar
// method) vs the ziggurat of src/core/normal.hpp, both from std::mt19937_64. Prints ns per
// draw and the ratio; results in bench/RESULTS.md. Usage: bench_normal [draws] [repeats]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "core/normal.hpp"
#include "core/rng.hpp"

namespace {
template <class F>
double ns_per_draw(F draw, long n, double& sink) {
  const auto t0 = std::chrono::steady_clock::now();
  double s = 0;
  for (long i = 0; i < n; ++i) s += draw();
  sink += s;
  return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count() / n;
}
}  // namespace

int main(int argc, char** argv) {
  const long n = argc > 1 ? std::atol(argv[1]) : 20'000'000;
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 3;
  std::mt19937_64 rng(1);
  std::normal_distribution<double> polar(0, 1);
  cimchar::ZigguratNormal zig;
  double sink = 0;
  cimchar::SplitMix64 sm(1);
  std::printf("draws per run: %ld; ns per 64-bit word or per draw\n", n);
  std::printf("%-4s %10s %10s %10s %12s %12s %10s\n", "run", "mt19937_64", "SplitMix64", "polar+mt",
              "ziggurat+mt", "ziggurat+sm", "polar+mt / ziggurat+sm");
  for (int r = 0; r < repeats; ++r) {
    const double w = ns_per_draw([&] { return static_cast<double>(rng() >> 11); }, n, sink);
    const double ws = ns_per_draw([&] { return static_cast<double>(sm() >> 11); }, n, sink);
    const double a = ns_per_draw([&] { return polar(rng); }, n, sink);
    const double b = ns_per_draw([&] { return zig(rng); }, n, sink);
    const double c = ns_per_draw([&] { return zig(sm); }, n, sink);
    std::printf("%-4d %10.2f %10.2f %10.2f %12.2f %12.2f %10.2f\n", r, w, ws, a, b, c, a / c);
  }
  std::printf("(checksum %.3f)\n", sink);
  return 0;
}
