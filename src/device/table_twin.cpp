#include "device/table_twin.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.hpp"
#include "core/units.hpp"

namespace cimchar::device {

namespace {

// Hermite cubic on [x0, x0 + h] at t = (x - x0) / h: value and d/dx.
void hermite(double y0, double y1, double d0, double d1, double h, double t, double* y,
             double* dy) {
  const double t2 = t * t, t3 = t2 * t;
  *y = (2 * t3 - 3 * t2 + 1) * y0 + (t3 - 2 * t2 + t) * h * d0 + (-2 * t3 + 3 * t2) * y1 +
       (t3 - t2) * h * d1;
  *dy = ((6 * t2 - 6 * t) * y0 + (3 * t2 - 4 * t + 1) * h * d0 + (-6 * t2 + 6 * t) * y1 +
         (3 * t2 - 2 * t) * h * d1) / h;
}

}  // namespace

std::vector<double> monotone_slopes(const std::vector<double>& x, const std::vector<double>& y) {
  const size_t n = x.size();
  std::vector<double> d(n, 0.0), delta(n > 1 ? n - 1 : 0);
  if (n < 2) return d;
  for (size_t k = 0; k + 1 < n; ++k) delta[k] = (y[k + 1] - y[k]) / (x[k + 1] - x[k]);
  d[0] = delta[0], d[n - 1] = delta[n - 2];
  for (size_t k = 1; k + 1 < n; ++k) {
    if (delta[k - 1] * delta[k] <= 0) continue;  // a local extremum: flat
    const double h0 = x[k] - x[k - 1], h1 = x[k + 1] - x[k];
    const double w0 = 2 * h1 + h0, w1 = h1 + 2 * h0;  // weighted harmonic mean (Fritsch-Butland)
    d[k] = (w0 + w1) / (w0 / delta[k - 1] + w1 / delta[k]);
  }
  return d;
}

TableTwin::TableTwin(std::vector<double> states, double v_min_V, double v_max_V,
                     std::vector<std::vector<double>> i_A)
    : s_(std::move(states)), v_min_(v_min_V), v_max_(v_max_V) {
  if (s_.size() < 2 || i_A.size() != s_.size())
    throw InputError("table twin: needs >= 2 states and one current row per state");
  for (size_t k = 0; k + 1 < s_.size(); ++k)
    if (!(s_[k] < s_[k + 1])) throw InputError("table twin: states must increase strictly");
  n_v_ = i_A[0].size();
  if (n_v_ < 3 || !(v_min_ < 0 && v_max_ > 0))
    throw InputError("table twin: needs >= 3 voltages spanning 0");
  h_ = (v_max_ - v_min_) / static_cast<double>(n_v_ - 1);
  const double z = -v_min_ / h_;
  zero_ = static_cast<size_t>(std::lround(z));
  if (std::abs(z - static_cast<double>(zero_)) > 1e-6 || zero_ == 0 || zero_ + 1 >= n_v_)
    throw InputError("table twin: V = 0 must be an interior grid point");
  std::vector<double> vg(n_v_);
  for (size_t j = 0; j < n_v_; ++j) vg[j] = v_min_ + h_ * static_cast<double>(j);
  g_.resize(s_.size());
  for (size_t k = 0; k < s_.size(); ++k) {
    const auto& row = i_A[k];
    if (row.size() != n_v_) throw InputError("table twin: every state needs the same voltages");
    for (double i : row)
      if (!std::isfinite(i)) throw InputError("table twin: a tabulated current is not finite");
    g_[k] = (row[zero_ + 1] - row[zero_ - 1]) / (2 * h_);
  }
  const double g_top = *std::max_element(g_.begin(), g_.end());
  if (!(g_top > 0)) throw InputError("table twin: the device conducts at no tabulated state");
  // A state that does not conduct (G below 1e-15 of the largest) keeps the shape of the
  // nearest conductive state: I = G S is ~0 there whatever S is, and S stays smooth in s.
  const double g_floor = 1e-15 * g_top;
  inv_h_ = 1 / h_;
  packed_.resize(2 * n_v_ * s_.size());
  std::vector<double> shape(n_v_);
  for (size_t k = 0; k < s_.size(); ++k) {
    size_t src = k;
    for (size_t d = 1; g_[src] <= g_floor && d < s_.size(); ++d) {
      if (k >= d && g_[k - d] > g_floor) src = k - d;
      else if (k + d < s_.size() && g_[k + d] > g_floor) src = k + d;
    }
    for (size_t j = 0; j < n_v_; ++j) shape[j] = i_A[src][j] / g_[src];
    const std::vector<double> slope = monotone_slopes(vg, shape);
    for (size_t j = 0; j < n_v_; ++j)
      packed_[2 * (n_v_ * k + j)] = shape[j], packed_[2 * (n_v_ * k + j) + 1] = h_ * slope[j];
  }
  log_g_ = std::all_of(g_.begin(), g_.end(), [](double g) { return g > 0; });
  if (log_g_)
    for (double& g : g_) g = std::log(g);
  g_slope_ = monotone_slopes(s_, g_);
}

// State k's shape alone: eval at unit weight on that state (the last one is the upper end of
// the last interval).
TableIV TableTwin::shape_at(size_t k, double v) const {
  const size_t last = s_.size() - 1;
  return eval(v, k < last ? StatePoint{k, 0.0, 1.0} : StatePoint{last - 1, 1.0, 1.0});
}

size_t TableTwin::state_interval(double s) const {
  auto it = std::upper_bound(s_.begin(), s_.end(), s);
  size_t k = it == s_.begin() ? 0 : static_cast<size_t>(it - s_.begin()) - 1;
  return std::min(k, s_.size() - 2);
}

double TableTwin::g_at(size_t k, double t) const {
  double g, dg;
  hermite(g_[k], g_[k + 1], g_slope_[k], g_slope_[k + 1], s_[k + 1] - s_[k], t, &g, &dg);
  return log_g_ ? std::exp(g) : std::max(g, 0.0);
}

TableTwin::StatePoint TableTwin::at_state(double state) const {
  const size_t k = state_interval(state);
  const double t = std::clamp((state - s_[k]) / (s_[k + 1] - s_[k]), 0.0, 1.0);
  return {k, t, g_at(k, t)};
}

double TableTwin::conductance_S(double state) const { return at_state(state).g; }

TableIV TableTwin::eval(double v_V, double state) const { return eval(v_V, at_state(state)); }

TableIV TableTwin::extrapolate(double v_V, const double* a, const double* b, double wa,
                               double wb) const {
  const size_t e = v_V <= v_min_ ? 0 : 2 * (n_v_ - 1);
  const double dv = v_V - (v_V <= v_min_ ? v_min_ : v_max_);
  const double ya = a[e] + a[e + 1] * inv_h_ * dv, yb = b[e] + b[e + 1] * inv_h_ * dv;
  return {wa * ya + wb * yb, (wa * a[e + 1] + wb * b[e + 1]) * inv_h_};
}

double TableTwin::chord_S(double state, double v_ref_V) const {
  if (v_ref_V == 0) return eval(0.0, state).di_dv_S;
  return eval(v_ref_V, state).i_A / v_ref_V;
}

// The chord I(v_ref)/v_ref (dI/dV at v_ref = 0) is G(s) times a blend of the two neighbouring
// states' shape ratios at v_ref, which do not depend on s: computed once per table state, with
// the chord at every tabulated state for the interval search.
struct TableTwin::Chord {
  std::vector<double> ratio, at_state;
  double g_min, g_max;
  bool rising;
};

double TableTwin::invert_chord(const Chord& c, double g_S) const {
  const double slack = 1e-9 * c.g_max;
  if (!(g_S >= c.g_min - slack && g_S <= c.g_max + slack))
    throw InputError("conductance " + format_quantity(g_S, "S") + " is outside the device's range [" +
                     format_quantity(c.g_min, "S") + ", " + format_quantity(c.g_max, "S") + "]");
  if (g_S <= c.g_min) return c.rising ? s_.front() : s_.back();  // within the slack: the end
  if (g_S >= c.g_max) return c.rising ? s_.back() : s_.front();
  // The tabulated interval first (the chord at a tabulated state is exact there, and monotone
  // over the states), then Illinois regula falsi in the weight t inside it (~10 evaluations).
  size_t a = 0, b = s_.size() - 1;
  while (b - a > 1) {
    const size_t m = (a + b) / 2;
    if ((c.at_state[m] < g_S) == c.rising) a = m; else b = m;
  }
  auto chord = [&](double t) { return g_at(a, t) * ((1 - t) * c.ratio[a] + t * c.ratio[a + 1]); };
  const double hs = s_[a + 1] - s_[a];
  double lo = 0, hi = 1, f_lo = c.at_state[a] - g_S, f_hi = c.at_state[a + 1] - g_S;
  if (f_lo == 0) return s_[a];
  if (f_hi == 0) return s_[a + 1];
  int side = 0;
  const double width_tol = 1e-14 * (s_.back() - s_.front()) / hs;
  for (int it = 0; it < 200 && hi - lo > width_tol; ++it) {
    double mid = (lo * f_hi - hi * f_lo) / (f_hi - f_lo);
    if (!(mid > lo && mid < hi)) mid = 0.5 * (lo + hi);
    const double f = chord(mid) - g_S;
    if (std::abs(f) <= 1e-14 * c.g_max) return s_[a] + mid * hs;
    if ((f < 0) == (f_lo < 0)) {
      lo = mid, f_lo = f;
      if (side == -1) f_hi *= 0.5;
      side = -1;
    } else {
      hi = mid, f_hi = f;
      if (side == 1) f_lo *= 0.5;
      side = 1;
    }
  }
  return s_[a] + 0.5 * (lo + hi) * hs;
}

std::vector<double> TableTwin::states_for_conductances(const std::vector<double>& g_S,
                                                       double v_ref_V) const {
  Chord c;
  for (size_t k = 0; k < s_.size(); ++k) {
    const TableIV sh = shape_at(k, v_ref_V);
    c.ratio.push_back(v_ref_V == 0 ? sh.di_dv_S : sh.i_A / v_ref_V);
    c.at_state.push_back((log_g_ ? std::exp(g_[k]) : std::max(g_[k], 0.0)) * c.ratio[k]);
  }
  c.rising = c.at_state.back() > c.at_state.front();
  c.g_min = std::min(c.at_state.front(), c.at_state.back());
  c.g_max = std::max(c.at_state.front(), c.at_state.back());
  std::vector<double> out(g_S.size());
  for (size_t i = 0; i < g_S.size(); ++i) {
    try {
      out[i] = invert_chord(c, g_S[i]);
    } catch (const InputError& e) {
      throw InputError(std::string(e.what()) + " (chord at " + format_quantity(v_ref_V, "V") + ")");
    }
  }
  return out;
}

double TableTwin::state_for_conductance(double g_S, double v_ref_V) const {
  return states_for_conductances({g_S}, v_ref_V)[0];
}

}  // namespace cimchar::device
