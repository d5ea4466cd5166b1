// A flash ADC at transistor level: a resistor ladder of 2^N equal segments from v_hi down to
// v_lo, and one StrongARM comparator (netlists/strongarm.lib, BSIM4 on a public card) per tap,
// inp on the input, inn on its tap, all on one clock. The code of a conversion is the number of
// comparators that decide 1 (a thermometer sum: a bubble counts as what it is). One ngspice
// transient converts a staircase of inputs, one per clock cycle, changed while the clock is low
// (reset). Monte Carlo: each comparator its own Pelgrom threshold shifts (BSIM4 delvto). Energy
// per conversion integrated from the supply and the ladder's reference sources. Units SI.
//
// The ladder lies inside the common-mode range of the StrongARM's NMOS input pair (at VDD 1.0 V
// the default 0.55-0.95 V): a transistor-level flash has an input range, not 0..VDD.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "periph/adc_twin.hpp"
#include "periph/strongarm_netlist.hpp"

namespace cimchar::spice {
class WorkerPool;
}

namespace cimchar::periph {

struct FlashStrongArmDesign {
  int bits = 3;
  double v_lo_V = 0.55, v_hi_V = 0.95;  // ladder ends
  double r_unit_ohm = 200;              // ladder segment
  // Decoupling capacitor on every tap: the comparators' kickback (their input pair's gate
  // charge when X/Y fall) would otherwise pull the taps down while they decide.
  double c_tap_F = 0.5e-12;
  StrongArmDesign comparator;           // its vcm is unused (each sees its tap)
  size_t comparators() const { return (size_t(1) << bits) - 1; }
  double lsb_V() const { return (v_hi_V - v_lo_V) / static_cast<double>(size_t(1) << bits); }
  double tap_V(size_t k) const { return v_lo_V + static_cast<double>(k) * lsb_V(); }  // k = 1..
  // The same converter as an AdcDesign (input measured from v_lo, full scale v_hi - v_lo).
  AdcDesign as_adc() const;
  void validate() const;  // ConfigError naming the key
  std::string describe() const;
};

struct FlashStrongArmBench {
  std::string netlist;
  std::vector<std::string> commands;
  std::vector<std::string> vectors;
};

// vin: one input per clock cycle (V, absolute); dvth: per comparator (tap 1 first), per device
// (strongarm_devices order), or empty for nominal devices. Cycle 0 is a warm-up (vin[0] too).
FlashStrongArmBench render_flash_strongarm_bench(const FlashStrongArmDesign& d,
                                                 const std::string& devices_dir,
                                                 const std::vector<double>& vin,
                                                 const std::vector<std::vector<double>>& dvth);

struct FlashStrongArmRun {
  std::vector<int> codes;         // per cycle
  double energy_vdd_J = 0;        // per conversion: comparators' supply (mean over the cycles)
  double energy_ladder_J = 0;     // per conversion: what the two reference sources deliver
  double energy_clk_J = 0;        // per conversion: the clock source (drives every tail gate)
  double energy_J() const { return energy_vdd_J + energy_ladder_J; }
};
// From the bench's vectors; SpiceError when vectors are missing or the transient stopped early.
FlashStrongArmRun flash_strongarm_from_vectors(const FlashStrongArmDesign& d, size_t cycles,
                                               const std::map<std::string, std::vector<double>>& v);

// Runs one bench (one Monte Carlo sample) in the pool; SpiceError naming the files on failure.
FlashStrongArmRun run_flash_strongarm(spice::WorkerPool& pool, const FlashStrongArmDesign& d,
                                      const std::string& devices_dir, const std::vector<double>& vin,
                                      const std::vector<std::vector<double>>& dvth);

}  // namespace cimchar::periph
