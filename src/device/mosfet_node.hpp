// Public BSIM4 transistor cards (devices/mosfet/*.mod) and the nominal figures of their
// technology node. One explicit list, looked up by name. The cards are the Predictive Technology
// Model (PTM) high-performance cards, cited in each .mod file's header and devices/README.md.
#pragma once

#include <string>
#include <vector>

namespace cimchar::device {

struct MosfetNode {
  std::string name;        // "ptm45hp"
  std::string mod_file;    // relative to devices/: "mosfet/ptm45hp.mod"
  std::string nmos_model;  // ".model" names in that file
  std::string pmos_model;
  double vdd_V = 0;        // nominal supply (the card's header)
  double l_nom_m = 0;      // drawn channel length of the node
  double toxe_nmos_m = 0;  // electrical oxide thickness (toxe) of each card
  double toxe_pmos_m = 0;
  double vth0_nmos_V = 0;  // long-channel threshold at zero body bias (the cards' vth0)
  double vth0_pmos_V = 0;
  double vsat_nmos_m_per_s = 0;  // saturation velocity (vsat)
  double vsat_pmos_m_per_s = 0;
};

const std::vector<MosfetNode>& mosfet_nodes();
// Throws ConfigError naming the list of known nodes.
const MosfetNode& mosfet_node(const std::string& name);

}  // namespace cimchar::device
