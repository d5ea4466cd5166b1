// The transistor-level flash ADC (src/periph/flash_strongarm.hpp: a resistor ladder and one
// StrongARM comparator per tap, BSIM4 PTM 45 nm HP) in ngspice, against references this bench
// does not make: with nominal devices its transitions are the ladder taps (within the ramp's
// step); with Pelgrom mismatch each transition moves by the input-referred offset of its own
// comparator, measured alone at that tap's common mode by the StrongARM's offset search; the
// ladder's energy is (v_hi - v_lo)^2 / (2^N R) per second of conversion. Without the tap
// capacitors (c_tap = 0) the comparators' kickback pulls the 200 ohm ladder's taps down while
// they decide and the transitions land 25-110 mV low (measured 2026-12-04): the default design
// decouples each tap with 0.5 pF.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "periph/adc_metrics.hpp"
#include "periph/flash_strongarm.hpp"
#include "periph/strongarm.hpp"
#include "periph_pool.hpp"

using namespace cimchar;
using namespace cimchar::periph;

namespace {

std::string devices_dir() { return std::string(CIMCHAR_TEST_SOURCE_DIR) + "/devices"; }

// The ramp of the static test on the flash's input range, 8 points per LSB, plus the warm-up.
struct RampRun {
  Ramp ramp;
  std::vector<double> vin;
};
RampRun ramp_of(const FlashStrongArmDesign& d, int per_lsb) {
  RampRun r;
  r.ramp = make_ramp(d.as_adc(), per_lsb);
  r.vin.push_back(d.v_lo_V);
  for (size_t p = 0; p < r.ramp.points; ++p) r.vin.push_back(d.v_lo_V + r.ramp.x(p));
  return r;
}

std::vector<double> transitions(const FlashStrongArmDesign& d, const RampRun& rr,
                                const FlashStrongArmRun& run) {
  std::vector<int> codes(run.codes.begin() + 1, run.codes.end());
  return histogram_transitions(codes, rr.ramp, d.comparators());
}

}  // namespace

TEST(FlashStrongArm, NominalTransitionsAreTheLadderTaps) {
  const FlashStrongArmDesign d;
  const RampRun rr = ramp_of(d, 8);
  const FlashStrongArmRun run = run_flash_strongarm(test::pool(), d, devices_dir(), rr.vin, {});
  const auto t = transitions(d, rr, run);
  ASSERT_EQ(t.size(), d.comparators());
  for (size_t k = 1; k <= d.comparators(); ++k) {
    std::printf("  tap %zu: %.4f V, transition %.4f V\n", k, d.tap_V(k), d.v_lo_V + t[k - 1]);
    EXPECT_NEAR(d.v_lo_V + t[k - 1], d.tap_V(k), rr.ramp.step) << k;
  }
  for (size_t c = 2; c < run.codes.size(); ++c) EXPECT_GE(run.codes[c], run.codes[c - 1]) << c;
  // Ladder: (v_hi - v_lo)^2 / (2^N R) over one clock period.
  const double e_ladder = std::pow(d.v_hi_V - d.v_lo_V, 2) / ((1 << d.bits) * d.r_unit_ohm) * d.comparator.t_clk_s;
  std::printf("  energy per conversion: comparators %.1f fJ, ladder %.1f fJ (closed form %.1f fJ), "
              "clock %.1f fJ\n", run.energy_vdd_J * 1e15, run.energy_ladder_J * 1e15,
              e_ladder * 1e15, run.energy_clk_J * 1e15);
  EXPECT_NEAR(run.energy_ladder_J, e_ladder, 0.02 * e_ladder);
  EXPECT_GT(run.energy_vdd_J, 0);
}

TEST(FlashStrongArm, MismatchMovesEachTransitionByItsComparatorsOffset) {
  const FlashStrongArmDesign d;
  StrongArmOptions o;
  o.seed = 11;
  std::vector<std::vector<double>> dvth;
  for (size_t k = 0; k < d.comparators(); ++k) dvth.push_back(draw_strongarm_mismatch(d.comparator, o, k));
  const RampRun rr = ramp_of(d, 8);
  const FlashStrongArmRun run = run_flash_strongarm(test::pool(), d, devices_dir(), rr.vin, dvth);
  const auto t = transitions(d, rr, run);
  double moved = 0;
  for (size_t k = 1; k <= d.comparators(); ++k) {
    StrongArmDesign alone = d.comparator;
    alone.vcm_V = d.tap_V(k);  // the offset at the common mode this comparator sees
    double res = 0;
    const double off = search_offsets(test::pool(), alone, o, devices_dir(), {dvth[k - 1]}, res)[0];
    const double got = d.v_lo_V + t[k - 1];
    std::printf("  tap %zu: %.4f V + offset %+.2f mV = %.4f V; flash transition %.4f V\n", k,
                d.tap_V(k), off * 1e3, d.tap_V(k) + off, got);
    EXPECT_NEAR(got, d.tap_V(k) + off, rr.ramp.step + res + 1e-3) << k;
    moved = std::max(moved, std::abs(got - d.tap_V(k)));
  }
  EXPECT_GT(moved, 2 * rr.ramp.step);  // the mismatch is visible: the test can tell
}
