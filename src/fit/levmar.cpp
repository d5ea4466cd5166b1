#include "fit/levmar.hpp"

#include <Eigen/Dense>
#include <unsupported/Eigen/LevenbergMarquardt>
#include <unsupported/Eigen/NumericalDiff>

#include <cmath>

#include "core/error.hpp"

namespace cimchar::fit {

namespace {

struct Transform {
  double a, b;  // bounds in the fitted domain (log or linear)
  bool log;
  double to_physical(double u) const {
    const double t = a + (b - a) * (std::sin(u) + 1.0) / 2.0;
    return log ? std::exp(t) : t;
  }
  double to_internal(double p) const {
    double t = log ? std::log(p) : p;
    double s = 2.0 * (t - a) / (b - a) - 1.0;
    s = std::clamp(s, -0.999, 0.999);  // off the bound, where the sine is flat
    return std::asin(s);
  }
};

struct Problem {
  using Scalar = double;
  using InputType = Eigen::VectorXd;
  using ValueType = Eigen::VectorXd;
  using JacobianType = Eigen::MatrixXd;
  using QRSolver = Eigen::ColPivHouseholderQR<JacobianType>;
  enum { InputsAtCompileTime = Eigen::Dynamic, ValuesAtCompileTime = Eigen::Dynamic };

  const std::vector<Transform>* tr;
  const ModelFn* model;
  const std::vector<double>* y;
  const std::vector<double>* sigma;
  mutable std::vector<double> p, pred;
  mutable int evals = 0;

  int inputs() const { return static_cast<int>(tr->size()); }
  int values() const { return static_cast<int>(y->size()); }

  void physical(const Eigen::VectorXd& u) const {
    p.resize(tr->size());
    for (size_t i = 0; i < tr->size(); ++i) p[i] = (*tr)[i].to_physical(u[static_cast<int>(i)]);
  }
  int operator()(const Eigen::VectorXd& u, Eigen::VectorXd& r) const {
    physical(u);
    pred.assign(y->size(), 0.0);
    (*model)(p, pred);
    ++evals;
    for (size_t i = 0; i < y->size(); ++i) {
      double v = (pred[i] - (*y)[i]) / (*sigma)[i];
      r[static_cast<int>(i)] = std::isfinite(v) ? v : 1e30;
    }
    return 0;
  }
};

const char* status_text(Eigen::LevenbergMarquardtSpace::Status s) {
  using namespace Eigen::LevenbergMarquardtSpace;
  switch (s) {
    case RelativeReductionTooSmall: return "converged (relative reduction of the sum of squares)";
    case RelativeErrorTooSmall: return "converged (relative change of the parameters)";
    case RelativeErrorAndReductionTooSmall: return "converged (parameters and sum of squares)";
    case CosinusTooSmall: return "converged (residuals orthogonal to the Jacobian)";
    case TooManyFunctionEvaluation: return "stopped: too many function evaluations";
    case FtolTooSmall: return "stopped: ftol too small";
    case XtolTooSmall: return "stopped: xtol too small";
    case GtolTooSmall: return "stopped: gtol too small";
    default: return "stopped: improper input or user request";
  }
}

}  // namespace

FitResult levenberg_marquardt(const std::vector<FitParam>& params, const ModelFn& model,
                              const std::vector<double>& y, const std::vector<double>& sigma,
                              int max_evaluations) {
  const size_t k = params.size(), n = y.size();
  if (k == 0) throw FitError("no parameters to fit");
  if (sigma.size() != n) throw FitError("sigma and data sizes differ");
  if (n <= k)
    throw FitError("need more data points (" + std::to_string(n) + ") than fitted parameters (" +
                   std::to_string(k) + ")");
  std::vector<Transform> tr;
  for (const auto& fp : params) {
    if (!(fp.lo < fp.hi)) throw FitError("parameter '" + fp.name + "': lower bound >= upper bound");
    if (fp.log_scale && fp.lo <= 0)
      throw FitError("parameter '" + fp.name + "': log-scale fit needs a positive lower bound");
    if (!(fp.initial >= fp.lo && fp.initial <= fp.hi))
      throw FitError("parameter '" + fp.name + "': initial value outside its bounds");
    tr.push_back(fp.log_scale ? Transform{std::log(fp.lo), std::log(fp.hi), true}
                              : Transform{fp.lo, fp.hi, false});
  }
  for (size_t i = 0; i < n; ++i)
    if (!(sigma[i] > 0) || !std::isfinite(y[i]))
      throw FitError("data point " + std::to_string(i) + " has a non-finite value or sigma <= 0");

  Problem prob{&tr, &model, &y, &sigma, {}, {}, 0};
  Eigen::NumericalDiff<Problem, Eigen::Central> numdiff(prob);
  Eigen::LevenbergMarquardt<Eigen::NumericalDiff<Problem, Eigen::Central>> lm(numdiff);
  lm.setMaxfev(max_evaluations);
  lm.setXtol(1e-12);
  lm.setFtol(1e-14);
  Eigen::VectorXd u(static_cast<int>(k));
  for (size_t i = 0; i < k; ++i) u[static_cast<int>(i)] = tr[i].to_internal(params[i].initial);
  auto status = lm.minimize(u);

  FitResult out;
  const Problem& fp = numdiff;  // NumericalDiff derives from the functor: counts live there
  out.evaluations = fp.evals;
  out.status = status_text(status);
  out.converged = status == Eigen::LevenbergMarquardtSpace::RelativeReductionTooSmall ||
                  status == Eigen::LevenbergMarquardtSpace::RelativeErrorTooSmall ||
                  status == Eigen::LevenbergMarquardtSpace::RelativeErrorAndReductionTooSmall ||
                  status == Eigen::LevenbergMarquardtSpace::CosinusTooSmall;
  Eigen::VectorXd r(static_cast<int>(n));
  fp(u, r);
  std::vector<double> best = fp.p;
  out.predictions = fp.pred;

  // Jacobian in physical coordinates by central differences, each column scaled by its
  // parameter (units differ by decades: A next to m), so the normal matrix is well conditioned.
  Eigen::MatrixXd J(static_cast<int>(n), static_cast<int>(k));
  std::vector<double> pp = best, pred_hi(n), pred_lo(n), col_scale(k);
  for (size_t j = 0; j < k; ++j) {
    col_scale[j] = best[j] != 0 ? std::abs(best[j]) : 1.0;
    const double h = col_scale[j] * 1e-6;
    pp[j] = best[j] + h;
    model(pp, pred_hi);
    pp[j] = best[j] - h;
    model(pp, pred_lo);
    pp[j] = best[j];
    for (size_t i = 0; i < n; ++i)
      J(static_cast<int>(i), static_cast<int>(j)) =
          (pred_hi[i] - pred_lo[i]) / (2 * h) / sigma[i] * col_scale[j];
  }
  const double ssr = r.squaredNorm();
  const double s2 = ssr / static_cast<double>(n - k);
  Eigen::MatrixXd JtJ = J.transpose() * J;
  Eigen::MatrixXd cov = s2 * JtJ.completeOrthogonalDecomposition().pseudoInverse();

  double sq = 0;
  for (size_t i = 0; i < n; ++i) sq += (out.predictions[i] - y[i]) * (out.predictions[i] - y[i]);
  out.residual_rms = std::sqrt(sq / static_cast<double>(n));
  out.weighted_residual_rms = std::sqrt(ssr / static_cast<double>(n));
  for (size_t j = 0; j < k; ++j) {
    out.names.push_back(params[j].name);
    out.units.push_back(params[j].unit);
    out.values.push_back(best[j]);
    out.std_errors.push_back(
        col_scale[j] * std::sqrt(std::max(cov(static_cast<int>(j), static_cast<int>(j)), 0.0)));
    const double span = params[j].hi - params[j].lo;
    out.at_bound.push_back(std::abs(best[j] - params[j].lo) < 1e-6 * span ||
                           std::abs(best[j] - params[j].hi) < 1e-6 * span);
  }
  return out;
}

}  // namespace cimchar::fit
