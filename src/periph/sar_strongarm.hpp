// A SAR ADC with a transistor-level comparator: the binary-weighted capacitive DAC of
// netlists/adc.lib (capacitors 2^i cu with their mismatch, a unit dummy, bottom-plate sampling;
// the SAR logic and the bottom-plate drivers behavioural, adc_sar_drv / adc_hold) deciding with
// the StrongARM (netlists/strongarm.lib, BSIM4). The top plate samples at the comparator's
// common mode vcm (the NMOS pair needs it; the behavioural bench samples at 0 V), and the
// StrongARM compares vcm (inp) with the top plate (inn): it decides 1 when vin exceeds the DAC's
// trial level. Its clock is one pulse per bit cycle (none during sampling), a series string of
// N periodic sources. One ngspice transient converts a staircase of inputs, one per conversion.
// Units SI.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "periph/adc_twin.hpp"
#include "periph/strongarm_netlist.hpp"

namespace cimchar::spice {
class WorkerPool;
struct Job;
}

namespace cimchar::periph {

struct SarStrongArmDesign {
  int bits = 4;
  double vref_V = 1.0;        // the drivers' reference: full scale 0 .. vref
  double unit_cap_F = 50e-15; // cu: the comparator's kickback lands on 2^N cu
  double t_sample_s = 1e-9, t_bit_s = 1e-9;
  StrongArmDesign comparator;  // its vcm is the top plate's sampling level
  double conversion_s() const { return t_sample_s + bits * t_bit_s; }
  AdcDesign as_adc() const { return {AdcArch::sar, bits, vref_V}; }
  void validate() const;  // ConfigError naming the key
  std::string describe() const;
};

struct SarStrongArmBench {
  std::string netlist;
  std::vector<std::string> commands;
  std::vector<std::string> vectors;
};

// vin: one input per conversion; cap_rel: N + 1 relative capacitor errors (bit 0 .. N-1, then the
// dummy; empty = none); dvth: the comparator's threshold shifts (strongarm_devices order; empty =
// nominal).
SarStrongArmBench render_sar_strongarm_bench(const SarStrongArmDesign& d, const std::string& devices_dir,
                                             const std::vector<double>& vin,
                                             const std::vector<double>& cap_rel,
                                             const std::vector<double>& dvth);

struct SarStrongArmRun {
  std::vector<int> codes;   // per conversion
  double energy_vdd_J = 0;  // per conversion: the comparator's supply (N decisions)
  double energy_clk_J = 0;  // per conversion: its clock source
};
SarStrongArmRun sar_strongarm_from_vectors(const SarStrongArmDesign& d, size_t conversions,
                                           const std::map<std::string, std::vector<double>>& v);
SarStrongArmRun run_sar_strongarm(spice::WorkerPool& pool, const SarStrongArmDesign& d,
                                  const std::string& devices_dir, const std::vector<double>& vin,
                                  const std::vector<double>& cap_rel, const std::vector<double>& dvth);
// run_sar_strongarm's job (its name names the card and netlists), for callers that run many
// samples as one pool batch and read each with sar_strongarm_from_vectors.
spice::Job sar_strongarm_job(const SarStrongArmDesign& d, const std::string& devices_dir,
                             const std::vector<double>& vin, const std::vector<double>& cap_rel,
                             const std::vector<double>& dvth);

}  // namespace cimchar::periph
