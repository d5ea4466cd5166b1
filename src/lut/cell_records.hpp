// LUT records of the cell and variation stages (record.hpp says what a record is). Written by
// flows/cell_flow.cpp and flows/variation_flow.cpp; read by tools/report.py, python/cimchar and
// the tests (the attention executor draws its cell errors from the variation model itself).
#pragma once

#include <string>
#include <vector>

#include "lut/record.hpp"

namespace cimchar::lut {

// Static read current of one cell against its state and the read voltage (ngspice DC runs of
// the static cell through the card's series resistor). cell.h5.
struct ReadCurrentLut {
  static constexpr const char* kGroup = "/lut/read_current";
  static constexpr const char* kDescription =
      "read current of the cell with its state held, against the state and the read voltage "
      "(ngspice DC operating points of the static cell)";
  static constexpr Interpolation kInterpolation = Interpolation::linear;

  std::vector<double> state, v_read;  // increasing
  std::vector<double> i;              // [state, v_read]
  // The device model's state unit (a pint/UDUNITS string, e.g. "m" for a filament gap); set
  // by the writer from the model, read back from the file.
  std::string state_units;

  void fields(Visitor& v);
  // Bilinear interpolation of i at (state, v_read), the record's `linear` rule; InputError
  // naming `file` for a point outside the axes or a table that is not [state, v_read].
  double current_A(double at_state, double at_v_V, const std::string& file) const;
};

// Relative conductance error of a programmed cell per target level, from the variation
// Monte Carlo (G_read from ngspice). variation.h5.
struct CellErrorLut {
  static constexpr const char* kGroup = "/lut/cell_error";
  static constexpr const char* kDescription =
      "statistics of the relative read-conductance error (G_read - G_target)/G_target of a "
      "programmed cell over the Monte Carlo samples, per target conductance";
  static constexpr Interpolation kInterpolation = Interpolation::linear;

  std::vector<double> target_g;  // S, increasing
  std::vector<double> mean_rel, sigma_rel, q05_rel, q50_rel, q95_rel;
  std::string definition;

  void fields(Visitor& v);
};

// Column-current error of whole arrays programmed with variation (native solver), per array
// size, without and with wire resistance. variation.h5, present when the flow sets xbar_sizes.
struct ColumnErrorLut {
  static constexpr const char* kGroup = "/lut/column_error";
  static constexpr const char* kDescription =
      "statistics of the column-current error (I_column - I_ideal)/max|I_ideal| of arrays "
      "programmed with variation, per array size, without (ir_drop = 0) and with (1) wire "
      "resistance";
  static constexpr Interpolation kInterpolation = Interpolation::nearest;

  std::vector<double> size, ir_drop;
  std::vector<double> mean, sigma, q05, q95;  // [size, ir_drop]
  double r_wire_ohm = 0, input_activity = 0, arrays = 0;
  std::string definition;

  void fields(Visitor& v);
};

}  // namespace cimchar::lut
