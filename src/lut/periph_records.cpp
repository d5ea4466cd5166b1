#include "lut/periph_records.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace cimchar::lut {

void ThresholdLut::fields(Visitor& v) {
  v.axis("distance", distance, "V", "integrated bit-line voltage minus the threshold v_th");
  v.var("distance_current", distance_current, {"distance"}, "A",
        "bit-line current minus the current that integrates to exactly v_th");
  v.var("p_prune", p_prune, {"distance"}, "1",
        "P(prune) from the behavioural twin (twin_samples draws per distance): the LUT value");
  v.var("p_prune_spice", p_prune_spice, {"distance"}, "1",
        "P(prune) from the ngspice Monte Carlo (samples per distance)");
  v.var("p_prune_gaussian", p_prune_gaussian, {"distance"}, "1",
        "Gaussian limit Phi(-distance / sigma_total_V)");
  v.var("p_false_prune", p_false_prune, {"distance"}, "1",
        "P(prune) where distance > 0 (the key should be kept); NaN elsewhere");
  v.var("p_false_keep", p_false_keep, {"distance"}, "1",
        "P(keep) where distance < 0 (the key should be pruned); NaN elsewhere");
  v.scalar("sigma_total_V", sigma_total_V, "V", "hypot(offset sigma, noise sigma)");
  v.scalar("current_threshold_A", current_threshold_A, "A",
           "bit-line current that integrates to v_th in the window");
  v.scalar("t_decision_s", t_decision_s, "s", "time per decision (the integration window)");
  v.scalar("e_decision_J", e_decision_J, "J", "energy per decision");
  v.text("definition", definition, "how the table was made");
  v.text("e_decision_definition", e_decision_definition, "how e_decision_J was computed");
}

void ThresholdLut::validate(const std::string& file) const {
  if (distance.size() < 2 || !std::is_sorted(distance.begin(), distance.end()))
    throw InputError(file + ": " + kGroup + "/distance must hold at least two increasing distances");
  for (double p : p_prune)
    if (!(p >= 0 && p <= 1)) throw InputError(file + ": " + kGroup + "/p_prune outside [0, 1]");
}

}  // namespace cimchar::lut
