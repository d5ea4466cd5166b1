// Issue 17, item 2: a device known only as a netlist is fitted through ngspice (fit/spice_iv).
// References: the published equations of the models' static subcircuits (Yakopcic 2011:
// I = a x sinh(b V); Strukov 2008: V = (R_on w + R_off (1 - w)) I), and synthetic I-V data that
// ngspice generates from a freshly loaded netlist (a .dc sweep of one instance, not the fit's
// altered multi-instance netlist) with known parameters plus 1% Gaussian noise.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "core/error.hpp"
#include "core/param_table.hpp"
#include "fit/device_fit.hpp"
#include "fit/spice_iv.hpp"
#include "flows/cell_jobs.hpp"
#include "spice/pool.hpp"

using namespace cimchar;

namespace {

ParamTable card(const char* name) {
  return ParamTable::load_card(std::string(CIMCHAR_TEST_SOURCE_DIR) + "/devices/" + name + ".toml");
}

spice::WorkerPool& pool() {
  static spice::WorkerPool p([] {
    spice::PoolOptions po;
    po.workers = 2;
    po.progress = false;
    return po;
  }());
  return p;
}

// ngspice read I-V of `truth` at each state on v in [-1, 1] V (0 V left out), with 1% noise.
fit::IvData synthetic(const ParamTable& truth, const std::vector<double>& states) {
  std::vector<double> v;
  for (int k = 0; k <= 20; ++k) v.push_back(-1.0 + 0.1 * k);
  std::vector<spice::Job> jobs;
  for (double s : states) jobs.push_back(flows::read_iv_job(truth, s, v));
  auto res = pool().run(jobs);
  fit::IvData d;
  d.source = "ngspice (" + truth.model_name() + ")";
  std::mt19937_64 rng(7);
  std::normal_distribution<double> noise(0.0, 0.01);
  for (size_t k = 0; k < jobs.size(); ++k) {
    EXPECT_TRUE(res[k].ok()) << res[k].message;
    const auto i = flows::parse_read_iv(jobs[k].name, res[k]);
    EXPECT_EQ(i.size(), v.size());
    for (size_t m = 0; m < v.size() && m < i.size(); ++m) {
      if (std::abs(v[m]) < 1e-9) continue;  // no current, no information
      d.v_V.push_back(v[m]);
      d.i_A.push_back(i[m] * (1 + noise(rng)));
      d.state.push_back(states[k]);
    }
  }
  return d;
}

void expect_recovered(const fit::FitResult& r, const ParamTable& truth) {
  std::printf("%s: %d evaluations, reduced chi-square %.3f (limit %.3f)\n",
              truth.model_name().c_str(), r.evaluations, r.chi2_reduced, r.chi2_limit);
  ASSERT_TRUE(r.converged) << r.status;
  EXPECT_TRUE(r.gof_passed) << r.verdict();
  EXPECT_TRUE(r.trustworthy()) << r.verdict();
  for (size_t j = 0; j < r.names.size(); ++j) {
    const double t = truth.get(r.names[j]), err = std::abs(r.values[j] - t);
    std::printf("%s: %s = %.6g +- %.3g (truth %.6g, %.2f sigma)\n", truth.model_name().c_str(),
                r.names[j].c_str(), r.values[j], r.std_errors[j], t, err / r.std_errors[j]);
    EXPECT_LE(err, 3 * r.std_errors[j]) << r.names[j];
    EXPECT_LT(r.std_errors[j], 0.05 * std::abs(t)) << r.names[j];
  }
}

}  // namespace

// The evaluator against Yakopcic's read equation, after the parameters were altered in place.
TEST(FitNgspice, EvaluatorMatchesTheYakopcicEquationAfterAlterparam) {
  const ParamTable c = card("yakopcic");
  const std::vector<double> v{-0.8, -0.2, 0.3, 0.9}, x{0.1, 0.5, 1.0, 0.7};
  fit::SpiceReadIv m(c, {"a1", "b"}, v, x, pool());
  const std::vector<std::vector<double>> ps{{0.17, 0.05}, {2e-4, 3.0}, {1e-3, 1.5}};
  std::vector<std::vector<double>> preds(ps.size());
  m.evaluate(ps, preds);
  const double a2 = c.get("a2");
  for (size_t s = 0; s < ps.size(); ++s)
    for (size_t i = 0; i < v.size(); ++i) {
      const double a = v[i] >= 0 ? ps[s][0] : a2;
      const double ref = a * x[i] * std::sinh(ps[s][1] * v[i]);
      EXPECT_NEAR(preds[s][i], ref, 1e-9 * std::abs(ref)) << "set " << s << " point " << i;
    }
  EXPECT_EQ(m.simulations(), ps.size());
}

namespace {
// R_on and R_off of the linear-ion-drift card fitted through ngspice to d (two starts).
fit::FitResult fit_lid_resistances(const fit::IvData& d) {
  fit::DeviceFitOptions o;
  o.params = {"R_on", "R_off"};
  o.lm.starts = 2;
  return fit::fit_device(card("lid"), d, o, &pool());
}
}  // namespace

TEST(FitNgspice, RecoversYakopcicParametersWithinTheirErrors) {
  ParamTable truth = card("yakopcic");
  truth.set("a1", 2e-4);
  truth.set("a2", 1.5e-4);
  truth.set("b", 3.0);
  const fit::IvData d = synthetic(truth, {0.2, 0.5, 1.0});
  fit::DeviceFitOptions o;
  o.params = {"a1", "a2", "b"};
  o.initial = {1e-3, 1e-3, 1.0};
  o.lm.starts = 2;
  const fit::FitResult r = fit::fit_device(card("yakopcic"), d, o, &pool());
  expect_recovered(r, truth);
}

TEST(FitNgspice, RecoversLinearIonDriftResistances) {
  ParamTable truth = card("lid");
  truth.set("R_on", 5e3);
  truth.set("R_off", 300e3);
  const fit::IvData d = synthetic(truth, {0.0, 0.5, 0.9});
  const fit::FitResult r = fit_lid_resistances(d);
  expect_recovered(r, truth);
}

// The linear-ion-drift model cannot describe Yakopcic's sinh I-V: the gate fails it.
TEST(FitNgspice, WrongModelFailsTheGoodnessOfFitGate) {
  ParamTable truth = card("yakopcic");
  truth.set("a1", 2e-4);
  truth.set("a2", 2e-4);
  truth.set("b", 3.0);
  const fit::IvData d = synthetic(truth, {0.3, 1.0});  // x = 0 conducts nothing
  const fit::FitResult r = fit_lid_resistances(d);
  std::printf("lid on yakopcic data: reduced chi-square %.4g (limit %.3f)\n", r.chi2_reduced,
              r.chi2_limit);
  EXPECT_FALSE(r.gof_passed) << "chi2/dof " << r.chi2_reduced;
  EXPECT_GT(r.chi2_reduced, 10 * r.chi2_limit);
}

// The twin stays an accelerator: a device with one fitted through ngspice agrees with its twin.
TEST(FitNgspice, NgspiceEngineAgreesWithTheTwin) {
  ParamTable truth = card("vteam");
  truth.set("R_on", 12e3);
  truth.set("R_off", 150e3);
  const fit::IvData d = synthetic(truth, {0.0, 0.4, 1.0});
  fit::DeviceFitOptions o;
  o.params = {"R_on", "R_off"};
  o.lm.starts = 1;
  const fit::FitResult tw = fit::fit_device(card("vteam"), d, o);
  o.engine = fit::FitEngine::ngspice;
  const fit::FitResult sp = fit::fit_device(card("vteam"), d, o, &pool());
  ASSERT_TRUE(tw.converged && sp.converged) << tw.status << " / " << sp.status;
  for (size_t j = 0; j < tw.values.size(); ++j) {
    EXPECT_NEAR(sp.values[j], tw.values[j], 1e-3 * tw.std_errors[j]) << tw.names[j];
    EXPECT_NEAR(sp.std_errors[j], tw.std_errors[j], 1e-3 * tw.std_errors[j]) << tw.names[j];
  }
}

TEST(FitNgspice, TwinEngineOnANetlistOnlyDeviceIsAConfigError) {
  EXPECT_THROW(fit::fits_through_ngspice(card("lid"), fit::FitEngine::twin), ConfigError);
  EXPECT_TRUE(fit::fits_through_ngspice(card("lid"), fit::FitEngine::automatic));
  EXPECT_FALSE(fit::fits_through_ngspice(card("vteam"), fit::FitEngine::automatic));
}
