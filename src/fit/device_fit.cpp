#include "fit/device_fit.hpp"

#include <cmath>

#include "core/error.hpp"
#include "device/model.hpp"
#include "fit/spice_iv.hpp"
#include "spice/pool.hpp"

namespace cimchar::fit {

bool parse_fit_engine(const std::string& word, FitEngine& out) {
  if (word == "auto") out = FitEngine::automatic;
  else if (word == "twin") out = FitEngine::twin;
  else if (word == "ngspice") out = FitEngine::ngspice;
  else return false;
  return true;
}

bool fits_through_ngspice(const ParamTable& card, FitEngine engine) {
  if (engine == FitEngine::ngspice) return true;
  if (device::has_twin(card)) return false;
  if (engine == FitEngine::twin)
    throw ConfigError(card.card_path().string(), "model.name",
                      0, "fit engine 'twin': model '" + card.model_name() +
                      "' has no C++ twin (use engine = \"ngspice\" or \"auto\")");
  return true;
}

namespace {

// The model through ngspice, the batch split across the pool's workers.
FitResult fit_with_ngspice(const ParamTable& card, const IvData& data, const DeviceFitOptions& opts,
                           const std::vector<FitParam>& ps, const std::vector<double>& sigma,
                           spice::WorkerPool* pool) {
  std::unique_ptr<spice::WorkerPool> own;
  if (!pool) {
    spice::PoolOptions po;
    po.progress = false;
    own = std::make_unique<spice::WorkerPool>(po);
    pool = own.get();
  }
  pool->set_progress(false);  // thousands of short batches: no bar
  const SpiceReadIv model(card, opts.params, data.v_V, data.state, *pool);
  FitOptions lm = opts.lm;
  // ngspice's answers carry its own rounding: a step well above it (relative to the fitted
  // coordinate) keeps the central differences clean.
  if (lm.diff_step == 0) lm.diff_step = 1e-6;
  const BatchModelFn fn = [&model](const std::vector<std::vector<double>>& p,
                                   std::vector<std::vector<double>>& preds) {
    model.evaluate(p, preds);
  };
  return levenberg_marquardt(ps, fn, data.i_A, sigma, lm);
}

}  // namespace

FitResult fit_device(const ParamTable& card, const IvData& data, const DeviceFitOptions& opts,
                     spice::WorkerPool* pool) {
  const size_t n = data.v_V.size();
  if (n == 0) throw FitError(data.source + ": no data points");
  if (data.i_A.size() != n || data.state.size() != n)
    throw FitError(data.source + ": voltage, current and state columns differ in length");
  std::vector<FitParam> ps;
  for (size_t k = 0; k < opts.params.size(); ++k) {
    const std::string& name = opts.params[k];
    const ParamSpec* spec = nullptr;
    for (const auto& s : card.specs())
      if (s.name == name) spec = &s;
    if (!spec)
      throw FitError("model '" + card.model_name() + "' has no parameter '" + name + "'");
    FitParam fp;
    fp.name = name;
    fp.unit = spec->unit;
    fp.lo = k < opts.lo.size() && std::isfinite(opts.lo[k]) ? opts.lo[k] : spec->min;
    fp.hi = k < opts.hi.size() && std::isfinite(opts.hi[k]) ? opts.hi[k] : spec->max;
    fp.initial = k < opts.initial.size() && std::isfinite(opts.initial[k]) ? opts.initial[k]
                                                                          : card.get(name);
    fp.log_scale = fp.lo > 0 && fp.hi / fp.lo > 100;
    ps.push_back(fp);
  }
  std::vector<double> sigma(n);
  for (size_t i = 0; i < n; ++i) {
    sigma[i] = opts.rel_sigma * std::abs(data.i_A[i]) + opts.abs_sigma_A;
    if (!(sigma[i] > 0))
      throw FitError(data.source + ": data point " + std::to_string(i) +
                     " has zero current and no absolute noise floor (set abs_sigma)");
  }
  if (fits_through_ngspice(card, opts.engine))
    return fit_with_ngspice(card, data, opts, ps, sigma, pool);
  ParamTable work = card;
  auto model_fn = [&](const std::vector<double>& p, std::vector<double>& pred) {
    for (size_t k = 0; k < p.size(); ++k) work.set(ps[k].name, p[k]);
    auto m = device::make_model(work);
    for (size_t i = 0; i < n; ++i) pred[i] = m->current_A(data.v_V[i], data.state[i]);
  };
  return levenberg_marquardt(ps, model_fn, data.i_A, sigma, opts.lm);
}

}  // namespace cimchar::fit
