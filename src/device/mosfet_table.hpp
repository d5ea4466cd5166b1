// A transistor's DC I-V taken from ngspice: the C++ twin of a BSIM4 card (devices/mosfet/).
// Rather than a second hand-written MOSFET model, the terminal currents of one instance (card,
// W, L, bulk at a fixed voltage) are tabulated at each gate voltage used over a uniform grid of
// drain and source voltages of both signs, so the table holds the channel, the drain/source
// junctions to the bulk (forward and reverse) and gate tunnelling, exactly as ngspice has them.
// Between grid points asinh(I / 10 uA) is interpolated bilinearly (linear in small currents,
// logarithmic in the exponential subthreshold and junction currents): continuous, monotone along
// each axis wherever the data is, with partial derivatives for Newton solvers.
// SI units. The ngspice sweep itself is built here as text (dc_netlist, dc_command) and run by
// the caller's worker pool (src/flows/mosfet_tables.hpp); the device layer never runs ngspice.
#pragma once

#include <string>
#include <vector>

namespace cimchar::device {

struct MosfetTableSpec {
  std::string node = "ptm45hp";  // device::mosfet_node name
  bool pmos = false;
  double w_m = 200e-9, l_m = 45e-9;
  double v_bulk_V = 0;
  std::vector<double> v_gate_V;  // one table per gate voltage
  double v_min_V = -1.6, v_max_V = 1.6, step_V = 0.02;  // drain and source grid

  void validate() const;  // ConfigError naming the field
  std::string mod_path(const std::string& devices_dir) const;
  std::string model_name() const;
  // One dc sweep per gate voltage: sources vd, vs, vg, vb on nodes d, s, g, b.
  std::string dc_netlist(const std::string& devices_dir, double v_gate_V) const;
  std::string dc_command() const;  // "dc vd <min> <max> <step> vs <min> <max> <step>"
  // The instance line of the same transistor in another netlist (bulk node given).
  std::string instance(const std::string& name, const std::string& d, const std::string& g,
                       const std::string& s, const std::string& b) const;
};

struct MosfetIV {
  double id_A;      // current into the drain terminal
  double is_A;      // current out of the source terminal (id minus bulk and gate currents)
  double did_dvd, did_dvs, dis_dvd, dis_dvs;
};

class MosfetTable {
 public:
  MosfetTable() = default;
  // From the ngspice vectors of each gate's sweep: i(vd) and i(vs) in the order of
  // dc_command (drain fastest). Throws SpiceError-free cimchar::Error on a wrong length/NaN.
  static MosfetTable from_sweeps(const MosfetTableSpec& spec,
                                 const std::vector<std::vector<double>>& i_vd,
                                 const std::vector<std::vector<double>>& i_vs);
  const MosfetTableSpec& spec() const { return spec_; }
  // v_gate must be one of spec().v_gate_V (within 1 uV); vd, vs outside the grid throw.
  MosfetIV eval(double v_gate_V, double vd_V, double vs_V) const;
  bool covers(double v_V) const { return v_V >= spec_.v_min_V && v_V <= spec_.v_max_V; }

 private:
  MosfetTableSpec spec_;
  size_t n_ = 0;  // points per axis
  std::vector<std::vector<double>> id_, is_;  // per gate: [js * n_ + jd]
};

}  // namespace cimchar::device
