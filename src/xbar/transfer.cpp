#include "xbar/transfer.hpp"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "core/error.hpp"
#include "xbar/dense_blas.hpp"
#include "xbar/network.hpp"
#include "xbar/solver.hpp"

namespace cimchar::xbar {

namespace {

constexpr size_t kLeaf = 4;  // leaves are at most kLeaf x kLeaf cells

// A block of cells [r0,r1) x [c0,c1) reduced to its edge nodes: S is the dense symmetric
// (column-major) Schur complement of every element inside the block onto `nodes`.
struct Block {
  size_t r0, r1, c0, c1;
  std::vector<uint64_t> nodes;
  std::vector<double> S;
};

// Assembles a symmetric matrix split into inner (eliminated) and edge (kept) nodes, then
// eliminates the inner ones: Kbb - Kib^T Kii^{-1} Kib. `slot` maps global node ids to their
// position here (shared by all fronts, one front at a time; cleared by release()).
struct Front {
  std::vector<int64_t>& slot;  // node -> 2 * position + (1 if edge), -1 if not here
  std::vector<uint64_t> inner, edge;
  std::vector<double> Kii, Kib, Kbb;

  explicit Front(std::vector<int64_t>& s) : slot(s) {}
  void place(uint64_t id, bool is_edge) {
    auto& v = is_edge ? edge : inner;
    slot[id] = 2 * static_cast<int64_t>(v.size()) + (is_edge ? 1 : 0);
    v.push_back(id);
  }
  void allocate() {
    const size_t ni = inner.size(), nb = edge.size();
    Kii.assign(ni * ni, 0.0), Kib.assign(ni * nb, 0.0), Kbb.assign(nb * nb, 0.0);
  }
  void release() {
    for (uint64_t id : inner) slot[id] = -1;
    for (uint64_t id : edge) slot[id] = -1;
  }
  // K[a][b] += v for slot codes a, b; the (edge, inner) half is implied by symmetry.
  void add(int64_t a, int64_t b, double v) {
    const size_t ni = inner.size(), nb = edge.size();
    const size_t pa = static_cast<size_t>(a >> 1), pb = static_cast<size_t>(b >> 1);
    if (!(a & 1) && !(b & 1)) Kii[pa + pb * ni] += v;
    else if (!(a & 1)) Kib[pa + pb * ni] += v;
    else if (b & 1) Kbb[pa + pb * nb] += v;
  }
  void stamp(uint64_t a, uint64_t b, double g) {
    const int64_t pa = slot[a], pb = slot[b];
    add(pa, pa, g), add(pb, pb, g), add(pa, pb, -g), add(pb, pa, -g);
  }
  void scatter(const Block& blk) {
    const size_t n = blk.nodes.size(), ni = inner.size(), nb = edge.size();
    std::vector<int64_t> code(n);
    for (size_t i = 0; i < n; ++i) code[i] = slot[blk.nodes[i]];
    for (size_t j = 0; j < n; ++j) {
      const double* col = &blk.S[j * n];
      const size_t pj = static_cast<size_t>(code[j] >> 1);
      if (code[j] & 1) {
        double* kib = &Kib[pj * ni];
        double* kbb = &Kbb[pj * nb];
        for (size_t i = 0; i < n; ++i) {
          const size_t pi = static_cast<size_t>(code[i] >> 1);
          (code[i] & 1 ? kbb : kib)[pi] += col[i];
        }
      } else {
        double* kii = &Kii[pj * ni];
        for (size_t i = 0; i < n; ++i)
          if (!(code[i] & 1)) kii[code[i] >> 1] += col[i];
      }
    }
  }
  // Returns the edge nodes' Schur complement (full symmetric, column-major).
  std::vector<double> eliminate() {
    const int ni = static_cast<int>(inner.size()), nb = static_cast<int>(edge.size());
    blas::potrf(ni, Kii.data(), "crossbar transfer matrix");
    blas::trsm_left(ni, nb, Kii.data(), Kib.data(), false);
    blas::syrk_minus_ata(nb, ni, Kib.data(), Kbb.data());
    for (int j = 0; j < nb; ++j)
      for (int i = j + 1; i < nb; ++i) Kbb[j + i * nb] = Kbb[i + j * nb];
    release();
    return std::move(Kbb);
  }
};

class Builder {
 public:
  Builder(const Array& a, const Network& net)
      : a_(a), net_(net), N_(a.rows), M_(a.cols), slot_(2 * a.rows * a.cols, -1) {}
  std::vector<int64_t>& slot() { return slot_; }

  uint64_t u(size_t r, size_t c) const { return 2 * (r * M_ + c); }
  uint64_t w(size_t r, size_t c) const { return 2 * (r * M_ + c) + 1; }

  // A node is on a block's edge when an element outside the block touches it (a wire segment to
  // the neighbouring block, or a driver / sense port).
  bool on_edge(uint64_t id, const Block& b) const {
    const size_t k = id / 2, r = k / M_, c = k % M_;
    if (id % 2 == 0)
      return c == b.c0 || (c + 1 == b.c1 && (b.c1 < M_ || net_.drive_both));
    return (r == b.r0 && (b.r0 > 0 || net_.sense_row == 0)) ||
           (r + 1 == b.r1 && (b.r1 < N_ || net_.sense_row == N_ - 1));
  }

  Block build(size_t r0, size_t r1, size_t c0, size_t c1) {
    if (r1 - r0 <= kLeaf && c1 - c0 <= kLeaf) return leaf(r0, r1, c0, c1);
    if (c1 - c0 >= r1 - r0) {
      size_t cm = c0 + (c1 - c0) / 2;
      Block A = build(r0, r1, c0, cm), B = build(r0, r1, cm, c1);
      return merge(std::move(A), std::move(B), true);
    }
    size_t rm = r0 + (r1 - r0) / 2;
    Block A = build(r0, rm, c0, c1), B = build(rm, r1, c0, c1);
    return merge(std::move(A), std::move(B), false);
  }

 private:
  Block leaf(size_t r0, size_t r1, size_t c0, size_t c1) {
    Block b{r0, r1, c0, c1, {}, {}};
    Front f(slot_);
    for (size_t r = r0; r < r1; ++r)
      for (size_t c = c0; c < c1; ++c) f.place(u(r, c), on_edge(u(r, c), b)), f.place(w(r, c), on_edge(w(r, c), b));
    f.allocate();
    for (size_t r = r0; r < r1; ++r)
      for (size_t c = c0; c < c1; ++c) {
        f.stamp(u(r, c), w(r, c), a_.g(r, c));
        if (c + 1 < c1) f.stamp(u(r, c), u(r, c + 1), net_.g_wire_row);
        if (r + 1 < r1) f.stamp(w(r, c), w(r + 1, c), net_.g_wire_col);
      }
    b.S = f.eliminate();
    b.nodes = std::move(f.edge);
    return b;
  }

  Block merge(Block A, Block B, bool side_by_side) {
    Block m{A.r0, B.r1, A.c0, B.c1, {}, {}};
    Front f(slot_);
    for (const Block* x : {&A, &B})
      for (uint64_t id : x->nodes) f.place(id, on_edge(id, m));
    f.allocate();
    f.scatter(A);
    A.S = {};
    f.scatter(B);
    B.S = {};
    if (side_by_side) {
      for (size_t r = m.r0; r < m.r1; ++r) f.stamp(u(r, A.c1 - 1), u(r, B.c0), net_.g_wire_row);
    } else {
      for (size_t c = m.c0; c < m.c1; ++c) f.stamp(w(A.r1 - 1, c), w(B.r0, c), net_.g_wire_col);
    }
    m.S = f.eliminate();
    m.nodes = std::move(f.edge);
    return m;
  }

  const Array& a_;
  const Network& net_;
  size_t N_, M_;
  std::vector<int64_t> slot_;
};

// Ideal-line arrays: one solve per row input with the iterative solver at a tight tolerance.
TransferMatrix by_solves(const Array& a, const Wiring& w) {
  TransferMatrix t{a.rows, a.cols, w.v_sense_V, std::vector<double>(a.rows * a.cols)};
  SolveOptions o;
  o.current_rtol = 1e-13;
  Solver s(a, w, CellModel{}, o);
  std::vector<double> v(a.rows, w.v_sense_V);
  for (size_t r = 0; r < a.rows; ++r) {
    v[r] = w.v_sense_V + 1;
    std::vector<double> I = s.solve(v);
    for (size_t c = 0; c < a.cols; ++c) t.m_S[c * a.rows + r] = I[c];
    v[r] = w.v_sense_V;
  }
  return t;
}

}  // namespace

TransferMatrix transfer_matrix(const Array& a, const Wiring& w) {
  a.validate();
  w.validate();
  Network net(a.rows, a.cols, w);
  if (!(net.row_full && net.col_full)) return by_solves(a, w);
  blas::single_thread();
  const size_t N = a.rows, M = a.cols;
  Builder b(a, net);
  Block top = b.build(0, N, 0, M);

  // Ports: drive-end word-line nodes (inner: eliminated first) and sense-end bit-line nodes.
  Front f(b.slot());
  for (uint64_t id : top.nodes) f.place(id, id % 2 == 1);
  f.allocate();
  f.scatter(top);
  top.S = {};
  for (uint64_t id : f.inner) f.add(f.slot[id], f.slot[id], net.g_drv);
  for (uint64_t id : f.edge) f.add(f.slot[id], f.slot[id], net.g_sense);
  const int nu = static_cast<int>(f.inner.size()), nw = static_cast<int>(f.edge.size());
  CIMCHAR_CHECK(static_cast<size_t>(nw) == M, "sense nodes");
  // Kuu = Lu Lu^T, Y = Lu^{-1} Kuw, Sw = Kww - Y^T Y;  K^{-1}_{wu} = -Sw^{-1} Y^T Lu^{-1}.
  blas::potrf(nu, f.Kii.data(), "crossbar transfer matrix (ports)");
  blas::trsm_left(nu, nw, f.Kii.data(), f.Kib.data(), false);
  blas::syrk_minus_ata(nw, nu, f.Kib.data(), f.Kbb.data());
  blas::trsm_left(nu, nw, f.Kii.data(), f.Kib.data(), true);  // Y2 = Lu^{-T} Y  (nu x nw)
  std::vector<double> Z(static_cast<size_t>(nw) * nu);       // Y2^T (nw x nu)
  for (int j = 0; j < nu; ++j)
    for (int i = 0; i < nw; ++i) Z[i + static_cast<size_t>(j) * nw] = f.Kib[j + static_cast<size_t>(i) * nu];
  blas::potrf(nw, f.Kbb.data(), "crossbar transfer matrix (sense)");
  blas::trsm_left(nw, nu, f.Kbb.data(), Z.data(), false);
  blas::trsm_left(nw, nu, f.Kbb.data(), Z.data(), true);  // Z = Sw^{-1} Y^T Lu^{-1} = -K^{-1}_wu

  TransferMatrix t{N, M, w.v_sense_V, std::vector<double>(N * M, 0.0)};
  const double gg = net.g_sense * net.g_drv;
  std::vector<size_t> col_of(nw);
  for (int i = 0; i < nw; ++i) col_of[i] = (f.edge[i] / 2) % M;
  for (int j = 0; j < nu; ++j) {
    const size_t r = (f.inner[j] / 2) / M;
    for (int i = 0; i < nw; ++i)
      t.m_S[col_of[i] * N + r] -= gg * Z[i + static_cast<size_t>(j) * nw];
  }
  return t;
}

std::vector<double> TransferMatrix::apply(const std::vector<double>& v) const {
  return apply_batch(v, 1);
}

std::vector<double> TransferMatrix::apply_batch(const std::vector<double>& v, size_t count) const {
  if (v.size() != count * rows)
    throw InputError("transfer matrix: " + std::to_string(v.size()) + " input values for " +
                     std::to_string(count) + " x " + std::to_string(rows));
  std::vector<double> dv(v.size());
  for (size_t i = 0; i < v.size(); ++i) dv[i] = v[i] - v_sense_V;
  std::vector<double> I(count * cols);
  // Column-major view: dv is rows x count, m_S^T is rows x cols; I^T (cols x count) = M dv.
  blas::gemm(true, false, static_cast<int>(cols), static_cast<int>(count), static_cast<int>(rows),
             1.0, m_S.data(), static_cast<int>(rows), dv.data(), static_cast<int>(rows), 0.0,
             I.data(), static_cast<int>(cols));
  return I;
}

}  // namespace cimchar::xbar
