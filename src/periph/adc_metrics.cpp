// Ramp (histogram) test of IEEE Std 1241-2010 (sections 4.1.6.3 and 4.1.6.4 for INL/DNL,
// 4.1.4 for gain and offset with the endpoint fit; ENOB as in 4.5.4 with the ramp's rms
// quantization error in place of the sine fit residual).
#include "periph/adc_metrics.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace cimchar::periph {

std::vector<double> histogram_transitions(const std::vector<int>& codes, const Ramp& r,
                                          size_t n_transitions) {
  std::vector<size_t> hist(n_transitions + 1, 0);
  for (int c : codes) {
    CIMCHAR_CHECK(c >= 0 && static_cast<size_t>(c) <= n_transitions, "ADC code out of range");
    ++hist[static_cast<size_t>(c)];
  }
  std::vector<double> t(n_transitions);
  size_t below = 0;
  for (size_t k = 1; k <= n_transitions; ++k) {
    below += hist[k - 1];
    t[k - 1] = r.v0 + r.step * static_cast<double>(below);
  }
  return t;
}

namespace {

// INL against the least-squares line through the transitions (IEEE 1241's independently based
// line): T[k] ~ a + k w; INL[k] = (T[k] - a - k w) / w.
void best_fit_inl(const std::vector<double>& t, AdcStatic* a) {
  const double n = static_cast<double>(t.size());
  double sk = 0, st = 0, skk = 0, skt = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    const double k = static_cast<double>(i + 1);
    sk += k, st += t[i], skk += k * k, skt += k * t[i];
  }
  const double w = (n * skt - sk * st) / (n * skk - sk * sk), off = (st - w * sk) / n;
  a->inl_best_fit.clear();
  a->inl_best_fit_max = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    const double e = w > 0 ? (t[i] - off - w * static_cast<double>(i + 1)) / w : 0.0;
    a->inl_best_fit.push_back(e);
    a->inl_best_fit_max = std::max(a->inl_best_fit_max, std::abs(e));
  }
}

}  // namespace

AdcStatic analyze(const AdcDesign& d, const std::vector<int>& codes, const Ramp& r) {
  const size_t nt = d.transitions();
  CIMCHAR_CHECK(nt >= 3, "the endpoint fit needs at least 2 bits");
  AdcStatic a;
  const double q = d.lsb_V();
  a.transitions_V = histogram_transitions(codes, r, nt);
  const auto& t = a.transitions_V;
  for (size_t k = 1; k <= nt; ++k)
    a.transition_error.push_back((t[k - 1] - static_cast<double>(k) * q) / q);
  const double span = t[nt - 1] - t[0];
  const double qa = span / static_cast<double>(nt - 1);  // endpoint-fit code width
  a.offset = (t[0] - q) / q;
  a.gain_error = span / (static_cast<double>(nt - 1) * q) - 1.0;
  for (size_t k = 1; k <= nt; ++k) {
    const double inl = qa > 0 ? (t[k - 1] - t[0]) / qa - static_cast<double>(k - 1) : 0.0;
    a.inl.push_back(inl);
    a.inl_max = std::max(a.inl_max, std::abs(inl));
  }
  best_fit_inl(t, &a);
  for (size_t k = 1; k + 1 <= nt; ++k) {
    const double dnl = qa > 0 ? (t[k] - t[k - 1]) / qa - 1.0 : -1.0;
    a.dnl.push_back(dnl);
    a.dnl_max = std::max(a.dnl_max, std::abs(dnl));
  }
  // Quantization error with the endpoint line's gain and offset removed: code k stands for
  // T[1] + (k - 1/2) Q_fit; points outside [T[1], T[last]) overload and are left out.
  double s2 = 0;
  size_t n = 0;
  for (size_t p = 0; p < codes.size(); ++p) {
    const double x = r.x(p);
    if (x < t[0] || x >= t[nt - 1]) continue;
    const double xhat = t[0] + (static_cast<double>(codes[p]) - 0.5) * qa;
    s2 += (x - xhat) * (x - xhat);
    ++n;
  }
  const double rms = n ? std::sqrt(s2 / static_cast<double>(n)) : std::nan("");
  a.q_error_rms = rms / q;
  a.enob = qa > 0 ? static_cast<double>(d.bits) - std::log2(rms / (qa / std::sqrt(12.0)))
                  : std::nan("");
  return a;
}

}  // namespace cimchar::periph
