// VTEAM threshold memristor model (Kvatinsky, Ramadan, Friedman, Kolodny, IEEE TCAS-II 62(8):
// 786, 2015), linear I-V variant, state normalized w = x/d in [0, 1] (0 = ON = R_on):
//   I = V / (R_on + (R_off - R_on) w)
//   dw/dt = k_off/d (u/v_off - 1)^alpha_off   for u > v_off > 0
//         = k_on/d  (u/v_on  - 1)^alpha_on    for u < v_on  < 0,   0 in between
// with u = -V: the pins are ordered so that a positive top-electrode voltage SETs (lowers R),
// as for the other cards. devices/vteam.lib holds the same equations.
#pragma once

#include "device/model.hpp"

namespace cimchar::device {

class Vteam : public CompactModel {
 public:
  explicit Vteam(const ParamTable& card);
  std::string name() const override { return "vteam"; }
  double current_A(double v_V, double w) const override;
  double dstate_dt(double v_V, double w) const override;
  double state_min() const override { return 0.0; }
  double state_max() const override { return 1.0; }
  std::string state_unit() const override { return ""; }
  double node_scale() const override { return 1.0; }
  double state_lrs() const override { return 0.0; }

 private:
  double R_on_, R_off_, k_on_, k_off_, alpha_on_, alpha_off_, v_on_, v_off_, d_, w_clamp_;
};

}  // namespace cimchar::device
