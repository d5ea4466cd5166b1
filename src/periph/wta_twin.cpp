// Twin of the WTA bench: the ODEs of wta_twin.hpp with Boost.Odeint (C++17 file, see
// src/periph/CMakeLists.txt). The comparators are tanh steps a few millivolts wide on a slow
// ramp: an adaptive stepper that sees them flat (tanh' ~ 0 far away) could step over one, so
// the step is capped so that no tanh argument u moves by more than 1 inside |u| < 6 and no
// step carries an approaching u into that window in one go (it lands on its edge).
#include "periph/wta_twin.hpp"

#include <algorithm>
#include <boost/numeric/odeint.hpp>
#include <cmath>
#include <limits>

#include "core/error.hpp"

namespace cimchar::periph {

namespace {

namespace odeint = boost::numeric::odeint;
using Vec = boost::numeric::ublas::vector<double>;
using Mat = boost::numeric::ublas::matrix<double>;

double step_fn(double u) { return 0.5 * (1 + std::tanh(u)); }
double step_slope(double u) {
  const double t = std::tanh(u);
  return 0.5 * (1 - t * t);
}

// State layout: x_0..x_{n-1} (V), f_0..f_{n-1}, h, q (energy / (vdd C v_trip)).
struct WtaOde {
  const WtaCircuit& c;
  const std::vector<double>& i_A;
  const std::vector<double>& off_V;
  size_t n;
  double kth, i_sum;

  double u_comp(const Vec& s, size_t i) const {
    return (s[i] - c.v_trip_V - off_V[i]) / c.v_width_V;
  }
  double u_inh(const Vec& s) const {
    double sum = 0;
    for (size_t i = 0; i < n; ++i) sum += s[n + i];
    return (sum - kth) / c.inhibit_width;
  }
  void rhs(const Vec& s, Vec& d) const {
    const double h = s[2 * n];
    for (size_t i = 0; i < n; ++i) {
      d[i] = (1 - h) * (i_A[i] - c.g_out_S * s[i]) / c.c_F;
      d[n + i] = (step_fn(u_comp(s, i)) - s[n + i]) / c.t_comp_s;
    }
    d[2 * n] = (step_fn(u_inh(s)) - h) / c.t_inhibit_s;
    d[2 * n + 1] = (1 - h) * i_sum / (c.c_F * c.v_trip_V);
  }
  void jac(const Vec& s, Mat& J) const {
    J.clear();
    const double h = s[2 * n];
    const size_t ih = 2 * n, iq = 2 * n + 1;
    const double si = step_slope(u_inh(s)) / (c.inhibit_width * c.t_inhibit_s);
    for (size_t i = 0; i < n; ++i) {
      J(i, i) = -(1 - h) * c.g_out_S / c.c_F;
      J(i, ih) = -(i_A[i] - c.g_out_S * s[i]) / c.c_F;
      J(n + i, i) = step_slope(u_comp(s, i)) / (c.v_width_V * c.t_comp_s);
      J(n + i, n + i) = -1 / c.t_comp_s;
      J(ih, n + i) = si;
    }
    J(ih, ih) = -1 / c.t_inhibit_s;
    J(iq, ih) = -i_sum / (c.c_F * c.v_trip_V);
  }
  // Largest step that keeps every tanh argument from jumping over its transition.
  double cap(const Vec& s) const {
    Vec d(s.size());
    rhs(s, d);
    double dt = std::numeric_limits<double>::infinity();
    auto limit = [&](double u, double du) {
      const double a = std::abs(du);
      if (a <= 0) return;
      if (std::abs(u) < 6)
        dt = std::min(dt, 1 / a);
      else if (u * du < 0)
        dt = std::min(dt, (std::abs(u) - 6 + 0.25) / a);
    };
    for (size_t i = 0; i < n; ++i) limit(u_comp(s, i), d[i] / c.v_width_V);
    double dsum = 0;
    for (size_t i = 0; i < n; ++i) dsum += d[n + i];
    limit(u_inh(s), dsum / c.inhibit_width);
    return dt;
  }
};

// First time in (t0, t1] at which component k of the dense output reaches 0.5 (it is below at
// t0 and at or above at t1).
template <class Dense>
double crossing(Dense& st, size_t k, double t0, double t1, size_t dim) {
  Vec s(dim);
  for (int it = 0; it < 60 && t1 - t0 > 1e-9 * t1; ++it) {
    const double tm = 0.5 * (t0 + t1);
    st.calc_state(tm, s);
    if (s[k] >= 0.5)
      t1 = tm;
    else
      t0 = tm;
  }
  return 0.5 * (t0 + t1);
}

}  // namespace

WtaOutcome simulate_wta(const WtaCircuit& c, const std::vector<double>& i_A,
                        const std::vector<double>& offset_V, double t_stop_s, double rel_tol) {
  const size_t n = c.n_inputs;
  CIMCHAR_CHECK(i_A.size() == n && offset_V.size() == n,
                "wta twin: one current and offset per input");
  CIMCHAR_CHECK(c.k >= 1 && c.k <= n && c.c_F > 0 && c.t_comp_s > 0 && c.t_inhibit_s > 0,
                "wta twin: bad circuit");
  double i_sum = 0;
  for (double i : i_A) i_sum += i;
  WtaOde ode{c, i_A, offset_V, n, static_cast<double>(c.k) - 0.5, i_sum};
  const size_t dim = 2 * n + 2;
  auto sys = std::make_pair([&](const Vec& s, Vec& d, double) { ode.rhs(s, d); },
                            [&](const Vec& s, Mat& J, double, Vec& dfdt) {
                              ode.jac(s, J);
                              dfdt.clear();
                            });
  // Absolute tolerance 1e-7: volts for x (the comparator resolves millivolts), fractions for
  // f and h; tighter only multiplies the steps spent on the tanh tails (measured).
  auto st = odeint::make_dense_output(1e-7, rel_tol, odeint::rosenbrock4<double>());
  Vec s(dim);
  s.clear();
  double t = 0;
  const double t_mark = wta_mark_time(t_stop_s);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  WtaOutcome out;
  out.t_fire_s.assign(n, nan);
  out.fired.assign(n, false);
  out.t_decision_s = nan;
  bool decided = false;
  double dt = std::min(ode.cap(s), t_stop_s * 1e-6);
  st.initialize(s, t, dt);
  while (t < t_stop_s) {
    st.do_step(sys);
    const double t0 = st.previous_time();
    t = st.current_time();
    const Vec& now = st.current_state();
    s = now;
    for (size_t i = 0; i < n; ++i)
      if (!out.fired[i] && now[n + i] >= 0.5) {
        out.fired[i] = true;
        out.t_fire_s[i] = crossing(st, n + i, t0, t, dim);
      }
    if (!decided && now[2 * n] >= 0.5) {
      decided = true;
      out.t_decision_s = crossing(st, 2 * n, t0, t, dim);
    }
    // Once decided and settled nothing changes before t_stop: the inhibit is on, every input
    // that has not fired sits below its trip point (its comparator target under 0.25) and
    // cannot move by a tenth of the comparator width any more; only the (1 - h) trickle of
    // energy remains, added at its present rate.
    if (decided && now[2 * n] > 1 - 1e-7) {
      bool settled = true;
      for (size_t i = 0; i < n && settled; ++i) {
        if (out.fired[i]) continue;
        const double drift = (1 - now[2 * n]) * i_A[i] / c.c_F * (t_stop_s - t);
        settled = step_fn(ode.u_comp(now, i)) < 0.25 && drift < 0.1 * c.v_width_V;
      }
      if (settled) {
        s[2 * n + 1] += (1 - now[2 * n]) * i_sum / (c.c_F * c.v_trip_V) * (t_stop_s - t);
        break;
      }
    }
    const double limit = std::min(ode.cap(now), t_stop_s - t);
    if (limit <= 0) break;
    if (st.current_time_step() > limit) st.initialize(s, t, limit);
  }
  out.energy_J = c.vdd_V * c.c_F * c.v_trip_V * s[2 * n + 1];
  for (size_t i = 0; i < n; ++i)
    if (out.fired[i] && out.t_fire_s[i] >= t_mark) {
      out.fired[i] = false;
      out.t_fire_s[i] = nan;
    }
  if (decided && out.t_decision_s >= t_mark) out.t_decision_s = nan;
  return out;
}

bool wta_correct(const std::vector<double>& i_A, const std::vector<bool>& fired, size_t k) {
  std::vector<double> sorted = i_A;
  std::sort(sorted.begin(), sorted.end(), std::greater<>());
  const double kth = sorted[k - 1];
  size_t count = 0;
  for (size_t i = 0; i < i_A.size(); ++i) {
    if (!fired[i]) continue;
    ++count;
    if (i_A[i] < kth) return false;
  }
  return count == k;
}

}  // namespace cimchar::periph
