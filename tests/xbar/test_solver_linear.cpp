// Linear cells: the native solver against an independent nodal solve (resistor_reference.hpp)
// and against closed forms.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "resistor_reference.hpp"
#include "xbar/solver.hpp"
#include "xbar/transfer.hpp"

using namespace cimchar::xbar;

namespace {

Array random_array(size_t n, size_t m, uint64_t seed, double g_lo = 1e-6, double g_hi = 1e-4) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(g_lo, g_hi);
  Array a{n, m, std::vector<double>(n * m)};
  for (double& g : a.g_S) g = u(rng);
  return a;
}

std::vector<double> random_v(size_t n, uint64_t seed, double lo = 0, double hi = 0.2) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  std::vector<double> v(n);
  for (double& x : v) x = u(rng);
  return v;
}

double max_rel_err(const std::vector<double>& got, const std::vector<double>& ref) {
  double imax = 0, e = 0;
  for (double x : ref) imax = std::max(imax, std::abs(x));
  for (size_t i = 0; i < ref.size(); ++i)
    e = std::max(e, std::abs(got[i] - ref[i]) / std::max(std::abs(ref[i]), 1e-3 * imax));
  return e;
}

struct Case {
  size_t n, m;
  Wiring w;
};

}  // namespace

TEST(XbarLinear, MatchesNodalReference) {
  std::vector<Case> cases;
  auto W = [](double rw_row, double rw_col, double rd, double rs, Drive d = Drive::near,
              Sense s = Sense::far, double vs = 0) {
    Wiring w;
    w.r_wire_row_ohm = rw_row, w.r_wire_col_ohm = rw_col, w.r_driver_ohm = rd, w.r_sense_ohm = rs;
    w.drive = d, w.sense = s, w.v_sense_V = vs;
    return w;
  };
  cases.push_back({16, 16, W(2.5, 2.5, 0, 0)});
  cases.push_back({24, 10, W(1, 3, 50, 20)});
  cases.push_back({7, 33, W(10, 0.1, 100, 0, Drive::both, Sense::near, 0.05)});
  cases.push_back({1, 12, W(5, 5, 10, 10)});
  cases.push_back({12, 1, W(5, 5, 10, 10, Drive::both)});
  cases.push_back({9, 9, W(0, 2, 30, 10)});        // ideal word lines, resistive drivers
  cases.push_back({9, 9, W(0, 2, 0, 10)});         // ideal word lines fixed at V
  cases.push_back({9, 9, W(2, 0, 30, 10)});        // ideal bit lines, resistive sense
  cases.push_back({9, 9, W(2, 0, 30, 0)});         // ideal bit lines at the virtual ground
  cases.push_back({9, 9, W(0, 0, 30, 10, Drive::both)});
  cases.push_back({64, 48, W(10, 10, 0, 0)});      // severe IR drop
  int seed = 1;
  for (const Case& cs : cases) {
    Array a = random_array(cs.n, cs.m, seed);
    std::vector<double> v = random_v(cs.n, seed + 100, -0.1, 0.3);
    ++seed;
    Solver s(a, cs.w, CellModel{});
    SolveReport rep;
    std::vector<double> I = s.solve(v, &rep);
    std::vector<double> ref = test::reference_currents(a, cs.w, v);
    double err = max_rel_err(I, ref);
    EXPECT_LT(err, 1e-9)
        << cs.n << "x" << cs.m << " " << cs.w.describe() << " iters " << rep.krylov_iterations;
    EXPECT_TRUE(rep.converged);
  }
}

// The smallest arrays: CG solves a 1 x 1 (or a single line of two cells) exactly in its first
// steps, and its next search direction is zero. That is convergence, not a failure (it used to
// end in "did not converge: estimated current error 0.25").
TEST(XbarLinear, SmallestArraysWithWiresConverge) {
  for (const auto& [n, m] : std::vector<std::pair<size_t, size_t>>{{1, 1}, {1, 2}, {2, 1}, {1, 3}}) {
    for (double rw : {0.5, 2.5, 100.0}) {
      Wiring w;
      w.r_wire_row_ohm = w.r_wire_col_ohm = rw;
      Array a = random_array(n, m, 7);
      std::vector<double> v = random_v(n, 8, 0.05, 0.3);
      SolveReport rep;
      std::vector<double> I = Solver(a, w, CellModel{}).solve(v, &rep);
      EXPECT_TRUE(rep.converged) << n << "x" << m << " r_wire " << rw << ": " << rep.message;
      EXPECT_LT(max_rel_err(I, test::reference_currents(a, w, v)), 1e-9) << n << "x" << m;
    }
  }
  // 1 x 1, closed form: one word-line and one bit-line segment in series with the cell.
  Wiring w;
  w.r_wire_row_ohm = w.r_wire_col_ohm = 2.5;
  Array one{1, 1, {1e-5}};
  EXPECT_NEAR(Solver(one, w, CellModel{}).solve({0.2})[0], 0.2 / (1e5 + 5.0), 1e-15);
}

TEST(XbarLinear, IdealWiresGiveGTransposeV) {
  Array a = random_array(20, 30, 7);
  std::vector<double> v = random_v(20, 8);
  Solver s(a, Wiring{}, CellModel{});
  std::vector<double> I = s.solve(v);
  for (size_t c = 0; c < 30; ++c) {
    double ref = 0;
    for (size_t r = 0; r < 20; ++r) ref += a.g(r, c) * v[r];
    EXPECT_NEAR(I[c], ref, 1e-15 * std::abs(ref));
  }
}

// One row, equal cells, sense resistance 0: a ladder network. With per-segment conductance gw,
// cell conductance g, node voltages obey g_w (u[k-1] - 2u[k] + u[k+1]) = g u[k], solved by
// u[k] = A cosh(k t) + B sinh(k t) with cosh t = 1 + g / (2 gw); the open end gives the
// boundary u[M-1] - u[M-2] = -(g / gw) u[M-1] and the driver end V - u[0] = (r_d + r_w)(...).
TEST(XbarLinear, SingleRowLadderClosedForm) {
  const size_t M = 40;
  const double g = 2e-3, rw = 3.0, rd = 20.0, V = 0.5;
  Array a{1, M, std::vector<double>(M, g)};
  Wiring w;
  w.r_wire_row_ohm = rw, w.r_driver_ohm = rd;  // bit lines ideal at 0 V
  Solver s(a, w, CellModel{});
  std::vector<double> I = s.solve({V});
  // Closed form: mirror the chain about its open end; u[k] = C cosh((k - (M-1) - 1/2) t)
  // satisfies the recursion and the open-end condition u[M] = u[M-1] (zero current out).
  const double gw = 1 / rw;
  const double t = std::acosh(1 + g / (2 * gw));
  auto shape = [&](double k) { return std::cosh((k - (M - 1) - 0.5) * t); };
  // Driver end: (V - u0) / (rd + rw) = gw (u0 - u1) + g u0.
  const double gd = 1 / (rd + rw);
  const double C = gd * V / (gd * shape(0) + gw * (shape(0) - shape(1)) + g * shape(0));
  for (size_t c = 0; c < M; ++c) EXPECT_NEAR(I[c], g * C * shape(c), 1e-12 * g * V) << c;
}

TEST(XbarTransfer, MatchesNodalReference) {
  std::vector<Case> cases;
  Wiring a, b, c, d;
  a.r_wire_row_ohm = a.r_wire_col_ohm = 2.5;
  b.r_wire_row_ohm = 1, b.r_wire_col_ohm = 7, b.r_driver_ohm = 30, b.r_sense_ohm = 12;
  c = b, c.drive = Drive::both, c.sense = Sense::near, c.v_sense_V = 0.05;
  d.r_wire_row_ohm = 0, d.r_wire_col_ohm = 3, d.r_driver_ohm = 10;  // ideal word lines: fallback
  cases = {{23, 37, a}, {40, 9, b}, {17, 17, c}, {6, 5, d}, {1, 1, b}, {3, 64, a}};
  int seed = 50;
  for (const Case& cs : cases) {
    Array arr = random_array(cs.n, cs.m, seed);
    TransferMatrix t = transfer_matrix(arr, cs.w);
    for (int k = 0; k < 3; ++k) {
      std::vector<double> v = random_v(cs.n, seed * 10 + k, -0.1, 0.3);
      std::vector<double> ref = test::reference_currents(arr, cs.w, v);
      EXPECT_LT(max_rel_err(t.apply(v), ref), 1e-10) << cs.n << "x" << cs.m << " " << cs.w.describe();
    }
    ++seed;
  }
}
