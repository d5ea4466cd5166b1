#include "device/mosfet.hpp"

namespace cimchar::device {

Level1Nmos Level1Nmos::from_card(const ParamTable& c) {
  Level1Nmos m;
  m.W = c.get("W");
  m.L = c.get("L");
  m.LD = c.get("LD");
  m.VTO = c.get("VTO");
  m.KP = c.get("KP");
  m.LAMBDA = c.get("LAMBDA");
  return m;
}

double Level1Nmos::drain_current_A(double vgs, double vds) const {
  if (vds < 0) {  // source and drain swap roles: the gate sees vgd
    return -drain_current_A(vgs - vds, -vds);
  }
  const double vgst = vgs - VTO;
  if (vgst <= 0) return 0.0;
  const double beta = KP * W / (L - 2 * LD);
  const double betap = beta * (1 + LAMBDA * vds);
  if (vds < vgst) return betap * vds * (vgst - 0.5 * vds);
  return 0.5 * betap * vgst * vgst;
}

}  // namespace cimchar::device
