// Characterization of the transistor-level StrongARM comparator in ngspice through the worker
// pool, and the behavioural twin fitted to it. Units SI (V, s, J, m, m^2).
//  - Offset: Monte Carlo of Pelgrom threshold mismatch, sigma(dVth) = A_VT / sqrt(W L) drawn
//    independently for every transistor (M. Pelgrom, A. Duinmaijer, A. Welbers, "Matching
//    properties of MOS transistors", IEEE JSSC 24(5), 1989), applied as BSIM4 delvto.
//    Each sample's input-referred offset is found by a staircase search: one transient steps the
//    differential input through `levels` values, the flip between two adjacent levels brackets
//    the offset, and the next round steps through that bracket (resolution range*2/(levels-1)
//    / (levels-1) after two rounds; a sample outside the window is searched in one twice as
//    wide beyond it, up to 4 times). Each staircase starts with a warm-up cycle. Samples ride
//    as alter sets, `samples_per_job` per job.
//  - Delay versus overdrive: nominal devices, one cycle per overdrive, clock edge (50%) to the
//    first output crossing VDD/2; fit t_d = t0 + tau ln(VDD / dV) by least squares.
//  - Energy per decision: supply energy integrated over each clock cycle of the delay bench
//    (the clock source's energy is reported apart).
//  - Area: layout_factor x sum(W L).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "periph/strongarm_netlist.hpp"

namespace cimchar::spice {
class WorkerPool;
}

namespace cimchar::periph {

struct StrongArmOptions {
  // A_VT for the node, V m (4.5 mV um = 4.5e-9 V m): see docs/peripherals.md for the source.
  double a_vt_V_m = 4.5e-9;
  bool input_pair_only = false;  // mismatch on in1/in2 alone (a test of the search)
  int mc_samples = 32;
  uint64_t seed = 1;
  int samples_per_job = 8;
  double search_range_V = 0.06;  // first round: levels over [-range, +range]
  int search_levels = 16;
  int search_rounds = 2;         // refinement rounds after the bracket is found
  std::vector<double> overdrives_V = {0.25e-3, 0.5e-3, 1e-3, 2e-3, 5e-3, 10e-3, 20e-3};
  double layout_factor = 10;     // layout area over the sum of gate areas (an assumption)
  void validate() const;
  std::string describe() const;
};

struct StrongArmResult {
  std::vector<std::vector<double>> dvth_V;  // per sample, per device (strongarm_devices order)
  std::vector<double> offset_V;             // per sample
  double offset_resolution_V = 0;           // half the final step
  double offset_mean_V = 0, offset_sigma_V = 0;  // sample mean and standard deviation
  double pelgrom_pair_sigma_V = 0;  // sqrt(2) A_VT / sqrt(W L) of the input devices
  std::vector<double> overdrive_V, delay_s;
  std::vector<bool> decision;       // outp rose in each delay cycle (all overdrives positive)
  double t0_s = 0, tau_s = 0, fit_r2 = 0;
  std::vector<double> energy_vdd_J, energy_clk_J;  // per delay cycle
  double energy_J = 0;              // mean supply energy per decision
  double energy_clk_J_mean = 0;
  double gate_area_m2 = 0, area_m2 = 0;
};

// Threshold shifts of one Monte Carlo sample (stream `sample` of the seed).
std::vector<double> draw_strongarm_mismatch(const StrongArmDesign& d, const StrongArmOptions& o,
                                            uint64_t sample);

// Runs the offset Monte Carlo and the delay/energy bench. SpiceError (bad_input for a netlist
// ngspice cannot read, naming the files) when a job fails.
StrongArmResult characterize_strongarm(spice::WorkerPool& pool, const StrongArmDesign& d,
                                       const StrongArmOptions& o, const std::string& devices_dir);
// Parts of it, for callers that need one.
void measure_offsets(spice::WorkerPool& pool, const StrongArmDesign& d, const StrongArmOptions& o,
                     const std::string& devices_dir, StrongArmResult& r);
// The input-referred offset of each given set of threshold shifts (one comparator each, at the
// design's vcm), by the staircase search; resolution_V is half the final step.
std::vector<double> search_offsets(spice::WorkerPool& pool, const StrongArmDesign& d,
                                   const StrongArmOptions& o, const std::string& devices_dir,
                                   const std::vector<std::vector<double>>& dvth,
                                   double& resolution_V);
// Input-referred offset per volt of threshold shift on each device (strongarm_devices order),
// from the offsets with +-shift_V on that device alone: the linear mismatch analysis. With
// Pelgrom sigmas s_i it predicts the offset sigma sqrt(sum (g_i s_i)^2).
std::vector<double> offset_sensitivities(spice::WorkerPool& pool, const StrongArmDesign& d,
                                         const StrongArmOptions& o, const std::string& devices_dir,
                                         double shift_V = 0.02);
void measure_delay_energy(spice::WorkerPool& pool, const StrongArmDesign& d,
                          const StrongArmOptions& o, const std::string& devices_dir,
                          StrongArmResult& r);

// Least-squares t = t0 + tau ln(vdd / dv); r2 is the coefficient of determination.
struct LogDelayFit {
  double t0_s = 0, tau_s = 0, r2 = 0;
};
LogDelayFit fit_log_delay(const std::vector<double>& dv_V, const std::vector<double>& t_s,
                          double vdd_V);

// The behavioural comparator the threshold/ADC/WTA twins can use: a Gaussian input offset of
// sigma offset_sigma_V (mean offset_mean_V), a decision delay t0 + tau ln(VDD / |dV|) (floored
// at t0 for |dV| >= VDD), and a fixed energy per decision.
struct StrongArmTwin {
  double vdd_V = 1;
  double offset_mean_V = 0, offset_sigma_V = 0;
  double t0_s = 0, tau_s = 0;
  double energy_J = 0, energy_clk_J = 0;
  double area_m2 = 0;
  double delay_s(double overdrive_V) const;
  // The decision for input vd with this instance's offset (a draw of N(mean, sigma)).
  bool decide(double vd_V, double offset_V) const { return vd_V > offset_V; }
};
StrongArmTwin fit_strongarm_twin(const StrongArmDesign& d, const StrongArmResult& r);

}  // namespace cimchar::periph
