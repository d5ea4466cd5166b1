// The compact IR-drop model's ladder factors against the native solver (they are exact for a
// uniform array when only one line family is resistive), its first-order expansion, and the fit.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "xbar/irdrop_model.hpp"
#include "xbar/solver.hpp"

using namespace cimchar::xbar;

namespace {
std::vector<double> ratio_from_solver(size_t n, size_t m, double g, const Wiring& w) {
  Array a{n, m, std::vector<double>(n * m, g)};
  std::vector<double> v(n, 0.2);
  std::vector<double> I = Solver(a, w, CellModel{}).solve(v);
  std::vector<double> I0 = ideal_currents(a, CellModel{}, v);
  for (size_t c = 0; c < m; ++c) I[c] /= I0[c];
  return I;
}
}  // namespace

TEST(IrDropModel, WordLineFactorIsExactForResistiveWordLinesAlone) {
  Wiring w;
  w.r_wire_row_ohm = 20, w.r_driver_ohm = 7;
  const size_t n = 9, m = 31;
  std::vector<double> r = ratio_from_solver(n, m, 5e-5, w);
  IrDropInputs in{n, m, 20, 0, 7, 0, 5e-5, 1};
  for (size_t c = 0; c < m; ++c) EXPECT_NEAR(word_line_factor(in, c), r[c], 1e-10) << c;
  EXPECT_DOUBLE_EQ(bit_line_factor(in), 1.0);
}

TEST(IrDropModel, BitLineFactorIsExactForResistiveBitLinesAlone) {
  Wiring w;
  w.r_wire_col_ohm = 15, w.r_sense_ohm = 4;
  const size_t n = 40, m = 6;
  std::vector<double> r = ratio_from_solver(n, m, 8e-5, w);
  IrDropInputs in{n, m, 0, 15, 0, 4, 8e-5, 1};
  for (size_t c = 0; c < m; ++c) EXPECT_NEAR(bit_line_factor(in), r[c], 1e-10) << c;
}

TEST(IrDropModel, FirstOrderExpansion) {
  // -ln f = z + O(z^2) with z_u(c) = g (R_d M + R (c+1)(M - c/2)), z_w = g (R_s N + R (N+1)(2N+1)/6)
  const size_t n = 50, m = 40;
  const double g = 1e-8, R = 0.5, Rd = 3, Rs = 2;  // z ~ 1e-6: second order ~ 1e-6 relative
  IrDropInputs in{n, m, R, R, Rd, Rs, g, 1};
  const double zw = g * (Rs * n + R * (n + 1.0) * (2.0 * n + 1) / 6);
  EXPECT_NEAR(-std::log(bit_line_factor(in)) / zw, 1, 1e-4);
  for (size_t c : {0ul, 13ul, 39ul}) {
    const double zu = g * (Rd * m + R * (c + 1.0) * (m - c / 2.0));
    EXPECT_NEAR(-std::log(word_line_factor(in, c)) / zu, 1, 1e-4) << c;
  }
}

TEST(IrDropModel, FitRecoversCoefficients) {
  std::mt19937_64 rng(4);
  std::uniform_real_distribution<double> u(-1, 0), ua(0.2, 1);
  const std::vector<double> theta = {0.9, 1.1, -0.2, 0.05, -0.03};
  std::vector<IrDropSample> s;
  for (int i = 0; i < 200; ++i) {
    double lu = u(rng), lw = u(rng), a = ua(rng);
    IrDropSample x{{lu, lw, lu * lw, (1 - a) * lu, (1 - a) * lw}, 0};
    for (size_t k = 0; k < theta.size(); ++k) x.y += theta[k] * x.phi[k];
    s.push_back(x);
  }
  IrDropModel m = fit_irdrop_model(s);
  for (size_t k = 0; k < theta.size(); ++k) EXPECT_NEAR(m.theta[k], theta[k], 1e-10);
}
