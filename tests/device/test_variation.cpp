// Variation models against their analytic distributions: sample moments within a few
// standard errors of the sampling distribution, fault rates within binomial bounds, drift by
// its formula. Each effect alone, and the effects off leave the conductance untouched.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <vector>

#include "core/config.hpp"
#include "core/param_table.hpp"
#include "core/error.hpp"
#include "core/rng.hpp"
#include "device/variation.hpp"

using namespace cimchar;
using namespace cimchar::device;

namespace {
constexpr int kN = 200000;

struct Moments {
  double mean = 0, sd = 0;
};
template <class F>
Moments sample(F f) {
  double s = 0, s2 = 0;
  for (int i = 0; i < kN; ++i) {
    const double x = f(i);
    s += x;
    s2 += x * x;
  }
  Moments m;
  m.mean = s / kN;
  m.sd = std::sqrt((s2 - s * s / kN) / (kN - 1));
  return m;
}
}  // namespace

TEST(Variation, AllOffIsIdentity) {
  VariationSampler v({});
  auto rng = stream_rng(1, 0);
  for (int i = 0; i < 100; ++i) {
    auto c = v.program(50e-6, rng);
    EXPECT_EQ(c.g_S, 50e-6);
    EXPECT_EQ(v.read(c, 1e4, rng), 50e-6);
  }
}

TEST(Variation, DeviceToDevicePolynomialSigma) {
  VariationParams p;
  p.d2d = true;
  p.d2d_c0_S = 0.5e-6;
  p.d2d_c1 = 0.03;
  p.d2d_c2_per_S = 100.0;
  VariationSampler v(p);
  const double g = 40e-6, sigma = 0.5e-6 + 0.03 * g + 100.0 * g * g;
  auto rng = stream_rng(2, 0);
  auto m = sample([&](int) { return v.program(g, rng).g_S; });
  EXPECT_NEAR(m.mean, g, 4 * sigma / std::sqrt(kN));
  EXPECT_NEAR(m.sd / sigma, 1.0, 4 / std::sqrt(2.0 * kN));
}

TEST(Variation, CycleToCycleAndReadNoiseAreRelative) {
  VariationParams p;
  p.c2c = true;
  p.c2c_rel = 0.05;
  p.read_noise = true;
  p.read_rel = 0.02;
  VariationSampler v(p);
  auto rng = stream_rng(3, 0);
  const double g = 80e-6;
  // One programming then one read: relative sigma sqrt(0.05^2 + 0.02^2 + (0.05*0.02)^2).
  const double rel = std::sqrt(0.05 * 0.05 + 0.02 * 0.02 + 0.05 * 0.05 * 0.02 * 0.02);
  auto m = sample([&](int) { return v.read(v.program(g, rng), 0.0, rng); });
  EXPECT_NEAR(m.mean / g, 1.0, 4 * rel / std::sqrt(kN));
  EXPECT_NEAR(m.sd / (rel * g), 1.0, 4 / std::sqrt(2.0 * kN));
}

TEST(Variation, PowerLawDrift) {
  VariationParams p;
  p.drift = true;
  p.drift_t0_s = 1.0;
  p.drift_nu_mean = 0.02;
  p.drift_nu_sigma = 0.0;
  VariationSampler v(p);
  auto rng = stream_rng(4, 0);
  auto c = v.program(100e-6, rng);
  EXPECT_NEAR(v.at_time(c, 1e4), 100e-6 * std::pow(1e4, -0.02), 1e-18);
  EXPECT_EQ(v.at_time(c, 0.5), 100e-6);  // before t0 no drift
}

TEST(Variation, StuckAtRates) {
  VariationParams p;
  p.stuck = true;
  p.p_stuck_on = 0.01;
  p.p_stuck_off = 0.03;
  p.g_stuck_on_S = 1e-3;
  p.g_stuck_off_S = 1e-7;
  VariationSampler v(p);
  auto rng = stream_rng(5, 0);
  int on = 0, off = 0;
  for (int i = 0; i < kN; ++i) {
    auto c = v.program(50e-6, rng);
    on += c.stuck == Stuck::on;
    off += c.stuck == Stuck::off;
    if (c.stuck == Stuck::on) {
      EXPECT_EQ(c.g_S, 1e-3);
    }
  }
  EXPECT_NEAR(on / double(kN), 0.01, 4 * std::sqrt(0.01 * 0.99 / kN));
  EXPECT_NEAR(off / double(kN), 0.03, 4 * std::sqrt(0.03 * 0.97 / kN));
}

// The batch form used for whole arrays: the same distributions (d2d moments, stuck-at rates,
// drift at t), and each effect's draws independent of whether the others are on.
TEST(Variation, BatchProgrammingMatchesTheModels) {
  VariationParams p;
  p.d2d = true;
  p.d2d_c0_S = 0.5e-6;
  p.d2d_c1 = 0.03;
  VariationSampler v(p);
  const double g = 40e-6, sigma = 0.5e-6 + 0.03 * g;
  std::vector<double> target(kN, g), out(kN);
  auto rng = stream_rng(6, 0);
  v.program_at(target.data(), out.data(), kN, 1.0, rng);
  auto m = sample([&](int i) { return out[static_cast<size_t>(i)]; });
  EXPECT_NEAR(m.mean, g, 4 * sigma / std::sqrt(kN));
  EXPECT_NEAR(m.sd / sigma, 1.0, 4 / std::sqrt(2.0 * kN));

  // Stuck-at and drift switched on as well: the d2d draws of the cells that are not stuck
  // are unchanged, the fault rates binomial, the rest drifted by (t / t0)^-nu.
  VariationParams q = p;
  q.stuck = true;
  q.p_stuck_on = 0.01;
  q.p_stuck_off = 0.03;
  q.g_stuck_on_S = 1e-3;
  q.g_stuck_off_S = 1e-7;
  q.drift = true;
  q.drift_nu_mean = 0.02;
  std::vector<double> out2(kN);
  rng = stream_rng(6, 0);
  VariationSampler(q).program_at(target.data(), out2.data(), kN, 1e4, rng);
  int on = 0, off = 0, same = 0;
  for (size_t i = 0; i < out2.size(); ++i) {
    if (out2[i] == 1e-3) ++on;
    else if (out2[i] == 1e-7) ++off;
    else same += std::abs(out2[i] - out[i] * std::pow(1e4, -0.02)) < 1e-18;
  }
  EXPECT_NEAR(on / double(kN), 0.01, 4 * std::sqrt(0.01 * 0.99 / kN));
  EXPECT_NEAR(off / double(kN), 0.03, 4 * std::sqrt(0.03 * 0.97 / kN));
  EXPECT_EQ(same + on + off, kN);
}

TEST(Variation, TableIsValidated) {
  auto d = TomlDoc::parse_string("[d2d]\nenabled = true\nc0 = \"1 uS\"\n[stuck]\np_on = 0.7\np_off = 0.6\n", "v.toml");
  Section s(d.root, d.file, "variation");
  VariationParams p;
  EXPECT_THROW(p.read(s), ConfigError);
  auto d2 = TomlDoc::parse_string("[c2c]\nsigma_rel = -0.1\n", "v.toml");
  Section s2(d2.root, d2.file, "variation");
  EXPECT_THROW(p.read(s2), ConfigError);
}

namespace {

std::filesystem::path write_card(const std::string& name, const std::string& text) {
  const auto dir = std::filesystem::temp_directory_path() / "cimchar_variation_cards";
  std::filesystem::create_directories(dir);
  const auto p = dir / name;
  std::ofstream(p) << text;
  return p;
}

// ConfigError's message for a card, or "" when it loads.
std::string card_error(const std::filesystem::path& card) {
  try {
    VariationParams p;
    p.read_card(card);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Variation, ShippedCardsHaveCitedVariationTables) {
  for (const char* name : {"stanford_asu", "vteam", "one_t_one_r"}) {
    const auto path = find_device_card(name);
    EXPECT_NO_THROW(ParamTable::load_card(path)) << name;  // the card loads with the table
    VariationParams p;
    p.read_card(path);
    for (const char* effect : {"d2d", "c2c", "read_noise", "drift", "stuck"}) {
      ASSERT_TRUE(p.sources.count(effect)) << name << " " << effect;
      EXPECT_GT(p.sources[effect].size(), 10u) << name << " " << effect;
    }
    EXPECT_FALSE(p.any()) << "a card gives values; the flow switches effects on";
    // The values are the card's numbers (read here straight from the TOML).
    auto doc = TomlDoc::parse_file(path);
    const auto& v = *doc.root["variation"].as_table();
    EXPECT_EQ(p.d2d_c1, v["d2d"]["c1"].value<double>().value()) << name;
    EXPECT_EQ(p.c2c_rel, v["c2c"]["sigma_rel"].value<double>().value()) << name;
    EXPECT_EQ(p.read_rel, v["read_noise"]["sigma_rel"].value<double>().value()) << name;
    EXPECT_EQ(p.drift_nu_mean, v["drift"]["nu_mean"].value<double>().value()) << name;
    EXPECT_EQ(p.p_stuck_on, v["stuck"]["p_on"].value<double>().value()) << name;
    EXPECT_GT(p.d2d_c0_S, 0) << name;
    EXPECT_GT(p.g_stuck_on_S, p.g_stuck_off_S) << name;
  }
}

TEST(Variation, FlowOverridesTheCard) {
  const auto card = write_card("ok.toml",
                               "[variation.d2d]\nc0 = \"2 uS\"\nc1 = 0.04\nsource = \"test\"\n"
                               "[variation.c2c]\nsigma_rel = 0.03\nsource = \"test\"\n");
  VariationParams p;
  p.read_card(card);
  EXPECT_DOUBLE_EQ(p.d2d_c0_S, 2e-6);
  EXPECT_EQ(p.d2d_c1, 0.04);
  EXPECT_EQ(p.c2c_rel, 0.03);
  EXPECT_EQ(p.read_rel, 0.0);  // not in the card: unchanged
  EXPECT_EQ(p.sources["d2d"], "test");
  // The flow switches d2d and c2c on and overrides c1 only.
  auto d = TomlDoc::parse_string("[d2d]\nenabled = true\nc1 = 0.1\n[c2c]\nenabled = true\n", "f.toml");
  Section s(d.root, d.file, "variation.model");
  p.read(s);
  EXPECT_TRUE(p.d2d && p.c2c);
  EXPECT_DOUBLE_EQ(p.d2d_c0_S, 2e-6);  // the card's
  EXPECT_EQ(p.d2d_c1, 0.1);            // the flow's
  EXPECT_EQ(p.c2c_rel, 0.03);          // the card's
  const VariationSampler v(p);
  EXPECT_DOUBLE_EQ(v.sigma_d2d_S(50e-6), 2e-6 + 0.1 * 50e-6);
}

TEST(Variation, BadCardValuesNameTheCardAndKey) {
  struct Case {
    const char* text;
    const char* key;
  } cases[] = {
      {"[variation.c2c]\nsigma_rel = -0.1\nsource = \"x\"\n", "variation.c2c.sigma_rel"},
      {"[variation.d2d]\nc0 = \"-1 uS\"\nsource = \"x\"\n", "variation.d2d.c0"},
      {"[variation.read_noise]\nsigma_rel = -0.01\nsource = \"x\"\n", "variation.read_noise.sigma_rel"},
      {"[variation.drift]\nnu_sigma = -0.001\nsource = \"x\"\n", "variation.drift.nu_sigma"},
      {"[variation.stuck]\np_on = 1.5\nsource = \"x\"\n", "variation.stuck.p_on"},
      {"[variation.stuck]\np_off = -0.1\nsource = \"x\"\n", "variation.stuck.p_off"},
      {"[variation.stuck]\np_on = 0.6\np_off = 0.6\nsource = \"x\"\n", "variation.stuck.p_off"},
      {"[variation.c2c]\nsigma_rel = 0.1\n", "variation.c2c.source"},
      {"[variation.c2c]\nenabled = true\nsigma_rel = 0.1\nsource = \"x\"\n", "variation.c2c.enabled"},
      {"[variation.c2c]\nsigma = 0.1\nsource = \"x\"\n", "variation.c2c.sigma"},
  };
  int k = 0;
  for (const auto& c : cases) {
    const auto card = write_card("bad" + std::to_string(k++) + ".toml", c.text);
    const std::string msg = card_error(card);
    EXPECT_NE(msg.find(card.string()), std::string::npos) << c.text << " -> " << msg;
    EXPECT_NE(msg.find(std::string("'") + c.key + "'"), std::string::npos) << c.text << " -> " << msg;
  }
}
