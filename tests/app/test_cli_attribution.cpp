// `cimchar attribution` through the real binary (issue 19, item 3): the file carries the record
// with its dimension scales and names; the printed dominant nonideality is the one whose removal
// gains most; a run killed by SIGKILL and resumed writes the same table bit for bit computing
// only what the journal lacks; a scheme config without --model exits 2 and writes nothing.
#include <gtest/gtest.h>

#include <cmath>
#include <csignal>
#include <sys/wait.h>

#include "cli_runner.hpp"
#include "core/h5.hpp"

namespace fs = std::filesystem;

namespace {

const std::string kModel =
    std::string(CIMCHAR_TEST_SOURCE_DIR) + "/tests/attention/data/layer_relu_post_d32_h4_s16_causal.h5";

// Quantization, strong read noise (sigma 0.3) and weak IR drop: three nonidealities, 8 distinct runs.
void write_scheme(const fs::path& d) {
  write_text(d / "noisy.toml",
             "[attention]\nscheme = \"rram-baseline\"\n[attention.crossbar]\nrows = 32\ncols = 64\n"
             "[attention.crossbar.nonideal]\nir_drop = \"model\"\nr_wire = \"0.2 ohm\"\n"
             "[attention.crossbar.nonideal.model.read_noise]\nenabled = true\nsigma_rel = 0.3\n");
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!(a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i])))) return false;
  return true;
}

TEST(CliAttribution, TableDominantAndResume) {
  const fs::path d = fresh_dir("attribution");
  write_scheme(d);
  const std::string args = "-q attribution " + (d / "noisy.toml").string() + " --model " + kModel + " -o ";
  const auto r = run_cimchar(args + (d / "clean").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("dominant: read_noise"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("8 runs (8 computed, 0 from the journal)"), std::string::npos) << r.out;
  cimchar::H5Reader c(d / "clean" / "attribution.h5");
  EXPECT_EQ(c.scale_names("/attribution/d_rel_l2"),
            (std::vector<std::string>{"model", "scheme", "nonideality", "mode"}));
  EXPECT_EQ(c.scale_names("/attribution/d_layer_kl"),
            (std::vector<std::string>{"model", "scheme", "nonideality", "mode", "layer"}));
  const auto l2 = c.read("/attribution/rel_l2");
  ASSERT_EQ(l2.size(), 9u * 2);
  EXPECT_EQ(c.read("/attribution/dominant")[0], 2.0);  // read_noise's index in the catalog
  // Switching strong read noise on costs more output error than weak IR drop, alone or removed.
  const auto dl2 = c.read("/attribution/d_rel_l2");
  for (int mode : {0, 1}) EXPECT_GT(dl2[2 * 2 + mode], dl2[5 * 2 + mode]) << mode;

  const int pid = start_cimchar("CIMCHAR_SPICE_TEST_HOOKS=1 CIMCHAR_TEST_KILL_AFTER_JOBS=3",
                                args + (d / "r").string(), d / "k.out", d / "k.err");
  const int status = wait_cimchar(pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
  EXPECT_FALSE(fs::exists(d / "r" / "attribution.h5"));
  const auto again = run_cimchar("--resume " + args + (d / "r").string());
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("8 runs (5 computed, 3 from the journal)"), std::string::npos) << again.out;
  cimchar::H5Reader h(d / "r" / "attribution.h5");
  for (const char* v : {"accuracy", "rel_l2", "kl", "d_rel_l2", "d_kl", "layer_rel_l2", "d_layer_kl",
                        "ideal_rel_l2", "full_rel_l2", "dominant"})
    EXPECT_TRUE(same_bits(c.read(std::string("/attribution/") + v), h.read(std::string("/attribution/") + v))) << v;
}

TEST(CliAttribution, SchemeConfigWithoutModelExits2) {
  const fs::path d = fresh_dir("attribution_bad");
  write_scheme(d);
  const auto r = run_cimchar("-q attribution " + (d / "noisy.toml").string() + " -o " + (d / "o").string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--model"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(d / "o" / "attribution.h5"));
}

}  // namespace

namespace {

// [sweep] and [attribution] as stages of a flow (StageScope): the same files, bit for bit, as
// the standalone commands on the same tables and seed.
TEST(CliAttribution, FlowStagesEqualTheCommands) {
  const fs::path d = fresh_dir("attribution_flow");
  write_scheme(d);
  const std::string attribution = "[attribution]\nmodels = [\"" + kModel + "\"]\nschemes = [\"" +
                                  (d / "noisy.toml").string() + "\"]\n";
  const std::string sweep = "[sweep]\nmodels = [\"" + kModel + "\"]\nschemes = [\"" + (d / "noisy.toml").string() +
                            "\"]\n[sweep.x]\nkey = \"crossbar.adc_bits\"\nvalues = [4, 8]\n";
  write_text(d / "flow.toml", "[flow]\nname = \"analysis\"\nreport = false\n" + attribution + sweep);
  write_text(d / "a.toml", attribution);
  write_text(d / "s.toml", sweep);
  const auto f = run_cimchar("run " + (d / "flow.toml").string() + " -q --out " + (d / "run").string());
  ASSERT_EQ(f.exit_code, 0) << f.err;
  ASSERT_EQ(run_cimchar("-q attribution " + (d / "a.toml").string() + " -o " + (d / "a").string()).exit_code, 0);
  ASSERT_EQ(run_cimchar("-q sweep " + (d / "s.toml").string() + " --out " + (d / "s.h5").string()).exit_code, 0);
  cimchar::H5Reader fa(d / "run" / "attribution.h5"), ca(d / "a" / "attribution.h5");
  for (const char* v : {"rel_l2", "d_rel_l2", "d_kl", "dominant"})
    EXPECT_TRUE(same_bits(fa.read(std::string("/attribution/") + v), ca.read(std::string("/attribution/") + v))) << v;
  cimchar::H5Reader fs_(d / "run" / "sweep.h5"), cs(d / "s.h5");
  const std::string g = "/sweep/layer_relu_post_d32_h4_s16_causal/noisy/";
  for (const char* v : {"rel_l2", "kl", "sparsity"})
    EXPECT_TRUE(same_bits(fs_.read(g + v), cs.read(g + v))) << v;
  EXPECT_FALSE(fs::exists(d / "run" / "attribution.journal"));
  EXPECT_FALSE(fs::exists(d / "run" / "sweep.journal"));
}

}  // namespace
