// The one command line of issue 15 item 5: "did you mean" for flow keys and stages, global
// options in every subcommand's help, the --out rule, SPICE suffixes on flags and flow values.
#include <gtest/gtest.h>

#include <filesystem>
#include <vector>

#include "cli_runner.hpp"
#include "core/npy.hpp"

namespace fs = std::filesystem;

namespace {
CliResult run_flow_text(const std::string& name, const std::string& stage, const std::string& text) {
  const fs::path dir = fresh_dir(name);
  write_text(dir / "flow.toml", text);
  auto r = run_cimchar(stage + " " + (dir / "flow.toml").string() + " --out " +
                       (dir / "out").string());
  EXPECT_FALSE(fs::exists(dir / "out")) << name << ": output folder was created";
  return r;
}
}  // namespace

TEST(CliOptions, UnknownNestedKeyNamesTheNearestKnownKey) {
  // [cell.iv_loop] reads v_max; `v_mxa` is two edits from it and three lines down.
  const auto r = run_flow_text("did_you_mean_key", "cell",
                               "[cell]\ndevice = \"stanford_asu\"\n[cell.iv_loop]\nv_mxa = 1.2\n");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("flow.toml:4"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("cell.iv_loop.v_mxa"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("did you mean 'cell.iv_loop.v_max'?"), std::string::npos) << r.err;
}

TEST(CliOptions, UnknownKeyFarFromEveryKeyHasNoSuggestion) {
  const auto r = run_flow_text("no_suggestion_key", "cell", "[cell]\nfrobnicate_widget = 1\n");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("cell.frobnicate_widget"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("unknown key"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("did you mean"), std::string::npos) << r.err;
}

TEST(CliOptions, UnknownStageTableNamesTheNearestStage) {
  const auto r = run_flow_text("did_you_mean_stage", "run", "[irdorp]\nsizes = [8]\n");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("unknown stage 'irdorp'; did you mean 'irdrop'?"), std::string::npos)
      << r.err;
}

TEST(CliOptions, FlowValuesTakeSpiceSuffixes) {
  // "-5k" is read as -5000 ohm (the range check names it), "5kV" names the key and the unit.
  const auto neg = run_flow_text("spice_flow_neg", "cell", "[cell]\nr_series = \"-5k\"\n");
  EXPECT_EQ(neg.exit_code, 2) << neg.err;
  EXPECT_NE(neg.err.find("cell.r_series"), std::string::npos) << neg.err;
  EXPECT_NE(neg.err.find("value -5000 ohm is outside"), std::string::npos) << neg.err;
  const auto bad = run_flow_text("spice_flow_bad", "cell", "[cell]\nr_series = \"5kV\"\n");
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_NE(bad.err.find("cell.r_series"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("'ohm' is expected"), std::string::npos) << bad.err;
}

TEST(CliOptions, NumericFlagsTakeSpiceSuffixesAndUnits) {
  const fs::path d = fresh_dir("spice_flags");
  const std::vector<double> g = {1e-5, 2e-5, 3e-5, 4e-5, 5e-5, 6e-5};
  const std::vector<double> v = {0.1, 0.2, 0.3};
  cimchar::write_npy((d / "G.npy").string(), g, {3, 2});
  cimchar::write_npy((d / "V.npy").string(), v, {3});
  const std::string io = "xbar solve --g " + (d / "G.npy").string() + " --v " + (d / "V.npy").string();
  // The plain SI numbers are the reference; the suffixed forms must give the same currents.
  ASSERT_EQ(run_cimchar(io + " --r-wire 2.5 --r-sense 1000 --rtol 0.000001 --out " +
                        (d / "ref.npy").string()).exit_code, 0);
  const auto r = run_cimchar(io + " --r-wire 2500m --r-sense 1kohm --rtol 1u --out " +
                             (d / "spice.npy").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<size_t> dims;
  const auto ref = cimchar::read_npy((d / "ref.npy").string(), &dims);
  const auto got = cimchar::read_npy((d / "spice.npy").string(), &dims);
  ASSERT_EQ(ref.size(), 2u);
  EXPECT_EQ(got, ref);
  EXPECT_GT(ref[0], 0.0);
  const auto bad = run_cimchar(io + " --r-sense 1kV --out " + (d / "bad.npy").string());
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_NE(bad.err.find("--r-sense"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("'ohm' is expected"), std::string::npos) << bad.err;
  EXPECT_FALSE(fs::exists(d / "bad.npy"));
}
