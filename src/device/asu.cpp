#include "device/asu.hpp"

#include <algorithm>
#include <cmath>

namespace cimchar::device {

namespace {
constexpr double kQOverK = 11604.518;  // K/V, as written in the .lib
double vlim(double v) { return std::clamp(v, -4.0, 4.0); }
}  // namespace

Asu::Asu(const ParamTable& c)
    : I0_(c.get("I0")), g0_(c.get("g0")), V0_(c.get("V0")), Vel0_(c.get("Vel0")),
      Eag_(c.get("Eag")), Ear_(c.get("Ear")), a0_(c.get("a0")), L_(c.get("L")),
      gamma0_(c.get("gamma0")), beta_(c.get("beta")), g1_(c.get("g1")), T0_(c.get("T0")),
      Cth_(c.get("Cth")), Tau_th_(c.get("Tau_th")), gap_min_(c.get("gap_min")),
      gap_max_(c.get("gap_max")), w_clamp_(c.get("w_clamp")), vel_max_(c.get("vel_max")) {}

double Asu::current_A(double v, double gap) const {
  gap = std::clamp(gap, 0.0, L_);
  return I0_ * std::exp(-gap / g0_) * std::sinh(vlim(v) / V0_);
}

double Asu::hop_velocity(double v, double gap) const {
  gap = std::clamp(gap, 0.0, L_);
  const double T = T0_ + std::abs(v * current_A(v, gap)) * Tau_th_ / Cth_;
  const double gamma = gamma0_ - beta_ * std::pow(gap / g1_, 3.0);
  const double f = gamma * a0_ / L_ * vlim(v) * kQOverK / T;
  return Vel0_ * (std::exp(-Eag_ * kQOverK / T + f) - std::exp(-Ear_ * kQOverK / T - f));
}

bool Asu::limiter_active(double v, double gap) const {
  return std::abs(hop_velocity(v, gap)) > kLimiterOnset * vel_max_;
}

double Asu::dstate_dt(double v, double gap) const {
  gap = std::clamp(gap, 0.0, L_);
  const double rate = -vel_max_ * std::tanh(hop_velocity(v, gap) / vel_max_);
  const double room = v > 0 ? gap - gap_min_ : gap_max_ - gap;
  return rate * std::min(std::max(room, 0.0) / w_clamp_, 1.0);
}

}  // namespace cimchar::device
