#include "xbar/krylov.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace cimchar::xbar {

namespace {
double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}
double dot(const double* a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < b.size(); ++i) s += a[i] * b[i];
  return s;
}
}  // namespace

KrylovResult pcg(SchurSystem& S, const double* rhs, double* x, const CurrentProbe& probe,
                 double tol, int max_iterations, KrylovWork& work) {
  KrylovResult res;
  const size_t n = S.size();
  std::fill(x, x + n, 0.0);
  if (n == 0) {
    res.converged = true;
    return res;
  }
  work.resize(n);
  std::vector<double>&r = work.r, &z = work.z, &p = work.p, &q = work.q;
  if (rhs != r.data()) std::copy(rhs, rhs + n, r.begin());
  const double rhs_norm = std::sqrt(dot(rhs, r));
  if (rhs_norm == 0) {
    res.converged = true;
    return res;
  }
  S.precondition(r.data(), z.data());
  p = z;
  double rz = dot(r, z);
  double prev[3] = {0, 0, 0};  // last relative current changes, newest first
  for (int k = 1; k <= max_iterations; ++k) {
    S.apply(p.data(), q.data());
    const double pq = dot(p, q);
    if (!(pq > 0)) {
      // pq = 0 with a zero residual: the previous step solved the system exactly (a 1 x 1 array
      // is solved in one step). Otherwise positive definiteness was lost: report unconverged.
      res.rel_residual = std::sqrt(dot(r, r)) / rhs_norm;
      if (res.iterations > 0 && res.rel_residual <= kExactResidual) {
        res.converged = true;
        res.err_est = res.rel_residual;
      }
      break;
    }
    const double alpha = rz / pq;
    for (size_t i = 0; i < n; ++i) {
      x[i] += alpha * p[i];
      r[i] -= alpha * q[i];
    }
    double pmax = 0, i_scale = std::numeric_limits<double>::min();
    for (size_t c = 0; c < probe.index.size(); ++c) {
      pmax = std::max(pmax, std::abs(p[probe.index[c]]));
      double b = c < probe.base.size() ? probe.base[c] : 0.0;
      i_scale = std::max(i_scale, std::abs(b + probe.scale * x[probe.index[c]]));
    }
    const double delta = std::abs(alpha) * probe.scale * pmax / i_scale;
    double rho = 0.2;
    for (int j = 0; j < 2; ++j)
      if (prev[j] > 0) rho = std::max(rho, (j == 0 ? delta : prev[j - 1]) / prev[j]);
    rho = std::min(rho, 0.95);
    prev[2] = prev[1], prev[1] = prev[0], prev[0] = delta;
    res.iterations = k;
    res.err_est = delta * rho / (1 - rho);
    res.rel_residual = std::sqrt(dot(r, r)) / rhs_norm;
    if (k >= 2 && res.err_est <= tol) {
      res.converged = true;
      break;
    }
    S.precondition(r.data(), z.data());
    const double rz_new = dot(r, z);
    const double beta = rz_new / rz;
    rz = rz_new;
    for (size_t i = 0; i < n; ++i) p[i] = z[i] + beta * p[i];
  }
  return res;
}

KrylovResult gmres(SchurSystem& S, const double* rhs, double* x, double rel_tol,
                   int max_iterations, int restart) {
  KrylovResult res;
  const size_t n = S.size();
  std::fill(x, x + n, 0.0);
  if (n == 0) {
    res.converged = true;
    return res;
  }
  std::vector<double> r(rhs, rhs + n);
  const double rhs_norm = std::sqrt(dot(r, r));
  if (rhs_norm == 0) {
    res.converged = true;
    return res;
  }
  const int m = restart;
  std::vector<std::vector<double>> V(m + 1, std::vector<double>(n));
  std::vector<double> H((m + 1) * m), cs(m), sn(m), g(m + 1), y(m), z(n), w(n);
  auto h = [&](int i, int j) -> double& { return H[i * m + j]; };
  int total = 0;
  while (total < max_iterations) {
    // r = rhs - S x (true residual at each restart)
    S.apply(x, w.data());
    for (size_t i = 0; i < n; ++i) r[i] = rhs[i] - w[i];
    double beta = std::sqrt(dot(r, r));
    res.rel_residual = beta / rhs_norm;
    if (res.rel_residual <= rel_tol) {
      res.converged = true;
      break;
    }
    for (size_t i = 0; i < n; ++i) V[0][i] = r[i] / beta;
    std::fill(g.begin(), g.end(), 0.0);
    g[0] = beta;
    int j = 0;
    for (; j < m && total < max_iterations; ++j, ++total) {
      S.precondition(V[j].data(), z.data());
      S.apply(z.data(), w.data());
      for (int i = 0; i <= j; ++i) {  // modified Gram-Schmidt
        h(i, j) = dot(w, V[i]);
        for (size_t k = 0; k < n; ++k) w[k] -= h(i, j) * V[i][k];
      }
      h(j + 1, j) = std::sqrt(dot(w, w));
      if (h(j + 1, j) > 0)
        for (size_t k = 0; k < n; ++k) V[j + 1][k] = w[k] / h(j + 1, j);
      for (int i = 0; i < j; ++i) {
        double t = cs[i] * h(i, j) + sn[i] * h(i + 1, j);
        h(i + 1, j) = -sn[i] * h(i, j) + cs[i] * h(i + 1, j);
        h(i, j) = t;
      }
      double d = std::hypot(h(j, j), h(j + 1, j));
      cs[j] = h(j, j) / d;
      sn[j] = h(j + 1, j) / d;
      h(j, j) = d;
      h(j + 1, j) = 0;
      g[j + 1] = -sn[j] * g[j];
      g[j] = cs[j] * g[j];
      res.iterations = total + 1;
      if (std::abs(g[j + 1]) / rhs_norm <= rel_tol) {
        ++j, ++total;
        break;
      }
    }
    for (int i = j - 1; i >= 0; --i) {
      double s = g[i];
      for (int k = i + 1; k < j; ++k) s -= h(i, k) * y[k];
      y[i] = s / h(i, i);
    }
    std::fill(w.begin(), w.end(), 0.0);
    for (int i = 0; i < j; ++i)
      for (size_t k = 0; k < n; ++k) w[k] += y[i] * V[i][k];
    S.precondition(w.data(), z.data());
    for (size_t k = 0; k < n; ++k) x[k] += z[k];
  }
  if (!res.converged) {
    S.apply(x, w.data());
    double s = 0;
    for (size_t i = 0; i < n; ++i) s += (rhs[i] - w[i]) * (rhs[i] - w[i]);
    res.rel_residual = std::sqrt(s) / rhs_norm;
    res.converged = res.rel_residual <= rel_tol;
  }
  res.err_est = res.rel_residual;
  return res;
}

}  // namespace cimchar::xbar
