// A transistor's DC I-V taken from ngspice: the C++ twin of a BSIM4 card (devices/mosfet/).
// Rather than a second hand-written MOSFET model, the terminal currents of one instance (card,
// W, L, bulk at a fixed voltage) are tabulated at each gate voltage used, so the table holds the
// channel, the drain/source junctions to the bulk (forward and reverse) and gate tunnelling,
// exactly as ngspice has them.
//
// Grid: the source voltage vs on a uniform grid over [v_min, v_max]; at each vs, the drain-source
// voltage vds on a sinh-spaced grid vds_k = knee sinh(t_k), t uniform, with the drain over
// [v_min, v_max]: steps of about knee * dt near Vds = 0, where reads sit and the triode current
// changes fastest relative to itself, growing to ~|vds| dt far from it. Interpolated: along vds by a monotone
// piecewise-cubic Hermite (Fritsch-Carlson slopes, Fritsch & Carlson, SIAM J. Numer. Anal. 17(2),
// 1980) of asinh(I / I_row), I_row the row's current one step from Vds = 0 (linear through the
// zero crossing, logarithmic in the exponential subthreshold and junction currents): C1,
// monotone wherever the data is; across source rows linearly in asinh(I / 0.1 pA) (geometric
// between currents of one sign, as subthreshold and junction currents are exponential in vs).
// Continuous everywhere; the partial derivatives are the interpolant's own, for Newton solvers.
// SI units. The ngspice sweep itself is built here as text (dc_netlist, dc_command) and run by
// the caller's worker pool (src/flows/mosfet_tables.hpp); the device layer never runs ngspice.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace cimchar::device {

struct MosfetTableSpec {
  std::string node = "ptm45hp";  // device::mosfet_node name
  bool pmos = false;
  double w_m = 200e-9, l_m = 45e-9;
  double v_bulk_V = 0;
  std::vector<double> v_gate_V;  // one table per gate voltage
  double v_min_V = -1.6, v_max_V = 1.6;  // drain and source node range
  double step_V = 0.025;                 // source grid step
  double vds_knee_V = 0.1;               // vds grid: knee sinh(t), dense within ~knee of 0
  int vds_points = 81;                   // per source row

  void validate() const;  // ConfigError naming the field
  std::string mod_path(const std::string& devices_dir) const;
  std::string model_name() const;
  size_t vs_points() const;
  double vs_row(size_t ks) const;                // the source voltage of row ks
  std::vector<double> vds_grid(double vs) const;  // that row's drain-source voltages
  // One dc sweep per gate voltage and block of source rows [row0, row0 + rows) (rows 0: to the
  // end): vds fastest, then vs (integer index sources vt and vk). Concatenated in row order,
  // the blocks' vectors are the gate's sweep.
  std::string dc_netlist(const std::string& devices_dir, double v_gate_V, size_t row0 = 0) const;
  std::string dc_command(size_t row0 = 0, size_t rows = 0) const;
  static std::vector<std::string> dc_vectors() { return {"i(vd)", "i(vs)"}; }
  // The instance line of the same transistor in another netlist (bulk node given).
  std::string instance(const std::string& name, const std::string& d, const std::string& g,
                       const std::string& s, const std::string& b) const;
  // Everything that decides the table's values, as text (the on-disk cache's key).
  std::string key_text() const;
};

struct MosfetIV {
  double id_A;      // current into the drain terminal
  double is_A;      // current out of the source terminal (id minus bulk and gate currents)
  double did_dvd, did_dvs, dis_dvd, dis_dvs;
};

class MosfetTable {
 public:
  MosfetTable() = default;
  // From the ngspice vectors of each gate's sweep (dc_vectors, in the order of dc_command).
  // Throws cimchar::Error on a wrong length or NaN.
  static MosfetTable from_sweeps(const MosfetTableSpec& spec,
                                 const std::vector<std::vector<double>>& i_vd,
                                 const std::vector<std::vector<double>>& i_vs);
  const MosfetTableSpec& spec() const { return spec_; }
  // v_gate must be one of spec().v_gate_V (within 1 uV); vs or vd outside [v_min, v_max] throw.
  MosfetIV eval(double v_gate_V, double vd_V, double vs_V) const;
  bool covers(double v_V) const { return v_V >= spec_.v_min_V && v_V <= spec_.v_max_V; }

  // The raw sweeps (as from_sweeps took them), for the on-disk cache.
  void save(const std::filesystem::path& file) const;
  // nullptr-free: throws InputError when the file is unreadable or was made for another spec.
  static MosfetTable load(const std::filesystem::path& file, const MosfetTableSpec& spec);

 private:
  struct Grid {  // per gate, [ks * nv + k]; the rows' current scales [ks]
    std::vector<double> id, is, id_slope, is_slope, id_ref, is_ref;
  };
  MosfetTableSpec spec_;
  size_t nvs_ = 0, nv_ = 0;
  std::vector<double> vds_;  // [ks * nv + k]
  std::vector<Grid> g_;
  std::vector<std::vector<double>> raw_vd_, raw_vs_;
};

}  // namespace cimchar::device
