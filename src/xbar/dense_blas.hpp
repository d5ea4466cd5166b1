// Thin wrappers over the Fortran BLAS/LAPACK routines the transfer-matrix build needs (OpenBLAS
// on Debian). Column-major storage, lower triangles. OpenBLAS is held to one thread: the targets
// are per core and the callers run their own parallelism, if any.
#pragma once

#include <string>

namespace cimchar::xbar::blas {

// Holds OpenBLAS to one thread (no-op for other BLAS libraries).
void single_thread();

// Cholesky A = L L^T of the n x n lower triangle (lda = n). Throws Error if not SPD.
void potrf(int n, double* a, const std::string& what);
// B := L^{-1} B (trans = false) or L^{-T} B (trans = true); L n x n lower, B n x m.
void trsm_left(int n, int m, const double* l, double* b, bool trans);
// C := C - A^T A on C's lower triangle; A is k x n, C n x n.
void syrk_minus_ata(int n, int k, const double* a, double* c);
// C := alpha op(A) op(B) + beta C with op = transpose when flagged; C is m x n.
void gemm(bool ta, bool tb, int m, int n, int k, double alpha, const double* a, int lda,
          const double* b, int ldb, double beta, double* c, int ldc);

}  // namespace cimchar::xbar::blas
