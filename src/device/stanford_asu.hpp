// Stanford/ASU filament-gap RRAM model (devices/stanford_asu.lib, README there):
//   I = I0 exp(-g/g0) sinh(V/V0)
//   dg/dt = -Vel0 exp(-q Ea/(k T)) sinh(gamma a0/tox q V/(k T)), gamma = gamma0 - beta (g/g1)^alpha
//   T = T0 + |V I| Rth
//   no motion while gamma |V| / tox < F_min (the v1.0.0 field threshold; F_min = 0 turns it off)
// plus cimchar's numerical regularizations (devices/README.md): a linear window of width
// w_clamp at the gap bounds and a smooth velocity limit vel_max tanh(v/vel_max).
// Guan, Yu, Wong, IEEE EDL 33(10):1405 (2012); Jiang et al., IEEE TED 63(5):1884 (2016).
#pragma once

#include "device/model.hpp"

namespace cimchar::device {

class StanfordAsu : public CompactModel {
 public:
  explicit StanfordAsu(const ParamTable& card);
  std::string name() const override { return "stanford_asu"; }
  double current_A(double v_V, double gap_m) const override;
  double dstate_dt(double v_V, double gap_m) const override;
  double state_min() const override { return gap_min_; }
  double state_max() const override { return gap_max_; }
  std::string state_unit() const override { return "m"; }
  double node_scale() const override { return 1e9; }
  double state_lrs() const override { return gap_min_; }
  bool limiter_active(double v_V, double gap_m) const override;
  // The hopping velocity before the vel_max limit and the windows (m/s, positive shrinks the gap).
  double hop_velocity(double v_V, double gap_m) const;

 private:
  double I0_, g0_, V0_, Vel0_, Ea_, a0_, tox_, gamma0_, beta_, g1_, alpha_, Rth_, T0_, F_min_;
  double gap_min_, gap_max_, w_clamp_, vel_max_;
};

}  // namespace cimchar::device
