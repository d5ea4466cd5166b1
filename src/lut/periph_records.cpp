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
  v.scalar("t_decision_s", t_decision_s, "s",
           "time per decision: the integration window, plus the comparator's delay "
           "(threshold_comparator delay_s) when it was characterized");
  v.scalar("e_decision_J", e_decision_J, "J",
           "energy per decision: integration, plus the comparator's when it was characterized "
           "(e_decision_definition says which)");
  v.text("definition", definition, "how the table was made");
  v.text("e_decision_definition", e_decision_definition, "how e_decision_J was computed");
}

void ThresholdLut::validate(const std::string& file) const {
  if (distance.size() < 2 || !std::is_sorted(distance.begin(), distance.end()))
    throw InputError(file + ": " + kGroup + "/distance must hold at least two increasing distances");
  for (double p : p_prune)
    if (!(p >= 0 && p <= 1)) throw InputError(file + ": " + kGroup + "/p_prune outside [0, 1]");
}

void ThresholdComparatorLut::fields(Visitor& v) {
  v.text("kind", kind,
         "\"behavioural\" (tanh source, configured sigma_offset) or \"strongarm\" (transistor "
         "level, measured)");
  v.text("design", design,
         "the StrongARM's design and characterization options; empty for behavioural");
  struct S { const char* name; double* x; const char* units; const char* what; };
  for (const S& s :
       {S{"offset_sigma_V", &offset_sigma_V, "V",
          "input offset sigma used by the threshold Monte Carlo and twin: the configured "
          "sigma_offset (behavioural) or the sample standard deviation of the StrongARM's offsets"},
        S{"offset_mean_V", &offset_mean_V, "V", "sample mean of the offsets (NaN behavioural)"},
        S{"offset_samples", &offset_samples, "1",
          "Monte Carlo samples of the offset (0 behavioural)"},
        S{"offset_resolution_V", &offset_resolution_V, "V",
          "half the final step of the offset search (NaN behavioural)"},
        S{"pelgrom_pair_sigma_V", &pelgrom_pair_sigma_V, "V",
          "sqrt(2) A_VT / sqrt(W L) of the input pair alone (NaN behavioural)"},
        S{"a_vt_V_m", &a_vt_V_m, "V m", "Pelgrom coefficient A_VT (NaN behavioural)"},
        S{"t0_s", &t0_s, "s", "delay fit t0 + tau ln(VDD / overdrive) (NaN behavioural)"},
        S{"tau_s", &tau_s, "s", "its regeneration time constant tau (NaN behavioural)"},
        S{"delay_fit_r2", &delay_fit_r2, "1",
          "coefficient of determination of the delay fit (NaN behavioural)"},
        S{"overdrive_V", &overdrive_V, "V",
          "overdrive the decision time is taken at: one total sigma (offset and noise)"},
        S{"delay_s", &delay_s, "s", "the twin's delay at overdrive_V (0 behavioural)"},
        S{"energy_J", &energy_J, "J",
          "supply energy per decision, mean over the delay bench's cycles (0 behavioural)"},
        S{"energy_clk_J", &energy_clk_J, "J", "clock energy per decision (0 behavioural)"},
        S{"area_m2", &area_m2, "m^2", "layout factor x gate area (NaN behavioural)"},
        S{"gate_area_m2", &gate_area_m2, "m^2",
          "sum of W L over the transistors (NaN behavioural)"},
        S{"node_flip_V", &node_flip_V, "V",
          "where the integrating node's decision flips with the StrongARM on it (nominal "
          "devices, the node's own voltage; NaN behavioural)"},
        S{"node_offset_alone_V", &node_offset_alone_V, "V",
          "the nominal StrongARM's offset searched alone at the same common mode (NaN "
          "behavioural)"},
        S{"node_shift_V", &node_shift_V, "V",
          "node_flip_V - v_th - node_offset_alone_V: the threshold shift the node adds (the "
          "comparator's kickback on the floating capacitor); the mean of the decision offsets "
          "the stage draws (NaN behavioural)"}})
    v.scalar(s.name, *s.x, s.units, s.what);
}

void ThresholdComparatorLut::validate(const std::string& file) const {
  if (kind != "behavioural" && kind != "strongarm")
    throw InputError(file + ": " + kGroup + "/kind '" + kind +
                     "' is not one of: behavioural, strongarm");
  if (!(offset_sigma_V >= 0)) throw InputError(file + ": " + kGroup + "/offset_sigma_V < 0");
}

std::string AdcErrorLut::group(const std::string& arch, int bits) {
  return "/lut/adc/" + arch + "/b" + std::to_string(bits);
}

void AdcErrorLut::fields(Visitor& v) {
  v.axis("transition", transition, "1", "transition k (code k-1 -> k), 1 .. 2^N - 1");
  v.var("transition_error_mean", transition_error_mean, {"transition"}, "1",
        "mean of (T[k] - k Q)/Q over the samples, in LSB (Q = lsb_V)");
  v.var("transition_error_sigma", transition_error_sigma, {"transition"}, "1",
        "standard deviation of (T[k] - k Q)/Q over the samples, in LSB");
  struct S { const char* name; double* x; const char* units; const char* what; };
  for (const S& s : {S{"inl_max_mean", &inl_max_mean, "1", "mean of max |INL| (endpoint line), LSB"},
                     S{"inl_max_sigma", &inl_max_sigma, "1", "its standard deviation, LSB"},
                     S{"dnl_max_mean", &dnl_max_mean, "1", "mean of max |DNL|, LSB"},
                     S{"dnl_max_sigma", &dnl_max_sigma, "1", "its standard deviation, LSB"},
                     S{"offset_mean", &offset_mean, "1", "mean offset (T[1] - Q)/Q, LSB"},
                     S{"offset_sigma", &offset_sigma, "1", "its standard deviation, LSB"},
                     S{"gain_error_mean", &gain_error_mean, "1",
                       "mean gain error (T[n] - T[1])/((n - 1) Q) - 1"},
                     S{"gain_error_sigma", &gain_error_sigma, "1", "its standard deviation"},
                     S{"enob_mean", &enob_mean, "bit", "mean ENOB of the ramp test"},
                     S{"enob_sigma", &enob_sigma, "bit", "its standard deviation"},
                     S{"enob_sine_mean", &enob_sine_mean, "bit", "mean ENOB of the sine test"},
                     S{"enob_sine_sigma", &enob_sine_sigma, "bit", "its standard deviation"},
                     S{"sinad_mean", &sinad_mean, "dB", "mean SINAD of the sine test"},
                     S{"sinad_sigma", &sinad_sigma, "dB", "its standard deviation"},
                     S{"sfdr_mean", &sfdr_mean, "dB", "mean SFDR of the sine test, in dBc"},
                     S{"sfdr_sigma", &sfdr_sigma, "dB", "its standard deviation"},
                     S{"lsb_V", &lsb_V, "V", "the code step Q = vref / 2^N"}})
    v.scalar(s.name, *s.x, s.units, s.what);
  v.text("definition", definition, "how the table was made");
}

void WtaDecisionLut::fields(Visitor& v) {
  v.axis("capacitance", capacitance, "F", "integration capacitance");
  v.axis("margin", margin, "1", "relative margin (I_k - I_k+1)/I_k");
  v.var("p_error", p_error, {"capacitance", "margin"}, "1",
        "fraction of wrong decisions (behavioural twin, `samples` decisions)");
  v.var("p_error_ngspice", p_error_ngspice, {"capacitance", "margin"}, "1",
        "the same over the decisions checked in ngspice (NaN when none)");
  v.var("resolved_margin", resolved_margin, {"capacitance"}, "1",
        "smallest margin with p_error <= error_rate there and at every larger grid margin, "
        "linear in p between grid points; NaN when the largest margin fails");
  v.var("delay", delay, {"capacitance"}, "s", "mean decision time (to the inhibit)");
  v.var("delay_max", delay_max, {"capacitance"}, "s", "largest decision time");
  v.var("energy", energy, {"capacitance"}, "J",
        "mean energy per decision: vdd x the charge the bit-line sources deliver until the "
        "inhibit stops them (comparators, inhibit logic and the capacitor reset not included)");
  v.var("sigma_total", sigma_total, {"capacitance"}, "V",
        "sigma of the per-decision comparator offset (mismatch, noise, kT/C)");
  v.scalar("error_rate", error_rate, "1", "the p_error that resolved_margin is defined by");
  v.scalar("n_inputs", n_inputs, "1", "WTA inputs");
  v.scalar("k", k, "1", "winners per decision");
  v.scalar("samples", samples, "1", "twin decisions per (capacitance, margin)");
  v.scalar("v_trip_V", v_trip_V, "V", "comparator trip voltage");
  v.scalar("i_min_A", i_min_A, "A", "smallest bit-line current the WTA is characterized for");
  v.scalar("i_max_A", i_max_A, "A", "largest bit-line current the WTA is characterized for");
  v.text("definition", definition, "how the table was made");
}

void WtaDecisionLut::validate(const std::string& file) const {
  const size_t n = capacitance.size();
  for (double c : capacitance)
    if (!(c > 0)) throw InputError(file + ": " + kGroup + "/capacitance must be positive");
  if (delay.size() != n || energy.size() != n || sigma_total.size() != n)
    throw InputError(file + ": " + kGroup + "/delay, energy and sigma_total must have one entry "
                     "per capacitance");
  if (!(v_trip_V > 0)) throw InputError(file + ": " + kGroup + " has no positive v_trip_V");
}

void WtaTransistorLut::fields(Visitor& v) {
  v.axis("capacitance", capacitance, "F", "integration capacitance per input");
  struct F { const char* name; std::vector<double>* x; const char* units; const char* what; };
  for (const F& f :
       {F{"t_decision", &t_decision, "s",
          "time to the inhibit (VDD/2), mean over the bench's current levels"},
        F{"e_decision", &e_decision, "J", "e_inputs + e_comparators: the energy per decision"},
        F{"e_comparators", &e_comparators, "J",
          "supply energy of the inverters, keepers and clamps up to the decision (crowbar "
          "current included), mean over the current levels"},
        F{"e_inputs", &e_inputs, "J",
          "vdd x the charge the bit-line sources deliver up to the decision, mean"},
        F{"area", &area, "m^2",
          "n_inputs x (layout_factor x sum of W L of an input's transistors + its capacitor at "
          "the design's capacitor density)"},
        F{"v_trip_fit", &v_trip_fit, "V",
          "the twin's trip voltage fitted to the transistors' fire times t = v_trip C / I + t0 "
          "(least squares of the relative error over the winners of every current level; the "
          "input node's parasitics and the keeper included)"},
        F{"t_comp_fit", &t_comp_fit, "s",
          "the twin's comparator delay from that fit's intercept, t0 / ln 2 (at least 1 ps); it "
          "grows with C (the intercept absorbs what v_trip C / I misses), so it is a fitted "
          "parameter, not the inverters' delay alone"},
        F{"x_trip", &x_trip, "V",
          "the inverters' quasi-static trip level from a DC sweep of the input node"},
        F{"fit_max_rel_err", &fit_max_rel_err, "1",
          "largest relative difference between the fitted twin's and the transistors' fire and "
          "decision times over the current levels"}})
    v.var(f.name, *f.x, {"capacitance"}, f.units, f.what);
  v.scalar("n_inputs", n_inputs, "1", "WTA inputs");
  v.scalar("k", k, "1", "winners per decision");
  v.scalar("margin", margin, "1", "relative margin between consecutive input currents");
  v.scalar("vdd_V", vdd_V, "V", "the node's supply");
  v.scalar("layout_factor", layout_factor, "1", "area / sum of W L (an assumption)");
  struct S { const char* name; double* x; const char* units; const char* what; };
  for (const S& s :
       {S{"mismatch_samples", &mismatch_samples, "1",
          "samples of the trip path's Pelgrom Monte Carlo (optional, as the five below)"},
        S{"a_vt_V_m", &a_vt_V_m, "V m", "Pelgrom A_VT: sigma(dVth) = A_VT / sqrt(W L)"},
        S{"trip_sigma_V", &trip_sigma_V, "V",
          "standard deviation of the quasi-static trip level over the samples (both inverters' "
          "devices drawn)"},
        S{"trip_mean_shift_V", &trip_mean_shift_V, "V", "mean trip level - nominal trip level"},
        S{"trip_linear_sigma_V", &trip_linear_sigma_V, "V",
          "sqrt(sum (g_i sigma_i)^2) from each device's sensitivity g_i (central differences)"},
        S{"twin_sigma_offset_V", &twin_sigma_offset_V, "V",
          "the behavioural twin's offset sigma the stage used: trip_sigma_V x the twin's v_trip / "
          "x_trip (the same fraction of the trip level), or the configured sigma_offset when "
          "twin_offset_from_mismatch = false"}})
    v.scalar(s.name, *s.x, s.units, s.what, &has_mismatch);
  v.text("node", node, "the BSIM4 node (devices/README.md)");
  v.text("design", design, "the bench's devices and options");
  v.text("definition", definition, "how the table was made");
}

void WtaTransistorLut::validate(const std::string& file) const {
  const size_t n = capacitance.size();
  for (double c : capacitance)
    if (!(c > 0)) throw InputError(file + ": " + kGroup + "/capacitance must be positive");
  for (const auto* f : {&t_decision, &e_decision, &e_comparators, &e_inputs, &area})
    if (f->size() != n) throw InputError(file + ": " + kGroup + " needs one entry per capacitance");
  for (size_t i = 0; i < n; ++i)
    if (!(t_decision[i] > 0) || !(e_decision[i] > 0))
      throw InputError(file + ": " + kGroup + " has a decision without a positive delay and energy");
}

}  // namespace cimchar::lut
