// The time-domain k-WTA with transistor-level comparators (src/periph/wta_transistor.hpp) in
// ngspice, against references the bench does not make: an input fires when its capacitor
// reaches the inverters' quasi-static trip level, charged by its current and the keeper's, so at
// t = C integral_0^x_trip dx / (I + I_keeper(x)) with the trip level and I_keeper(x) from a DC
// sweep of the input's node (1 pF here, so that the inverter's and switches' parasitic
// capacitance, a few fF, stays under 1%); the winners are the k largest currents.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "periph/wta_transistor.hpp"
#include "periph_pool.hpp"

using namespace cimchar;
using namespace cimchar::periph;

namespace {
std::string devices_dir() { return std::string(CIMCHAR_TEST_SOURCE_DIR) + "/devices"; }
}  // namespace

TEST(WtaTransistor, FireTimesAreCTripOverIAndTheLargestWin) {
  for (size_t k : {1, 2}) {
    WtaTransistorDesign d;
    d.n_inputs = 4;
    d.k = k;
    d.c_F = 1e-12;
    const WtaQuasiStatic q = wta_quasi_static(test::pool(), d, devices_dir());
    const double trip = q.x_trip_V;
    const std::vector<double> i = {1.0e-6, 1.6e-6, 0.7e-6, 1.3e-6};
    const double t_stop = 1.5 * d.c_F * 1.0 / 0.7e-6;
    const auto r = run_wta_transistor(test::pool(), d, devices_dir(), i, t_stop);
    std::printf("  k = %zu: inverter trip %.4f V, decision at %.3f ns; energy: inputs %.1f fJ, "
                "inverters/keepers/clamps %.1f fJ\n", k, trip, r.t_decision_s * 1e9,
                r.energy_inputs_J * 1e15, r.energy_vdd_J * 1e15);
    // Sorted by current: the k largest fire; the first k fire at C trip / I.
    std::vector<size_t> order = {1, 3, 0, 2};
    for (size_t n = 0; n < order.size(); ++n) {
      const size_t in = order[n];
      const double t_ref = q.fire_time_s(d.c_F, i[in]);
      std::printf("    input %zu (%.2f uA): fired %d at %.4f ns, quasi-static %.4f ns (C x_trip / I "
                  "%.4f ns)\n", in, i[in] * 1e6, static_cast<int>(r.fired[in]), r.t_fire_s[in] * 1e9,
                  t_ref * 1e9, d.c_F * trip / i[in] * 1e9);
      EXPECT_EQ(r.fired[in], n < k) << "input " << in << " k " << k;
      if (n < k) EXPECT_NEAR(r.t_fire_s[in], t_ref, 0.01 * t_ref) << in;
    }
    EXPECT_GT(r.t_decision_s, r.t_fire_s[order[k - 1]]);
    EXPECT_LT(r.t_decision_s, r.t_fire_s[order[k - 1]] + 0.5e-9);
    // Up to the decision the sources deliver vdd x sum(I) x t_decision (ideal sources).
    const double e_in = 1.0 * (1.0e-6 + 1.6e-6 + 0.7e-6 + 1.3e-6) * r.t_decision_s;
    EXPECT_NEAR(r.energy_inputs_J, e_in, 0.01 * e_in);
    EXPECT_GT(r.energy_vdd_J, 0);
  }
}

// Pelgrom mismatch of the trip path: each device's sigma is A_VT / sqrt(W L) (4.5 mV um over
// 0.5 um x 45 nm = 30 mV for the NMOS); the first inverter's two sensitivities add to about 1
// (an inverter's switching threshold lies between V_tn and VDD - |V_tp| with weights r/(1+r)
// and 1/(1+r)), the second inverter's are divided by the first's gain; the Monte Carlo sigma
// of the trip level equals its linearization sqrt(sum (g_i sigma_i)^2) within what 100 samples
// resolve (the sample sd's own sd is 7%); the nominal trip equals the quasi-static sweep's
// (another bench: the first inverter's transfer inverted twice).
TEST(WtaTransistor, TripMismatchMatchesItsLinearization) {
  WtaTransistorDesign d;
  const WtaTripMismatch m = wta_trip_mismatch(test::pool(), d, devices_dir(), 4.5e-9, 100, 7);
  ASSERT_EQ(m.devices.size(), 4u);
  EXPECT_NEAR(m.device_sigma_V[0], 4.5e-9 / std::sqrt(0.5e-6 * 45e-9), 1e-12);
  EXPECT_NEAR(m.device_sigma_V[1], 4.5e-9 / std::sqrt(1e-6 * 45e-9), 1e-12);
  const double q = wta_quasi_static(test::pool(), d, devices_dir()).x_trip_V;
  std::printf("  trip %.4f V (quasi-static %.4f V); sensitivities na %.3f pa %.3f nb %.3f pb %.3f; "
              "sigma MC %.2f mV, linear %.2f mV; mean shift %.2f mV\n", m.nominal_V, q,
              m.sensitivity[0], m.sensitivity[1], m.sensitivity[2], m.sensitivity[3],
              m.sigma_V * 1e3, m.linear_sigma_V * 1e3, (m.mean_V - m.nominal_V) * 1e3);
  EXPECT_NEAR(m.nominal_V, q, 1e-3);
  EXPECT_GT(m.sensitivity[0], 0);  // a higher V_tn: a weaker pull-down, a later trip
  EXPECT_GT(m.sensitivity[1], 0);  // delvto > 0 on the PMOS: |V_tp| smaller, a stronger pull-up
  EXPECT_NEAR(m.sensitivity[0] + m.sensitivity[1], 1.0, 0.2);
  EXPECT_LT(std::abs(m.sensitivity[2]) + std::abs(m.sensitivity[3]), 0.3);
  EXPECT_NEAR(m.sigma_V, m.linear_sigma_V, 0.25 * m.linear_sigma_V);
  EXPECT_NEAR(m.mean_V, m.nominal_V, 3 * m.sigma_V / std::sqrt(100.0) + 1e-3);
}
