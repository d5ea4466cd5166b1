// The crossbar's (linearized) nodal equations reduced to the column-wire nodes.
//
// With per-cell Jacobian entries a = diu/du, b = diu/dw, c = diw/du, d = diw/dw (currents as in
// cell.hpp), the Newton system for row-node updates du and column-node updates dw is
//     T du + B dw = -Fu          (row lines:    T = row wire Laplacian + diag(a))
//    -C du + (K - D) dw = -Fw    (column lines: K = column wire Laplacian + sense conductance)
// Row lines are eliminated exactly by tridiagonal solves (never formed: the Schur complement is
// dense), leaving  S dw = -Fw - C T^{-1} Fu  with  S = K - D + C T^{-1} B  on the column nodes.
// For two-terminal cells (a = c = g, b = d = -g) S is symmetric positive definite and solved by
// preconditioned CG; 1T1R cells make it nonsymmetric (GMRES). The preconditioner is the column
// lines' own tridiagonal matrices with the exact diagonal of C T^{-1} B added, so each column
// line sees its cells as loaded by the row line behind them.
#pragma once

#include <vector>

#include "xbar/network.hpp"

namespace cimchar::xbar {

// Per-cell Jacobian entries, row-major N*M.
struct Linearization {
  bool symmetric = true;
  std::vector<double> g;           // symmetric: a = c = g, b = d = -g
  std::vector<double> a, b, c, d;  // general
};

class SchurSystem {
 public:
  explicit SchurSystem(const Network& net) : net_(net) {}

  // Factors the row lines and the preconditioner for `lin` (kept by reference). With
  // keep_preconditioner, only the row lines (S changes exactly; the preconditioner, built for an
  // earlier linearization of the same shape, stays).
  void set(const Linearization& lin, bool schur_diag_precond = true,
           bool keep_preconditioner = false);
  size_t size() const { return net_.w_unknowns(); }
  const Network& net() const { return net_; }

  void apply(const double* p, double* y);             // y = S p
  void precondition(const double* r, double* z) const;  // z = P^{-1} r
  // rhs = -Fw - C T^{-1} Fu
  void reduce_rhs(const double* f_u, const double* f_w, double* rhs);
  // du = -T^{-1} (Fu + B dw)
  void back_substitute(const double* f_u, const double* dw, double* du);

  // For the fused CG kernel (krylov.cpp): two-terminal cells on resistive rows and columns.
  bool fused_ok() const { return lin_->symmetric && net_.row_full && net_.col_full; }
  const Linearization& lin() const { return *lin_; }
  const LineFactors& row_factors() const { return rows_; }
  const LineFactors& pre_factors() const { return pre_; }

 private:
  void add_b(const double* p_w, double* y_u) const;       // y_u += B p_w
  void add_c(const double* z_u, double* y_w) const;       // y_w += C z_u
  void add_minus_d(const double* p_w, double* y_w) const;  // y_w -= D p_w

  const Network& net_;
  const Linearization* lin_ = nullptr;
  LineFactors rows_, pre_;
  std::vector<double> tu_;                 // u-space scratch
  std::vector<double> small_;              // set() scratch when word lines are ideal
  bool has_preconditioner_ = false;       // set() has built pre_ once
};

}  // namespace cimchar::xbar
