#include "xbar/schur.hpp"

#include <algorithm>

namespace cimchar::xbar {

void SchurSystem::set(const Linearization& lin, bool schur_diag_precond,
                      bool keep_preconditioner) {
  lin_ = &lin;
  const size_t N = net_.N, M = net_.M;
  const double* a = lin.symmetric ? lin.g.data() : lin.a.data();
  rows_.factor_rows(net_, a);
  if (keep_preconditioner && has_preconditioner_) return;
  // Preconditioner diagonal per cell: -d plus the exact diagonal of C T^{-1} B (c b (T^{-1})_ii),
  // built in place over the inverse row diagonal in the u-space scratch (whose size is N*M
  // whenever the row lines are resistive; ideal rows use their own small buffer).
  std::vector<double>& diag = net_.row_full ? tu_ : small_;
  if (schur_diag_precond) rows_.inverse_diagonal(a, &diag);
  diag.resize(N * M);
  for (size_t r = N; r-- > 0;)
    for (size_t c = M; c-- > 0;) {
      const size_t k = r * M + c;
      const double cb = lin.symmetric ? -lin.g[k] * lin.g[k] : lin.c[k] * lin.b[k];
      const double md = lin.symmetric ? lin.g[k] : -lin.d[k];
      const double s = schur_diag_precond ? md + cb * diag[net_.ui(r, c)] : md;
      diag[k] = std::max(s, 0.0);
    }
  pre_.factor_cols(net_, diag.data());
  has_preconditioner_ = true;
  tu_.resize(net_.u_size());
  std::vector<double>().swap(small_);
}

void SchurSystem::add_b(const double* p, double* y) const {
  const size_t N = net_.N, M = net_.M;
  const Linearization& L = *lin_;
  if (net_.row_full && net_.col_full) {
    const size_t n = N * M;
    if (L.symmetric)
      for (size_t k = 0; k < n; ++k) y[k] -= L.g[k] * p[k];
    else
      for (size_t k = 0; k < n; ++k) y[k] += L.b[k] * p[k];
    return;
  }
  for (size_t r = 0; r < N; ++r)
    for (size_t c = 0; c < M; ++c) {
      size_t k = r * M + c;
      double b = L.symmetric ? -L.g[k] : L.b[k];
      y[net_.ui(r, c)] += b * p[net_.wi(r, c)];
    }
}

void SchurSystem::add_c(const double* z, double* y) const {
  const size_t N = net_.N, M = net_.M;
  const Linearization& L = *lin_;
  if (net_.row_full && net_.col_full) {
    const size_t n = N * M;
    const double* c = L.symmetric ? L.g.data() : L.c.data();
    for (size_t k = 0; k < n; ++k) y[k] += c[k] * z[k];
    return;
  }
  for (size_t r = 0; r < N; ++r)
    for (size_t c = 0; c < M; ++c) {
      size_t k = r * M + c;
      double cc = L.symmetric ? L.g[k] : L.c[k];
      y[net_.wi(r, c)] += cc * z[net_.ui(r, c)];
    }
}

void SchurSystem::add_minus_d(const double* p, double* y) const {
  const size_t N = net_.N, M = net_.M;
  const Linearization& L = *lin_;
  if (net_.col_full) {
    const size_t n = N * M;
    if (L.symmetric)
      for (size_t k = 0; k < n; ++k) y[k] += L.g[k] * p[k];
    else
      for (size_t k = 0; k < n; ++k) y[k] -= L.d[k] * p[k];
    return;
  }
  for (size_t r = 0; r < N; ++r)
    for (size_t c = 0; c < M; ++c) {
      size_t k = r * M + c;
      double md = L.symmetric ? L.g[k] : -L.d[k];
      y[c] += md * p[c];
    }
}

void SchurSystem::apply(const double* p, double* y) {
  const size_t n = size();
  std::fill(y, y + n, 0.0);
  net_.add_col_wire_matvec(p, y);
  add_minus_d(p, y);
  if (net_.row_fixed) return;
  std::fill(tu_.begin(), tu_.end(), 0.0);
  add_b(p, tu_.data());
  rows_.solve(tu_.data(), tu_.data());
  add_c(tu_.data(), y);
}

void SchurSystem::precondition(const double* r, double* z) const { pre_.solve(r, z); }

void SchurSystem::reduce_rhs(const double* f_u, const double* f_w, double* rhs) {
  const size_t n = size();
  for (size_t i = 0; i < n; ++i) rhs[i] = -f_w[i];
  if (net_.row_fixed) return;
  rows_.solve(f_u, tu_.data());
  for (double& t : tu_) t = -t;
  add_c(tu_.data(), rhs);
}

void SchurSystem::back_substitute(const double* f_u, const double* dw, double* du) {
  const size_t nu = net_.u_size();
  if (net_.row_fixed) {
    std::fill(du, du + nu, 0.0);
    return;
  }
  std::copy(f_u, f_u + nu, tu_.begin());
  if (size() > 0) add_b(dw, tu_.data());
  rows_.solve(tu_.data(), du);
  for (size_t i = 0; i < nu; ++i) du[i] = -du[i];
}

}  // namespace cimchar::xbar
