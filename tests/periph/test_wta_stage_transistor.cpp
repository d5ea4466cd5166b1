// The wta stage with [wta.transistor], end to end through run_flow: the time-domain k-WTA with
// transistor comparators in ngspice at the stage's capacitances, read back from wta.h5 and held
// against references the stage does not make: the k largest currents win; at 1 pF (parasitics
// under 1%) each winner fires at the quasi-static time of the input from a DC sweep run here;
// the bit lines deliver vdd x sum(I) x t_decision (ideal sources); the behavioural twin with the
// record's fitted trip voltage and delay, integrated here, reproduces the recorded twin times and
// lies within the stated tolerance of the transistors'; the area is its formula; and `cimchar
// ppa` costs the WTA with the transistor record.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "core/h5.hpp"
#include "flows/flow.hpp"
#include "lut/periph_records.hpp"
#include "periph/wta_stats.hpp"
#include "periph/wta_transistor.hpp"
#include "periph/wta_twin.hpp"
#include "periph_pool.hpp"
#include "ppa/components.hpp"

using namespace cimchar;
namespace fs = std::filesystem;

namespace {

const char* kFlow = R"([flow]
name = "wta_transistor"
seed = 3

[wta]
capacitances = ["100 fF", "1 pF"]
margins = [0.02, 0.1, 0.3]
samples = 50
spice_samples = 0
n_inputs = 4
k = K

[wta.transistor]
currents = ["3 uA", "10 uA", "30 uA"]
margin = 0.1
)";

struct WtaRun {
  fs::path dir;
  lut::WtaTransistorLut rec;
  std::vector<double> i, t_fire, t_fire_twin, fired, correct, t_dec, t_dec_twin, e_in;
};

WtaRun run_flow_k(size_t k) {
  WtaRun r;
  r.dir = fs::temp_directory_path() / ("cimchar_wta_tr_" + std::to_string(getpid()) + "_" + std::to_string(k));
  fs::remove_all(r.dir);
  fs::create_directories(r.dir);
  std::string text = kFlow;
  text.replace(text.find("k = K"), 5, "k = " + std::to_string(k));
  if (k == 2) text += "mismatch_samples = 24\n";  // the trip path's Pelgrom Monte Carlo
  const fs::path toml = r.dir / "flow.toml";
  std::ofstream(toml) << text;
  flows::FlowOptions o;
  o.out_dir = r.dir / "out";
  o.jobs = 2;
  o.progress = false;
  o.notes = false;
  flows::run_flow(toml, o);
  H5Reader in(r.dir / "out" / "wta.h5");
  r.rec = lut::read<lut::WtaTransistorLut>(in);
  const std::string g = "/wta/transistor/";
  r.i = in.read(g + "current"), r.t_fire = in.read(g + "t_fire"), r.t_fire_twin = in.read(g + "t_fire_twin");
  r.fired = in.read(g + "fired"), r.correct = in.read(g + "correct");
  r.t_dec = in.read(g + "t_decision"), r.t_dec_twin = in.read(g + "t_decision_twin");
  r.e_in = in.read(g + "e_inputs");
  return r;
}

const WtaRun& flow_run(size_t k) {
  static const WtaRun r1 = run_flow_k(1), r2 = run_flow_k(2);
  return k == 1 ? r1 : r2;
}

std::string devices() { return std::string(CIMCHAR_TEST_SOURCE_DIR) + "/devices"; }

}  // namespace

TEST(WtaStageTransistor, TheLargestWinAtTheQuasiStaticTimeAndTheSourcesDeliverTheirCharge) {
  for (size_t k : {1, 2}) {
    const WtaRun& r = flow_run(k);
    periph::WtaTransistorDesign d;
    d.n_inputs = 4, d.k = k;
    const auto q = periph::wta_quasi_static(periph::test::pool(), d, devices());
    const size_t L = 3, n = 4;
    for (size_t c = 0; c < 2; ++c)
      for (size_t l = 0; l < L; ++l) {
        const size_t base = (c * L + l) * n;
        EXPECT_EQ(r.correct[c * L + l], 1.0) << "k " << k << " C " << c << " level " << l;
        std::vector<double> i(r.i.begin() + base, r.i.begin() + base + n), s = i;
        std::sort(s.rbegin(), s.rend());
        double sum = 0;
        for (size_t j = 0; j < n; ++j) {
          sum += i[j];
          EXPECT_EQ(r.fired[base + j] == 1.0, i[j] >= s[k - 1]) << "input " << j;
          if (c == 1 && r.fired[base + j] == 1.0) {  // 1 pF: the quasi-static time to 1%
            const double t = q.fire_time_s(1e-12, i[j]);
            EXPECT_NEAR(r.t_fire[base + j], t, 0.01 * t) << "k " << k << " level " << l;
          }
        }
        const double e = r.rec.vdd_V * sum * r.t_dec[c * L + l];
        EXPECT_NEAR(r.e_in[c * L + l], e, 0.01 * e) << "k " << k;
      }
  }
}

// The twin with the record's v_trip_fit and t_comp_fit, integrated here, gives the recorded twin
// times, and those lie within 3% of the transistors' fire and decision times (the record's
// fit_max_rel_err, 1.6-1.9% measured).
TEST(WtaStageTransistor, FittedTwinFollowsTheTransistors) {
  for (size_t k : {1, 2}) {
    const WtaRun& r = flow_run(k);
    const size_t L = 3, n = 4;
    for (size_t c = 0; c < 2; ++c) {
      EXPECT_LT(r.rec.fit_max_rel_err[c], 0.03) << "k " << k << " C " << c;
      periph::WtaCircuit w;
      w.n_inputs = n, w.k = k, w.c_F = r.rec.capacitance[c], w.vdd_V = r.rec.vdd_V;
      w.v_trip_V = r.rec.v_trip_fit[c], w.t_comp_s = r.rec.t_comp_fit[c], w.g_out_S = 0;
      for (size_t l = 0; l < L; ++l) {
        const size_t base = (c * L + l) * n;
        std::vector<double> i(r.i.begin() + base, r.i.begin() + base + n), s = i;
        std::sort(s.rbegin(), s.rend());
        const auto o = periph::simulate_wta(w, i, std::vector<double>(n, 0.0),
                                            3 * w.c_F * w.vdd_V / s[k - 1]);
        EXPECT_NEAR(o.t_decision_s, r.t_dec_twin[c * L + l], 1e-6 * o.t_decision_s);
        EXPECT_NEAR(o.t_decision_s, r.t_dec[c * L + l], 0.03 * r.t_dec[c * L + l]);
        for (size_t j = 0; j < n; ++j)
          if (r.fired[base + j] == 1.0) {
            EXPECT_NEAR(o.t_fire_s[j], r.t_fire[base + j], 0.03 * r.t_fire[base + j]);
          }
      }
    }
  }
}

// Area = n_inputs x (layout factor x sum W L + C / capacitor density); energy per decision =
// bit lines + comparators; ppa's WTA figure is the record's (means over the capacitances).
TEST(WtaStageTransistor, AreaEnergyAndWhatPpaReads) {
  const WtaRun& r = flow_run(1);
  const periph::WtaTransistorDesign d;
  const double wl = d.l_m * (2 * d.w_n_m + 2 * d.w_p_m + 2 * d.w_clamp_m + d.w_keeper_m);
  double e = 0, t = 0;
  for (size_t c = 0; c < 2; ++c) {
    const double a = 4 * (10 * wl + r.rec.capacitance[c] / 2e-3);
    EXPECT_NEAR(r.rec.area[c], a, 1e-12 * a);
    EXPECT_NEAR(r.rec.e_decision[c], r.rec.e_inputs[c] + r.rec.e_comparators[c], 1e-24);
    EXPECT_GT(r.rec.e_comparators[c], 0);
    e += r.rec.e_decision[c] / 2, t += r.rec.t_decision[c] / 2;
  }
  const auto l = ppa::load_luts(r.dir / "out");
  ASSERT_TRUE(l.wta.has_value());
  EXPECT_NEAR(l.wta->energy_J, e, 1e-12 * e);
  EXPECT_NEAR(l.wta->delay_s, t, 1e-12 * t);
  EXPECT_NE(l.wta->source.find(lut::WtaTransistorLut::kGroup), std::string::npos) << l.wta->source;
}

// With mismatch_samples the record carries the trip path's Monte Carlo (its sigma is the sample
// sd of the raw trip levels, about 19 mV at A_VT 4.5 mV um against the behavioural default of
// 5 mV), and the behavioural Monte Carlo ran with the equivalent offset sigma, sigma x v_trip /
// x_trip: /wta sigma_offset_V, and the LUT's total sigma is that with the noise and kT/C (the
// twin's own formula); without samples the configured 5 mV stays.
TEST(WtaStageTransistor, TripMismatchSetsTheTwinsOffsetSigma) {
  const WtaRun& r = flow_run(2);
  ASSERT_TRUE(r.rec.has_mismatch);
  EXPECT_EQ(r.rec.mismatch_samples, 24);
  H5Reader in(r.dir / "out" / "wta.h5");
  const auto x = in.read("/wta/transistor/mismatch/x_trip");
  ASSERT_EQ(x.size(), 24u);
  double m = 0, ss = 0;
  for (double v : x) m += v / 24;
  for (double v : x) ss += (v - m) * (v - m);
  EXPECT_NEAR(r.rec.trip_sigma_V, std::sqrt(ss / 23), 1e-12);
  EXPECT_GT(r.rec.trip_sigma_V, 10e-3);
  EXPECT_LT(r.rec.trip_sigma_V, 30e-3);
  const double nominal = in.attr_double("/wta/transistor/mismatch", "nominal_V");
  const double used = r.rec.trip_sigma_V * 0.5 / nominal;  // the twin's v_trip 0.5 V
  EXPECT_NEAR(in.attr_double("/wta", "sigma_offset_V"), used, 1e-12);
  EXPECT_NEAR(r.rec.twin_sigma_offset_V, used, 1e-12);
  const auto lut = lut::read<lut::WtaDecisionLut>(in);
  periph::WtaNoise nz;
  nz.sigma_offset_V = used;
  nz.sigma_noise_V = 1e-3;
  for (size_t c = 0; c < 2; ++c)
    EXPECT_NEAR(lut.sigma_total[c], nz.total_sigma_V(lut.capacitance[c]), 1e-12) << c;
  H5Reader plain(flow_run(1).dir / "out" / "wta.h5");
  EXPECT_FALSE(flow_run(1).rec.has_mismatch);
  EXPECT_DOUBLE_EQ(plain.attr_double("/wta", "sigma_offset_V"), 5e-3);
}

TEST(WtaStageTransistor, BadKeysNameThemselves) {
  const fs::path dir = fs::temp_directory_path() / ("cimchar_wta_bad_" + std::to_string(getpid()));
  fs::create_directories(dir);
  for (const std::string bad : {"node = \"nm7\"", "margin = 2.0", "currents = []", "w_n = \"-1 um\"",
                                "mismatch_samples = 1"}) {
    std::string text = kFlow;
    text.replace(text.find("k = K"), 5, "k = 1");
    text.replace(text.find("margin = 0.1"), 12, bad);
    std::ofstream(dir / "bad.toml") << text;
    flows::FlowOptions o;
    o.out_dir = dir / "out";
    o.progress = false;
    o.notes = false;
    try {
      flows::run_flow(dir / "bad.toml", o);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const ConfigError& e) {
      const std::string key = bad.substr(0, bad.find(' '));
      EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(dir / "out" / "wta.h5")) << bad;
  }
  fs::remove_all(dir);
}
