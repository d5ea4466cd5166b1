// Fused preconditioned CG for the common case (two-terminal cells, resistive word and bit lines),
// the same iteration as pcg() in krylov.cpp with its passes over memory merged: one pass applies
// S row by row (the row's tridiagonal solve runs in a row-sized buffer that stays in cache, and
// the bit-line Laplacian uses the neighbouring rows), one pass updates x and r and runs the
// preconditioner's forward sweep, one pass runs its backward sweep. The search direction is
// updated one row ahead inside the first pass. Row solves are serial recurrences, so kBlock rows
// run interleaved to overlap their latencies; dot products use several partial sums so that they
// vectorise. The function is compiled for AVX2+FMA and for baseline x86-64 (GCC target_clones,
// chosen at load time).
#include <algorithm>
#include <cmath>
#include <limits>

#include "xbar/krylov.hpp"

#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
#define CIMCHAR_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define CIMCHAR_CLONES
#endif
#define CIMCHAR_INLINE inline __attribute__((always_inline))

namespace cimchar::xbar {

namespace {
constexpr size_t kBlock = 4;  // rows whose tridiagonal solves run interleaved

struct Ctx {
  size_t N, M, sr;
  const double *g, *rinv, *cinv;
  double er, ec, gw, gs;
  double *x, *r, *z, *p, *q, *y;
};

CIMCHAR_INLINE double dot4(const double* a, const double* b, size_t n) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  size_t c = 0;
  for (; c + 4 <= n; c += 4) {
    s0 += a[c] * b[c];
    s1 += a[c + 1] * b[c + 1];
    s2 += a[c + 2] * b[c + 2];
    s3 += a[c + 3] * b[c + 3];
  }
  for (; c < n; ++c) s0 += a[c] * b[c];
  return (s0 + s1) + (s2 + s3);
}

// z row i of the preconditioner's forward sweep (bit lines, all columns at once).
CIMCHAR_INLINE void precond_forward_row(const Ctx& k, size_t i) {
  const size_t M = k.M;
  double* zr = k.z + i * M;
  const double* rr = k.r + i * M;
  if (i == 0) {
    std::copy(rr, rr + M, zr);
    return;
  }
  const double* zp = zr - M;
  const double* ip = k.cinv + (i - 1) * M;
  const double ec = k.ec;
  for (size_t c = 0; c < M; ++c) zr[c] = rr[c] - ec * ip[c] * zp[c];
}

// Backward sweep of the preconditioner; returns r.z.
CIMCHAR_INLINE double precond_backward(const Ctx& k) {
  const size_t N = k.N, M = k.M;
  const double ec = k.ec;
  double rz = 0;
  for (size_t i = N; i-- > 0;) {
    double* zr = k.z + i * M;
    const double* iv = k.cinv + i * M;
    if (i + 1 == N) {
      for (size_t c = 0; c < M; ++c) zr[c] *= iv[c];
    } else {
      const double* zn = zr + M;
      for (size_t c = 0; c < M; ++c) zr[c] = (zr[c] - ec * zn[c]) * iv[c];
    }
    rz += dot4(k.r + i * M, zr, M);
  }
  return rz;
}

// q = S p for rows i0..i0+NB-1; returns their p.q.
template <size_t NB>
CIMCHAR_INLINE double apply_rows(const Ctx& k, size_t i0) {
  const size_t N = k.N, M = k.M;
  const double er = k.er;
  const double* pr[NB];
  const double* gr[NB];
  const double* iv[NB];
  double* yr[NB];
  double t[NB];
  for (size_t b = 0; b < NB; ++b) {
    pr[b] = k.p + (i0 + b) * M, gr[b] = k.g + (i0 + b) * M, iv[b] = k.rinv + (i0 + b) * M;
    yr[b] = k.y + b * M;
    t[b] = yr[b][0] = gr[b][0] * pr[b][0];
  }
  for (size_t c = 1; c < M; ++c)
    for (size_t b = 0; b < NB; ++b)
      yr[b][c] = t[b] = gr[b][c] * pr[b][c] - er * iv[b][c - 1] * t[b];
  for (size_t b = 0; b < NB; ++b) t[b] = 0;
  for (size_t c = M; c-- > 0;)
    for (size_t b = 0; b < NB; ++b) yr[b][c] = t[b] = (yr[b][c] - er * t[b]) * iv[b][c];
  // q = K p + g (p - T^{-1} g p)
  double acc = 0;
  for (size_t b = 0; b < NB; ++b) {
    const size_t i = i0 + b;
    const double* pp = pr[b];
    const double* up = i > 0 ? pp - M : nullptr;
    const double* dn = i + 1 < N ? pp + M : nullptr;
    const double wdiag = k.gw * ((up != nullptr) + (dn != nullptr)) + (i == k.sr ? k.gs : 0.0);
    const double gw = k.gw;
    const double* gg = gr[b];
    const double* yy = yr[b];
    double* qr = k.q + i * M;
    if (up && dn) {
      for (size_t c = 0; c < M; ++c)
        qr[c] = wdiag * pp[c] - gw * (up[c] + dn[c]) + gg[c] * (pp[c] - yy[c]);
    } else {
      for (size_t c = 0; c < M; ++c) {
        double kp = wdiag * pp[c];
        if (up) kp -= gw * up[c];
        if (dn) kp -= gw * dn[c];
        qr[c] = kp + gg[c] * (pp[c] - yy[c]);
      }
    }
    acc += dot4(pp, qr, M);
  }
  return acc;
}

CIMCHAR_INLINE void update_p(const Ctx& k, size_t i, double beta) {
  double* pr = k.p + i * k.M;
  const double* zr = k.z + i * k.M;
  for (size_t c = 0; c < k.M; ++c) pr[c] = zr[c] + beta * pr[c];
}

// Pass 1: p = z + beta p (one row ahead), q = S p; returns p.q.
CIMCHAR_CLONES double pass_apply(const Ctx& k, double beta) {
  const size_t N = k.N;
  double pq = 0;
  update_p(k, 0, beta);
  size_t next_p = 1;
  size_t i0 = 0;
  for (; i0 + kBlock <= N; i0 += kBlock) {
    for (; next_p < std::min(N, i0 + kBlock + 1); ++next_p) update_p(k, next_p, beta);
    pq += apply_rows<kBlock>(k, i0);
  }
  for (; i0 < N; ++i0) {
    for (; next_p < std::min(N, i0 + 2); ++next_p) update_p(k, next_p, beta);
    pq += apply_rows<1>(k, i0);
  }
  return pq;
}

// Pass 2: x += alpha p, r -= alpha q, preconditioner forward sweep. Returns max |p| on the sense
// row through *pmax and max |I| of the iterate through *imax.
CIMCHAR_CLONES void pass_update(const Ctx& k, double alpha, const std::vector<double>& base,
                                double* pmax, double* imax) {
  const size_t N = k.N, M = k.M;
  for (size_t i = 0; i < N; ++i) {
    double* xr = k.x + i * M;
    double* rr = k.r + i * M;
    const double* pr = k.p + i * M;
    const double* qr = k.q + i * M;
    for (size_t c = 0; c < M; ++c) {
      xr[c] += alpha * pr[c];
      rr[c] -= alpha * qr[c];
    }
    if (i == k.sr)
      for (size_t c = 0; c < M; ++c) {
        *pmax = std::max(*pmax, std::abs(pr[c]));
        double b = c < base.size() ? base[c] : 0.0;
        *imax = std::max(*imax, std::abs(b + k.gs * xr[c]));
      }
    precond_forward_row(k, i);
  }
}

CIMCHAR_CLONES double pass_precond(const Ctx& k, bool forward_too) {
  if (forward_too)
    for (size_t i = 0; i < k.N; ++i) precond_forward_row(k, i);
  return precond_backward(k);
}

}  // namespace

KrylovResult pcg_lines(SchurSystem& S, const double* rhs, double* x, const CurrentProbe& probe,
                       double tol, int max_iterations, KrylovWork& work) {
  KrylovResult res;
  const Network& net = S.net();
  const size_t N = net.N, M = net.M, n = N * M;
  std::fill(x, x + n, 0.0);
  double rhs2 = 0;
  for (size_t i = 0; i < n; ++i) rhs2 += rhs[i] * rhs[i];
  if (rhs2 == 0) {
    res.converged = true;
    return res;
  }
  work.resize(n);
  if (rhs != work.r.data()) std::copy(rhs, rhs + n, work.r.begin());
  std::vector<double> ybuf(kBlock * M);
  Ctx k{N, M, net.sense_row, S.lin().g.data(), S.row_factors().inv().data(),
        S.pre_factors().inv().data(), S.row_factors().off(), S.pre_factors().off(),
        net.g_wire_col, net.g_sense, x, work.r.data(), work.z.data(), work.p.data(),
        work.q.data(), ybuf.data()};

  double rz = pass_precond(k, true);
  double beta = 0;
  double prev[2] = {0, 0};
  for (int it = 1; it <= max_iterations; ++it) {
    const double pq = pass_apply(k, beta);
    if (!(pq > 0)) {
      // A zero residual: the previous step was exact (see pcg). Else definiteness was lost.
      double r2 = 0;
      for (double v : work.r) r2 += v * v;
      if (it > 1 && std::sqrt(r2 / rhs2) <= kExactResidual) {
        res.converged = true;
        res.err_est = std::sqrt(r2 / rhs2);
      }
      break;
    }
    const double alpha = rz / pq;
    double pmax = 0, i_scale = std::numeric_limits<double>::min();
    pass_update(k, alpha, probe.base, &pmax, &i_scale);
    const double delta = std::abs(alpha) * k.gs * pmax / i_scale;
    double rho = 0.2;
    if (prev[0] > 0) rho = std::max(rho, delta / prev[0]);
    if (prev[1] > 0) rho = std::max(rho, prev[0] / prev[1]);
    rho = std::min(rho, 0.95);
    prev[1] = prev[0], prev[0] = delta;
    res.iterations = it;
    res.err_est = delta * rho / (1 - rho);
    if (it >= 2 && res.err_est <= tol) {
      res.converged = true;
      break;
    }
    const double rz_new = pass_precond(k, false);
    beta = rz_new / rz;
    rz = rz_new;
  }
  double r2 = 0;
  for (double v : work.r) r2 += v * v;
  res.rel_residual = std::sqrt(r2 / rhs2);
  return res;
}

}  // namespace cimchar::xbar
