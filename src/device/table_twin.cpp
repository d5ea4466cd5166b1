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

#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
__attribute__((target_clones("arch=x86-64-v3", "default")))
#endif
void TableTwin::eval_many(const double* v_V, const StatePoint* p, size_t n, double* i_A,
                          double* di_dv_S) const {
  const double top = static_cast<double>(n_v_ - 1), v_min = v_min_, inv_h = inv_h_;
  const size_t stride = 2 * n_v_;
  const double* __restrict base = packed_.data();
  const double* __restrict v = v_V;
  double* __restrict io = i_A;
  double* __restrict dio = di_dv_S;
  int any_out = 0;
  for (size_t c = 0; c < n; ++c) {
    const double u = (v[c] - v_min) * inv_h;
    any_out |= !(u > 0) | (u >= top);
    // Outside the grid (and NaN) an index inside it, the value replaced below.
    double uc = u > 0 ? u : 0.0;
    uc = uc < top ? uc : top - 1;
    const size_t j = static_cast<size_t>(uc);
    const double* pa = base + stride * p[c].k + 2 * j;
    const TableIV e = hermite_blend(pa, pa + stride, p[c].g * (1 - p[c].t), p[c].g * p[c].t,
                                    uc - static_cast<double>(j), inv_h);
    io[c] = e.i_A, dio[c] = e.di_dv_S;
  }
  if (!any_out) return;
  for (size_t c = 0; c < n; ++c) {
    const double u = (v_V[c] - v_min_) * inv_h_;
    if (!(u > 0) || u >= top) {
      const TableIV e = eval(v_V[c], p[c]);
      i_A[c] = e.i_A, di_dv_S[c] = e.di_dv_S;
    }
  }
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
  std::vector<double> log_ratio, log_at_state;  // when every ratio is > 0
  double g_min, g_max;
  bool rising;
};

TableTwin::StatePoint TableTwin::invert_chord(const Chord& c, double g_S, double* state) const {
  const double slack = 1e-9 * c.g_max;
  if (!(g_S >= c.g_min - slack && g_S <= c.g_max + slack))
    throw InputError("conductance " + format_quantity(g_S, "S") + " is outside the device's range [" +
                     format_quantity(c.g_min, "S") + ", " + format_quantity(c.g_max, "S") + "]");
  const size_t last = s_.size() - 1;
  auto at_end = [&](bool upper) {
    *state = upper ? s_.back() : s_.front();
    return upper ? StatePoint{last - 1, 1.0, g_at(last - 1, 1.0)} : StatePoint{0, 0.0, g_at(0, 0.0)};
  };
  if (g_S <= c.g_min) return at_end(!c.rising);  // within the slack: the end
  if (g_S >= c.g_max) return at_end(c.rising);
  // The tabulated interval first (the chord at a tabulated state is exact there, and monotone
  // over the states), then the weight t inside it.
  // (The last interval start whose chord is below g when rising, above it when falling; the
  // search without branches, since the comparisons are unpredictable.)
  size_t a = 0;
  for (size_t n = last; n > 1;) {
    const size_t half = n / 2;
    a = ((c.at_state[a + half] < g_S) == c.rising) ? a + half : a;
    n -= half;
  }
  const double t = chord_weight(c, a, g_S);
  *state = s_[a] + t * (s_[a + 1] - s_[a]);
  // In logs the weight is solved to 1e-14 of the chord, so G is g / blend to that accuracy
  // without a second Hermite and exp.
  const double blend = (1 - t) * c.ratio[a] + t * c.ratio[a + 1];
  const bool logs = log_g_ && !c.log_at_state.empty();
  return {a, t, logs ? g_S / blend : g_at(a, t)};
}

// Newton in t on f(t) = chord(t) - g inside interval a, kept inside the bracket [lo, hi]
// (bisection when a step leaves it). With log G and positive shape ratios, f is taken in logs,
// log chord(t) = log G(t) + log blend(t), which is nearly linear in t: 2-3 steps from the
// secant between the ends (Illinois regula falsi on the plain chord took ~10 evaluations).
double TableTwin::chord_weight(const Chord& c, size_t a, double g_S) const {
  const double hs = s_[a + 1] - s_[a], ra = c.ratio[a], rb = c.ratio[a + 1];
  const bool logs = log_g_ && !c.log_at_state.empty();
  const double target = logs ? std::log(g_S) : g_S;
  const double f_lo = (logs ? c.log_at_state[a] : c.at_state[a]) - target;
  const double f_hi = (logs ? c.log_at_state[a + 1] : c.at_state[a + 1]) - target;
  if (f_lo == 0) return 0.0;
  if (f_hi == 0) return 1.0;
  const bool up = f_hi > 0;  // f rises from lo to hi
  const double f_tol = logs ? 1e-14 : 1e-14 * c.g_max;
  const double log_ra = logs ? c.log_ratio[a] : 0.0;
  double lo = 0, hi = 1, t = f_lo / (f_lo - f_hi);
  for (int it = 0; it < 100; ++it) {
    double y, dy;
    hermite(g_[a], g_[a + 1], g_slope_[a], g_slope_[a + 1], hs, t, &y, &dy);
    const double blend = (1 - t) * ra + t * rb;
    double f, df;
    if (logs) {
      // (at v_ref = 0 every shape's ratio is 1, dS/dV(0) = 1 by the factoring: no log then)
      f = y + (ra == rb ? log_ra : std::log(blend)) - target, df = dy * hs + (rb - ra) / blend;
    } else {
      const double g = log_g_ ? std::exp(y) : std::max(y, 0.0);
      f = g * blend - target;
      df = (log_g_ ? g * dy * hs : (y > 0 ? dy * hs : 0.0)) * blend + g * (rb - ra);
    }
    if (std::abs(f) <= f_tol) break;
    if ((f > 0) == up) hi = t; else lo = t;
    double next = df != 0 ? t - f / df : 0.5 * (lo + hi);
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    const bool done = std::abs(next - t) <= 1e-15 || hi - lo <= 1e-15;
    t = next;
    if (done) break;
  }
  return t;
}

void TableTwin::invert_all(const std::vector<double>& g_S, double v_ref_V, double* states,
                           StatePoint* points) const {
  const Chord c = chord_at(v_ref_V);
  double state;
  for (size_t i = 0; i < g_S.size(); ++i) {
    try {
      const StatePoint p = invert_chord(c, g_S[i], states ? &states[i] : &state);
      if (points) points[i] = p;
    } catch (const InputError& e) {
      throw InputError(std::string(e.what()) + " (chord at " + format_quantity(v_ref_V, "V") + ")");
    }
  }
}

std::vector<double> TableTwin::states_for_conductances(const std::vector<double>& g_S,
                                                       double v_ref_V,
                                                       std::vector<StatePoint>* points) const {
  std::vector<double> out(g_S.size());
  if (points) points->resize(g_S.size());
  invert_all(g_S, v_ref_V, out.data(), points ? points->data() : nullptr);
  return out;
}

std::vector<TableTwin::StatePoint> TableTwin::points_for_conductances(
    const std::vector<double>& g_S, double v_ref_V) const {
  std::vector<StatePoint> out(g_S.size());
  invert_all(g_S, v_ref_V, nullptr, out.data());
  return out;
}

void TableTwin::shape_ratios(double v_V, std::vector<double>* out) const {
  out->resize(s_.size());
  for (size_t k = 0; k < s_.size(); ++k) {
    const TableIV sh = shape_at(k, v_V);
    (*out)[k] = v_V == 0 ? sh.di_dv_S : sh.i_A / v_V;
  }
}

TableTwin::Chord TableTwin::chord_at(double v_ref_V) const {
  Chord c;
  shape_ratios(v_ref_V, &c.ratio);
  for (size_t k = 0; k < s_.size(); ++k)
    c.at_state.push_back((log_g_ ? std::exp(g_[k]) : std::max(g_[k], 0.0)) * c.ratio[k]);
  if (std::all_of(c.ratio.begin(), c.ratio.end(), [](double r) { return r > 0; }))
    for (size_t k = 0; k < s_.size(); ++k) {
      c.log_ratio.push_back(std::log(c.ratio[k]));
      c.log_at_state.push_back(std::log(c.at_state[k]));
    }
  c.rising = c.at_state.back() > c.at_state.front();
  c.g_min = std::min(c.at_state.front(), c.at_state.back());
  c.g_max = std::max(c.at_state.front(), c.at_state.back());
  return c;
}

double TableTwin::state_for_conductance(double g_S, double v_ref_V) const {
  return states_for_conductances({g_S}, v_ref_V)[0];
}

}  // namespace cimchar::device
