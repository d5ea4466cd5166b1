// ngspice benches for the transistor-level StrongARM comparator (netlists/strongarm.lib) on a
// public BSIM4 card (devices/mosfet/<node>.mod), and the decisions, delays and supply energy
// read back from their vectors. One bench is one transient over K clock cycles; cycle k holds
// the differential input level k (inp = vcm + vd/2, inn = vcm - vd/2), which changes while the
// clock is low (reset). Units SI: V, s, m, J.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace cimchar::periph {

struct StrongArmDesign {
  std::string node = "ptm45hp";  // device::mosfet_node(): card and VDD
  double l_m = 45e-9;            // channel length of every device (drawn)
  double w_tail_m = 2e-6;
  double w_in_m = 4e-6;          // input pair, each
  double w_nlatch_m = 1e-6;      // cross-coupled NMOS, each
  double w_platch_m = 1e-6;      // cross-coupled PMOS, each
  double w_reset_m = 0.5e-6;     // the four reset PMOS
  double w_buf_n_m = 0.5e-6;     // output inverters
  double w_buf_p_m = 1e-6;
  double l_diff_m = 90e-9;       // source/drain diffusion length (junction area w * l_diff)
  double vcm_V = 0.7;            // input common mode
  double t_clk_s = 500e-12;      // clock period; high (evaluate) for the first half
  double t_edge_s = 20e-12;      // clock rise and fall time
  void validate() const;         // ConfigError naming the key and its allowed range
  std::string describe() const;
};

// One transistor of the subcircuit: its name matches the delvto parameter d_<name>.
struct StrongArmDevice {
  std::string name;
  bool pmos = false;
  double w_m = 0, l_m = 0;
};
std::vector<StrongArmDevice> strongarm_devices(const StrongArmDesign& d);

struct StrongArmBench {
  std::string netlist;
  std::vector<std::string> commands;
  std::vector<std::string> vectors;
};

// Cycle k's differential input is levels[k]: a number, or an expression of the bench's
// parameters in braces (e.g. "{lo+3*st}"); the bench declares .param lo, st and one
// .param dvt_<device> per transistor (0 V), so Monte Carlo changes them with `alterparam`.
// `fine` bounds the time step to 1 ps (for delays); otherwise ngspice picks it (decisions).
StrongArmBench render_strongarm_bench(const StrongArmDesign& d, const std::string& devices_dir,
                                      const std::vector<std::string>& levels, bool fine);

// One StrongARM instance line `x<name> <clk> <inp> <inn> <outp> <outn> vdd 0 strongarm ...` with
// the design's sizes and, when dvth is not empty, its threshold shifts as numbers
// (strongarm_devices order). The netlist must .include strongarm.lib and the node's card and
// have a vdd node.
std::string strongarm_instance(const StrongArmDesign& d, const std::string& name,
                               const std::string& clk, const std::string& inp,
                               const std::string& inn, const std::string& outp,
                               const std::string& outn, const std::vector<double>& dvth);

// The decision of each cycle (true: outp, i.e. vd above the offset), read from the latch nodes
// p and q at the end of the evaluate phase. SpiceError when vectors are missing or short.
std::vector<bool> decisions_from_vectors(const StrongArmDesign& d, size_t cycles,
                                         const std::map<std::string, std::vector<double>>& v,
                                         const std::string& suffix = "");

struct CycleMeasure {
  double delay_s = 0;      // clock edge (50%) to the first output crossing VDD/2
  bool decision = false;   // outp rose (not outn)
  double energy_vdd_J = 0; // supply energy over the cycle (rising edge to rising edge)
  double energy_clk_J = 0; // energy the clock source delivered over the cycle
};
// From a `fine` bench's vectors; SpiceError when an output never crosses in a cycle.
std::vector<CycleMeasure> cycles_from_vectors(const StrongArmDesign& d, size_t cycles,
                                              const std::map<std::string, std::vector<double>>& v);

}  // namespace cimchar::periph
