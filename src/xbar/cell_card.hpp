// The one mapping from a device card to a crossbar cell (used by `cimchar xbar solve` and the
// irdrop stage): the device decides its read I-V, the crossbar only evaluates it.
//  - a card naming an RRAM card (`[model] rram`, devices/one_t_one_r.toml): a 1T1R cell, its
//    transistor from the card, its resistive element from the RRAM card as below;
//  - an RRAM card whose model has a C++ twin with a sinh read-out (a `V0` parameter): the exact
//    sinh element, no simulator;
//  - any other card (a netlist-only device): checked against its .lib, then its static
//    subcircuit's read I-V tabulated by ngspice (device/tabulate.hpp) into a table element.
// In the SPICE reference netlists the card's own static subcircuit stands in every cell.
#pragma once

#include <memory>
#include <string>

#include "core/param_table.hpp"
#include "xbar/cell.hpp"

namespace cimchar::xbar {

struct CellCardOptions {
  double v_ref_V = 0;        // G is the chord conductance at this voltage; 0: slope at 0 V
  double v_max_V = 1.0;      // tabulated cells: the largest |cell voltage| to expect
  double table_rtol = 1e-3;  // tabulated cells: interpolation error target
  int jobs = 0;              // ngspice workers for the tabulation (0 = cores)
  std::string ngspice_library;
  bool progress = false;
  // 1T1R cards: the transistor's ngspice I-V table at the gate voltages to be used.
  std::shared_ptr<const device::MosfetTable> transistor_table;
};

struct CardCell {
  CellModel cell;                         // v_gate is the caller's (1T1R)
  std::shared_ptr<ParamTable> rram_card;  // the resistive element's card (netlists include it)
  std::string how;                        // one line: which I-V and, for tables, their error
  double table_state_err = 0, table_v_err = 0;
};

CardCell cell_from_card(const ParamTable& card, const CellCardOptions& o);

}  // namespace cimchar::xbar
