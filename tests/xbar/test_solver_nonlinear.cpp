// Nonlinear cells: closed forms for ideal wires, a strongly nonlinear array against a dense
// Newton solve of the full nodal equations written independently here, and the guard against
// returning unconverged answers.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <memory>
#include <random>

#include "device/table_twin.hpp"
#include "xbar/solver.hpp"
#include "xbar_cases.hpp"

using namespace cimchar::xbar;
using namespace cimchar::xbar::test;

TEST(XbarSinh, IdealWiresGiveSumOfSinh) {
  Array a = make_array(12, 7, GPattern::random, 3);
  std::vector<double> v = make_inputs(12, VPattern::random, 4, 0.9);
  const double v0 = 0.2;
  Solver s(a, Wiring{}, sinh_cell(v0));
  std::vector<double> I = s.solve(v);
  for (size_t c = 0; c < 7; ++c) {
    double ref = 0;
    for (size_t r = 0; r < 12; ++r) ref += a.g(r, c) * v0 * std::sinh(v[r] / v0);
    EXPECT_NEAR(I[c], ref, 1e-14 * std::abs(ref));
  }
}

TEST(XbarSinh, ChordConductanceAtReferenceVoltage) {
  // G is I(v_ref) / v_ref: a single cell read at v_ref passes G v_ref.
  Array a{1, 1, {3.3e-5}};
  Solver s(a, Wiring{}, sinh_cell(0.25, 0.2));
  EXPECT_NEAR(s.solve({0.2})[0], 3.3e-5 * 0.2, 1e-18);
}

namespace {
// Dense Newton on all nodes of a small array (row nodes then column nodes), sinh cells, resistive
// lines, driver and sense resistances. Damped by halving until |F| decreases.
std::vector<double> dense_reference(const Array& a, const Wiring& w, double v0,
                                    const std::vector<double>& v) {
  const int N = static_cast<int>(a.rows), M = static_cast<int>(a.cols), n = 2 * N * M;
  auto U = [&](int r, int c) { return r * M + c; };
  auto W = [&](int r, int c) { return N * M + r * M + c; };
  const double gr = 1 / w.r_wire_row_ohm, gc = 1 / w.r_wire_col_ohm;
  const double gd = 1 / (w.r_driver_ohm + w.r_wire_row_ohm);
  const double gs = 1 / (w.r_sense_ohm + w.r_wire_col_ohm);
  Eigen::VectorXd x = Eigen::VectorXd::Zero(n);
  auto residual = [&](const Eigen::VectorXd& y, Eigen::MatrixXd* J) {
    Eigen::VectorXd F = Eigen::VectorXd::Zero(n);
    if (J) J->setZero(n, n);
    auto stamp = [&](int i, int j, double g) {  // resistor between nodes i and j (j<0: ground)
      double vj = j >= 0 ? y[j] : 0.0;
      F[i] += g * (y[i] - vj);
      if (j >= 0) F[j] -= g * (y[i] - vj);
      if (J) {
        (*J)(i, i) += g;
        if (j >= 0) (*J)(j, j) += g, (*J)(i, j) -= g, (*J)(j, i) -= g;
      }
    };
    for (int r = 0; r < N; ++r) {
      F[U(r, 0)] += gd * (y[U(r, 0)] - v[r]);
      if (J) (*J)(U(r, 0), U(r, 0)) += gd;
      for (int c = 0; c + 1 < M; ++c) stamp(U(r, c), U(r, c + 1), gr);
    }
    for (int c = 0; c < M; ++c) {
      for (int r = 0; r + 1 < N; ++r) stamp(W(r, c), W(r + 1, c), gc);
      stamp(W(N - 1, c), -1, gs);
    }
    for (int r = 0; r < N; ++r)
      for (int c = 0; c < M; ++c) {
        double A = a.g(r, c) * v0, d = y[U(r, c)] - y[W(r, c)];
        double i = A * std::sinh(d / v0), g = A * std::cosh(d / v0) / v0;
        F[U(r, c)] += i;
        F[W(r, c)] -= i;
        if (J) {
          int p = U(r, c), q = W(r, c);
          (*J)(p, p) += g, (*J)(q, q) += g, (*J)(p, q) -= g, (*J)(q, p) -= g;
        }
      }
    return F;
  };
  Eigen::MatrixXd J;
  for (int it = 0; it < 200; ++it) {
    Eigen::VectorXd F = residual(x, &J);
    if (F.norm() < 1e-22) break;
    Eigen::VectorXd dx = J.partialPivLu().solve(-F);
    double lam = 1;
    while (lam > 1e-8 && residual(x + lam * dx, nullptr).norm() > (1 - 1e-4 * lam) * F.norm())
      lam /= 2;
    x += lam * dx;
    if (lam == 1 && dx.norm() < 1e-15) break;
  }
  std::vector<double> I(M);
  for (int c = 0; c < M; ++c) I[c] = gs * x[W(N - 1, c)];
  return I;
}
}  // namespace

TEST(XbarSinh, StronglyNonlinearMatchesDenseNewton) {
  // Inputs up to 16 V0 (sinh up to 4e6 times the small-signal current) with a severe IR drop.
  Array a = make_array(9, 11, GPattern::random, 5);
  std::vector<double> v = make_inputs(9, VPattern::random, 6, 1.6);
  Wiring w;
  w.r_wire_row_ohm = 20, w.r_wire_col_ohm = 30, w.r_driver_ohm = 100, w.r_sense_ohm = 50;
  Solver s(a, w, sinh_cell(0.1));
  SolveReport rep;
  std::vector<double> I = s.solve(v, &rep);
  std::vector<double> ref = dense_reference(a, w, 0.1, v);
  EXPECT_TRUE(rep.converged);
  EXPECT_LT(max_rel_err(I, ref), 1e-9) << "Newton " << rep.newton_iterations << " continuation "
                                       << rep.continuation_steps;
}

// A tabulated device (the sinh law, G from 1 to 100 uS over 33 states) through the solver's
// table path (each cell's state resolved once, rows evaluated together, the chord start from
// each row's shape ratios, the preconditioner kept after the first Newton step) against the
// dense Newton of the sinh law itself. The difference is the table's interpolation error alone:
// second order in the voltage step (monotone Hermite slopes), 2.3e-6 at h = 1 mV and 5.8e-7 at
// 0.5 mV (ratio 4.0), on the first and on a further vector.
namespace {
CellModel tabulated_sinh(double v0, double vmax, size_t nv) {
  const size_t ns = 33;
  std::vector<double> st(ns);
  std::vector<std::vector<double>> cur(ns, std::vector<double>(nv));
  for (size_t k = 0; k < ns; ++k) {
    st[k] = static_cast<double>(k) / (ns - 1);
    const double g = 1e-6 * std::pow(100.0, st[k]);
    for (size_t j = 0; j < nv; ++j)
      cur[k][j] = g * v0 * std::sinh((-vmax + 2 * vmax * static_cast<double>(j) / (nv - 1)) / v0);
  }
  CellModel table;
  table.element = Element::table;
  table.table = std::make_shared<const cimchar::device::TableTwin>(st, -vmax, vmax, cur);
  return table;
}
}  // namespace

TEST(XbarTable, TabulatedSinhMatchesTheDenseNewtonOfTheLaw) {
  const double v0 = 0.25;
  Array a = make_array(9, 11, GPattern::random, 5);
  Wiring w;
  w.r_wire_row_ohm = 20, w.r_wire_col_ohm = 30, w.r_driver_ohm = 100, w.r_sense_ohm = 50;
  const std::vector<double> v1 = make_inputs(9, VPattern::random, 6, 0.3);
  const std::vector<double> v2 = make_inputs(9, VPattern::random, 7, 0.3);
  const std::vector<double> ref1 = dense_reference(a, w, v0, v1), ref2 = dense_reference(a, w, v0, v2);
  double err[2][2];
  for (int fine = 0; fine < 2; ++fine) {
    Solver s(a, w, tabulated_sinh(v0, 0.4, fine ? 1601 : 801));
    SolveReport rep;
    err[fine][0] = max_rel_err(s.solve(v1, &rep), ref1);
    EXPECT_TRUE(rep.converged);
    err[fine][1] = max_rel_err(s.solve(v2, &rep), ref2);
    EXPECT_TRUE(rep.converged);
  }
  for (int k = 0; k < 2; ++k) {
    EXPECT_LT(err[1][k], 1e-6) << k;
    EXPECT_NEAR(err[0][k] / err[1][k], 4.0, 0.3) << k;  // h^2: the table's error, nothing else
  }
}

TEST(XbarSolver, NeverReturnsUnconvergedSilently) {
  Array a = make_array(64, 64, GPattern::random, 9);
  std::vector<double> v = make_inputs(64, VPattern::random, 10, 0.3);
  Wiring w;
  w.r_wire_row_ohm = w.r_wire_col_ohm = 10;
  SolveOptions o;
  o.max_krylov = 2;  // far too few for 1e-10
  Solver s(a, w, CellModel{}, o);
  EXPECT_THROW(s.solve(v), ConvergenceError);
  o.throw_on_failure = false;
  Solver quiet(a, w, CellModel{}, o);
  SolveReport rep;
  quiet.solve(v, &rep);
  EXPECT_FALSE(rep.converged);
  EXPECT_FALSE(rep.message.empty());
  EXPECT_GT(rep.current_err_est, o.current_rtol);
  // Newton with crippled inner solves either reports failure or, when it claims convergence,
  // is right to the target.
  Solver nl(a, w, sinh_cell(), o);
  std::vector<double> I = nl.solve(v, &rep);
  if (rep.converged) {
    std::vector<double> ref = Solver(a, w, sinh_cell()).solve(v);
    EXPECT_LT(max_rel_err(I, ref), 1e-9) << "Newton " << rep.newton_iterations;
  }
}
