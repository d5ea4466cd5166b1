#include "periph/adc_sine.hpp"

#include <Eigen/Dense>
#include <unsupported/Eigen/FFT>
#include <cmath>
#include <complex>

#include "core/error.hpp"

namespace cimchar::periph {

namespace {

constexpr double kPi = 3.14159265358979323846;

bool power_of_two(size_t n) { return n >= 64 && (n & (n - 1)) == 0; }

// Least squares for the columns cos, sin, 1 (and, for the four-parameter step, the derivative
// with respect to w): returns the solution and the residual rms.
Eigen::VectorXd solve(const Eigen::MatrixXd& D, const Eigen::VectorXd& y, double* rms) {
  const Eigen::VectorXd p = D.colPivHouseholderQr().solve(y);
  *rms = std::sqrt((y - D * p).squaredNorm() / static_cast<double>(y.size()));
  return p;
}

Eigen::MatrixXd design(size_t m, double w, const double* ab) {
  Eigen::MatrixXd D(static_cast<Eigen::Index>(m), ab ? 4 : 3);
  for (size_t n = 0; n < m; ++n) {
    const auto i = static_cast<Eigen::Index>(n);
    const double t = static_cast<double>(n), c = std::cos(w * t), s = std::sin(w * t);
    D(i, 0) = c;
    D(i, 1) = s;
    D(i, 2) = 1;
    if (ab) D(i, 3) = t * (-ab[0] * s + ab[1] * c);
  }
  return D;
}

}  // namespace

double SineFit::amplitude() const { return std::hypot(a, b); }

SineRecord coherent_sine(const AdcDesign& d, size_t samples, size_t cycles, double fraction,
                         double phase) {
  if (!power_of_two(samples))
    throw ConfigError("sine test: samples = " + std::to_string(samples) + " must be a power of two >= 64");
  if (cycles % 2 == 0 || cycles == 0 || cycles >= samples / 2)
    throw ConfigError("sine test: cycles = " + std::to_string(cycles) +
                      " must be odd (coprime with the samples) and below samples / 2");
  if (!(fraction > 0 && fraction <= 1))
    throw ConfigError("sine test: amplitude fraction must be in (0, 1]");
  SineRecord r;
  r.samples = samples;
  r.cycles = cycles;
  r.amplitude_V = 0.5 * d.vref_V * fraction;
  r.offset_V = 0.5 * d.vref_V;
  r.phase = phase;
  r.x.resize(samples);
  const double w = 2 * kPi * static_cast<double>(cycles) / static_cast<double>(samples);
  for (size_t n = 0; n < samples; ++n)
    r.x[n] = r.amplitude_V * std::sin(w * static_cast<double>(n) + phase) + r.offset_V;
  return r;
}

SineFit fit_sine3(const std::vector<double>& y, double w) {
  const Eigen::VectorXd Y = Eigen::Map<const Eigen::VectorXd>(y.data(), static_cast<Eigen::Index>(y.size()));
  SineFit f;
  f.w = w;
  const Eigen::VectorXd p = solve(design(y.size(), w, nullptr), Y, &f.residual_rms);
  f.a = p(0), f.b = p(1), f.c = p(2);
  f.converged = true;
  return f;
}

SineFit fit_sine4(const std::vector<double>& y, double w0, int max_iterations) {
  const Eigen::VectorXd Y = Eigen::Map<const Eigen::VectorXd>(y.data(), static_cast<Eigen::Index>(y.size()));
  SineFit f = fit_sine3(y, w0);  // the standard's start: a three-parameter fit
  f.converged = false;
  for (int it = 1; it <= max_iterations; ++it) {
    const double ab[2] = {f.a, f.b};
    double rms = 0;
    const Eigen::VectorXd p = solve(design(y.size(), f.w, ab), Y, &rms);
    f.a = p(0), f.b = p(1), f.c = p(2);
    f.w += p(3);
    f.iterations = it;
    if (std::abs(p(3)) <= 1e-12 * f.w) {
      f.converged = true;
      break;
    }
  }
  const SineFit last = fit_sine3(y, f.w);  // parameters and residual at the final frequency
  f.a = last.a, f.b = last.b, f.c = last.c, f.residual_rms = last.residual_rms;
  return f;
}

AdcDynamic analyze_sine(const AdcDesign& d, const SineRecord& r, const std::vector<double>& y) {
  CIMCHAR_CHECK(y.size() == r.samples, "sine record and output differ in length");
  AdcDynamic out;
  const double w = 2 * kPi * static_cast<double>(r.cycles) / static_cast<double>(r.samples);
  out.fit = fit_sine4(y, w);
  const double nad = std::max(out.fit.residual_rms, 1e-300);
  out.sinad_dB = 20 * std::log10(out.fit.amplitude() / std::sqrt(2.0) / nad);
  out.enob = std::log2(d.vref_V / (nad * std::sqrt(12.0)));
  Eigen::FFT<double> fft;
  std::vector<std::complex<double>> spec;
  fft.fwd(spec, y);
  const double fundamental = std::abs(spec[r.cycles]);
  double spur = 0;
  for (size_t k = 1; k <= r.samples / 2; ++k)
    if (k != r.cycles && std::abs(spec[k]) > spur) spur = std::abs(spec[k]), out.spur_bin = k;
  out.sfdr_dB = 20 * std::log10(fundamental / std::max(spur, 1e-300 * fundamental));
  return out;
}

std::vector<double> convert_sine(const AdcDesign& d, const AdcSample& s, const SineRecord& r) {
  std::vector<double> y(r.samples);
  for (size_t n = 0; n < r.samples; ++n)
    y[n] = (static_cast<double>(convert(d, s, r.x[n], n)) + 0.5) * d.lsb_V();
  return y;
}

}  // namespace cimchar::periph
