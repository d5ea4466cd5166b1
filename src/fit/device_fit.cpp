#include "fit/device_fit.hpp"

#include <cmath>

#include "core/error.hpp"
#include "device/model.hpp"

namespace cimchar::fit {

FitResult fit_device(const ParamTable& card, const IvData& data, const DeviceFitOptions& opts) {
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
  ParamTable work = card;
  auto model_fn = [&](const std::vector<double>& p, std::vector<double>& pred) {
    for (size_t k = 0; k < p.size(); ++k) work.set(ps[k].name, p[k]);
    auto m = device::make_model(work);
    for (size_t i = 0; i < n; ++i) pred[i] = m->current_A(data.v_V[i], data.state[i]);
  };
  return levenberg_marquardt(ps, model_fn, data.i_A, sigma, opts.lm);
}

}  // namespace cimchar::fit
