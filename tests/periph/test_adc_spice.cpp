// Flash and SAR ADC benches in ngspice (netlists/adc.lib) against the IEEE 1241 ramp test's
// expectations and against the behavioural twin with the same draws.
#include <gtest/gtest.h>

#include <cmath>

#include "core/rng.hpp"
#include "periph/adc_metrics.hpp"
#include "periph/adc_netlist.hpp"
#include "periph_pool.hpp"

using namespace cimchar;
using namespace cimchar::periph;

namespace {

using test::pool;

std::vector<int> spice_codes(const AdcDesign& d, const AdcSample& s, const Ramp& r) {
  const AdcCircuit c;
  const auto spans = bench_spans(d, r);
  std::vector<spice::Job> jobs;
  for (const auto& span : spans) {
    const auto b = render_adc_bench(d, s, r, c, span);
    spice::Job j;
    j.name = std::string("adc/") + to_string(d.arch);
    j.netlist = b.netlist;
    j.commands = b.commands;
    j.vectors = b.vectors;
    jobs.push_back(j);
  }
  const auto res = pool().run(jobs);
  std::vector<int> codes;
  for (size_t i = 0; i < spans.size(); ++i) {
    res[i].throw_if_failed(jobs[i].name);
    const auto part = codes_from_vectors(d, r, c, spans[i], res[i].vectors);
    codes.insert(codes.end(), part.begin(), part.end());
  }
  return codes;
}

AdcSample draw(const AdcDesign& d, const AdcVariation& v, uint64_t seed) {
  auto rng = stream_rng(seed, 0);
  return draw_sample(d, v, rng);
}

void ideal_case(AdcArch arch, int bits, int per_lsb) {
  const AdcDesign d{arch, bits, 1.0};
  const Ramp r = make_ramp(d, per_lsb);
  const auto a = analyze(d, spice_codes(d, draw(d, {}, 1), r), r);
  EXPECT_LT(a.inl_max, 0.05);
  EXPECT_LT(a.dnl_max, 0.05);
  EXPECT_NEAR(a.offset, 0, 1.0 / per_lsb);
  EXPECT_NEAR(a.gain_error, 0, 2.0 / per_lsb / static_cast<double>(d.transitions() - 1));
}

void offset_case(AdcArch arch, int bits, int per_lsb) {
  const AdcDesign d{arch, bits, 1.0};
  AdcSample s = draw(d, {}, 1);
  for (auto& v : s.offset_V) v = -0.63 * d.lsb_V();
  const Ramp r = make_ramp(d, per_lsb);
  const auto a = analyze(d, spice_codes(d, s, r), r);
  EXPECT_NEAR(a.offset, -0.63, 1.0 / per_lsb);
}

// Same draws (offsets, capacitor mismatch, per-decision noise): same codes and transitions.
// Tolerance one code and one ramp step: a decision whose margin is within ngspice's arithmetic
// may go either way.
void twin_case(AdcArch arch, int bits, int per_lsb, uint64_t seed) {
  const AdcDesign d{arch, bits, 1.0};
  const double q = d.lsb_V();
  const AdcSample s = draw(d, {0.3 * q, 0.02, 0.1 * q}, seed);
  const Ramp r = make_ramp(d, per_lsb);
  const auto cs = spice_codes(d, s, r), ct = convert_ramp(d, s, r);
  size_t differ = 0;
  for (size_t p = 0; p < r.points; ++p) {
    differ += cs[p] != ct[p];
    if (cs[p] != ct[p]) std::printf("point %zu: spice %d twin %d\n", p, cs[p], ct[p]);
  }
  EXPECT_LE(differ, 1u) << "codes that differ";
  const auto as = analyze(d, cs, r), at = analyze(d, ct, r);
  for (size_t k = 0; k < d.transitions(); ++k)
    EXPECT_NEAR(as.transitions_V[k], at.transitions_V[k], r.step * 1.001) << "transition " << k + 1;
  EXPECT_GT(at.dnl_max, 0.02) << "the draws should make the converter visibly nonideal";
}

}  // namespace

TEST(AdcSpice, IdealFlash) { ideal_case(AdcArch::flash, 5, 64); }
TEST(AdcSpice, IdealSar) { ideal_case(AdcArch::sar, 4, 32); }
TEST(AdcSpice, OffsetFlash) { offset_case(AdcArch::flash, 4, 32); }
TEST(AdcSpice, OffsetSar) { offset_case(AdcArch::sar, 4, 32); }
TEST(AdcSpice, TwinFlash) {
  twin_case(AdcArch::flash, 4, 32, 11);
  twin_case(AdcArch::flash, 6, 16, 12);
}
TEST(AdcSpice, TwinSar4) { twin_case(AdcArch::sar, 4, 16, 13); }
TEST(AdcSpice, TwinSar6) { twin_case(AdcArch::sar, 6, 6, 14); }
