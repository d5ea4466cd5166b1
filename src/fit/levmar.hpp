// Bounded nonlinear least squares by Levenberg-Marquardt (Eigen's unsupported module), with
// standard errors from the Jacobian at the optimum.
//
// Bounds are enforced by a smooth change of variables (p = lo + (hi-lo)(sin u + 1)/2, in log p
// for parameters flagged log_scale, as in MINUIT), so the optimizer itself is unconstrained.
// Standard errors: cov = s^2 (J^T J)^-1 with J = d r / d p in physical units and
// s^2 = sum r^2 / (n - k), r the weighted residuals (pred - y) / sigma.
//
// What makes a result trustworthy is judged, not assumed:
// - goodness of fit: reduced chi-square chi2/(n - k) against the stated noise sigma; the fit
//   passes when it lies within gof_z standard deviations of 1 (sd sqrt(2/(n - k)));
// - identifiability: the SVD of the Jacobian with columns scaled to relative (log) changes;
//   singular values below rank_tol times the largest span directions the data cannot see. Such
//   directions are named (e.g. "+0.71 ln I0 -0.71 ln g0"), the parameters in them get NaN
//   standard errors, and the correlation matrix is reported;
// - multi-start: the fit is repeated from deterministic spread-out starts (in the transformed
//   coordinates) and the best chi-square kept;
// - bounds: a value within bound_tol of a bound in the transformed (log or linear) coordinate is
//   flagged at_bound; it is a property of the result, not an error.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace cimchar::fit {

struct FitParam {
  std::string name;
  double initial = 0;
  double lo = 0, hi = 0;   // physical bounds, lo < hi
  bool log_scale = false;  // fit log(p): for positive parameters spanning decades
  std::string unit;
};

struct FitResult {
  std::vector<std::string> names;
  std::vector<std::string> units;
  std::vector<double> values;
  std::vector<double> std_errors;
  std::vector<double> predictions;
  double residual_rms = 0;           // sqrt(mean((pred - y)^2)), in the data's unit
  double weighted_residual_rms = 0;  // sqrt(mean(r^2)), r = (pred - y)/sigma
  int evaluations = 0;
  bool converged = false;
  std::string status;
  std::vector<bool> at_bound;        // within bound_tol of a bound in the fitted coordinate
  // Goodness of fit.
  int dof = 0;                       // n - k
  double chi2_reduced = 0;           // sum r^2 / (n - k)
  double chi2_limit = 0;             // 1 + gof_z sqrt(2 / dof): the pass threshold
  bool gof_passed = false;
  // Identifiability.
  int rank = 0;                      // numerical rank of the scaled Jacobian
  double condition_number = 0;       // largest / smallest singular value (inf if singular)
  std::vector<bool> identifiable;    // per parameter: outside every unidentified direction
  std::vector<std::string> unidentified;  // the null directions, named
  std::vector<double> correlation;   // k x k, row-major; NaN where not identifiable
  // Multi-start.
  int starts = 1;
  std::vector<double> start_chi2;    // reduced chi-square reached from each start
  // Overall verdict: converged, gof_passed and every parameter identifiable.
  bool trustworthy() const;
  std::string verdict() const;       // "ok" or the reasons it is not
};

struct FitOptions {
  int max_evaluations = 4000;        // per start
  int starts = 4;                    // the given start plus starts - 1 spread-out ones
  double gof_z = 3.0;
  double rank_tol = 1e-6;            // relative singular value below which a direction is lost
  double bound_tol = 1e-3;           // fraction of the fitted-coordinate span
  // Central-difference step, relative to the coordinate (0: sqrt(machine epsilon), Eigen's
  // default). A model evaluated by a simulator with its own rounding needs a larger one.
  double diff_step = 0;
};

// model(p, pred): fill pred (size n) for physical parameters p.
using ModelFn = std::function<void(const std::vector<double>& p, std::vector<double>& pred)>;
// The same for many parameter vectors at once (preds[m] for ps[m], each of size n): a model
// that is costly to call (a simulator) evaluates a Jacobian's 2k vectors in one batch.
using BatchModelFn = std::function<void(const std::vector<std::vector<double>>& ps,
                                        std::vector<std::vector<double>>& preds)>;

// y: data; sigma: per-point standard deviation (weights 1/sigma). FitError on bad set-up.
FitResult levenberg_marquardt(const std::vector<FitParam>& params, const ModelFn& model,
                              const std::vector<double>& y, const std::vector<double>& sigma,
                              const FitOptions& opts = {});
FitResult levenberg_marquardt(const std::vector<FitParam>& params, const BatchModelFn& model,
                              const std::vector<double>& y, const std::vector<double>& sigma,
                              const FitOptions& opts = {});

}  // namespace cimchar::fit
