// ngspice netlist of a crossbar operating point, element by element from the convention in
// crossbar.hpp (docs/crossbar.md). Zero resistances merge nodes instead of emitting 0-ohm
// resistors (ngspice would silently turn those into 1 milliohm).
//
// Elements and names (r = row, c = column):
//   VIN<r> in<r> 0            row input;   RD<r> / RDB<r>  driver(s)
//   RW<r>_<c>                 word-line segments (RW<r>_0 from the driver, RWB<r> to the
//                             far-end driver with double drive)
//   RB<r>_<c>                 bit-line segments (RB<end>_<c> to the sense node)
//   RS<c>  s<c> vg<c>         sense resistance;   VS<c> vg<c> 0 DC v_sense  (virtual ground)
//   cells: R<r>_<c> (linear), B<r>_<c> I=A*sinh(V/V0) (sinh; V/V0 clamped to +-50 so that
//          ngspice's Newton iterates stay finite) or X<r>_<c> the device card's static
//          subcircuit (NetlistOptions::rram_card), plus for 1T1R an NMOS
//          M<r>_<c> x<r>_<c> g<r> <column node> <bulk: 0 or the column node> with VG<r> g<r> 0
//          the row's gate voltage.
// The column current I[c] is i(VS<c>): current flowing into the virtual ground.
#pragma once

#include <string>
#include <vector>

#include "core/param_table.hpp"
#include "xbar/cell.hpp"
#include "xbar/crossbar.hpp"

namespace cimchar::xbar {

struct NetlistOptions {
  std::string title = "cimchar crossbar operating point";
  std::string solver_options;  // e.g. ".options klu" when the loaded ngspice has KLU
  // Newton tolerances: tight enough that ngspice's answer is converged well below the 1e-5
  // relative agreement the tests ask for (ngspice's default reltol is 1e-3).
  double reltol = 1e-9;
  double vntol_V = 1e-12;
  double abstol_A = 1e-18;
  // sinh cells from a device card (devices/stanford_asu.toml): `.include` its library and
  // instantiate its static subcircuit per cell with the state (gap) that gives the cell's
  // amplitude, gap = -g0 ln(A / I0), instead of a B-source. The card's V0 must equal the cell's.
  const ParamTable* rram_card = nullptr;
  // 1T1R with a transistor table (CellModel::mos_table): the folder holding devices/mosfet/,
  // whose BSIM4 card is included and instantiated per cell (bulk on node vbulk, held at the
  // table's v_bulk by VBULK).
  std::string devices_dir;
};

std::string crossbar_netlist(const Array& a, const Wiring& w, const CellModel& cell,
                             const std::vector<double>& v_in_V, const NetlistOptions& o = {});

// Vector names holding the column currents, in column order ("i(vs0)", ...).
std::vector<std::string> column_current_vectors(size_t cols);
// Vector names of the word-line and bit-line node voltages at cell (r,c).
std::string row_node_vector(const Wiring& w, size_t r, size_t c);
std::string col_node_vector(const Wiring& w, size_t r, size_t c);

}  // namespace cimchar::xbar
