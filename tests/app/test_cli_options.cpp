// The one command line of issue 15 item 5: "did you mean" for flow keys and stages, global
// options in every subcommand's help, the --out rule, SPICE suffixes on flags and flow values.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include <filesystem>
#include <vector>

#include "cli_runner.hpp"
#include "core/npy.hpp"
#include "core/parallel.hpp"

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

TEST(CliOptions, EverySubcommandHelpListsTheGlobalOptionsThatWorkThere) {
  const auto stage = run_cimchar("threshold --help");
  EXPECT_EQ(stage.exit_code, 0);
  for (const char* o : {"-j,--jobs", "-o,--out", "--seed", "-q,--quiet", "-v,--verbose",
                        "--resume", "--json", "Output: --out DIR"})
    EXPECT_NE(stage.out.find(o), std::string::npos) << o << " missing in\n" << stage.out;
  const auto att = run_cimchar("attention --help");
  EXPECT_NE(att.out.find("--seed"), std::string::npos) << att.out;
  EXPECT_NE(att.out.find("writes attention.h5 inside it"), std::string::npos) << att.out;
  EXPECT_EQ(att.out.find("--resume"), std::string::npos) << att.out;
  for (const char* cmd : {"xbar solve", "ppa", "report", "sweep"}) {
    const auto h = run_cimchar(std::string(cmd) + " --help");
    EXPECT_NE(h.out.find("Global options that work here"), std::string::npos) << cmd << h.out;
    EXPECT_NE(h.out.find("Output: --out FILE"), std::string::npos) << cmd << h.out;
  }
}

TEST(CliOptions, AGlobalOptionACommandIgnoresIsRefusedNotDropped) {
  const auto jobs = run_cimchar("ppa --jobs 3 --attention a.h5 --tech t.toml --out p.h5");
  EXPECT_EQ(jobs.exit_code, 2);
  EXPECT_NE(jobs.err.find("--jobs has no effect on `cimchar ppa`"), std::string::npos) << jobs.err;
  const fs::path d = fresh_dir("report_out_before");
  const auto rep = run_cimchar("--out " + (d / "x.html").string() + " report " + d.string());
  EXPECT_EQ(rep.exit_code, 2);
  EXPECT_NE(rep.err.find("put --out after it"), std::string::npos) << rep.err;
  EXPECT_FALSE(fs::exists(d / "x.html"));
}

TEST(CliOptions, OutEndingInASlashWritesTheFixedNameInsideTheFolder) {
  const fs::path d = fresh_dir("out_folder_rule");
  cimchar::write_npy((d / "G.npy").string(), {1e-5, 2e-5}, {1, 2});
  cimchar::write_npy((d / "V.npy").string(), {0.2}, {1});
  fs::create_directories(d / "res");
  const std::string io = "xbar solve --g " + (d / "G.npy").string() + " --v " + (d / "V.npy").string();
  const auto r = run_cimchar(io + " --out " + (d / "res").string() + "/");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<size_t> dims;
  const auto i = cimchar::read_npy((d / "res" / "I.npy").string(), &dims);
  ASSERT_EQ(i.size(), 2u);
  EXPECT_NEAR(i[0], 0.2 * 1e-5, 1e-12);  // ideal wires: I = V G
  EXPECT_NEAR(i[1], 0.2 * 2e-5, 1e-12);
  const auto missing = run_cimchar(io + " --out " + (d / "nope").string() + "/");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("no such folder"), std::string::npos) << missing.err;
  const auto no_slash = run_cimchar(io + " --out " + (d / "res").string());
  EXPECT_EQ(no_slash.exit_code, 2);
  EXPECT_NE(no_slash.err.find("end it with /"), std::string::npos) << no_slash.err;
}

TEST(CliOptions, JsonSummaryNamesEveryFileAndQuietPrintsOnlyTheList) {
  const fs::path d = fresh_dir("json_summary");
  write_text(d / "f.toml", "[flow]\nname = \"t\"\n[threshold]\npoints = 3\nsamples = 4\n"
                           "twin_samples = 100\n");
  const std::string out = (d / "out").string();
  const auto j = run_cimchar("threshold " + (d / "f.toml").string() + " --json --out " + out);
  ASSERT_EQ(j.exit_code, 0) << j.err;
  // stdout is one JSON object and nothing else (the stage's table is not printed).
  ASSERT_FALSE(j.out.empty());
  EXPECT_EQ(j.out.front(), '{') << j.out;
  EXPECT_EQ(j.out.find('\n'), j.out.size() - 1) << j.out;
  EXPECT_NE(j.out.find("\"status\":\"ok\",\"exit_code\":0"), std::string::npos) << j.out;
  EXPECT_NE(j.out.find("\"name\":\"threshold\""), std::string::npos) << j.out;
  EXPECT_NE(j.out.find("\"files\":[\"" + out + "/threshold.h5\"]"), std::string::npos) << j.out;
  // The list is what is in the folder: compared with a directory listing, not with itself.
  size_t n = 0;
  for (const auto& e : fs::directory_iterator(out)) n += e.path().filename().string()[0] != '.';
  EXPECT_EQ(n, 1u);
  const auto q = run_cimchar("-q threshold " + (d / "f.toml").string() + " --out " + out + "2");
  ASSERT_EQ(q.exit_code, 0) << q.err;
  EXPECT_EQ(q.out, out + "2/threshold.h5\n");
  EXPECT_EQ(q.err, "");
  const auto bad = run_cimchar("threshold " + (d / "nope.toml").string() + " --json --out " + out);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.out.find("\"status\":\"bad_input\",\"exit_code\":2"), std::string::npos) << bad.out;
}

TEST(CliOptions, EveryStageCommandHasADefaultFlowFile) {
  // `cimchar <stage>` with no flow argument reads characterization/<stage>.toml.
  const auto help = run_cimchar("--help");
  for (const char* stage : {"cell", "fit", "irdrop", "variation", "adc", "wta", "threshold",
                            "schemes"}) {
    EXPECT_NE(help.out.find(std::string("  ") + stage), std::string::npos) << stage;
    EXPECT_TRUE(fs::is_regular_file(fs::path(CIMCHAR_TEST_SOURCE_DIR) / "characterization" /
                                    (std::string(stage) + ".toml")))
        << stage;
  }
}

// --jobs bounds every thread pool, not only the ngspice workers: the attention run's threads
// (its tiles and dense products, core/parallel.hpp), counted in /proc/<pid>/task while it runs.
// OPENBLAS_NUM_THREADS=1 as the program sets it for itself (app/process_tuning.hpp): started
// without it, the first process image, before it re-executes itself with that setting, has
// OpenBLAS's start-up threads for a few microseconds.
static int peak_threads(const std::string& args, const fs::path& d) {
  const int pid = start_cimchar("OPENBLAS_NUM_THREADS=1", args, d / "out.txt", d / "err.txt");
  size_t peak = 0;
  for (int status = 0;;) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << args;
      break;
    }
    std::error_code ec;
    size_t n = 0;
    for (auto it = fs::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec);
         !ec && it != fs::directory_iterator(); it.increment(ec))
      ++n;
    peak = std::max(peak, n);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return static_cast<int>(peak);
}

TEST(CliOptions, JobsBoundsTheNativeThreads) {
  const fs::path d = fresh_dir("jobs_threads");
  const std::string model = std::string(CIMCHAR_TEST_SOURCE_DIR) +
                            "/tests/attention/data/encoder3_gelutanh_final_d32_h4_s33_causal_pad.h5";
  const std::string args = "attention --model " + model + " --scheme rram-baseline -q --out " +
                           (d / "a.h5").string();
  EXPECT_EQ(peak_threads(args + " --jobs 1", d), 1);
  if (cimchar::affinity_cores() < 2) GTEST_SKIP() << "one core: the unbounded run cannot use more";
  // Without the bound the run does use several threads (its parallel parts are short, so a
  // 2 ms poll may miss them in one run: the peak of up to 5 runs).
  int unbounded = 0;
  for (int k = 0; k < 5 && unbounded < 2; ++k) unbounded = std::max(unbounded, peak_threads(args, d));
  EXPECT_GE(unbounded, 2);
  EXPECT_LE(peak_threads(args + " --jobs 2", d), 2);
}
