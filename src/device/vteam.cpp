#include "device/vteam.hpp"

#include <algorithm>
#include <cmath>

namespace cimchar::device {

Vteam::Vteam(const ParamTable& c)
    : R_on_(c.get("R_on")), R_off_(c.get("R_off")), k_on_(c.get("k_on")), k_off_(c.get("k_off")),
      alpha_on_(c.get("alpha_on")), alpha_off_(c.get("alpha_off")), v_on_(c.get("v_on")),
      v_off_(c.get("v_off")), d_(c.get("d")), w_clamp_(c.get("w_clamp")) {}

double Vteam::current_A(double v, double w) const { return v / (R_on_ + (R_off_ - R_on_) * w); }

double Vteam::dstate_dt(double v, double w) const {
  const double u = -v;
  double rate = 0;
  if (u > v_off_) rate = k_off_ / d_ * std::pow(u / v_off_ - 1.0, alpha_off_);
  else if (u < v_on_) rate = k_on_ / d_ * std::pow(u / v_on_ - 1.0, alpha_on_);
  const double room = v > 0 ? w : 1.0 - w;
  return rate * std::min(std::max(room, 0.0) / w_clamp_, 1.0);
}

}  // namespace cimchar::device
