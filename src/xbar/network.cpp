#include "xbar/network.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace cimchar::xbar {

Network::Network(size_t rows, size_t cols, const Wiring& wr) : N(rows), M(cols) {
  CIMCHAR_CHECK(N > 0 && M > 0, "empty network");
  drive_both = wr.drive == Drive::both;
  row_full = wr.r_wire_row_ohm > 0;
  if (row_full) {
    g_wire_row = 1 / wr.r_wire_row_ohm;
    g_drv = 1 / (wr.r_driver_ohm + wr.r_wire_row_ohm);
  } else if (wr.r_driver_ohm > 0) {
    g_drv = (drive_both ? 2.0 : 1.0) / wr.r_driver_ohm;
  } else {
    row_fixed = true;
  }
  col_full = wr.r_wire_col_ohm > 0;
  if (col_full) {
    g_wire_col = 1 / wr.r_wire_col_ohm;
    g_sense = 1 / (wr.r_sense_ohm + wr.r_wire_col_ohm);
  } else if (wr.r_sense_ohm > 0) {
    g_sense = 1 / wr.r_sense_ohm;
  } else {
    col_fixed = true;
  }
  sense_row = wr.sense == Sense::far ? N - 1 : 0;
  v_sense = wr.v_sense_V;
}

void Network::add_row_wire_currents(const double* u, const double* v_in, double* f) const {
  if (row_fixed) return;
  if (!row_full) {
    for (size_t r = 0; r < N; ++r) f[r] += g_drv * (u[r] - v_in[r]);
    return;
  }
  const double g = g_wire_row;
  for (size_t r = 0; r < N; ++r) {
    const double* x = u + r * M;
    double* y = f + r * M;
    for (size_t c = 0; c + 1 < M; ++c) {
      double i = g * (x[c] - x[c + 1]);
      y[c] += i;
      y[c + 1] -= i;
    }
    y[0] += g_drv * (x[0] - v_in[r]);
    if (drive_both) y[M - 1] += g_drv * (x[M - 1] - v_in[r]);
  }
}

void Network::add_col_wire_currents(const double* w, double* f) const {
  if (col_fixed) return;
  if (!col_full) {
    for (size_t c = 0; c < M; ++c) f[c] += g_sense * (w[c] - v_sense);
    return;
  }
  const double g = g_wire_col;
  for (size_t r = 0; r + 1 < N; ++r) {
    const double* a = w + r * M;
    const double* b = a + M;
    double* fa = f + r * M;
    double* fb = fa + M;
    for (size_t c = 0; c < M; ++c) {
      double i = g * (a[c] - b[c]);
      fa[c] += i;
      fb[c] -= i;
    }
  }
  double* fs = f + sense_row * M;
  const double* ws = w + sense_row * M;
  for (size_t c = 0; c < M; ++c) fs[c] += g_sense * (ws[c] - v_sense);
}

void Network::add_col_wire_matvec(const double* p, double* y) const {
  if (col_fixed) return;
  if (!col_full) {
    for (size_t c = 0; c < M; ++c) y[c] += g_sense * p[c];
    return;
  }
  const double g = g_wire_col;
  for (size_t r = 0; r < N; ++r) {
    const double* x = p + r * M;
    double* out = y + r * M;
    const double* up = r > 0 ? x - M : nullptr;
    const double* dn = r + 1 < N ? x + M : nullptr;
    if (up && dn) {
      for (size_t c = 0; c < M; ++c) out[c] += g * (2 * x[c] - up[c] - dn[c]);
    } else if (up) {
      for (size_t c = 0; c < M; ++c) out[c] += g * (x[c] - up[c]);
    } else if (dn) {
      for (size_t c = 0; c < M; ++c) out[c] += g * (x[c] - dn[c]);
    }
  }
  double* os = y + sense_row * M;
  const double* xs = p + sense_row * M;
  for (size_t c = 0; c < M; ++c) os[c] += g_sense * xs[c];
}

namespace {
// Diagonal of word line r at column c: wire segments, driver(s), cells.
inline double row_diag(const Network& net, const double* cd, size_t r, size_t c) {
  const size_t M = net.M;
  double d = net.g_wire_row * ((c > 0) + (c + 1 < M)) + cd[r * M + c];
  if (c == 0) d += net.g_drv;
  if (c + 1 == M && net.drive_both) d += net.g_drv;
  return d;
}
}  // namespace

void LineFactors::factor_rows(const Network& net, const double* cell_diag) {
  net_ = &net;
  rows_ = true;
  full_ = net.row_full;
  fixed_ = net.row_fixed;
  const size_t N = net.N, M = net.M;
  if (fixed_) return;
  if (!full_) {
    inv_.resize(N);
    for (size_t r = 0; r < N; ++r) {
      double s = net.g_drv;
      for (size_t c = 0; c < M; ++c) s += cell_diag[r * M + c];
      inv_[r] = 1 / s;
    }
    return;
  }
  off_ = -net.g_wire_row;
  inv_.resize(N * M);
  const double e2 = off_ * off_;
  // The pivot recurrence is a chain of divisions: run up to four rows at once to overlap them.
  for (size_t r = 0; r < N; r += 4) {
    const size_t nb = std::min<size_t>(4, N - r);
    double* inv[4];
    for (size_t b = 0; b < nb; ++b) {
      inv[b] = inv_.data() + (r + b) * M;
      inv[b][0] = 1 / row_diag(net, cell_diag, r + b, 0);
    }
    for (size_t c = 1; c < M; ++c)
      for (size_t b = 0; b < nb; ++b)
        inv[b][c] = 1 / (row_diag(net, cell_diag, r + b, c) - e2 * inv[b][c - 1]);
  }
}

void LineFactors::factor_cols(const Network& net, const double* cell_diag) {
  net_ = &net;
  rows_ = false;
  full_ = net.col_full;
  fixed_ = net.col_fixed;
  const size_t N = net.N, M = net.M;
  if (fixed_) return;
  if (!full_) {
    inv_.assign(M, net.g_sense);
    for (size_t r = 0; r < N; ++r)
      for (size_t c = 0; c < M; ++c) inv_[c] += cell_diag[r * M + c];
    for (size_t c = 0; c < M; ++c) inv_[c] = 1 / inv_[c];
    return;
  }
  off_ = -net.g_wire_col;
  inv_.resize(N * M);
  const double e2 = off_ * off_;
  for (size_t r = 0; r < N; ++r) {
    const double wire = net.g_wire_col * ((r > 0) + (r + 1 < N)) +
                        (r == net.sense_row ? net.g_sense : 0.0);
    const double* cd = cell_diag + r * M;
    double* inv = inv_.data() + r * M;
    if (r == 0) {
      for (size_t c = 0; c < M; ++c) inv[c] = 1 / (wire + cd[c]);
    } else {
      const double* ip = inv - M;
      for (size_t c = 0; c < M; ++c) inv[c] = 1 / (wire + cd[c] - e2 * ip[c]);
    }
  }
}

void LineFactors::solve(const double* rhs, double* out) const {
  const size_t N = net_->N, M = net_->M;
  if (fixed_) {
    std::fill(out, out + (rows_ ? net_->u_size() : net_->w_size()), 0.0);
    return;
  }
  if (!full_) {
    const size_t n = inv_.size();
    for (size_t i = 0; i < n; ++i) out[i] = rhs[i] * inv_[i];
    return;
  }
  const double e = off_;
  if (rows_) {
    // Each row's sweeps are serial recurrences: four rows at once overlap their latencies
    // (bench/RESULTS.md 2026-12-07: 3x faster than one row at a time at N=256).
    for (size_t r = 0; r < N; r += 4) {
      const size_t nb = std::min<size_t>(4, N - r);
      const double* inv[4];
      const double* b[4];
      double* x[4];
      double y[4];
      for (size_t k = 0; k < nb; ++k) {
        inv[k] = inv_.data() + (r + k) * M, b[k] = rhs + (r + k) * M, x[k] = out + (r + k) * M;
        x[k][0] = y[k] = b[k][0];
      }
      for (size_t c = 1; c < M; ++c)
        for (size_t k = 0; k < nb; ++k) x[k][c] = y[k] = b[k][c] - e * inv[k][c - 1] * y[k];
      for (size_t k = 0; k < nb; ++k) x[k][M - 1] = y[k] = x[k][M - 1] * inv[k][M - 1];
      for (size_t c = M - 1; c-- > 0;)
        for (size_t k = 0; k < nb; ++k) x[k][c] = y[k] = (x[k][c] - e * y[k]) * inv[k][c];
    }
    return;
  }
  if (out != rhs) std::copy(rhs, rhs + N * M, out);
  for (size_t r = 1; r < N; ++r) {
    const double* ip = inv_.data() + (r - 1) * M;
    const double* yp = out + (r - 1) * M;
    double* y = out + r * M;
    for (size_t c = 0; c < M; ++c) y[c] -= e * ip[c] * yp[c];
  }
  {
    double* x = out + (N - 1) * M;
    const double* inv = inv_.data() + (N - 1) * M;
    for (size_t c = 0; c < M; ++c) x[c] *= inv[c];
  }
  for (size_t r = N - 1; r-- > 0;) {
    const double* inv = inv_.data() + r * M;
    const double* xn = out + (r + 1) * M;
    double* x = out + r * M;
    for (size_t c = 0; c < M; ++c) x[c] = (x[c] - e * xn[c]) * inv[c];
  }
}

void LineFactors::inverse_diagonal(const double* cell_diag, std::vector<double>* out) const {
  const size_t N = net_->N, M = net_->M;
  if (fixed_) {
    out->assign(rows_ ? net_->u_size() : net_->w_size(), 0.0);
    return;
  }
  if (!full_) {
    *out = inv_;
    return;
  }
  CIMCHAR_CHECK(rows_, "inverse diagonal of column lines is not needed");
  // Backward pivots pb (kept as 1/pb in `out`, four rows at once to overlap the divisions),
  // then node c alone after eliminating both sides: d_c - e^2/pf_{c-1} - e^2/pb_{c+1}.
  const double e2 = off_ * off_;
  out->resize(N * M);
  for (size_t r = 0; r < N; r += 4) {
    const size_t nb = std::min<size_t>(4, N - r);
    double* o[4];
    for (size_t b = 0; b < nb; ++b) {
      o[b] = out->data() + (r + b) * M;
      o[b][M - 1] = 1 / row_diag(*net_, cell_diag, r + b, M - 1);
    }
    for (size_t c = M - 1; c-- > 0;)
      for (size_t b = 0; b < nb; ++b)
        o[b][c] = 1 / (row_diag(*net_, cell_diag, r + b, c) - e2 * o[b][c + 1]);
  }
  for (size_t r = 0; r < N; r += 4) {
    const size_t nb = std::min<size_t>(4, N - r);
    const double* inv[4];  // 1/pf
    double* o[4];          // 1/pb on entry
    double next[4];        // 1/pb_{c+1}
    for (size_t b = 0; b < nb; ++b)
      inv[b] = inv_.data() + (r + b) * M, o[b] = out->data() + (r + b) * M, next[b] = 0;
    for (size_t c = M; c-- > 0;)
      for (size_t b = 0; b < nb; ++b) {
        double s = row_diag(*net_, cell_diag, r + b, c) - e2 * next[b];
        if (c > 0) s -= e2 * inv[b][c - 1];
        next[b] = o[b][c];
        o[b][c] = 1 / s;
      }
  }
}

}  // namespace cimchar::xbar
