// Behavioural twin of the flash and SAR ADC benches (see adc_twin.hpp for the conventions).
#include "periph/adc_twin.hpp"

#include <cmath>

#include "core/rng.hpp"

namespace cimchar::periph {

const char* to_string(AdcArch a) { return a == AdcArch::flash ? "flash" : "sar"; }

AdcSample draw_sample(const AdcDesign& d, const AdcVariation& v, std::mt19937_64& rng) {
  std::normal_distribution<double> n(0.0, 1.0);
  AdcSample s;
  const size_t ncmp = d.arch == AdcArch::flash ? d.transitions() : 1;
  for (size_t k = 0; k < ncmp; ++k) s.offset_V.push_back(v.sigma_offset_V * n(rng));
  if (d.arch == AdcArch::sar) {
    for (int i = 0; i < d.bits; ++i)  // a cap of 2^i units: independent units add up
      s.cap_rel.push_back(v.sigma_cap_rel / std::sqrt(std::ldexp(1.0, i)) * n(rng));
    s.cap_rel.push_back(v.sigma_cap_rel * n(rng));  // dummy (one unit)
  }
  s.noise_sigma_V = v.sigma_noise_V;
  s.noise_key = rng();
  return s;
}

double decision_noise(const AdcSample& s, uint64_t conversion, uint64_t decision) {
  if (s.noise_sigma_V <= 0) return 0.0;
  const uint64_t h = splitmix64(s.noise_key ^ splitmix64(conversion * 0x100000001B3ULL + decision));
  const uint64_t g = splitmix64(h);
  const double u1 = (static_cast<double>(h >> 11) + 1.0) * 0x1.0p-53;  // (0, 1]
  const double u2 = static_cast<double>(g >> 11) * 0x1.0p-53;          // [0, 1)
  return s.noise_sigma_V * std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

double flash_noise_window_V(const AdcSample& s) { return 8.0 * s.noise_sigma_V; }

double flash_threshold_V(const AdcDesign& d, const AdcSample& s, size_t k) {
  return static_cast<double>(k) * d.lsb_V() + s.offset_V[k - 1];
}

Ramp make_ramp(const AdcDesign& d, int per_lsb) {
  Ramp r;
  r.step = d.lsb_V() / per_lsb;
  r.v0 = -d.lsb_V();
  r.points = ((size_t(1) << d.bits) + 2) * static_cast<size_t>(per_lsb);
  return r;
}

namespace {

int convert_flash(const AdcDesign& d, const AdcSample& s, double vin, uint64_t conversion) {
  const double w = flash_noise_window_V(s);
  int ones = 0;  // thermometer code -> binary by counting ones (bubbles count too)
  for (size_t k = 1; k <= d.transitions(); ++k) {
    const double tap = static_cast<double>(k) * d.lsb_V();
    const double th = tap + s.offset_V[k - 1];
    const double n = std::abs(vin - th) <= w ? decision_noise(s, conversion, k - 1) : 0.0;
    ones += (vin - tap > s.offset_V[k - 1] + n) ? 1 : 0;
  }
  return ones;
}

int convert_sar(const AdcDesign& d, const AdcSample& s, double vin, uint64_t conversion) {
  const int n = d.bits;
  std::vector<double> c(static_cast<size_t>(n));
  double ctot = 1.0 + s.cap_rel[static_cast<size_t>(n)];  // dummy
  for (int i = 0; i < n; ++i) {
    c[static_cast<size_t>(i)] = std::ldexp(1.0, i) * (1.0 + s.cap_rel[static_cast<size_t>(i)]);
    ctot += c[static_cast<size_t>(i)];
  }
  int code = 0;
  double dac = 0;  // charge of the bits kept, in unit caps
  for (int cyc = 0; cyc < n; ++cyc) {
    const int j = n - 1 - cyc;
    const double trial = dac + c[static_cast<size_t>(j)];
    const double v_dac = d.vref_V * trial / ctot;  // top plate = v_dac - vin
    if (vin - v_dac > s.offset_V[0] + decision_noise(s, conversion, static_cast<uint64_t>(cyc))) {
      code |= 1 << j;
      dac = trial;
    }
  }
  return code;
}

}  // namespace

int convert(const AdcDesign& d, const AdcSample& s, double vin, uint64_t conversion) {
  return d.arch == AdcArch::flash ? convert_flash(d, s, vin, conversion)
                                  : convert_sar(d, s, vin, conversion);
}

namespace {

// The flash over a whole ramp in O(points + comparators x window) instead of O(points x
// comparators): without noise comparator k's decision x - tap > os is monotone along the ramp,
// so it switches on at one point (binary search) for good; inside the noise window the
// decisions are redone with their draws, exactly as convert_flash makes them.
std::vector<int> flash_ramp(const AdcDesign& d, const AdcSample& s, const Ramp& r) {
  std::vector<int> step(r.points + 1, 0);
  const double w = flash_noise_window_V(s);
  for (size_t k = 1; k <= d.transitions(); ++k) {
    const double tap = static_cast<double>(k) * d.lsb_V(), os = s.offset_V[k - 1];
    size_t lo = 0, hi = r.points;  // first point where the noiseless decision is 1
    while (lo < hi) {
      const size_t mid = lo + (hi - lo) / 2;
      if (r.x(mid) - tap > os) hi = mid;
      else lo = mid + 1;
    }
    step[lo] += 1;
    if (s.noise_sigma_V <= 0) continue;
    const double th = flash_threshold_V(d, s, k);
    const double start = std::floor((th - w - r.v0) / r.step) - 2;
    for (size_t p = start > 0 ? static_cast<size_t>(start) : 0;
         p < r.points && r.x(p) <= th + w + r.step; ++p) {
      const double x = r.x(p);
      if (std::abs(x - th) > w) continue;
      const int noisy = (x - tap > os + decision_noise(s, p, k - 1)) ? 1 : 0;
      const int plain = p >= lo ? 1 : 0;
      step[p] += noisy - plain;
      step[p + 1] -= noisy - plain;
    }
  }
  std::vector<int> codes(r.points);
  int ones = 0;
  for (size_t p = 0; p < r.points; ++p) codes[p] = ones += step[p];
  return codes;
}

}  // namespace

std::vector<int> convert_ramp(const AdcDesign& d, const AdcSample& s, const Ramp& r) {
  if (d.arch == AdcArch::flash) return flash_ramp(d, s, r);
  std::vector<int> codes(r.points);
  for (size_t p = 0; p < r.points; ++p) codes[p] = convert(d, s, r.x(p), p);
  return codes;
}

}  // namespace cimchar::periph
