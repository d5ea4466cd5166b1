// Krylov solvers for the column-node system S x = rhs (schur.hpp), x0 = 0.
//  - pcg: preconditioned conjugate gradients (Hestenes & Stiefel 1952) for symmetric S. It stops
//    on what users read: the column currents I_c = scale * x[index[c]]. Each step changes them by
//    alpha * p; with the observed contraction rate rho of those changes the remaining error is
//    estimated as |dI| rho / (1 - rho) (a geometric tail) and must fall below tol * max |I|.
//  - gmres: restarted, right-preconditioned GMRES (Saad & Schultz 1986) for nonsymmetric S
//    (1T1R cells). Stops on the relative residual; the Newton loop around it checks the currents.
#pragma once

#include <cstddef>
#include <vector>

#include "xbar/schur.hpp"

namespace cimchar::xbar {

struct CurrentProbe {
  std::vector<size_t> index;  // w-space index of each column's sense-end node
  double scale = 0;           // sense conductance
  std::vector<double> base;   // currents at x = 0
};

// Vectors reused across solves so that a solve touches no fresh memory. The right-hand side
// may be passed in r itself (sized with resize()).
struct KrylovWork {
  std::vector<double> r, z, p, q;
  void resize(size_t n) { r.resize(n), z.resize(n), p.resize(n), q.resize(n); }
};

struct KrylovResult {
  int iterations = 0;
  bool converged = false;
  double err_est = 0;       // pcg: estimated max |I error| / i_scale; gmres: relative residual
  double rel_residual = 0;  // |r| / |rhs| (recursive residual)
};

// A recursive residual at or below this fraction of |rhs| is an exact solution in double
// precision: CG stops there (its next direction is zero) and reports it converged.
inline constexpr double kExactResidual = 1e-13;

// tol: relative to max_c |base_c + scale * x[index_c]| of the current iterate.
KrylovResult pcg(SchurSystem& S, const double* rhs, double* x, const CurrentProbe& probe,
                 double tol, int max_iterations, KrylovWork& work);
// The same iteration as pcg, fused for S.fused_ok() (krylov_lines.cpp).
KrylovResult pcg_lines(SchurSystem& S, const double* rhs, double* x, const CurrentProbe& probe,
                       double tol, int max_iterations, KrylovWork& work);
KrylovResult gmres(SchurSystem& S, const double* rhs, double* x, double rel_tol,
                   int max_iterations, int restart = 40);

}  // namespace cimchar::xbar
