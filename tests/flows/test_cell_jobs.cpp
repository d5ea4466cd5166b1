// The cell stage's write pulse (flows/cell_jobs.hpp, pulse_read_job) on a device that switches in
// milliseconds: the linear-ion-drift memristor of devices/lid.* (a netlist-only device), whose
// state under a constant source through the series resistor has a closed form. With the Joglekar
// window f(w) = 4 w (1 - w) (p = 1) and i = V / (R_s + R_off + (R_on - R_off) w), the state
// equation dw/dt = mu_v R_on / D^2 i f(w) (Strukov et al., Nature 453:80, 2008) separates:
//   F(w) = [a ln w - (a + b) ln(1 - w)] / 4,  a = R_s + R_off,  b = R_on - R_off,
//   F(w_after) - F(w_before) = mu_v R_on / D^2 V t_eff,
// with t_eff the pulse's width plus one edge (two linear edges of half their area each).
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "core/param_table.hpp"
#include "flows/cell_jobs.hpp"
#include "spice/pool.hpp"

using namespace cimchar;

namespace {

double lid_F(double w, double a, double b) { return (a * std::log(w) - (a + b) * std::log1p(-w)) / 4; }

// w after a pulse of v volts for t_eff seconds from w0, by bisection on the monotone F.
double lid_closed_form(const ParamTable& c, double r_s, double w0, double v, double t_eff) {
  const double a = r_s + c.get("R_off"), b = c.get("R_on") - c.get("R_off");
  const double k = c.get("mu_v") * c.get("R_on") / (c.get("D") * c.get("D"));
  const double target = lid_F(w0, a, b) + k * v * t_eff;
  double lo = 1e-15, hi = 1 - 1e-15;
  for (int it = 0; it < 200; ++it) {
    const double mid = 0.5 * (lo + hi);
    (lid_F(mid, a, b) < target ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

}  // namespace

TEST(CellJobs, MillisecondPulsesOnALinearIonDriftDeviceFollowTheClosedForm) {
  const ParamTable card = ParamTable::load_card(std::string(CIMCHAR_TEST_SOURCE_DIR) + "/devices/lid.toml");
  ASSERT_EQ(card.get("p"), 1.0);  // the closed form above is for p = 1
  flows::CellBenchSettings b;
  b.r_series_ohm = 1e3;
  struct Case { double w0, v, width; };
  const Case cases[] = {{0.2, 1.0, 10e-3}, {0.5, 0.8, 4e-3}, {0.9, -1.2, 2e-3}, {0.3, -0.6, 20e-3}};
  std::vector<spice::Job> jobs;
  for (const Case& k : cases) jobs.push_back(flows::pulse_read_job(card, b, k.w0, k.v, k.width, 0.1));
  spice::PoolOptions o;
  o.workers = 2;
  o.progress = false;
  spice::WorkerPool pool(o);
  const auto res = pool.run(jobs);
  for (size_t n = 0; n < jobs.size(); ++n) {
    ASSERT_TRUE(res[n].ok()) << res[n].message;
    const auto pr = flows::parse_pulse_read(jobs[n].name, res[n], 1.0);
    const double edge = 1e-9;  // 5% of the width, at most 1 ns
    const double ref = lid_closed_form(card, b.r_series_ohm, cases[n].w0, cases[n].v, cases[n].width + edge);
    std::printf("  w0 %.2f, %+.1f V for %.1f ms: ngspice %.6f, closed form %.6f\n", cases[n].w0,
                cases[n].v, cases[n].width * 1e3, pr.state_after, ref);
    EXPECT_NEAR(pr.state_after, ref, 2e-5) << jobs[n].name;
    EXPECT_GT(std::abs(pr.state_after - cases[n].w0), 0.02) << "the pulse moved the state";
    // The read after it: the static law through the same series resistor.
    const double r_dev = card.get("R_on") * pr.state_after + card.get("R_off") * (1 - pr.state_after);
    EXPECT_NEAR(pr.g_read_S(), 1 / r_dev, 1e-3 / r_dev);
  }
}
