// The crossbar's wire network as two families of lines: one chain per row (word line) and one
// per column (bit line), coupled only through the cells. A line with zero wire resistance is one
// node; such a line whose end resistance is also zero has its voltage fixed (an ideal source or
// the virtual ground) and no unknowns.
//
// Storage: row-node vectors ("u space") hold N*M values, row-major, for resistive rows and N
// values for collapsed rows; column-node vectors ("w space") hold N*M values, row-major, for
// resistive columns and M values for collapsed columns. Cell (r,c) touches u[ui(r,c)] and
// w[wi(r,c)].
//
// Each line's matrix is the wire Laplacian (with its end conductances) plus a per-cell diagonal;
// it is tridiagonal and factored by the Thomas algorithm (Golub & Van Loan, Matrix Computations,
// 4th ed., sec. 4.3). Column lines are swept row by row so that the inner loop runs over all
// columns at once.
#pragma once

#include <cstddef>
#include <vector>

#include "xbar/crossbar.hpp"

namespace cimchar::xbar {

struct Network {
  size_t N = 0, M = 0;
  bool row_full = false, row_fixed = false;
  bool col_full = false, col_fixed = false;
  double g_wire_row = 0, g_wire_col = 0;  // per segment (resistive lines)
  double g_drv = 0;    // per driver: 1/(r_driver + r_wire_row); collapsed: all drivers together
  double g_sense = 0;  // 1/(r_sense + r_wire_col) or 1/r_sense (collapsed)
  bool drive_both = false;
  size_t sense_row = 0;  // the row next to the sense end
  double v_sense = 0;

  Network(size_t rows, size_t cols, const Wiring& w);

  size_t u_size() const { return row_full ? N * M : N; }
  size_t w_size() const { return col_full ? N * M : M; }
  size_t w_unknowns() const { return col_fixed ? 0 : w_size(); }
  size_t ui(size_t r, size_t c) const { return row_full ? r * M + c : r; }
  size_t wi(size_t r, size_t c) const { return col_full ? r * M + c : c; }
  // w-space index of column c's node at the sense end.
  size_t sense_index(size_t c) const { return col_full ? sense_row * M + c : c; }

  // KCL residuals (currents leaving each node through wires, drivers and sense resistors).
  // v_in: one value per row. Adds to f (sized u_size / w_size); fixed lines get 0.
  void add_row_wire_currents(const double* u, const double* v_in, double* f) const;
  void add_col_wire_currents(const double* w, double* f) const;
  // y += K p for the column wire Laplacian (sense conductance included), w space.
  void add_col_wire_matvec(const double* p, double* y) const;
};

// Thomas factors of all row lines (or all column lines) for a per-cell diagonal.
class LineFactors {
 public:
  // Row lines: diag adds cell_diag[r*M+c] to row node ui(r,c).
  void factor_rows(const Network& net, const double* cell_diag);
  // Column lines: diag adds cell_diag[r*M+c] to column node wi(r,c).
  void factor_cols(const Network& net, const double* cell_diag);
  // out = A^{-1} rhs (out may alias rhs). Fixed lines give 0.
  void solve(const double* rhs, double* out) const;
  // Diagonal of A^{-1} in the line's node space (word lines; cell_diag as given to factor_rows).
  void inverse_diagonal(const double* cell_diag, std::vector<double>* out) const;

  // Thomas factors for fused kernels: 1/pivot per node; the forward multiplier of node i is
  // off() * inv()[i-1].
  const std::vector<double>& inv() const { return inv_; }
  double off() const { return off_; }

 private:
  const Network* net_ = nullptr;
  bool rows_ = true;
  bool full_ = false, fixed_ = false;
  std::vector<double> inv_;   // 1 / pivots
  double off_ = 0;            // off-diagonal entry (-g_wire)
};

}  // namespace cimchar::xbar
