// The time-domain k-WTA with transistor-level comparators: every input's bit-line current
// (an ideal source) charges its capacitor C; two CMOS inverters (BSIM4 on a public card) turn
// the rising capacitor voltage into a fire signal; once k inputs fired, the inhibit signal turns
// on an NMOS clamp on every capacitor that has not fired (two NMOS in series, gated by the
// inhibit and by the first inverter's output), which holds those inputs below their trip point
// while the winners stay fired; a keeper PMOS (gated by the first inverter's output) latches a
// fired capacitor high, so a fire is decisive and the inhibit cannot pull it back halfway. The counter that compares the fired count with k - 0.5 is behavioural (a tanh of
// the summed fire signals); the comparators and the inhibit switches are transistors. The fire
// time of input i is when its second inverter's output rises through VDD/2; the decision time
// is when the inhibit signal does. Units SI.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace cimchar::spice {
class WorkerPool;
struct Job;
struct JobResult;
}

namespace cimchar::periph {

struct WtaTransistorDesign {
  std::string node = "ptm45hp";
  size_t n_inputs = 4, k = 1;
  double c_F = 100e-15;
  double l_m = 45e-9, w_n_m = 0.5e-6, w_p_m = 1e-6;  // both inverters
  double w_clamp_m = 0.5e-6;
  double w_keeper_m = 1e-6;     // PMOS latching a fired capacitor high (stronger than the clamp)
  double t_inhibit_s = 20e-12;  // the counter's first-order delay
  void validate() const;        // ConfigError naming the key
};

struct WtaTransistorRun {
  std::vector<double> t_fire_s;  // per input; NaN when it did not fire
  std::vector<bool> fired;       // fired before the decision (inhibit at VDD/2)
  double t_decision_s = 0;       // NaN when fewer than k fired
  // Up to the decision (the whole run when there is none):
  double energy_vdd_J = 0;       // the inverters', keepers' and clamps' supply (crowbar included)
  double energy_inputs_J = 0;    // vdd x the charge the current sources delivered
};

// The bench netlist for currents i_A (the transient's length is run_wta_transistor's).
std::string render_wta_transistor_bench(const WtaTransistorDesign& d, const std::string& devices_dir,
                                        const std::vector<double>& i_A);
WtaTransistorRun run_wta_transistor(spice::WorkerPool& pool, const WtaTransistorDesign& d,
                                    const std::string& devices_dir, const std::vector<double>& i_A,
                                    double t_stop_s);
// The same in two halves, for callers that run many benches as one pool batch: the job, and
// the run read from its result (SpiceError naming the job when it failed).
spice::Job wta_transistor_job(const WtaTransistorDesign& d, const std::string& devices_dir,
                              const std::vector<double>& i_A, double t_stop_s);
WtaTransistorRun wta_transistor_result(const WtaTransistorDesign& d, const spice::Job& job,
                                       const spice::JobResult& res);

// The quasi-static view of one input, from a DC sweep in ngspice of the capacitor node x (the
// first inverter and the keeper on it): the trip level, where the second inverter's output
// crosses VDD/2 (T(v_a) = VDD/2, T(x_trip) = v_a, T the inverter's transfer), and the keeper's
// current into x against x.
struct WtaQuasiStatic {
  double x_trip_V = 0;
  std::vector<double> x_V, i_keeper_A;
  // C * integral_0^x_trip dx / (I + I_keeper(x)): the fire time of a slow input current I.
  double fire_time_s(double c_F, double i_A) const;
};
WtaQuasiStatic wta_quasi_static(spice::WorkerPool& pool, const WtaTransistorDesign& d,
                                const std::string& devices_dir);

// Threshold mismatch of one input's trip path (Pelgrom: sigma(dVth) = A_VT / sqrt(W L) for the
// first and second inverters' NMOS and PMOS, each its own normal draw, applied as BSIM4
// delvto): each sample's trip level, where the second inverter's output rises through VDD/2 in
// a DC sweep of the capacitor node in ngspice, and the linearized prediction
// sqrt(sum (g_i sigma_i)^2) from each device's sensitivity g_i = d x_trip / d Vth_i (central
// differences at +-10 mV). The keeper's mismatch does not move the quasi-static trip level (it
// only loads the forced node) and is not drawn. One pool batch, samples sharing loaded
// circuits (alter sets).
struct WtaTripMismatch {
  std::vector<std::string> devices;         // na, pa, nb, pb
  std::vector<double> device_sigma_V;       // A_VT / sqrt(W L), per device
  std::vector<std::vector<double>> dvth_V;  // [sample][device]
  std::vector<double> x_trip_V;             // [sample]
  double nominal_V = 0, mean_V = 0, sigma_V = 0;
  std::vector<double> sensitivity;          // per device, V/V
  double linear_sigma_V = 0;
};
WtaTripMismatch wta_trip_mismatch(spice::WorkerPool& pool, const WtaTransistorDesign& d,
                                  const std::string& devices_dir, double a_vt_V_m, size_t samples,
                                  uint64_t seed);

}  // namespace cimchar::periph
