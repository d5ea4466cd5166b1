#include "fit/levmar.hpp"

#include <Eigen/Dense>
#include <unsupported/Eigen/LevenbergMarquardt>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "core/error.hpp"

namespace cimchar::fit {

namespace {

struct Transform {
  double a, b;  // bounds in the fitted domain (log or linear)
  bool log;
  // Where u puts the value within its fitted-coordinate span, 0 (lower bound) to 1 (upper).
  double fraction(double u) const { return (std::sin(u) + 1.0) / 2.0; }
  double to_physical(double u) const {
    const double t = a + (b - a) * fraction(u);
    const double p = log ? std::exp(t) : t;
    // exp/log round-trips can land a hair outside the bound: keep the value inside it.
    return std::clamp(p, log ? std::exp(a) : a, log ? std::exp(b) : b);
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
  const BatchModelFn* model;
  const std::vector<double>* y;
  const std::vector<double>* sigma;
  double step = 0;  // central-difference step, relative to the coordinate
  mutable std::vector<double> p, pred;
  mutable int evals = 0;

  int inputs() const { return static_cast<int>(tr->size()); }
  int values() const { return static_cast<int>(y->size()); }

  std::vector<double> physical_of(const Eigen::VectorXd& u) const {
    std::vector<double> q(tr->size());
    for (size_t i = 0; i < tr->size(); ++i) q[i] = (*tr)[i].to_physical(u[static_cast<int>(i)]);
    return q;
  }
  double residual(const std::vector<double>& pr, size_t i) const {
    const double v = (pr[i] - (*y)[i]) / (*sigma)[i];
    return std::isfinite(v) ? v : 1e30;
  }
  // Predictions for many points of the fitted coordinates, in one call of the model.
  std::vector<std::vector<double>> predict(const std::vector<Eigen::VectorXd>& us) const {
    std::vector<std::vector<double>> ps, preds(us.size(), std::vector<double>(y->size(), 0.0));
    for (const auto& u : us) ps.push_back(physical_of(u));
    (*model)(ps, preds);
    evals += static_cast<int>(us.size());
    return preds;
  }
  int operator()(const Eigen::VectorXd& u, Eigen::VectorXd& r) const {
    p = physical_of(u);
    pred = predict({u})[0];
    for (size_t i = 0; i < y->size(); ++i) r[static_cast<int>(i)] = residual(pred, i);
    return 0;
  }
  // Central differences (Eigen's NumericalDiff rule), the 2k evaluations in one batch.
  int df(const Eigen::VectorXd& u, Eigen::MatrixXd& J) const {
    const int k = inputs();
    std::vector<Eigen::VectorXd> us;
    std::vector<double> h(static_cast<size_t>(k));
    for (int j = 0; j < k; ++j) {
      h[static_cast<size_t>(j)] = u[j] != 0 ? step * std::abs(u[j]) : step;
      Eigen::VectorXd a = u, b = u;
      a[j] += h[static_cast<size_t>(j)];
      b[j] -= h[static_cast<size_t>(j)];
      us.push_back(a);
      us.push_back(b);
    }
    const auto preds = predict(us);
    J.resize(values(), k);
    for (int j = 0; j < k; ++j)
      for (size_t i = 0; i < y->size(); ++i)
        J(static_cast<int>(i), j) = (residual(preds[static_cast<size_t>(2 * j)], i) -
                                     residual(preds[static_cast<size_t>(2 * j + 1)], i)) /
                                    (2 * h[static_cast<size_t>(j)]);
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


bool converged_status(Eigen::LevenbergMarquardtSpace::Status s) {
  using namespace Eigen::LevenbergMarquardtSpace;
  return s == RelativeReductionTooSmall || s == RelativeErrorTooSmall ||
         s == RelativeErrorAndReductionTooSmall || s == CosinusTooSmall;
}

std::vector<Transform> make_transforms(const std::vector<FitParam>& params) {
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
  return tr;
}

struct Start {
  Eigen::VectorXd u;
  Eigen::LevenbergMarquardtSpace::Status status{};
  double ssr = 0;
};

Start run_from(const Problem& base, Eigen::VectorXd u, int max_evaluations, int& evals) {
  Problem numdiff = base;
  numdiff.evals = 0;
  Eigen::LevenbergMarquardt<Problem> lm(numdiff);
  lm.setMaxfev(max_evaluations);
  lm.setXtol(1e-12);
  lm.setFtol(1e-14);
  Start s;
  s.status = lm.minimize(u);
  s.u = u;
  Eigen::VectorXd r(base.values());
  const Problem& fp = numdiff;
  fp(u, r);
  evals += fp.evals;
  s.ssr = r.squaredNorm();
  return s;
}

// Start j > 0: a point of a Halton sequence over the fitted-coordinate box, kept 5% off the
// bounds (deterministic, so a fit is reproducible).
Eigen::VectorXd spread_start(size_t k, int j) {
  static constexpr int kPrimes[] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37};
  Eigen::VectorXd u(static_cast<int>(k));
  for (size_t i = 0; i < k; ++i) {
    const int base = kPrimes[i % 12];
    double f = 1, h = 0;
    for (int n = j; n > 0; n /= base) {
      f /= base;
      h += f * (n % base);
    }
    u[static_cast<int>(i)] = std::asin(2.0 * (0.05 + 0.9 * h) - 1.0);
  }
  return u;
}

// The Jacobian of the weighted residuals in physical coordinates by central differences, each
// column scaled by its parameter (relative changes: A next to m stay comparable).
Eigen::MatrixXd scaled_jacobian(const BatchModelFn& model, const std::vector<double>& best,
                                const std::vector<double>& sigma, double step,
                                std::vector<double>& col_scale) {
  const size_t n = sigma.size(), k = best.size();
  Eigen::MatrixXd J(static_cast<int>(n), static_cast<int>(k));
  std::vector<std::vector<double>> ps;
  col_scale.assign(k, 1.0);
  for (size_t j = 0; j < k; ++j) {
    col_scale[j] = best[j] != 0 ? std::abs(best[j]) : 1.0;
    std::vector<double> hi = best, lo = best;
    hi[j] += col_scale[j] * step;
    lo[j] -= col_scale[j] * step;
    ps.push_back(hi);
    ps.push_back(lo);
  }
  std::vector<std::vector<double>> preds(ps.size(), std::vector<double>(n, 0.0));
  model(ps, preds);
  for (size_t j = 0; j < k; ++j)
    for (size_t i = 0; i < n; ++i)
      J(static_cast<int>(i), static_cast<int>(j)) =
          (preds[2 * j][i] - preds[2 * j + 1][i]) / (2 * col_scale[j] * step) / sigma[i] *
          col_scale[j];
  return J;
}

std::string name_direction(const Eigen::VectorXd& v, const std::vector<FitParam>& params) {
  std::string s;
  char buf[64];
  for (int j = 0; j < v.size(); ++j) {
    if (std::abs(v[j]) < 0.05) continue;
    std::snprintf(buf, sizeof buf, "%s%+.2f ln %s", s.empty() ? "" : " ", v[j],
                  params[static_cast<size_t>(j)].name.c_str());
    s += buf;
  }
  return s;
}

// Rank, conditioning, unidentified directions, standard errors and correlations from the SVD
// of the scaled Jacobian: cov = s2 V diag(1/sv^2) V^T over the identified directions only.
void judge_identifiability(const Eigen::MatrixXd& J, const std::vector<double>& col_scale,
                           double s2, const std::vector<FitParam>& params, double rank_tol,
                           FitResult& out) {
  const int k = static_cast<int>(J.cols());
  Eigen::JacobiSVD<Eigen::MatrixXd> svd(J, Eigen::ComputeThinV);
  const Eigen::VectorXd sv = svd.singularValues();
  const Eigen::MatrixXd V = svd.matrixV();
  const double smax = sv.size() ? sv[0] : 0;
  out.rank = 0;
  Eigen::MatrixXd cov = Eigen::MatrixXd::Zero(k, k);
  out.identifiable.assign(static_cast<size_t>(k), true);
  for (int d = 0; d < k; ++d) {
    if (smax > 0 && sv[d] > rank_tol * smax) {
      ++out.rank;
      cov += s2 / (sv[d] * sv[d]) * V.col(d) * V.col(d).transpose();
      continue;
    }
    out.unidentified.push_back(name_direction(V.col(d), params));
    for (int j = 0; j < k; ++j)
      if (std::abs(V(j, d)) >= 0.05) out.identifiable[static_cast<size_t>(j)] = false;
  }
  out.condition_number = sv[k - 1] > 0 ? smax / sv[k - 1] : INFINITY;
  out.correlation.assign(static_cast<size_t>(k * k), NAN);
  for (int i = 0; i < k; ++i) {
    const bool ok_i = out.identifiable[static_cast<size_t>(i)];
    out.std_errors.push_back(ok_i ? col_scale[static_cast<size_t>(i)] * std::sqrt(cov(i, i)) : NAN);
    for (int j = 0; j < k; ++j)
      if (ok_i && out.identifiable[static_cast<size_t>(j)])
        out.correlation[static_cast<size_t>(i * k + j)] = cov(i, j) / std::sqrt(cov(i, i) * cov(j, j));
  }
}

}  // namespace

bool FitResult::trustworthy() const {
  if (!converged || !gof_passed) return false;
  for (bool b : identifiable)
    if (!b) return false;
  return true;
}

std::string FitResult::verdict() const {
  std::string why;
  auto add = [&](const std::string& s) { why += (why.empty() ? "" : "; ") + s; };
  if (!converged) add("the optimizer did not converge (" + status + ")");
  if (!gof_passed) {
    char buf[160];
    std::snprintf(buf, sizeof buf,
                  "the model does not describe the data: reduced chi-square %.4g > %.4g "
                  "(%d degrees of freedom, against the stated noise)", chi2_reduced, chi2_limit, dof);
    add(buf);
  }
  for (const auto& d : unidentified) add("not identifiable from these data: " + d);
  return why.empty() ? "ok" : why;
}

FitResult levenberg_marquardt(const std::vector<FitParam>& params, const ModelFn& model,
                              const std::vector<double>& y, const std::vector<double>& sigma,
                              const FitOptions& opts) {
  const BatchModelFn batch = [&model](const std::vector<std::vector<double>>& ps,
                                      std::vector<std::vector<double>>& preds) {
    for (size_t m = 0; m < ps.size(); ++m) model(ps[m], preds[m]);
  };
  return levenberg_marquardt(params, batch, y, sigma, opts);
}

FitResult levenberg_marquardt(const std::vector<FitParam>& params, const BatchModelFn& model,
                              const std::vector<double>& y, const std::vector<double>& sigma,
                              const FitOptions& opts) {
  const size_t k = params.size(), n = y.size();
  if (k == 0) throw FitError("no parameters to fit");
  if (sigma.size() != n) throw FitError("sigma and data sizes differ");
  if (n <= k)
    throw FitError("need more data points (" + std::to_string(n) + ") than fitted parameters (" +
                   std::to_string(k) + ")");
  const std::vector<Transform> tr = make_transforms(params);
  for (size_t i = 0; i < n; ++i)
    if (!(sigma[i] > 0) || !std::isfinite(y[i]))
      throw FitError("data point " + std::to_string(i) + " has a non-finite value or sigma <= 0");

  const double step = opts.diff_step > 0
                          ? opts.diff_step
                          : std::sqrt(std::numeric_limits<double>::epsilon());
  Problem prob{&tr, &model, &y, &sigma, step, {}, {}, 0};
  FitResult out;
  out.dof = static_cast<int>(n - k);
  out.starts = std::max(1, opts.starts);
  Eigen::VectorXd u0(static_cast<int>(k));
  for (size_t i = 0; i < k; ++i) u0[static_cast<int>(i)] = tr[i].to_internal(params[i].initial);
  Start best;
  for (int j = 0; j < out.starts; ++j) {
    Start s = run_from(prob, j == 0 ? u0 : spread_start(k, j), opts.max_evaluations,
                       out.evaluations);
    out.start_chi2.push_back(s.ssr / out.dof);
    if (j == 0 || s.ssr < best.ssr) best = s;
  }
  out.status = status_text(best.status);
  out.converged = converged_status(best.status);
  Eigen::VectorXd r(static_cast<int>(n));
  prob(best.u, r);
  const std::vector<double> values = prob.p;
  out.predictions = prob.pred;

  const double ssr = r.squaredNorm();
  out.chi2_reduced = ssr / out.dof;
  out.chi2_limit = 1.0 + opts.gof_z * std::sqrt(2.0 / out.dof);
  out.gof_passed = out.chi2_reduced <= out.chi2_limit;
  std::vector<double> col_scale;
  const Eigen::MatrixXd J = scaled_jacobian(model, values, sigma,
                                            opts.diff_step > 0 ? opts.diff_step : 1e-6, col_scale);
  for (size_t j = 0; j < k; ++j) {
    out.names.push_back(params[j].name);
    out.units.push_back(params[j].unit);
    out.values.push_back(values[j]);
    const double f = tr[j].fraction(best.u[static_cast<int>(j)]);
    out.at_bound.push_back(f < opts.bound_tol || f > 1.0 - opts.bound_tol);
  }
  judge_identifiability(J, col_scale, out.chi2_reduced, params, opts.rank_tol, out);

  double sq = 0;
  for (size_t i = 0; i < n; ++i) sq += (out.predictions[i] - y[i]) * (out.predictions[i] - y[i]);
  out.residual_rms = std::sqrt(sq / static_cast<double>(n));
  out.weighted_residual_rms = std::sqrt(ssr / static_cast<double>(n));
  return out;
}

}  // namespace cimchar::fit
