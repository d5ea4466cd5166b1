// [wta.transistor] of the wta stage: the time-domain k-WTA with transistor-level comparators
// (periph/wta_transistor.hpp: BSIM4 inverters, keeper and clamps) in ngspice at each of the
// stage's capacitances and at a few bit-line current levels (inputs I, I(1-m), I(1-m)^2, ...):
// which inputs fire, their fire times and the decision time, the energy of the bit lines and of
// the comparators, the area; the inverters' quasi-static trip level from a DC sweep; and the
// behavioural twin (periph/wta_twin.hpp) with its trip voltage and comparator delay fitted to
// the transistors' fire times, run again on the same currents beside them. Written to wta.h5
// (/wta/transistor raw, /lut/wta_transistor the record `cimchar ppa` reads).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/h5.hpp"
#include "flows/flow.hpp"
#include "flows/stage_scope.hpp"
#include "periph/wta_netlist.hpp"
#include "periph/wta_transistor.hpp"

namespace cimchar::flows {

struct WtaTransistorConfig {
  periph::WtaTransistorDesign design;  // c_F set per capacitance
  std::vector<double> caps;            // the stage's capacitances
  std::vector<double> currents;        // the largest input's current, one transient each
  double margin = 0.1;                 // I_{j+1} = I_j (1 - margin)
  double layout_factor = 10;           // area / sum of W L (an assumption, as the StrongARM's)
  double cap_density_F_m2 = 2e-3;      // the capacitors' area: 2 fF/um^2 (MIM; an assumption)
  periph::WtaCircuit twin;             // the stage's twin circuit (t_inhibit, widths, g_out)
  size_t mismatch_samples = 0;         // the trip path's Pelgrom Monte Carlo; 0: none
  double a_vt_V_m = 4.5e-9;            // Pelgrom A_VT (the StrongARM's, docs/peripherals.md)
  bool twin_offset_from_mismatch = true;  // the twin's sigma_offset from the measured trip sigma
};
// From [wta.transistor] with the stage's capacitances, inputs, k and twin circuit.
std::optional<WtaTransistorConfig> parse_wta_transistor(Section& wta, const std::vector<double>& caps,
                                                        const periph::WtaCircuit& twin);

struct WtaTransistorCase {  // one transient: capacitance c, current level l
  std::vector<double> i_A, t_fire_s, t_fire_twin_s, t_fire_quasi_static_s;  // per input
  std::vector<bool> fired;
  bool correct = false;
  double t_decision_s = 0, t_decision_twin_s = 0, e_inputs_J = 0, e_comparators_J = 0;
  double e_twin_J = 0;
};

struct WtaTransistorResult {
  std::vector<std::vector<WtaTransistorCase>> cases;  // [capacitance][current level]
  std::optional<periph::WtaTripMismatch> mismatch;    // with mismatch_samples > 0
  double twin_sigma_offset_V = 0;                     // what the behavioural Monte Carlo used
  std::vector<double> x_trip_V, v_trip_fit_V, t0_fit_s, t_comp_fit_s, fit_max_rel_err;  // [cap]
  std::vector<double> t_decision_s, e_decision_J, e_comparators_J, e_inputs_J, area_m2;  // [cap]
  double vdd_V = 0, wall_s = 0;
};

// A short transient of the first bench, so an unreadable card fails before the stage runs.
Probe wta_transistor_probe(const WtaTransistorConfig& c);
WtaTransistorResult run_wta_transistor_stage(const WtaTransistorConfig& c, StageScope& scope);
// The trip path's Pelgrom Monte Carlo (periph::wta_trip_mismatch), run before the behavioural
// Monte Carlo so that its offset sigma can be the measured one; nullopt without samples.
std::optional<periph::WtaTripMismatch> run_wta_mismatch(const WtaTransistorConfig& c, StageScope& scope);
// The twin's offset sigma equivalent to the measured trip sigma: the same fraction of the trip
// level, sigma x twin v_trip / x_trip.
double twin_offset_sigma_V(const periph::WtaTripMismatch& m, double twin_v_trip_V);
void print_wta_transistor(const WtaTransistorConfig& c, const WtaTransistorResult& r, const Sink& out);
void write_wta_transistor(const WtaTransistorConfig& c, const WtaTransistorResult& r, H5Writer& out);

}  // namespace cimchar::flows
