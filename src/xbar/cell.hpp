// Crossbar cell models for the native solver and the netlist generator, SI units.
//
//  - linear:  I = G V.
//  - sinh:    I = A sinh(V / V0), the read-out I-V of the Stanford/ASU RRAM model at a fixed gap g,
//             A = I0 exp(-g / g0) (Guan, Yu, Wong, IEEE EDL 33(10), 2012; Jiang et al., SISPAD 2014).
//             The array's G[r,c] sets A per cell: G is the chord conductance at v_ref_V,
//             I(v_ref) = G v_ref, i.e. A = G v_ref / sinh(v_ref / V0); v_ref_V = 0 means the
//             small-signal conductance at 0 V, A = G V0.
//  - table: a device known only as a netlist, its read I-V I(V; state) tabulated from ngspice
//             (device::TableTwin). G[r,c] sets the cell's state: the state whose chord
//             conductance at v_ref_V (0: small-signal at 0 V) is G; the amplitude is that state.
//  - 1T1R:    the resistive element above from the row node to an internal node x, then an NMOS
//             (drain x, source = column node, gate = the row's gate voltage, bulk on its own
//             node at the table's v_bulk): a BSIM4 card's transistor (devices/mosfet/) through its
//             I-V table taken from ngspice (src/device/mosfet_table.hpp), the one MOSFET model in
//             the code.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "device/mosfet_table.hpp"

namespace cimchar::device {
class TableTwin;
}

namespace cimchar::xbar {

// The form of the resistive element's read I-V (not a list of devices: a device card maps to
// one of these in cell_from_card).
enum class Element { linear, sinh, table };

struct SinhParams {
  double v0_V = 0.25;
  double v_ref_V = 0;  // G is the chord conductance at this voltage; 0: small-signal at 0 V
};

struct CellModel {
  Element element = Element::linear;
  SinhParams sinh;
  std::shared_ptr<const device::TableTwin> table;  // Element::table
  double table_v_ref_V = 0;                          // Element::table: G is the chord at this V
  bool transistor = false;  // 1T1R
  // 1T1R: the transistor as its ngspice I-V table (BSIM4 card, bulk at the table's v_bulk).
  std::shared_ptr<const device::MosfetTable> mos_table;
  std::vector<double> v_gate_V;  // per row, or one value for all rows

  void validate(size_t rows) const;  // ConfigError naming the field
  std::string describe() const;
  double gate(size_t r) const { return v_gate_V.size() == 1 ? v_gate_V[0] : v_gate_V[r]; }
  bool symmetric() const { return !transistor; }  // Jacobian symmetric (2-terminal cells)
  bool linear() const { return element == Element::linear && !transistor; }
  // Resistive element amplitude for reference conductance g: linear -> g, sinh -> A,
  // table -> the state (InputError when g is outside the device's range).
  double amplitude(double g_S) const;
  // The same for every cell of an array (a table's shapes at v_ref computed once).
  std::vector<double> amplitudes(const std::vector<double>& g_S) const;
};

// Resistive element current and its derivative at voltage v (amplitude from CellModel::amplitude).
struct ElementIV {
  double i, di_dv;
};
ElementIV element_iv(const CellModel& m, double amplitude, double v);

// One 1T1R or 2-terminal cell between row node u and column node w.
// iu: current leaving the row node into the cell; iw: current entering the column node from the
// cell (differs from iu by junction leakage to the bulk); j*: partial derivatives.
struct CellEval {
  double iu, iw;
  double diu_du, diu_dw, diw_du, diw_dw;
  double x;  // internal node voltage (1T1R), else 0
};
// x_guess: starting point for the internal node (1T1R), NaN for none.
CellEval eval_cell(const CellModel& m, double amplitude, double v_gate, double u, double w,
                   double x_guess);

}  // namespace cimchar::xbar
