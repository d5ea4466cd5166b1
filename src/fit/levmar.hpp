// Bounded nonlinear least squares by Levenberg-Marquardt (Eigen's unsupported module), with
// standard errors from the Jacobian at the optimum.
//
// Bounds are enforced by a smooth change of variables (p = lo + (hi-lo)(sin u + 1)/2, in log p
// for parameters flagged log_scale, as in MINUIT), so the optimizer itself is unconstrained.
// Standard errors: cov = s^2 (J^T J)^-1 with J = d r / d p in physical units and
// s^2 = sum r^2 / (n - k), r the weighted residuals (pred - y) / sigma.
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
  std::vector<bool> at_bound;        // a value within 1e-6 of its bound (its error is unreliable)
};

// model(p, pred): fill pred (size n) for physical parameters p.
using ModelFn = std::function<void(const std::vector<double>& p, std::vector<double>& pred)>;

// y: data; sigma: per-point standard deviation (weights 1/sigma). FitError on bad set-up.
FitResult levenberg_marquardt(const std::vector<FitParam>& params, const ModelFn& model,
                              const std::vector<double>& y, const std::vector<double>& sigma,
                              int max_evaluations = 4000);

}  // namespace cimchar::fit
