// Fast standard-normal draws: the ziggurat method (Marsaglia & Tsang, "The Ziggurat Method for
// Generating Random Variables", J. Stat. Softw. 5(8), 2000) with 128 layers, in double
// precision, from any 64-bit engine. About 99% of draws take one engine word, a table lookup
// and a multiply; the rest take a wedge test (one exp) or a tail draw (two logs). The
// distribution is exactly N(0, 1) up to the 53-bit resolution of the uniform; tested against
// the analytic moments, tail probabilities and CDF in tests/core/test_normal.cpp. Measured
// against std::normal_distribution in bench/bench_normal.cpp (bench/RESULTS.md).
#pragma once

#include <array>
#include <cmath>
#include <cstdint>

namespace cimchar {

class ZigguratNormal {
 public:
  template <class Engine>
  double operator()(Engine& e) const {
    const Table& t = table();
    for (;;) {
      const uint64_t u = e();
      const unsigned i = static_cast<unsigned>(u & 127);
      const double sign = 1.0 - static_cast<double>((u >> 6) & 2);  // +-1 without a branch
      const double z = static_cast<double>(u >> 11) * 0x1.0p-53 * t.x[i];
      if (z < t.x[i + 1]) return sign * z;  // inside the layer's rectangle under the curve
      if (i == 0) return sign * tail(e);    // the base layer beyond r: the tail
      // The wedge between the rectangle and the curve: accept if a height drawn uniformly in
      // the layer lies under the density.
      const double y = t.y[i] + uniform(e) * (t.y[i + 1] - t.y[i]);
      if (y < std::exp(-0.5 * z * z)) return sign * z;
    }
  }

  // Layer edges x[i] (x[1] = r, x[128] = 0, x[0] the base layer's equivalent width V / f(r))
  // and the density at them, y[i] = f(x[i]) with f(x) = exp(-x^2 / 2) (y[0] = 0, y[128] = 1).
  struct Table {
    std::array<double, 129> x{}, y{};
  };
  static constexpr double r = 3.442619855899;        // right edge of the base rectangle
  static constexpr double v = 9.91256303526217e-3;   // area of every layer
  static const Table& table() {
    static const Table t = [] {
      Table b;
      b.x[1] = r;
      b.y[1] = std::exp(-0.5 * r * r);
      b.x[0] = v / b.y[1];
      b.y[0] = 0;
      for (int i = 1; i < 127; ++i) {
        b.y[i + 1] = b.y[i] + v / b.x[i];
        b.x[i + 1] = std::sqrt(-2.0 * std::log(b.y[i + 1]));
      }
      b.x[128] = 0;
      b.y[128] = 1;
      return b;
    }();
    return t;
  }

 private:
  template <class Engine>
  static double uniform(Engine& e) {  // in (0, 1]
    return static_cast<double>((e() >> 11) + 1) * 0x1.0p-53;
  }
  template <class Engine>
  static double tail(Engine& e) {  // x > r with density proportional to f (Marsaglia 1964)
    for (;;) {
      const double a = -std::log(uniform(e)) / r;
      const double b = -std::log(uniform(e));
      if (2 * b >= a * a) return r + a;
    }
  }
};

}  // namespace cimchar
