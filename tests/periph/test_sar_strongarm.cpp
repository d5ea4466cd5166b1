// The SAR ADC with the transistor-level StrongARM (src/periph/sar_strongarm.hpp) in ngspice,
// against a reference this bench does not make: the behavioural SAR twin (adc_twin.hpp, charge
// redistribution over the same capacitors) with the comparator's offset as the StrongARM's
// staircase search measures it alone. Nominal devices and exact capacitors: the transitions are
// the ideal k Q; with Pelgrom mismatch and capacitor mismatch: the twin's transitions.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>

#include "periph/adc_metrics.hpp"
#include "periph/sar_strongarm.hpp"
#include "periph/strongarm.hpp"
#include "periph_pool.hpp"

using namespace cimchar;
using namespace cimchar::periph;

namespace {

std::string devices_dir() { return std::string(CIMCHAR_TEST_SOURCE_DIR) + "/devices"; }

std::vector<double> ramp_inputs(const Ramp& r) {
  std::vector<double> v;
  for (size_t p = 0; p < r.points; ++p) v.push_back(r.x(p));
  return v;
}

}  // namespace

TEST(SarStrongArm, NominalTransitionsAreIdeal) {
  const SarStrongArmDesign d;
  const AdcDesign a = d.as_adc();
  const Ramp r = make_ramp(a, 8);
  const auto run = run_sar_strongarm(test::pool(), d, devices_dir(), ramp_inputs(r), {}, {});
  const auto t = histogram_transitions(run.codes, r, a.transitions());
  double worst = 0;
  for (size_t k = 1; k <= a.transitions(); ++k)
    worst = std::max(worst, std::abs(t[k - 1] - static_cast<double>(k) * a.lsb_V()));
  std::printf("  nominal: worst |T[k] - k Q| %.2f mV (step %.2f mV); comparator %.1f fJ per "
              "conversion (%d decisions), clock %.1f fJ\n", worst * 1e3, r.step * 1e3,
              run.energy_vdd_J * 1e15, d.bits, run.energy_clk_J * 1e15);
  EXPECT_LE(worst, r.step + 1e-9);
  for (size_t p = 1; p < run.codes.size(); ++p) EXPECT_GE(run.codes[p], run.codes[p - 1]) << p;
  EXPECT_GT(run.energy_vdd_J, 0);
}

TEST(SarStrongArm, WithMismatchItIsTheTwinWithTheMeasuredOffset) {
  const SarStrongArmDesign d;
  const AdcDesign a = d.as_adc();
  const Ramp r = make_ramp(a, 8);
  StrongArmOptions o;
  o.seed = 5;
  const auto dvth = draw_strongarm_mismatch(d.comparator, o, 3);
  double res = 0;
  const double off = search_offsets(test::pool(), d.comparator, o, devices_dir(), {dvth}, res)[0];
  AdcSample s;
  s.offset_V = {off};
  std::mt19937_64 rng(9);
  std::normal_distribution<double> n(0, 0.01);  // 1% unit-capacitor mismatch
  for (int i = 0; i <= d.bits; ++i) s.cap_rel.push_back(n(rng) / std::sqrt(std::ldexp(1.0, i < d.bits ? i : 0)));
  const auto run = run_sar_strongarm(test::pool(), d, devices_dir(), ramp_inputs(r), s.cap_rel, dvth);
  const auto got = histogram_transitions(run.codes, r, a.transitions());
  const auto want = histogram_transitions(convert_ramp(a, s, r), r, a.transitions());
  double worst = 0, moved = 0;
  for (size_t k = 0; k < a.transitions(); ++k) {
    worst = std::max(worst, std::abs(got[k] - want[k]));
    moved = std::max(moved, std::abs(want[k] - static_cast<double>(k + 1) * a.lsb_V()));
  }
  std::printf("  comparator offset %+.2f mV (searched alone); worst |T_transistor - T_twin| %.2f mV, "
              "twin vs ideal up to %.2f mV\n", off * 1e3, worst * 1e3, moved * 1e3);
  EXPECT_LE(worst, r.step + res + 1e-9);
  EXPECT_GT(moved, 2 * r.step);  // the mismatch is visible: the test can tell
}
