// The transistor-level StrongARM comparator (netlists/strongarm.lib on the PTM 45 nm HP BSIM4
// cards) in ngspice, against references that do not come from this code: the sign of large
// inputs, the threshold shifts put on the input pair, Pelgrom's law, the regeneration law
// t_d = t0 + tau ln(VDD / dV), and the C V^2 energy of the nodes a decision switches.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <unistd.h>

#include "core/error.hpp"
#include "periph/strongarm.hpp"
#include "periph_pool.hpp"

using namespace cimchar;
using namespace cimchar::periph;

namespace {

using test::pool;

std::string devices_dir() { return std::string(CIMCHAR_TEST_SOURCE_DIR) + "/devices"; }

std::vector<bool> run_levels(const StrongArmDesign& d, const std::vector<double>& dvth,
                             const std::vector<double>& vd) {
  std::vector<std::string> levels;
  for (double v : vd) levels.push_back(std::to_string(v));
  const auto b = render_strongarm_bench(d, devices_dir(), levels, false);
  spice::Job j;
  j.name = "strongarm levels";
  j.netlist = b.netlist;
  j.commands = b.commands;
  j.vectors = b.vectors;
  std::vector<std::string> set;
  const auto devs = strongarm_devices(d);
  for (size_t i = 0; i < devs.size(); ++i)
    set.push_back("alterparam dvt_" + devs[i].name + "=" + std::to_string(dvth[i]));
  j.alter_sets = {set};
  const auto r = pool().run_one(j);
  r.throw_if_failed(j.name);
  return decisions_from_vectors(d, vd.size(), r.vectors, "@0");
}

}  // namespace

// +-dV far beyond any offset (10x the Pelgrom sigma of the pair) decides by its sign, with and
// without mismatch on every device.
TEST(StrongArmSpice, LargeInputsDecideBySign) {
  const StrongArmDesign d;
  StrongArmOptions o;
  const std::vector<double> vd = {0.2, -0.2, 0.15, -0.15, -0.15, 0.15, 0.2, -0.2};
  for (uint64_t s : {0, 1, 2}) {
    const auto dvth = s == 0 ? std::vector<double>(strongarm_devices(d).size(), 0.0)
                             : draw_strongarm_mismatch(d, o, s);
    const auto dec = run_levels(d, dvth, vd);
    for (size_t k = 0; k < vd.size(); ++k) EXPECT_EQ(dec[k], vd[k] > 0) << "sample " << s << " cycle " << k;
  }
}

// Mismatch on the input pair alone. A threshold shift of in1 (the inp device) acts as a shift
// of its gate voltage, so each sample's offset is g (dVth(in1) - dVth(in2)) with one gain g for
// all samples: g = 1 for a square-law device; in BSIM4 (mobmod 0) the mobility falls with the
// vertical field (Vgsteff + 2 Vth) / toxe, so a higher Vth also lowers the mobility and g > 1
// (1.10 on the PTM 45 nm card). Checked: g in [1, 1.25], every sample on the line within 3% of
// its shift plus twice the search resolution, and the drawn shifts against Pelgrom's sigma.
struct PairOnly {
  StrongArmResult r;
  std::vector<double> dvt;  // dVth(in1) - dVth(in2) per sample
  double g = 0;             // least-squares slope of offset on dvt through the origin
};
const PairOnly& pair_only() {
  static const PairOnly p = [] {
    PairOnly x;
    StrongArmOptions o;
    o.input_pair_only = true;
    o.mc_samples = 16;
    measure_offsets(pool(), StrongArmDesign{}, o, devices_dir(), x.r);
    double sxy = 0, sxx = 0;
    for (size_t s = 0; s < x.r.offset_V.size(); ++s) {
      x.dvt.push_back(x.r.dvth_V[s][1] - x.r.dvth_V[s][2]);  // strongarm_devices: in1, in2
      sxy += x.dvt[s] * x.r.offset_V[s];
      sxx += x.dvt[s] * x.dvt[s];
    }
    x.g = sxy / sxx;
    return x;
  }();
  return p;
}

TEST(StrongArmSpice, InputPairOffsetIsItsThresholdDifference) {
  const auto& [r, dvt, g] = pair_only();
  EXPECT_GE(g, 1.0);
  EXPECT_LE(g, 1.25);
  for (size_t s = 0; s < dvt.size(); ++s)
    EXPECT_NEAR(r.offset_V[s], g * dvt[s], 0.03 * std::abs(dvt[s]) + 2 * r.offset_resolution_V)
        << "sample " << s;
  EXPECT_LT(r.offset_resolution_V, 0.5e-3);
  // The shifts' own spread against sqrt(2) A_VT / sqrt(W L) = 15 mV: the relative standard
  // error of a sample sigma from n draws is 1 / sqrt(2 (n - 1)); 3 of them.
  double m = 0, ss = 0;
  for (double x : dvt) m += x / static_cast<double>(dvt.size());
  for (double x : dvt) ss += (x - m) * (x - m);
  const double sd = std::sqrt(ss / static_cast<double>(dvt.size() - 1));
  const double se = 1 / std::sqrt(2.0 * static_cast<double>(dvt.size() - 1));
  EXPECT_NEAR(sd / r.pelgrom_pair_sigma_V, 1.0, 3 * se);
}

// Mismatch on all 15 devices, against the linear mismatch analysis: each device's offset
// sensitivity g_i (offset per volt of its threshold shift, from +-20 mV on it alone) predicts
// every sample's offset as sum g_i dVth_i, and the offset sigma as sqrt(sum (g_i A_VT /
// sqrt(W_i L_i))^2). The input pair alone gives g sqrt(2) A_VT / sqrt(W L) (above); the latch
// devices add variance referred to the input through the integration phase's gain (Razavi
// 2015, on offset), so the expected ratio to the pair's Pelgrom sigma is the prediction's, above
// g. Tolerances: per sample, 10% of the predicted sigma (the search resolution and the
// sensitivities' nonlinearity); for the sigma, 3 relative standard errors of a 48-sample
// sigma, 3 / sqrt(2 x 47) = 31%.
TEST(StrongArmSpice, OffsetSigmaAgainstPelgrom) {
  const StrongArmDesign d;
  StrongArmOptions o;
  o.mc_samples = 48;
  StrongArmResult r;
  measure_offsets(pool(), d, o, devices_dir(), r);
  const auto g = offset_sensitivities(pool(), d, o, devices_dir());
  const auto devs = strongarm_devices(d);
  double var = 0;
  for (size_t i = 0; i < devs.size(); ++i) {
    const double s = g[i] * o.a_vt_V_m / std::sqrt(devs[i].w_m * devs[i].l_m);
    var += s * s;
    std::printf("  %-4s W %.2f um: sensitivity %+.3f, offset sigma %.2f mV\n", devs[i].name.c_str(),
                devs[i].w_m * 1e6, g[i], std::abs(s) * 1e3);
  }
  const double predicted = std::sqrt(var);
  for (size_t s = 0; s < r.offset_V.size(); ++s) {
    double lin = 0;
    for (size_t i = 0; i < devs.size(); ++i) lin += g[i] * r.dvth_V[s][i];
    EXPECT_NEAR(r.offset_V[s], lin, 0.1 * predicted) << "sample " << s;
  }
  const double se = 1 / std::sqrt(2.0 * (o.mc_samples - 1));
  std::printf("offset sigma %.2f mV (mean %.2f mV); predicted %.2f mV; input-pair Pelgrom %.2f mV\n",
              r.offset_sigma_V * 1e3, r.offset_mean_V * 1e3, predicted * 1e3,
              r.pelgrom_pair_sigma_V * 1e3);
  EXPECT_NEAR(r.offset_sigma_V / predicted, 1.0, 3 * se);
  EXPECT_GT(predicted, pair_only().g * r.pelgrom_pair_sigma_V);
  // The mean offset of a symmetric circuit is zero within 3 standard errors.
  EXPECT_LT(std::abs(r.offset_mean_V), 3 * r.offset_sigma_V / std::sqrt(48.0));
}

// Regeneration: once the latch's loop gain exceeds one the output difference grows as
// exp(t / tau), so the time to reach a fixed swing from an initial imbalance proportional to
// dV is t0 + tau ln(VDD / dV) (the regeneration time of a latch; Razavi 2015). Over 0.25-20 mV:
// the fit explains more than 99% of the variance, tau is positive and of the order of the
// node's C / gm, and the delay falls monotonically with the overdrive.
TEST(StrongArmSpice, DelayGrowsAsLogOfInverseOverdrive) {
  const StrongArmDesign d;
  StrongArmOptions o;
  StrongArmResult r;
  measure_delay_energy(pool(), d, o, devices_dir(), r);
  std::printf("t0 %.2f ps, tau %.3f ps, r2 %.5f, energy %.2f fJ (clock %.2f fJ), area %.3f um^2\n",
              r.t0_s * 1e12, r.tau_s * 1e12, r.fit_r2, r.energy_J * 1e15, r.energy_clk_J_mean * 1e15,
              r.area_m2 * 1e12);
  for (size_t k = 0; k < r.delay_s.size(); ++k) {
    EXPECT_TRUE(r.decision[k]) << "overdrive " << r.overdrive_V[k];
    if (k > 0) {
      EXPECT_LT(r.delay_s[k], r.delay_s[k - 1]);
    }
  }
  EXPECT_GT(r.fit_r2, 0.99);
  EXPECT_GT(r.tau_s, 1e-12);
  EXPECT_LT(r.tau_s, 20e-12);
}

namespace {

// A parameter of one .model block of a card file ("cjs" of "ptm45hp_nmos").
double card_value(const std::string& file, const std::string& model, const std::string& key) {
  std::ifstream in(file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t at = text.find(".model " + model);
  if (at == std::string::npos) throw std::runtime_error(model + " not in " + file);
  const size_t end = text.find(".model", at + 1);
  const std::string block = text.substr(at, end == std::string::npos ? end : end - at);
  for (size_t p = block.find(key + "="); p != std::string::npos; p = block.find(key + "=", p + 1))
    if (p > 0 && (block[p - 1] == ' ' || block[p - 1] == '+'))
      return std::stod(block.substr(p + key.size() + 1));
  throw std::runtime_error(key + " not in " + model);
}

// Capacitances from the card (BSIM4.5 manual's parameter meanings), per terminal of width W:
// a gate Cox W Leff + (2 (cgso + cf) + cgsl + cgdl) W with Cox = 3.9 eps0 / toxe, Leff = L +
// xl - 2 lint, BSIM4's default fringe cf = (2 eps_ox / pi) ln(1 + 4e-7 / toxe), and the
// bias-dependent overlaps cgsl, cgdl at their largest; a drain or source at zero bias
// cj W ldiff + cjsw (W + 2 ldiff) + cjswg W (permod 1: the gate edge apart) + (cgso + cf) W.
struct Caps {
  double gate_F_per_m = 0, diff_F_per_m = 0, diff_F = 0;  // C(W) = diff_F_per_m W + diff_F
  double diff(double w) const { return diff_F_per_m * w + diff_F; }
  double gate(double w) const { return gate_F_per_m * w; }
};
Caps caps(const std::string& card, const std::string& model, const StrongArmDesign& d) {
  auto v = [&](const char* key) { return card_value(card, model, key); };
  const double eps_ox = 3.9 * 8.8541878128e-12;
  const double toxe = v("toxe");
  const double leff = d.l_m + v("xl") - 2 * v("lint");
  const double cf = 2 * eps_ox / M_PI * std::log(1 + 4e-7 / toxe);
  Caps c;
  c.gate_F_per_m = eps_ox / toxe * leff + 2 * (v("cgso") + cf) + v("cgsl") + v("cgdl");
  c.diff_F_per_m = v("cjs") * d.l_diff_m + v("cjsws") + v("cjswgs") + v("cgso") + cf;
  c.diff_F = v("cjsws") * 2 * d.l_diff_m;
  return c;
}

}  // namespace

// The twin fitted on 0.25-20 mV against ngspice at overdrives it was not fitted on, inside the
// range: within 1 ps (3% of the delay; the fit's residuals are a few tenths of a ps), and the
// energy per decision within 15% (it falls by 20% over the range, the twin keeps the mean).
TEST(StrongArmSpice, TwinPredictsUnseenOverdrives) {
  const StrongArmDesign d;
  StrongArmOptions o;
  StrongArmResult fit;
  measure_delay_energy(pool(), d, o, devices_dir(), fit);
  const StrongArmTwin twin = fit_strongarm_twin(d, fit);
  StrongArmOptions unseen = o;
  unseen.overdrives_V = {0.35e-3, 0.7e-3, 3e-3, 7e-3, 15e-3};
  StrongArmResult r;
  measure_delay_energy(pool(), d, unseen, devices_dir(), r);
  for (size_t k = 0; k < r.delay_s.size(); ++k) {
    EXPECT_NEAR(twin.delay_s(r.overdrive_V[k]), r.delay_s[k], 1e-12) << r.overdrive_V[k];
    EXPECT_NEAR(twin.energy_J, r.energy_vdd_J[k], 0.15 * r.energy_vdd_J[k]) << r.overdrive_V[k];
  }
}

// Energy per decision against C V^2. Each cycle the reset PMOS recharge, from VDD, the nodes the
// evaluation discharged: x and y fully (both fall once the tail conducts), one of p/q fully, and
// one buffer output rises from 0; the tail node, left floating in reset, is recharged through
// the pair to about vcm - vth0. E = VDD (VDD (C_x + C_y + C_q + C_outp) + (vcm - vth0) C_tail),
// each C the sum of its terminals' capacitances from the card. Not in it: the crowbar current
// of the latch while it regenerates and of the buffers while p/q rise slowly in reset, and the
// bias dependence of the capacitances (the estimate takes them at their largest): within a
// factor of two (measured: 1.5 x).
TEST(StrongArmSpice, EnergyPerDecisionIsTheSwitchedCV2) {
  const StrongArmDesign d;
  StrongArmOptions o;
  StrongArmResult r;
  measure_delay_energy(pool(), d, o, devices_dir(), r);
  const std::string card = devices_dir() + "/mosfet/ptm45hp.mod";
  const Caps n = caps(card, "ptm45hp_nmos", d), p = caps(card, "ptm45hp_pmos", d);
  const double cx = n.diff(d.w_in_m) + n.diff(d.w_nlatch_m) + p.diff(d.w_reset_m);
  const double cq = n.diff(d.w_nlatch_m) + p.diff(d.w_platch_m) + p.diff(d.w_reset_m) +
                    n.gate(d.w_nlatch_m) + n.gate(d.w_buf_n_m) + p.gate(d.w_platch_m) +
                    p.gate(d.w_buf_p_m);
  const double cout = n.diff(d.w_buf_n_m) + p.diff(d.w_buf_p_m);
  const double ctail = n.diff(d.w_tail_m) + 2 * n.diff(d.w_in_m);
  const double vdd = 1.0, vth0 = card_value(card, "ptm45hp_nmos", "vth0");
  const double e_cv2 = vdd * (vdd * (2 * cx + cq + cout) + (d.vcm_V - vth0) * ctail);
  std::printf("energy %.2f fJ, C V^2 %.2f fJ (C_x %.2f, C_q %.2f, C_out %.2f, C_tail %.2f fF)\n",
              r.energy_J * 1e15, e_cv2 * 1e15, cx * 1e15, cq * 1e15, cout * 1e15, ctail * 1e15);
  EXPECT_GT(r.energy_J, 0.5 * e_cv2);
  EXPECT_LT(r.energy_J, 2.0 * e_cv2);
  // The clock drives only gates (tail and four reset PMOS): a small part of the total.
  EXPECT_GT(r.energy_clk_J_mean, 0);
  EXPECT_LT(r.energy_clk_J_mean, 0.2 * r.energy_J);
}

// A card ngspice cannot read is an error naming the file, not a NaN.
TEST(StrongArmSpice, UnreadableCardNamesTheFile) {
  const auto dir = std::filesystem::temp_directory_path() / ("cimchar_sa_bad_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "mosfet");
  std::ofstream(dir / "mosfet" / "ptm45hp.mod") << ".model ptm45hp_nmos nmos level=54 version=4.5\n"
                                                  "+ toxe=((1.25e-9\n";
  const StrongArmDesign d;
  StrongArmOptions o;
  StrongArmResult r;
  try {
    measure_delay_energy(pool(), d, o, dir.string(), r);
    ADD_FAILURE() << "no error";
  } catch (const SpiceError& e) {
    EXPECT_TRUE(e.bad_input()) << e.what();
    EXPECT_NE(std::string(e.what()).find((dir / "mosfet" / "ptm45hp.mod").string()), std::string::npos)
        << e.what();
  }
  std::filesystem::remove_all(dir);
}

// The twin's delay law and the fit, on data made from the law itself.
TEST(StrongArmTwin, LogFitRecoversItsLaw) {
  const std::vector<double> dv = {1e-4, 1e-3, 1e-2, 0.1};
  std::vector<double> t;
  for (double v : dv) t.push_back(20e-12 + 5e-12 * std::log(1.0 / v));
  const auto f = fit_log_delay(dv, t, 1.0);
  EXPECT_NEAR(f.t0_s, 20e-12, 1e-18);
  EXPECT_NEAR(f.tau_s, 5e-12, 1e-18);
  EXPECT_NEAR(f.r2, 1.0, 1e-12);
  StrongArmTwin tw;
  tw.t0_s = f.t0_s;
  tw.tau_s = f.tau_s;
  EXPECT_NEAR(tw.delay_s(-1e-3), t[1], 1e-18);
  EXPECT_DOUBLE_EQ(tw.delay_s(2.0), tw.t0_s);
  EXPECT_TRUE(tw.decide(0.011, 0.01));
  EXPECT_FALSE(tw.decide(0.009, 0.01));
}

// Out-of-range options are ConfigErrors that name the key.
TEST(StrongArmTwin, OptionsNameTheKey) {
  auto message = [](auto&& f) {
    try {
      f();
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  StrongArmOptions o;
  o.search_levels = 2;
  EXPECT_NE(message([&] { o.validate(); }).find("strongarm.search_levels"), std::string::npos);
  StrongArmDesign d;
  d.w_in_m = -1e-6;
  EXPECT_NE(message([&] { d.validate(); }).find("strongarm.w_in"), std::string::npos);
  d = StrongArmDesign{};
  d.vcm_V = 1.2;  // above the node's VDD
  EXPECT_NE(message([&] { d.validate(); }).find("strongarm.vcm"), std::string::npos);
  d = StrongArmDesign{};
  d.node = "ptm7";
  EXPECT_NE(message([&] { d.validate(); }).find("ptm45hp"), std::string::npos);
}
