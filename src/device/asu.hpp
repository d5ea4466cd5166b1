// ASU variant of the Stanford/ASU filament-gap RRAM model (devices/asu.lib, card asu.toml):
//   I     = I0 exp(-g/g0) sinh(V/V0)
//   dg/dt = -Vel0 [exp(-q Eag/(k T)) exp(gamma a0/L q V/(k T)) - exp(-q Ear/(k T)) exp(-gamma a0/L q V/(k T))]
//   gamma = gamma0 - beta (g/g1)^3
// The published model's temperature follows Cth dT/dt = |V I| - Cth (T - T0)/Tau_th (the .lib
// integrates it on its own node). This twin has one state, the gap, and takes the temperature at
// its steady state T = T0 + |V I| Tau_th/Cth: with Tau_th = 0.23 ns it differs from the RC model
// only within a few Tau_th of a voltage step, i.e. for pulse edges under a nanosecond.
// cimchar's regularizations as in the .lib: window w_clamp at the bounds, vel_max tanh limit.
#pragma once

#include "device/model.hpp"

namespace cimchar::device {

class Asu : public CompactModel {
 public:
  explicit Asu(const ParamTable& card);
  std::string name() const override { return "asu"; }
  double current_A(double v_V, double gap_m) const override;
  double dstate_dt(double v_V, double gap_m) const override;
  double state_min() const override { return gap_min_; }
  double state_max() const override { return gap_max_; }
  std::string state_unit() const override { return "m"; }
  double node_scale() const override { return 1e9; }
  double state_lrs() const override { return gap_min_; }
  bool limiter_active(double v_V, double gap_m) const override;
  // The net hopping velocity (generation minus recombination, m/s; positive shrinks the gap),
  // before the vel_max limit and the windows.
  double hop_velocity(double v_V, double gap_m) const;

 private:
  double I0_, g0_, V0_, Vel0_, Eag_, Ear_, a0_, L_, gamma0_, beta_, g1_, T0_, Cth_, Tau_th_;
  double gap_min_, gap_max_, w_clamp_, vel_max_;
};

}  // namespace cimchar::device
