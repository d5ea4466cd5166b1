#include "device/mosfet_node.hpp"

#include "core/error.hpp"

namespace cimchar::device {

const std::vector<MosfetNode>& mosfet_nodes() {
  // Values copied from the cards themselves (devices/mosfet/*.mod): the tests read them back
  // through ngspice's threshold extraction (tests/device/test_ptm_cards.cpp).
  static const std::vector<MosfetNode> nodes = {
      {"ptm45hp", "mosfet/ptm45hp.mod", "ptm45hp_nmos", "ptm45hp_pmos", 1.0, 45e-9, 1.25e-9, 1.3e-9,
       0.46893, -0.49158, 170000, 150000},
      {"ptm32hp", "mosfet/ptm32hp.mod", "ptm32hp_nmos", "ptm32hp_pmos", 0.9, 32e-9, 1.15e-9, 1.2e-9,
       0.49396, -0.49155, 210000, 180000},
  };
  return nodes;
}

const MosfetNode& mosfet_node(const std::string& name) {
  std::string known;
  for (const auto& n : mosfet_nodes()) {
    if (n.name == name) return n;
    known += (known.empty() ? "" : ", ") + n.name;
  }
  throw ConfigError("transistor node '" + name + "' is not known (" + known + ")");
}

}  // namespace cimchar::device
