// `cimchar sweep` through the real binary (issue 19, item 2): a point equals the same config run
// by `cimchar attention`; attar's sparsity follows 1 - top_k / seq exactly; a sweep killed by
// SIGKILL mid-way and resumed writes the same curves as a clean run, bit for bit, computing
// only the points the journal lacks; a key no scheme reads exits 2 before anything runs.
#include <gtest/gtest.h>

#include <cmath>
#include <csignal>
#include <sys/wait.h>

#include "cli_runner.hpp"
#include "core/h5.hpp"

namespace fs = std::filesystem;

namespace {

const std::string kModel =
    std::string(CIMCHAR_TEST_SOURCE_DIR) + "/tests/attention/data/encoder2_relu_pre_d16_h2_s64.h5";
const char* kGroup = "/sweep/encoder2_relu_pre_d16_h2_s64/attar";

void write_sweep(const fs::path& d, const std::string& axis) {
  write_text(d / "attar.toml", "[attention]\nscheme = \"attar\"\ntop_k = 16\nscore_frac_bits = 4\n");
  write_text(d / "s.toml", "[sweep]\nmodels = [\"" + kModel + "\"]\nschemes = [\"" +
                               (d / "attar.toml").string() + "\"]\n" + axis);
}

const char* kAxis = "[sweep.x]\nkey = \"top_k\"\nvalues = [4, 16, 64]\n";

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!(a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i])))) return false;
  return true;
}

TEST(CliSweep, PointsMatchAttentionAndSparsityIsExact) {
  const fs::path d = fresh_dir("sweep_points");
  write_sweep(d, kAxis);
  const auto r = run_cimchar("-q sweep " + (d / "s.toml").string() + " --out " + (d / "o.h5").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  cimchar::H5Reader h(d / "o.h5");
  EXPECT_EQ(h.read(std::string(kGroup) + "/x"), (std::vector<double>{4, 16, 64}));
  EXPECT_EQ(h.scale_names(std::string(kGroup) + "/rel_l2"), (std::vector<std::string>{"x", "y"}));
  const auto sp = h.read(std::string(kGroup) + "/sparsity");
  ASSERT_EQ(sp.size(), 3u);
  // attar keeps exactly top_k of the 64 keys of every row (no mask, no padding).
  const std::vector<double> k = {4, 16, 64};
  for (size_t i = 0; i < 3; ++i) EXPECT_NEAR(sp[i], 1.0 - k[i] / 64, 1e-12) << i;
  // The middle point is the base config itself: `cimchar attention` on it gives the same numbers.
  const auto a = run_cimchar("-q attention --model " + kModel + " --config " + (d / "attar.toml").string() +
                             " --out " + (d / "a.h5").string());
  ASSERT_EQ(a.exit_code, 0) << a.err;
  cimchar::H5Reader ah(d / "a.h5");
  for (const char* m : {"rel_l2", "kl", "cosine", "sparsity"})
    EXPECT_EQ(h.read(std::string(kGroup) + "/" + m)[1], ah.read(std::string("/metrics/") + m)[0]) << m;
  // Keeping every key loses less than keeping 4.
  const auto l2 = h.read(std::string(kGroup) + "/rel_l2");
  EXPECT_LT(l2[2], l2[0]);
  // Keeping fewer keys costs less energy in the attention core.
  const auto core = h.read(std::string(kGroup) + "/energy_core");
  EXPECT_LT(core[0], core[1]);
}

// A point's cost columns are `cimchar ppa` on the same run with the sweep's default cards, per
// sequence (a two-sequence model, so the division shows).
TEST(CliSweep, CostColumnsArePpaPerSequence) {
  const fs::path d = fresh_dir("sweep_ppa");
  const std::string model = std::string(CIMCHAR_TEST_SOURCE_DIR) + "/tests/attention/data/layer_relu_post_d32_h4_s16_causal.h5";
  write_text(d / "s.toml", "[sweep]\nmodels = [\"" + model + "\"]\nschemes = [\"rram-baseline\"]\n"
                           "[sweep.x]\nkey = \"crossbar.adc_bits\"\nvalues = [6, 8]\n");
  ASSERT_EQ(run_cimchar("-q sweep " + (d / "s.toml").string() + " --out " + (d / "o.h5").string()).exit_code, 0);
  const auto a = run_cimchar("-q attention --model " + model + " --config characterization/attention/rram-baseline.toml --out " +
                             (d / "a.h5").string());
  ASSERT_EQ(a.exit_code, 0) << a.err;
  const auto p = run_cimchar("-q ppa --attention " + (d / "a.h5").string() +
                             " --tech characterization/tech/32nm.toml --gpu characterization/tech/gpu_a100.toml"
                             " --out " + (d / "p.h5").string());
  ASSERT_EQ(p.exit_code, 0) << p.err;
  cimchar::H5Reader h(d / "o.h5"), ah(d / "a.h5"), ph(d / "p.h5");
  const double seqs = ah.attr_double("/", "batch");
  ASSERT_EQ(seqs, 2);
  const std::string g = "/sweep/layer_relu_post_d32_h4_s16_causal/rram-baseline/";
  auto point = [&](const char* v) { return h.read(g + v)[1]; };  // adc_bits = 8: the preset
  EXPECT_DOUBLE_EQ(point("energy") * seqs, ph.read("/runs/0/energy/total")[0]);
  EXPECT_DOUBLE_EQ(point("energy_core") * seqs, ph.read("/runs/0/energy/attention_core")[0]);
  EXPECT_DOUBLE_EQ(point("latency"), ph.read("/runs/0/latency/sequence")[0]);
  EXPECT_DOUBLE_EQ(point("gpu_time_ratio"), ph.read("/runs/0/gpu/time_ratio")[0]);
  EXPECT_DOUBLE_EQ(point("gpu_energy_ratio"), ph.read("/runs/0/gpu/energy_ratio")[0]);
  EXPECT_DOUBLE_EQ(point("tops_per_w"), ph.read("/runs/0/tops_per_w")[0]);
  // A 6-bit ADC spends less per conversion than an 8-bit one (Walden: E = FoM 2^bits).
  EXPECT_LT(h.read(g + "energy")[0], point("energy"));
}

TEST(CliSweep, CostColumnsOffOrBadCard) {
  const fs::path d = fresh_dir("sweep_cost");
  write_sweep(d, std::string("ppa = false\n") + kAxis);
  // ppa = false: the curves carry NaN cost columns.
  const auto r = run_cimchar("-q sweep " + (d / "s.toml").string() + " --out " + (d / "o.h5").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  cimchar::H5Reader h(d / "o.h5");
  for (double e : h.read(std::string(kGroup) + "/energy")) EXPECT_TRUE(std::isnan(e));
  // A card that is not there, or a broken one, exits 2 naming the key before any point runs.
  write_sweep(d, std::string("tech = \"no/such.toml\"\n") + kAxis);
  const auto r2 = run_cimchar("-q sweep " + (d / "s.toml").string() + " --out " + (d / "o2.h5").string());
  EXPECT_EQ(r2.exit_code, 2);
  EXPECT_NE(r2.err.find("sweep.tech"), std::string::npos) << r2.err;
  write_text(d / "bad.toml", "name = \"x\"\n");
  write_sweep(d, "tech = \"" + (d / "bad.toml").string() + "\"\n" + kAxis);
  const auto r3 = run_cimchar("-q sweep " + (d / "s.toml").string() + " --out " + (d / "o3.h5").string());
  EXPECT_EQ(r3.exit_code, 2);
  EXPECT_NE(r3.err.find("bad.toml"), std::string::npos) << r3.err;
  EXPECT_FALSE(fs::exists(d / "o2.h5"));
  EXPECT_FALSE(fs::exists(d / "o3.h5"));
}

TEST(CliSweep, ClaimAndOperatingPointWritten) {
  const fs::path d = fresh_dir("sweep_claim");
  write_sweep(d, std::string("ppa = false\nclaim = \"Attar keeps 16 of 64\"\noperating_point = 16\n") + kAxis);
  const auto r = run_cimchar("-q sweep " + (d / "s.toml").string() + " --out " + (d / "o.h5").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  cimchar::H5Reader h(d / "o.h5");
  EXPECT_EQ(h.attr_string("/", "claim"), "Attar keeps 16 of 64");
  EXPECT_EQ(h.attr_double("/", "operating_point"), 16.0);
  // No claim: empty text and NaN, so the report draws no marker.
  write_sweep(d, std::string("ppa = false\n") + kAxis);
  ASSERT_EQ(run_cimchar("-q sweep " + (d / "s.toml").string() + " --out " + (d / "n.h5").string()).exit_code, 0);
  cimchar::H5Reader n(d / "n.h5");
  EXPECT_EQ(n.attr_string("/", "claim"), "");
  EXPECT_TRUE(std::isnan(n.attr_double("/", "operating_point")));
  // An operating point off the x axis exits 2 naming the key and the axis, before any point runs.
  write_sweep(d, std::string("operating_point = 65\n") + kAxis);
  const auto r2 = run_cimchar("-q sweep " + (d / "s.toml").string() + " --out " + (d / "o2.h5").string());
  EXPECT_EQ(r2.exit_code, 2);
  EXPECT_NE(r2.err.find("sweep.operating_point"), std::string::npos) << r2.err;
  EXPECT_NE(r2.err.find("[4, 64]"), std::string::npos) << r2.err;
  EXPECT_FALSE(fs::exists(d / "o2.h5"));
}

TEST(CliSweep, ResumeAfterKillEqualsCleanRun) {
  const fs::path d = fresh_dir("sweep_resume");
  write_sweep(d, kAxis);
  const std::string args = "-q sweep " + (d / "s.toml").string() + " --out ";
  ASSERT_EQ(run_cimchar(args + (d / "clean.h5").string()).exit_code, 0);
  const int pid = start_cimchar("CIMCHAR_SPICE_TEST_HOOKS=1 CIMCHAR_TEST_KILL_AFTER_JOBS=2",
                                args + (d / "r.h5").string(), d / "k.out", d / "k.err");
  const int status = wait_cimchar(pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
  EXPECT_FALSE(fs::exists(d / "r.h5"));
  ASSERT_TRUE(fs::exists(d / "r.h5.journal"));
  const auto r = run_cimchar("--resume " + args + (d / "r.h5").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("3 points (1 computed, 2 from the journal)"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(d / "r.h5.journal"));
  cimchar::H5Reader c(d / "clean.h5"), h(d / "r.h5");
  for (const char* v : {"x", "y", "accuracy", "accuracy_lo", "accuracy_hi", "accuracy_n", "accuracy_ideal",
                        "sparsity", "rel_l2", "kl", "cosine", "energy", "latency", "gpu_time_ratio"})
    EXPECT_TRUE(same_bits(c.read(std::string(kGroup) + "/" + v), h.read(std::string(kGroup) + "/" + v))) << v;
}

TEST(CliSweep, UnknownKeyExits2BeforeRunning) {
  const fs::path d = fresh_dir("sweep_badkey");
  write_sweep(d, "[sweep.x]\nkey = \"crossbar.adc_bitz\"\nvalues = [4, 6]\n");
  const auto r = run_cimchar("-q sweep " + (d / "s.toml").string() + " --out " + (d / "o.h5").string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("attention.crossbar.adc_bitz"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(d / "o.h5"));
  EXPECT_FALSE(fs::exists(d / "o.h5.journal"));
  write_sweep(d, "[sweep.x]\nkey = \"top_k\"\nvalues = [8, 4]\n");
  const auto r2 = run_cimchar("-q sweep " + (d / "s.toml").string() + " --out " + (d / "o.h5").string());
  EXPECT_EQ(r2.exit_code, 2);
  EXPECT_NE(r2.err.find("strictly increasing"), std::string::npos) << r2.err;
}

}  // namespace
