// The SPRINT-style threshold comparator at transistor level: the bit-line current (an ideal
// source, the analog dot product of a query with a key column) charges the integration capacitor
// from 0 V for the integration window; at its end the StrongARM (netlists/strongarm.lib, BSIM4)
// compares the integrated node (inp) with the threshold v_th (inn) and keeps the key when it is
// above. Between decisions an NMOS reset switch empties the capacitor. One ngspice transient
// decides a staircase of currents, one per cycle (reset, integrate, decide). Units SI.
#pragma once

#include <string>
#include <vector>

#include "periph/strongarm_netlist.hpp"

namespace cimchar::spice {
class WorkerPool;
}

namespace cimchar::periph {

struct ThresholdStrongArmDesign {
  double c_int_F = 100e-15;
  double t_int_s = 10e-9;      // integration window
  double t_reset_s = 1e-9;     // reset phase before it
  double v_th_V = 0.7;         // the threshold (also the StrongARM's common mode near a decision)
  double w_reset_m = 1e-6;     // NMOS reset switch
  StrongArmDesign comparator;  // its clock period is the decision phase; vcm unused
  double cycle_s() const { return t_reset_s + t_int_s + comparator.t_clk_s; }
  void validate() const;       // ConfigError naming the key
};

struct ThresholdStrongArmRun {
  std::vector<bool> keep;      // per cycle
  double energy_comparator_J = 0;  // per decision, the StrongARM's supply
  std::vector<double> v_int_V;     // the integrated node when the comparator's clock rises
};

std::string render_threshold_strongarm_bench(const ThresholdStrongArmDesign& d,
                                             const std::string& devices_dir,
                                             const std::vector<double>& i_A,
                                             const std::vector<double>& dvth);
ThresholdStrongArmRun run_threshold_strongarm(spice::WorkerPool& pool,
                                              const ThresholdStrongArmDesign& d,
                                              const std::string& devices_dir,
                                              const std::vector<double>& i_A,
                                              const std::vector<double>& dvth);

}  // namespace cimchar::periph
