// What the adc stage's transistor-level benches ([adc.transistor_flash], [adc.transistor_sar])
// share: their comparator's node and mismatch keys, and means that skip failed samples.
#pragma once

#include <cmath>
#include <vector>

#include "core/config.hpp"
#include "core/error.hpp"
#include "device/mosfet_node.hpp"
#include "periph/strongarm.hpp"

namespace cimchar::flows {

// `node` (a known BSIM4 node), `a_vt_mV_um` and `layout_factor`; returns the node's VDD.
inline double parse_comparator_keys(Section& s, periph::StrongArmDesign& d, periph::StrongArmOptions& o) {
  d.node = s.get_string("node", d.node);
  try {
    device::mosfet_node(d.node);
  } catch (const ConfigError& e) {
    s.fail("node", e.what());
  }
  o.a_vt_V_m = 1e-9 * s.get_double("a_vt_mV_um", 4.5, "", {0, 99.9});
  o.layout_factor = s.get_double("layout_factor", o.layout_factor, "", {1, 1000});
  return device::mosfet_node(d.node).vdd_V;
}

// The mean of the finite values (NaN when there is none).
inline double finite_mean(const std::vector<double>& x) {
  double s = 0;
  size_t n = 0;
  for (double v : x)
    if (std::isfinite(v)) s += v, ++n;
  return n ? s / static_cast<double>(n) : std::nan("");
}

}  // namespace cimchar::flows
