// LUT records of the crossbar stages (record.hpp says what a record is). Written by
// flows/irdrop_flow.cpp; read by attention/nonideal.cpp (the model) and tools that look up
// the IR-drop ratio.
#pragma once

#include <string>
#include <vector>

#include "lut/record.hpp"

namespace cimchar::lut {

// Mean column current with IR drop over the ideal current, by array size, wire resistance,
// conductance distribution, input activity, on-conductance and column position. irdrop.h5.
struct IrDropLut {
  static constexpr const char* kGroup = "/lut/irdrop";
  static constexpr const char* kDescription =
      "mean I/I_ideal of the columns of square arrays (native solver; the compact model's value "
      "beside it), against array size, wire resistance per segment, conductance distribution, "
      "fraction of rows driven, on-conductance and column position";
  static constexpr Interpolation kInterpolation = Interpolation::linear;

  std::vector<double> size, r_wire, distribution, activity, g_on, position;  // axes
  std::vector<double> ratio, ratio_model;  // [size, r_wire, distribution, activity, g_on, position]
  double g_off_over_g_on = 0, p_on = 0, v_read_V = 0, r_driver_ohm = 0, r_sense_ohm = 0;
  std::string distributions, cell;

  void fields(Visitor& v);
  // Checks a consumer relies on: positive ratios at most 1 (+1e-9); InputError naming `file`.
  void validate(const std::string& file) const;
};

// The compact IR-drop model fitted by the irdrop stage: I[c] = I_ideal[c] exp(theta . phi(c)).
struct IrDropModelLut {
  static constexpr const char* kGroup = "/lut/irdrop/model";
  static constexpr const char* kDescription =
      "coefficients of the compact IR-drop model (xbar::IrDropModel, docs/crossbar.md) and its "
      "relative current errors against the native solver and ngspice";
  static constexpr Interpolation kInterpolation = Interpolation::none;

  std::vector<double> term, theta;
  std::string basis, form;
  double rel_err_vs_native_max = 0, rel_err_vs_native_rms = 0;
  double rel_err_vs_native_bins_max = 0, rel_err_vs_native_bins_rms = 0;
  double rel_err_vs_ngspice_max = 0, rel_err_vs_ngspice_rms = 0;
  double theory_rel_err_vs_native_max = 0, theory_rel_err_vs_native_rms = 0;
  double native_vs_ngspice_max = 0, native_vs_ngspice_rms = 0;

  void fields(Visitor& v);
};

}  // namespace cimchar::lut
