#include "device/pulse_sim.hpp"

#include <boost/numeric/odeint.hpp>

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace cimchar::device {

namespace odeint = boost::numeric::odeint;
using Vec = boost::numeric::ublas::vector<double>;
using Mat = boost::numeric::ublas::matrix<double>;

double Pwl::at(double t) const {
  if (t <= t_s.front()) return v_V.front();
  if (t >= t_s.back()) return v_V.back();
  auto it = std::upper_bound(t_s.begin(), t_s.end(), t);
  const size_t k = static_cast<size_t>(it - t_s.begin());
  const double a = (t - t_s[k - 1]) / (t_s[k] - t_s[k - 1]);
  return v_V[k - 1] + a * (v_V[k] - v_V[k - 1]);
}

double device_voltage(const ReadModel& m, double v_src, double r, double state) {
  if (r <= 0 || v_src == 0) return v_src;
  double lo = std::min(0.0, v_src), hi = std::max(0.0, v_src);
  double v = v_src;  // Newton from the source voltage, kept inside the bracket
  for (int it = 0; it < 200; ++it) {
    const double f = v + r * m.current_A(v, state) - v_src;
    if (f > 0) hi = v;
    else lo = v;
    const double h = std::max(std::abs(v) * 1e-7, 1e-12);
    const double df = 1.0 + r * (m.current_A(v + h, state) - m.current_A(v - h, state)) / (2 * h);
    double next = v - f / df;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (std::abs(next - v) <= 1e-15 + 1e-13 * std::abs(v)) return next;
    v = next;
  }
  return v;
}

BenchResult simulate_pulse(const CompactModel& m, const Pwl& src, double r, double state0,
                           const std::vector<double>& samples, double rel_tol) {
  CIMCHAR_CHECK(src.t_s.size() >= 2 && src.t_s.size() == src.v_V.size(), "bad PWL");
  const double scale = std::max(std::abs(m.state_max() - m.state_min()), 1e-300);
  // Work in a normalized state s = state/scale so that tolerances are relative to the range.
  auto rhs = [&](const Vec& x, Vec& dxdt, double t) {
    const double st = x[0] * scale;
    const double v = device_voltage(m, src.at(t), r, st);
    dxdt[0] = m.dstate_dt(v, st) / scale;
  };
  auto jac = [&](const Vec& x, Mat& J, double t, Vec& dfdt) {
    Vec f0(1), f1(1);
    const double h = 1e-7;
    Vec xp = x;
    xp[0] += h;
    Vec xm = x;
    xm[0] -= h;
    rhs(xp, f1, t);
    rhs(xm, f0, t);
    J(0, 0) = (f1[0] - f0[0]) / (2 * h);
    const double ht = std::max(std::abs(t) * 1e-7, 1e-15);
    rhs(x, f1, t + ht);
    rhs(x, f0, std::max(t - ht, 0.0));
    dfdt[0] = (f1[0] - f0[0]) / (t + ht - std::max(t - ht, 0.0));
  };
  auto stepper = odeint::make_dense_output(1e-12, rel_tol, odeint::rosenbrock4<double>());

  BenchResult out;
  Vec x(1);
  x[0] = state0 / scale;
  double t = src.t_s.front();
  size_t next_sample = 0;
  auto record = [&](double ts, double s) {
    const double st = s * scale;
    const double v = device_voltage(m, src.at(ts), r, st);
    out.t_s.push_back(ts);
    out.v_dev_V.push_back(v);
    out.i_A.push_back(m.current_A(v, st));
    out.state.push_back(st);
  };
  while (next_sample < samples.size() && samples[next_sample] <= t) record(samples[next_sample++], x[0]);
  for (size_t seg = 1; seg < src.t_s.size(); ++seg) {
    const double t_end = src.t_s[seg];
    if (t_end <= t) continue;
    const double span = t_end - t;
    stepper.initialize(x, t, span * 1e-6);
    auto sys = std::make_pair(rhs, jac);
    while (stepper.current_time() < t_end) {
      stepper.do_step(sys);
      const double tc = std::min(stepper.current_time(), t_end);
      while (next_sample < samples.size() && samples[next_sample] <= tc) {
        Vec xs(1);
        stepper.calc_state(samples[next_sample], xs);
        record(samples[next_sample++], xs[0]);
      }
    }
    stepper.calc_state(t_end, x);
    t = t_end;
  }
  while (next_sample < samples.size()) record(samples[next_sample++], x[0]);
  return out;
}

}  // namespace cimchar::device
