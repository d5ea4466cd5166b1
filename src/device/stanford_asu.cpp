#include "device/stanford_asu.hpp"

#include <algorithm>
#include <cmath>

namespace cimchar::device {

namespace {
// q/k in K/V, the value written in the .lib.
constexpr double kQOverK = 11604.518;
// The .lib limits the voltage inside sinh/exp to +-4 V (overflow guard for Newton iterates).
double vlim(double v) { return std::clamp(v, -4.0, 4.0); }
}  // namespace

StanfordAsu::StanfordAsu(const ParamTable& c)
    : I0_(c.get("I0")), g0_(c.get("g0")), V0_(c.get("V0")), Vel0_(c.get("Vel0")),
      Ea_(c.get("Ea")), a0_(c.get("a0")), tox_(c.get("tox")), gamma0_(c.get("gamma0")),
      beta_(c.get("beta")), g1_(c.get("g1")), alpha_(c.get("alpha")), Rth_(c.get("Rth")),
      T0_(c.get("T0")), F_min_(c.get("F_min")), gap_min_(c.get("gap_min")), gap_max_(c.get("gap_max")),
      w_clamp_(c.get("w_clamp")), vel_max_(c.get("vel_max")) {}

double StanfordAsu::current_A(double v, double gap) const {
  gap = std::clamp(gap, 0.0, tox_);
  return I0_ * std::exp(-gap / g0_) * std::sinh(vlim(v) / V0_);
}

double StanfordAsu::hop_velocity(double v, double gap) const {
  gap = std::clamp(gap, 0.0, tox_);  // as in the .lib: guards Newton iterates, not physics
  const double gamma = gamma0_ - beta_ * std::pow(gap / g1_, alpha_);
  if (gamma * std::abs(v) / tox_ < F_min_) return 0.0;  // v1.0.0's field threshold
  const double T = T0_ + std::abs(v * current_A(v, gap)) * Rth_;
  return Vel0_ * std::exp(-Ea_ * kQOverK / T) *
         std::sinh(gamma * a0_ / tox_ * vlim(v) * kQOverK / T);
}

bool StanfordAsu::limiter_active(double v, double gap) const {
  return std::abs(hop_velocity(v, gap)) > kLimiterOnset * vel_max_;
}

double StanfordAsu::dstate_dt(double v, double gap) const {
  gap = std::clamp(gap, 0.0, tox_);
  const double rate = -vel_max_ * std::tanh(hop_velocity(v, gap) / vel_max_);  // the .lib's limit
  // The window of the .lib: linear to zero over w_clamp at the bound the gap is moving to.
  const double room = v > 0 ? gap - gap_min_ : gap_max_ - gap;
  return rate * std::min(std::max(room, 0.0) / w_clamp_, 1.0);
}

}  // namespace cimchar::device
