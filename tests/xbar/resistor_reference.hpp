// Test reference: a plain nodal solve of a resistor network, written independently of src/xbar.
// Elements are stamped one by one into a sparse conductance matrix (zero-ohm resistors merge
// their nodes), fixed-voltage nodes are eliminated, and Eigen's SimplicialLDLT solves the rest.
// The crossbar is described element by element from the convention in docs/crossbar.md.
#pragma once

#include <Eigen/SparseCholesky>
#include <Eigen/SparseCore>
#include <map>
#include <numeric>
#include <string>
#include <vector>

#include "xbar/crossbar.hpp"

namespace cimchar::xbar::test {

class ResistorNet {
 public:
  int node(const std::string& name) {
    auto it = ids_.find(name);
    if (it != ids_.end()) return it->second;
    int id = static_cast<int>(parent_.size());
    ids_[name] = id;
    parent_.push_back(id);
    fixed_.push_back(false);
    value_.push_back(0);
    return id;
  }
  void resistor(const std::string& a, const std::string& b, double r_ohm) {
    int ia = node(a), ib = node(b);
    if (r_ohm == 0) {
      int ra = find(ia), rb = find(ib);
      if (ra != rb) {
        parent_[ra] = rb;
        if (fixed_[ra]) fixed_[rb] = true, value_[rb] = value_[ra];
      }
    } else {
      res_.push_back({ia, ib, 1 / r_ohm});
    }
  }
  void source(const std::string& a, double v) {
    int r = find(node(a));
    fixed_[r] = true;
    value_[r] = v;
  }
  // Solves; afterwards voltage(name) and current(a, b, r) are available.
  void solve() {
    const int n = static_cast<int>(parent_.size());
    std::vector<int> idx(n, -1);
    int k = 0;
    for (int i = 0; i < n; ++i)
      if (find(i) == i && !fixed_[i]) idx[i] = k++;
    std::vector<Eigen::Triplet<double>> t;
    Eigen::VectorXd b = Eigen::VectorXd::Zero(k);
    for (const auto& e : res_) {
      int a = find(e.a), c = find(e.b);
      if (a == c) continue;
      int ia = idx[a], ic = idx[c];
      if (ia >= 0) t.emplace_back(ia, ia, e.g);
      if (ic >= 0) t.emplace_back(ic, ic, e.g);
      if (ia >= 0 && ic >= 0) {
        t.emplace_back(ia, ic, -e.g);
        t.emplace_back(ic, ia, -e.g);
      }
      if (ia >= 0 && ic < 0) b[ia] += e.g * value_[c];
      if (ic >= 0 && ia < 0) b[ic] += e.g * value_[a];
    }
    Eigen::SparseMatrix<double> A(k, k);
    A.setFromTriplets(t.begin(), t.end());
    Eigen::SimplicialLDLT<Eigen::SparseMatrix<double>> ldlt(A);
    Eigen::VectorXd x = ldlt.solve(b);
    v_.assign(n, 0);
    for (int i = 0; i < n; ++i) {
      int r = find(i);
      v_[i] = fixed_[r] ? value_[r] : x[idx[r]];
    }
  }
  double voltage(const std::string& name) { return v_[node(name)]; }

 private:
  struct R {
    int a, b;
    double g;
  };
  int find(int i) {
    while (parent_[i] != i) i = parent_[i] = parent_[parent_[i]];
    return i;
  }
  std::map<std::string, int> ids_;
  std::vector<int> parent_;
  std::vector<bool> fixed_;
  std::vector<double> value_, v_;
  std::vector<R> res_;
};

// Column currents of a linear crossbar by the convention, solved as a plain resistor network.
inline std::vector<double> reference_currents(const Array& a, const Wiring& w,
                                              const std::vector<double>& v) {
  ResistorNet net;
  const size_t N = a.rows, M = a.cols;
  auto name = [](char kind, size_t r, size_t c = 0) {
    std::string s(1, kind);
    s += std::to_string(r);
    s += '_';
    s += std::to_string(c);
    return s;
  };
  auto U = [&](size_t r, size_t c) { return name('u', r, c); };
  auto W = [&](size_t r, size_t c) { return name('w', r, c); };
  for (size_t r = 0; r < N; ++r) {
    std::string src = name('i', r);
    net.source(src, v[r]);
    net.resistor(src, name('d', r), w.r_driver_ohm);
    net.resistor(name('d', r), U(r, 0), w.r_wire_row_ohm);
    if (w.drive == Drive::both) {
      net.resistor(src, name('e', r), w.r_driver_ohm);
      net.resistor(name('e', r), U(r, M - 1), w.r_wire_row_ohm);
    }
    for (size_t c = 0; c + 1 < M; ++c) net.resistor(U(r, c), U(r, c + 1), w.r_wire_row_ohm);
    for (size_t c = 0; c < M; ++c) net.resistor(U(r, c), W(r, c), 1 / a.g(r, c));
  }
  for (size_t c = 0; c < M; ++c) {
    for (size_t r = 0; r + 1 < N; ++r) net.resistor(W(r, c), W(r + 1, c), w.r_wire_col_ohm);
    size_t end = w.sense == Sense::far ? N - 1 : 0;
    std::string s = name('s', c), vg = name('g', c);
    net.resistor(W(end, c), s, w.r_wire_col_ohm);
    net.resistor(s, vg, w.r_sense_ohm);
    net.source(vg, w.v_sense_V);
  }
  net.solve();
  std::vector<double> I(M, 0.0);
  for (size_t c = 0; c < M; ++c) {
    // Current into the virtual ground: sum over cells (KCL on the whole column line), robust to
    // zero-ohm sense paths where the sense node merges with the virtual ground.
    for (size_t r = 0; r < N; ++r)
      I[c] += a.g(r, c) * (net.voltage(U(r, c)) - net.voltage(W(r, c)));
  }
  return I;
}

}  // namespace cimchar::xbar::test
