#include "xbar/irdrop_model.hpp"

#include <Eigen/Dense>
#include <cmath>

#include "core/error.hpp"

namespace cimchar::xbar {

namespace {
// cosh t = 1 + x / 2 for a ladder with series resistance R and shunt conductance g, x = g R.
double ladder_rate(double x) { return std::acosh(1 + x / 2); }
}  // namespace

double word_line_factor(const IrDropInputs& in, size_t c) {
  const double g = in.g_mean_S, R = in.r_wire_row_ohm, M = static_cast<double>(in.cols);
  const double gd = 1 / (in.r_driver_ohm + R);  // driver plus the first (full) segment
  if (R == 0) return in.r_driver_ohm == 0 ? 1.0 : gd / (gd + M * g);
  const double gw = 1 / R, t = ladder_rate(g * R);
  auto S = [&](double k) { return std::cosh((M - 0.5 - k) * t); };
  const double A = gd / (gd * S(0) + gw * (S(0) - S(1)) + g * S(0));
  return A * S(static_cast<double>(c));
}

double bit_line_factor(const IrDropInputs& in) {
  const double g = in.g_mean_S, R = in.r_wire_col_ohm, N = static_cast<double>(in.rows);
  const double gs = 1 / (in.r_sense_ohm + R);  // sense resistance plus the last (full) segment
  if (R == 0) return in.r_sense_ohm == 0 ? 1.0 : gs / (gs + N * g);
  const double gw = 1 / R, s = ladder_rate(g * R);
  auto C = [&](double j) { return std::cosh((j + 0.5) * s); };
  const double B = gs / (gw * (C(N - 1) - C(N - 2)) + (gs + g) * C(N - 1));  // per unit U
  return B * std::sinh(N * s) / (2 * N * std::sinh(s / 2));
}

const char* IrDropModel::basis() { return "ln_fu,ln_fw,ln_fu*ln_fw,(1-a)*ln_fu,(1-a)*ln_fw"; }

std::vector<double> IrDropModel::features(const IrDropInputs& in, size_t c) {
  const double fw = bit_line_factor(in);
  IrDropInputs loaded = in;  // the word line carries the cell currents the bit line lets through
  loaded.g_mean_S = in.g_mean_S * fw;
  const double lu = std::log(word_line_factor(loaded, c)), lw = std::log(fw);
  const double ia = 1 - in.activity;
  return {lu, lw, lu * lw, ia * lu, ia * lw};
}

std::vector<double> IrDropModel::ratio(const IrDropInputs& in) const {
  std::vector<double> r(in.cols);
  for (size_t c = 0; c < in.cols; ++c) {
    std::vector<double> phi = features(in, c);
    double y = 0;
    for (size_t k = 0; k < kIrDropFeatures; ++k) y += theta[k] * phi[k];
    r[c] = std::exp(y);
  }
  return r;
}

IrDropModel fit_irdrop_model(const std::vector<IrDropSample>& samples) {
  const Eigen::Index n = static_cast<Eigen::Index>(samples.size());
  // Basis functions that vanish on every sample (e.g. the activity terms when every row is
  // driven) are left out and get theta = 0.
  std::vector<Eigen::Index> used;
  for (size_t j = 0; j < kIrDropFeatures; ++j) {
    bool nonzero = false;
    for (const IrDropSample& s : samples) nonzero = nonzero || s.phi[j] != 0;
    if (nonzero) used.push_back(static_cast<Eigen::Index>(j));
  }
  const Eigen::Index k = static_cast<Eigen::Index>(used.size());
  if (k == 0 || n < k)
    throw FitError("IR-drop model: " + std::to_string(n) + " samples for " + std::to_string(k) +
                   " coefficients (is every wire resistance zero?)");
  Eigen::MatrixXd A(n, k);
  Eigen::VectorXd b(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const IrDropSample& s = samples[static_cast<size_t>(i)];
    for (Eigen::Index j = 0; j < k; ++j) A(i, j) = s.phi[static_cast<size_t>(used[j])];
    b[i] = s.y;
  }
  // Column scaling keeps the QR's rank decision about the basis, not the units.
  Eigen::VectorXd scale = A.colwise().norm().transpose();
  for (Eigen::Index j = 0; j < k; ++j) A.col(j) /= scale[j];
  Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(A);
  qr.setThreshold(1e-12);
  if (qr.rank() < k)
    throw FitError("IR-drop model: the sweep does not separate the " + std::to_string(k) +
                   " basis functions (rank " + std::to_string(qr.rank()) +
                   "); vary the sizes, wire resistances and activities more");
  Eigen::VectorXd t = qr.solve(b);
  IrDropModel m;
  m.theta.assign(kIrDropFeatures, 0.0);
  for (Eigen::Index j = 0; j < k; ++j) m.theta[static_cast<size_t>(used[j])] = t[j] / scale[j];
  return m;
}

}  // namespace cimchar::xbar
