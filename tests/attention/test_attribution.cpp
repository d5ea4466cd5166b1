// Nonideality attribution (issue 19, item 3) on a 1-layer fixture, against independent runs and
// analytic facts: a nonideality switched on at zero strength moves nothing, bit for bit (the arms
// share the seed and the effects draw from streams that do not shift); the "quantization alone"
// arm is bit-identical to a hand-written config with only quantization on, and the ideal arm to
// one with an ideal readout; small independent perturbations add
// in error energy (rel_l2^2) and in KL, to within what their cross terms allow.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "attention/attention_run.hpp"
#include "attention/attribution.hpp"
#include "core/error.hpp"
#include "core/h5.hpp"

namespace fs = std::filesystem;
using namespace cimchar;
using namespace cimchar::attention;

namespace {

const fs::path kModel =
    fs::path(CIMCHAR_TEST_SOURCE_DIR) / "tests/attention/data/layer_relu_post_d32_h4_s16_causal.h5";

const char* kCrossbar =
    "[attention]\nscheme = \"rram-baseline\"\n[attention.crossbar]\nrows = 32\ncols = 64\n";

fs::path dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / "cimchar_test_attribution" / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

void write(const fs::path& p, const std::string& s) { std::ofstream(p) << s; }

// Runs the attribution of one scheme config on the fixture; returns the file.
fs::path attribute(const std::string& name, const std::string& scheme) {
  const fs::path d = dir(name);
  write(d / "scheme.toml", scheme);
  write(d / "a.toml", "[attribution]\nmodels = [\"" + kModel.string() + "\"]\nschemes = [\"" +
                          (d / "scheme.toml").string() + "\"]\n");
  AttributionRequest r;
  r.config_file = d / "a.toml";
  r.out_file = d / "attribution.h5";
  run_attribution(r);
  return r.out_file;
}

// Index into [model, scheme, nonideality, mode] for one model and one scheme.
size_t at(int k, int mode) { return static_cast<size_t>(k) * 2 + static_cast<size_t>(mode); }
int index_of(const char* name) {
  for (int k = 0; k < kNonidealityCount; ++k)
    if (std::string(kNonidealities[static_cast<size_t>(k)]) == name) return k;
  return -1;
}

double plain_rel_l2(const std::string& config, const fs::path& out) {
  RunRequest r;
  r.model_file = kModel;
  r.out_file = out;
  r.config_text = config;
  return run_attention(r).metrics.model.rel_l2;
}

TEST(Attribution, PresentNonidealitiesAreTheConfigsOwn) {
  const std::string s = std::string(kCrossbar) +
                        "[attention.crossbar.nonideal.model.read_noise]\nenabled = true\nsigma_rel = 0.01\n"
                        "[attention.crossbar.nonideal.model.drift]\nenabled = false\n";
  const auto on = present_nonidealities(s, "s.toml", 1);
  ASSERT_EQ(on.size(), 2u);
  EXPECT_EQ(on[0], index_of("quantization"));
  EXPECT_EQ(on[1], index_of("read_noise"));
  // With everything off the scheme still builds, and nothing is left to switch off.
  const std::string off = config_without(s, "s.toml", on, 1);
  EXPECT_TRUE(present_nonidealities(off, "s.toml", 1).empty());
  // The ideal scheme has no crossbar: nothing to attribute.
  EXPECT_TRUE(present_nonidealities("[attention]\nscheme = \"ideal\"\n", "i.toml", 1).empty());
}

TEST(Attribution, ZeroStrengthIsExactlyZeroAndQuantizationAloneIsAPlainRun) {
  const std::string scheme = std::string(kCrossbar) +
                             "[attention.crossbar.nonideal.model.d2d]\nenabled = true\nc0 = \"1 uS\"\nc1 = 0.02\n"
                             "[attention.crossbar.nonideal.model.read_noise]\nenabled = true\nsigma_rel = 0.0\n";
  const fs::path f = attribute("zero", scheme);
  H5Reader h(f);
  const auto d_l2 = h.read("/attribution/d_rel_l2"), d_kl = h.read("/attribution/d_kl");
  const auto l2 = h.read("/attribution/rel_l2");
  const int rn = index_of("read_noise"), var = index_of("variation"), q = index_of("quantization");
  for (int mode : {0, 1}) {
    EXPECT_EQ(d_l2[at(rn, mode)], 0.0) << mode;
    EXPECT_EQ(d_kl[at(rn, mode)], 0.0) << mode;
    EXPECT_GT(d_l2[at(var, mode)], 1e-3) << mode;
  }
  EXPECT_TRUE(std::isnan(l2[at(index_of("ir_drop"), 0)]));  // not in the config: NaN rows
  // The quantization-alone arm against a hand-written config with only quantization on.
  const fs::path d = f.parent_path();
  EXPECT_EQ(l2[at(q, 0)], plain_rel_l2(kCrossbar, d / "plain.h5"));
  // The ideal arm against an ideal readout, written by hand.
  EXPECT_EQ(h.read("/attribution/ideal_rel_l2")[0], plain_rel_l2(std::string(kCrossbar) + "adc_bits = 0\n", d / "i.h5"));
}

TEST(Attribution, SmallIndependentPerturbationsAddInErrorEnergy) {
  // An ideal readout, so that no ADC rounding absorbs the sub-LSB perturbations.
  const std::string scheme = std::string(kCrossbar) + "adc_bits = 0\n" +
                             "[attention.crossbar.nonideal.model.d2d]\nenabled = true\nc0 = \"0.2 uS\"\nc1 = 0.01\n"
                             "[attention.crossbar.nonideal.model.read_noise]\nenabled = true\nsigma_rel = 0.005\n"
                             "[attention.crossbar.nonideal.model.stuck]\nenabled = true\np_on = 0.0005\np_off = 0.0005\n";
  H5Reader h(attribute("additive", scheme));
  const auto l2 = h.read("/attribution/rel_l2"), kl = h.read("/attribution/kl");
  const double i2 = std::pow(h.read("/attribution/ideal_rel_l2")[0], 2);
  const double f2 = std::pow(h.read("/attribution/full_rel_l2")[0], 2);
  const double ikl = h.read("/attribution/ideal_kl")[0], fkl = h.read("/attribution/full_kl")[0];
  double sum2 = 0, sumkl = 0;
  int n = 0;
  for (int k = 0; k < kNonidealityCount; ++k) {
    if (std::isnan(l2[at(k, 0)])) continue;
    sum2 += l2[at(k, 0)] * l2[at(k, 0)] - i2;
    sumkl += kl[at(k, 0)] - ikl;
    ++n;
  }
  EXPECT_EQ(n, 3);  // variation, read noise, stuck-at
  // Independent zero-mean errors add in energy; their cross terms are a random fraction of
  // about 1/sqrt(outputs) (512 outputs here: 4%).
  EXPECT_NEAR(sum2, f2 - i2, 0.1 * (f2 - i2)) << "sum of alone " << sum2 << ", full " << f2 - i2;
  EXPECT_NEAR(sumkl, fkl - ikl, 0.15 * (fkl - ikl)) << "sum of alone " << sumkl << ", full " << fkl - ikl;
}

TEST(Attribution, BadInputNamesTheKey) {
  const fs::path d = dir("bad");
  write(d / "a.toml", "[attribution]\nmodels = [\"nope.h5\"]\nschemes = [\"rram-baseline\"]\n");
  AttributionRequest r;
  r.config_file = d / "a.toml";
  r.out_file = d / "attribution.h5";
  try {
    run_attribution(r);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("models"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(r.out_file));
}

}  // namespace

// Each accuracy delta carries the paired 95% interval of its two arms, item by item: equal to
// Newcombe's interval (metrics.hpp) of the paired table built here from two independent runs of
// the arms' configs (the ideal arm and read noise alone) on the same held-out images of the
// shipped digits model; the delta lies inside it, and it is narrower than the two arms' own
// Wilson intervals put together (the arms agree on most sequences).
TEST(Attribution, AccuracyDeltasCarryThePairedIntervalOfTheirArms) {
  const fs::path model = fs::path(CIMCHAR_TEST_SOURCE_DIR) / "models" / "digits.h5";
  const size_t n = 64;
  const std::string scheme =
      "[attention]\nscheme = \"rram-baseline\"\n[attention.crossbar]\nreadout = \"statistical\"\n"
      "[attention.crossbar.nonideal.model.read_noise]\nenabled = true\nsigma_rel = 1.0\n";
  const fs::path d = dir("paired");
  write(d / "scheme.toml", scheme);
  write(d / "a.toml", "[attribution]\nmax_sequences = " + std::to_string(n) + "\nmodels = [\"" + model.string() +
                          "\"]\nschemes = [\"" + (d / "scheme.toml").string() + "\"]\n");
  AttributionRequest req;
  req.config_file = d / "a.toml";
  req.out_file = d / "attribution.h5";
  run_attribution(req);
  H5Reader h(req.out_file);
  const auto acc = h.read("/attribution/d_accuracy"), lo = h.read("/attribution/d_accuracy_lo"),
             hi = h.read("/attribution/d_accuracy_hi");
  const int rn = index_of("read_noise");
  const auto on = present_nonidealities(scheme, (d / "scheme.toml").string(), req.seed);
  std::vector<int> others;
  for (int k : on)
    if (k != rn) others.push_back(k);
  auto items = [&](const std::vector<int>& off, const char* name) {
    RunRequest r;
    r.model_file = model;
    r.out_file = d / name;
    r.config_text = config_without(scheme, (d / "scheme.toml").string(), off, req.seed);
    r.max_sequences = static_cast<int>(n);
    return run_attention(r).item_right;
  };
  const auto alone = items(others, "alone.h5"), ideal = items(on, "ideal.h5");
  ASSERT_EQ(alone.size(), n);
  ASSERT_EQ(ideal.size(), n);
  PairedCounts c;
  for (size_t j = 0; j < n; ++j)
    (alone[j] ? (ideal[j] ? c.both : c.only_a) : (ideal[j] ? c.only_b : c.neither)) += 1;
  const Interval want = paired_difference_interval(c);
  const size_t a = at(rn, 0);
  std::printf("  read noise alone: d_acc %+.4f [%+.4f, %+.4f]; paired table %lld %lld %lld %lld\n", acc[a],
              lo[a], hi[a], static_cast<long long>(c.both), static_cast<long long>(c.only_a),
              static_cast<long long>(c.only_b), static_cast<long long>(c.neither));
  EXPECT_NEAR(acc[a], static_cast<double>(c.only_a - c.only_b) / static_cast<double>(n), 1e-12);
  EXPECT_GT(c.only_a + c.only_b, 0);  // the arms differ somewhere, or the interval is trivial
  EXPECT_NEAR(lo[a], want.lo, 1e-12);
  EXPECT_NEAR(hi[a], want.hi, 1e-12);
  EXPECT_LE(lo[a], acc[a]);
  EXPECT_GE(hi[a], acc[a]);
  const auto alo = h.read("/attribution/accuracy_lo"), ahi = h.read("/attribution/accuracy_hi");
  EXPECT_LT(hi[a] - lo[a], (ahi[a] - alo[a]) + (h.read("/attribution/ideal_accuracy_hi")[0] -
                                                h.read("/attribution/ideal_accuracy_lo")[0]));
}
