// ngspice's level-1 MOSFET (Shichman-Hodges, as in SPICE2/3 MOS1) drain current, for the
// access transistor of the 1T1R cell (devices/one_t_one_r.lib). Bulk tied to source (no body
// effect); Leff = L - 2 LD.
//   vgs <= VTO:            Id = 0
//   vds < vgs - VTO:       Id = KP W/Leff (vgs - VTO - vds/2) vds (1 + LAMBDA vds)
//   else:                  Id = KP/2 W/Leff (vgs - VTO)^2 (1 + LAMBDA vds)
// A negative vds swaps drain and source.
#pragma once

#include "core/param_table.hpp"

namespace cimchar::device {

struct Level1Nmos {
  double W = 0, L = 0, LD = 0, VTO = 0, KP = 0, LAMBDA = 0;
  static Level1Nmos from_card(const ParamTable& card);
  double drain_current_A(double vgs_V, double vds_V) const;
};

}  // namespace cimchar::device
