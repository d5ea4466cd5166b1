// The ngspice jobs of the cell flow, each built from the device card's test bench: a source
// through a series (compliance) resistor into the cell. Every job returns its vectors through
// the worker pool; the parse functions turn them into plain numbers.
#pragma once

#include <vector>

#include "core/param_table.hpp"
#include "spice/pool.hpp"

namespace cimchar::flows {

struct CellBenchSettings {
  double r_series_ohm = 20e3;
  double temp_K = 300;
  double c_cell_F = 1e-15;  // parasitic capacitance across the cell
};

struct IvLoop {
  std::vector<double> t_s, v_V, i_A, state;
};
// Triangle sweep 0 -> v_max -> 0 -> v_min -> 0 at sweep_rate_V_per_s, from state0.
spice::Job iv_loop_job(const ParamTable& card, const CellBenchSettings& b, double state0,
                       double v_max_V, double v_min_V, double sweep_rate_V_per_s);
IvLoop parse_iv_loop(const std::string& name, const spice::JobResult& r, double node_scale);

// Read current at each voltage with the state held fixed.
spice::Job read_iv_job(const ParamTable& card, double state, const std::vector<double>& v_V);
std::vector<double> parse_read_iv(const std::string& name, const spice::JobResult& r);

struct PulseRead {
  double state_after = 0;
  double i_read_A = 0;
  double v_dev_V = 0;  // voltage across the cell during the read (the series resistor takes the rest)
  double g_read_S() const { return i_read_A / v_dev_V; }
};
// A rectangular pulse (amplitude v, width w; 5% edges, at most 1 ns) from state0, then a 10 ns
// read at v_read through the same series resistor. v_pulse = 0 or width = 0: the read alone.
spice::Job pulse_read_job(const ParamTable& card, const CellBenchSettings& b, double state0,
                          double v_pulse_V, double width_s, double v_read_V);
PulseRead parse_pulse_read(const std::string& name, const spice::JobResult& r, double node_scale);

struct DisturbTrace {
  std::vector<double> state, i_read_A;  // after each read
};
// n_reads read pulses of v_read and width w, period 2w, from state0.
spice::Job disturb_job(const ParamTable& card, const CellBenchSettings& b, double state0,
                       double v_read_V, double width_s, int n_reads);
DisturbTrace parse_disturb(const std::string& name, const spice::JobResult& r, int n_reads,
                           double width_s, double node_scale);

}  // namespace cimchar::flows
