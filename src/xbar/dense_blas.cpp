#include "xbar/dense_blas.hpp"

#include "core/error.hpp"

extern "C" {
void dpotrf_(const char* uplo, const int* n, double* a, const int* lda, int* info);
void dtrsm_(const char* side, const char* uplo, const char* transa, const char* diag, const int* m,
            const int* n, const double* alpha, const double* a, const int* lda, double* b,
            const int* ldb);
void dsyrk_(const char* uplo, const char* trans, const int* n, const int* k, const double* alpha,
            const double* a, const int* lda, const double* beta, double* c, const int* ldc);
void dgemm_(const char* ta, const char* tb, const int* m, const int* n, const int* k,
            const double* alpha, const double* a, const int* lda, const double* b, const int* ldb,
            const double* beta, double* c, const int* ldc);
void openblas_set_num_threads(int) __attribute__((weak));
}

namespace cimchar::xbar::blas {

void single_thread() {
  if (openblas_set_num_threads) openblas_set_num_threads(1);
}

void potrf(int n, double* a, const std::string& what) {
  if (n == 0) return;
  int info = 0;
  dpotrf_("L", &n, a, &n, &info);
  if (info != 0)
    throw Error(what + ": matrix not positive definite at pivot " + std::to_string(info) +
                " (Cholesky)");
}

void trsm_left(int n, int m, const double* l, double* b, bool trans) {
  if (n == 0 || m == 0) return;
  const double one = 1;
  dtrsm_("L", "L", trans ? "T" : "N", "N", &n, &m, &one, l, &n, b, &n);
}

void syrk_minus_ata(int n, int k, const double* a, double* c) {
  if (n == 0 || k == 0) return;
  const double minus_one = -1, one = 1;
  dsyrk_("L", "T", &n, &k, &minus_one, a, &k, &one, c, &n);
}

void gemm(bool ta, bool tb, int m, int n, int k, double alpha, const double* a, int lda,
          const double* b, int ldb, double beta, double* c, int ldc) {
  if (m == 0 || n == 0) return;
  dgemm_(ta ? "T" : "N", tb ? "T" : "N", &m, &n, &k, &alpha, a, &lda, b, &ldb, &beta, c, &ldc);
}

}  // namespace cimchar::xbar::blas
