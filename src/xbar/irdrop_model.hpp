// Compact IR-drop model: the column currents of a crossbar with wire resistance relative to the
// ideal array, a cheap closed form in array size, column position, wire/driver/sense
// resistance, mean cell conductance g and input activity a (docs/crossbar.md, "IR-drop model").
//
// Each line alone, with uniform cells, is a resistive ladder with an exact discrete solution
// (rows driven at column 0 through R_d and a full segment, open at the far end; columns sensed
// past row N-1 through a full segment and R_s, open at row 0):
//   word line: u_c / V = A cosh((M - 1/2 - c) t),  cosh t = 1 + g R_row / 2,
//              A from the driver node's KCL            -> f_u(c) = u_c / V
//   bit line:  w_j = U - B cosh((j + 1/2) s),       cosh s = 1 + g R_col / 2,
//              B from the sense node's KCL; collected / ideal current
//              f_w = B sinh(N s) / (2 N U sinh(s/2))   (independent of the rows' voltages U, so
//              inactive rows, which draw current back out of the bit line, leave it unchanged)
// Coupled mean-field theory: the bit-line rise lets only the fraction f_w of the ideal cell
// currents through, so the word line is a ladder loaded by g f_w, and
//   I[c] / I_ideal[c] = f_u(c; g f_w) f_w
// (against the native solver at N = 32..256, 1-5 ohm: within 1-15% where the plain product
// f_u(c; g) f_w is off by up to 7x). The model fits the remaining coupling and the activity
// dependence in log space (f_u below is f_u(c; g f_w)):
//   ln(I[c] / I_ideal[c]) = sum_k theta_k phi_k,
//   phi = [ln f_u(c), ln f_w, ln f_u(c) ln f_w, (1-a) ln f_u(c), (1-a) ln f_w]
// theta = (1, 1, 0, 0, 0) is the mean-field theory; to first order in g R it gives
// I_ideal/I - 1 = g (R_d M + R_row (c+1)(M - c/2)) + g (R_s N + R_col (N+1)(2N+1)/6).
// The fit is linear least squares (Eigen) on the log ratio, i.e. on the relative current error.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace cimchar::xbar {

struct IrDropInputs {
  size_t rows = 0, cols = 0;
  double r_wire_row_ohm = 0, r_wire_col_ohm = 0, r_driver_ohm = 0, r_sense_ohm = 0;
  double g_mean_S = 0;  // mean cell conductance of the array
  double activity = 1;  // fraction of rows driven
};

constexpr size_t kIrDropFeatures = 5;

// The single-line ladder factors of the header.
double word_line_factor(const IrDropInputs& in, size_t c);  // f_u(c)
double bit_line_factor(const IrDropInputs& in);             // f_w

struct IrDropModel {
  std::vector<double> theta = {1, 1, 0, 0, 0};

  static const char* basis();  // "ln_fu,ln_fw,ln_fu*ln_fw,(1-a)*ln_fu,(1-a)*ln_fw"
  static std::vector<double> features(const IrDropInputs& in, size_t c);
  // I / I_ideal for every column.
  std::vector<double> ratio(const IrDropInputs& in) const;
};

struct IrDropSample {
  std::vector<double> phi;  // features
  double y = 0;             // measured ln(I / I_ideal)
};

// Least squares in y. Basis functions that vanish on every sample get theta = 0; FitError when
// the rest cannot be separated.
IrDropModel fit_irdrop_model(const std::vector<IrDropSample>& samples);

}  // namespace cimchar::xbar
