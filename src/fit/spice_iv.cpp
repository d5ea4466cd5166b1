#include "fit/spice_iv.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "core/error.hpp"
#include "core/units.hpp"
#include "spice/pool.hpp"

namespace cimchar::fit {

namespace {

// The .param of the k-th fitted parameter. By index: ngspice reads the netlist in lower case,
// but `alterparam` matches its argument as written (an upper-case name changes nothing).
std::string param_name(size_t k) { return "cimfit_p" + std::to_string(k); }

std::string exact(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// The instance parameters: the card's values, the fitted ones as {cimfit_<name>}.
std::string instance_params(const ParamTable& card, const std::vector<std::string>& fitted) {
  std::string out;
  for (const auto& s : card.specs()) {
    const auto it = std::find(fitted.begin(), fitted.end(), s.name);
    out += " " + s.name + "=" +
           (it != fitted.end() ? "{" + param_name(static_cast<size_t>(it - fitted.begin())) + "}"
                               : exact(card.get(s.name)));
  }
  return out;
}

}  // namespace

SpiceReadIv::SpiceReadIv(const ParamTable& card, std::vector<std::string> params,
                         std::vector<double> v_V, std::vector<double> state,
                         spice::WorkerPool& pool)
    : model_(card.model_name()), params_(std::move(params)), n_(v_V.size()), pool_(pool) {
  if (card.static_subckt().empty())
    throw ConfigError(card.card_path().string(), "model.static_subckt", 0,
                      "fitting a device without a C++ twin through ngspice needs a static "
                      "subcircuit (its state as a parameter)");
  if (state.size() != n_) throw FitError("voltage and state columns differ in length");
  for (const auto& p : params_) {
    bool known = false;
    for (const auto& s : card.specs()) known = known || s.name == p;
    if (!known) throw FitError("model '" + model_ + "' has no parameter '" + p + "'");
  }
  std::string nl = "* fit of " + model_ + " through ngspice: " + std::to_string(n_) +
                   " read points\n.include " + card.lib_path().string() + "\n";
  for (size_t k = 0; k < params_.size(); ++k)
    nl += ".param " + param_name(k) + "=" + exact(card.get(params_[k])) + "\n";
  const std::string inst = instance_params(card, params_);
  for (size_t i = 0; i < n_; ++i) {
    const std::string k = std::to_string(i);
    nl += "v" + k + " n" + k + " 0 " + exact(v_V[i]) + "\nx" + k + " n" + k + " 0 " +
          card.static_subckt() + inst + " " + card.state_name() + "=" + exact(state[i]) + "\n";
  }
  netlist_ = nl + ".end\n";
}

void SpiceReadIv::evaluate(const std::vector<std::vector<double>>& ps,
                           std::vector<std::vector<double>>& preds) const {
  const size_t m = ps.size();
  const size_t jobs_n = std::min<size_t>(m, static_cast<size_t>(std::max(1, pool_.workers())));
  std::vector<spice::Job> jobs(jobs_n);
  std::vector<std::vector<size_t>> members(jobs_n);
  for (size_t j = 0; j < jobs_n; ++j) {
    jobs[j].name = "fit/" + model_ + "/batch" + std::to_string(j);
    jobs[j].netlist = netlist_;
    jobs[j].commands = {"op"};
    for (size_t i = 0; i < n_; ++i) jobs[j].vectors.push_back("i(v" + std::to_string(i) + ")");
  }
  for (size_t s = 0; s < m; ++s) {
    std::vector<std::string> set;
    for (size_t k = 0; k < params_.size(); ++k)
      set.push_back("alterparam " + param_name(k) + "=" + exact(ps[s][k]));
    jobs[s % jobs_n].alter_sets.push_back(set);
    members[s % jobs_n].push_back(s);
  }
  const auto results = pool_.run(jobs);
  simulations_ += m;
  size_t failed = 0;
  std::string why;
  for (size_t j = 0; j < jobs_n; ++j) {
    const auto& r = results[j];
    if (r.status == spice::Status::bad_netlist) r.throw_if_failed(jobs[j].name);
    for (size_t q = 0; q < members[j].size(); ++q) {
      auto& pred = preds[members[j][q]];
      pred.assign(n_, std::numeric_limits<double>::quiet_NaN());
      const bool ok = r.ok() && q < r.sample_errors.size() && r.sample_errors[q].empty();
      if (!ok) {
        ++failed;
        why = !r.ok() ? r.message : q < r.sample_errors.size() ? r.sample_errors[q] : "no result";
        continue;
      }
      const std::string at = "@" + std::to_string(q);
      for (size_t i = 0; i < n_; ++i) {
        const auto it = r.vectors.find("i(v" + std::to_string(i) + ")" + at);
        if (it != r.vectors.end() && !it->second.empty()) pred[i] = -it->second.front();
      }
    }
  }
  if (failed == m)
    throw SpiceError(netlist_, "fit of " + model_ + " through ngspice: every one of " +
                     std::to_string(m) + " parameter sets failed (" + why + ")");
}

}  // namespace cimchar::fit
