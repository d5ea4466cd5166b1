// Faults through the real command line, as the stage scaffold (flows/stage_scope.hpp,
// flows/flow.cpp) must handle them: a netlist ngspice cannot simulate is bad input found by the
// probe run before any sweep; a second run on a locked output folder is refused; a signal leaves
// no temporary file or ngspice folder; a stale temporary file of a killed run is removed; a
// journal of another run is refused on --resume. Each asserts the exit code, the message naming
// the file, and what is (not) left on disk.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "cli_runner.hpp"

namespace fs = std::filesystem;

namespace {

// A copy of the source tree's `folder` (netlists, devices) with the first match of `pattern` in
// `file` replaced.
fs::path broken_copy(const fs::path& dir, const std::string& folder, const std::string& file,
                     const std::string& pattern, const std::string& with) {
  const fs::path nl = dir / folder;
  fs::create_directories(nl);
  for (const auto& e : fs::directory_iterator(fs::path(CIMCHAR_TEST_SOURCE_DIR) / folder))
    fs::copy(e.path(), nl / e.path().filename(), fs::copy_options::recursive);  // devices/mosfet/
  std::ifstream in(nl / file);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = std::regex_replace(ss.str(), std::regex(pattern), with,
                                              std::regex_constants::format_first_only);
  EXPECT_NE(text, ss.str()) << "pattern not found: " << pattern;
  write_text(nl / file, text);
  return nl;
}

fs::path broken_netlists(const fs::path& dir, const std::string& pattern, const std::string& with) {
  return broken_copy(dir, "netlists", "threshold.lib", pattern, with);
}

const char* kSmallThreshold = "[flow]\nname = \"t\"\nseed = 3\n[threshold]\npoints = 3\n"
                              "samples = 8\ntwin_samples = 100\n";

void expect_probe_refuses(const std::string& name, const std::string& pattern,
                          const std::string& with, const std::string& says) {
  const fs::path dir = fresh_dir("fault_" + name);
  write_text(dir / "flow.toml", kSmallThreshold);
  const fs::path nl = broken_netlists(dir, pattern, with);
  const auto r = run_cimchar_env("CIMCHAR_NETLISTS=" + nl.string(),
                                 "threshold " + (dir / "flow.toml").string() + " -q --out " +
                                     (dir / "out").string());
  EXPECT_EQ(r.exit_code, 2) << name << "\n" << r.err;
  EXPECT_NE(r.err.find((nl / "threshold.lib").string()), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("before any sweep"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(says), std::string::npos) << name << ": no '" << says << "' in\n" << r.err;
  EXPECT_FALSE(fs::exists(dir / "out")) << name << ": something was written";
}

std::vector<std::string> leftovers(const fs::path& dir, const std::string& contains) {
  std::vector<std::string> r;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().filename().string().find(contains) != std::string::npos)
      r.push_back(e.path().filename().string());
  return r;
}

bool wait_for(const std::function<bool()>& cond, double seconds) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return cond();
}

}  // namespace

TEST(CliFaults, ProbeRefusesUnknownSubcircuit) {
  expect_probe_refuses("unknown_subckt", "\\.subckt thr_cell", ".subckt thr_other",
                       "unknown subckt");
}

TEST(CliFaults, ProbeRefusesGarbageElement) {
  expect_probe_refuses("garbage", "cint top 0", "qqq top 0 garbage\ncint top 0",
                       "too few nodes");
}

TEST(CliFaults, ProbeRefusesFloatingNode) {
  expect_probe_refuses("floating", "cint top 0", "rfl nf1 nf2 1k\ncint top 0", "floating");
}

TEST(CliFaults, ProbeRefusesSyntaxError) {
  expect_probe_refuses("syntax", "bleak top 0 i = \\{gleak\\}\\*v\\(top\\)",
                       "bleak top 0 i = {gleak}*v(top", "threshold.lib");
}

// One run holds the folder; a second is refused at once (exit 1, naming the folder and the
// holder) and writes nothing. Then SIGTERM ends the first: no <stage>.h5.tmp.<pid>, no ngspice
// folder of its pid; its journal is kept for --resume, which refuses another seed's run.
TEST(CliFaults, LockSignalAndForeignJournal) {
  const fs::path dir = fresh_dir("fault_lock");
  const fs::path tmp = dir / "tmp";
  fs::create_directories(tmp);
  write_text(dir / "flow.toml", "[flow]\nname = \"t\"\nseed = 3\n[threshold]\npoints = 5\n"
                                "samples = 20000\nsamples_per_job = 16\ntwin_samples = 100\n");
  const std::string out = (dir / "out").string();
  const std::string env = "TMPDIR=" + tmp.string();
  const int pid = start_cimchar(env, "threshold " + (dir / "flow.toml").string() +
                                         " -q -j 1 --out " + out,
                                dir / "a.out", dir / "a.err");
  ASSERT_TRUE(wait_for([&] { return fs::exists(dir / "out" / "threshold.journal") &&
                                    fs::file_size(dir / "out" / "threshold.journal") > 16; },
                       60));
  const auto second = run_cimchar_env(env, "threshold " + (dir / "flow.toml").string() +
                                               " -q --out " + out);
  EXPECT_EQ(second.exit_code, 1) << second.err;
  EXPECT_NE(second.err.find("another cimchar run (process " + std::to_string(pid)),
            std::string::npos) << second.err;
  EXPECT_NE(second.err.find(out), std::string::npos) << second.err;

  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  const int status = wait_cimchar(pid);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM) << status;
  EXPECT_TRUE(leftovers(dir / "out", ".tmp.").empty());
  EXPECT_FALSE(fs::exists(dir / "out" / "threshold.h5"));
  EXPECT_TRUE(leftovers(tmp, "cimchar-ngspice-" + std::to_string(pid) + "-").empty());
  EXPECT_TRUE(fs::exists(dir / "out" / "threshold.journal"));

  const auto foreign = run_cimchar_env(env, "threshold " + (dir / "flow.toml").string() +
                                                " -q --seed 4 --resume --out " + out);
  EXPECT_EQ(foreign.exit_code, 2) << foreign.err;
  EXPECT_NE(foreign.err.find("threshold.journal"), std::string::npos) << foreign.err;
  EXPECT_NE(foreign.err.find("belongs to another run"), std::string::npos) << foreign.err;
  EXPECT_FALSE(fs::exists(dir / "out" / "threshold.h5"));
}

// A SIGKILL leaves what no handler can remove; the next run removes it (dead owner pid only).
TEST(CliFaults, StaleTemporariesOfKilledRunsRemoved) {
  const fs::path dir = fresh_dir("fault_stale");
  const fs::path tmp = dir / "tmp";
  fs::create_directories(dir / "out");
  fs::create_directories(tmp / "cimchar-ngspice-999999999-abcdef");
  write_text(dir / "flow.toml", kSmallThreshold);
  write_text(dir / "out" / "threshold.h5.tmp.999999999", "torn");
  write_text(dir / "out" / "other.h5.tmp.1", "pid 1 is alive: kept");
  const auto r = run_cimchar_env("TMPDIR=" + tmp.string(),
                                 "threshold " + (dir / "flow.toml").string() + " -q --out " +
                                     (dir / "out").string());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("removed 1 temporary file"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "out" / "threshold.h5.tmp.999999999"));
  EXPECT_TRUE(fs::exists(dir / "out" / "other.h5.tmp.1"));
  EXPECT_TRUE(fs::exists(dir / "out" / "threshold.h5"));
  EXPECT_TRUE(leftovers(tmp, "cimchar-ngspice-").empty());
}

namespace {

// A stage run on a broken copy of `folder`/`file` (env names the folder): exit 2 before any
// sweep, naming the file, and nothing written (no output folder, so no journal either).
void expect_stage_probe_refuses(const std::string& stage, const std::string& table,
                                const std::string& env_var, const std::string& folder,
                                const std::string& file, const std::string& pattern,
                                const std::string& with) {
  const fs::path dir = fresh_dir("fault_probe_" + stage);
  write_text(dir / "flow.toml", "[flow]\nname = \"t\"\nseed = 3\n[" + stage + "]\n" + table);
  const fs::path copy = broken_copy(dir, folder, file, pattern, with);
  const auto r = run_cimchar_env(env_var + "=" + copy.string(),
                                 stage + " " + (dir / "flow.toml").string() + " -q --out " +
                                     (dir / "out").string());
  EXPECT_EQ(r.exit_code, 2) << stage << "\n" << r.err;
  EXPECT_NE(r.err.find((copy / file).string()), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("before any sweep"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "out")) << stage << ": something was written";
}

}  // namespace

// variation used to write an all-NaN table with exit 0 when the device's static subcircuit
// could not be read.
TEST(CliFaults, VariationProbeRefusesUnknownSubcircuit) {
  expect_stage_probe_refuses("variation", "samples = 4\nbits = 1\n", "CIMCHAR_DEVICES", "devices",
                             "stanford_asu.lib", "\\.subckt rram_stanford_static",
                             ".subckt rram_other_static");
}

// adc likewise with a comparator subcircuit ngspice cannot find.
TEST(CliFaults, AdcProbeRefusesUnknownSubcircuit) {
  expect_stage_probe_refuses("adc", "architectures = [\"flash\"]\nbits = [2]\nsamples = 2\n"
                             "spice_samples = 1\n", "CIMCHAR_NETLISTS", "netlists", "adc.lib",
                             "\\.subckt adc_cmp", ".subckt adc_other");
}

// cell and irdrop used to exit 2 and leave <stage>.journal behind.
TEST(CliFaults, CellProbeRefusesUnknownSubcircuit) {
  expect_stage_probe_refuses("cell", "", "CIMCHAR_DEVICES", "devices", "stanford_asu.lib",
                             "\\.subckt rram_stanford te be x", ".subckt rram_other te be x");
}

TEST(CliFaults, IrdropProbeRefusesUnknownSubcircuitOfItsCell) {
  expect_stage_probe_refuses("irdrop", "cell = \"stanford_asu\"\nsizes = [4]\nspice_max_size = 4\n"
                             "r_wire = [1.0]\nactivity = [1.0]\ndistributions = [\"binary\"]\n"
                             "trials = 1\n", "CIMCHAR_DEVICES", "devices", "stanford_asu.lib",
                             "\\.subckt rram_stanford_static", ".subckt rram_other_static");
}

// A bad model of [schemes] fails in prepare: the earlier stage of the same flow writes nothing.
TEST(CliFaults, SchemesModelCheckedBeforeEarlierStagesWrite) {
  const fs::path dir = fresh_dir("fault_schemes_model");
  write_text(dir / "bad_model.h5", "not an HDF5 file");
  write_text(dir / "flow.toml", "[flow]\nname = \"t\"\nseed = 3\n[threshold]\npoints = 3\n"
                                "samples = 8\ntwin_samples = 100\n[schemes]\nmodels = [\"" +
                                    (dir / "bad_model.h5").string() + "\"]\nppa = false\n");
  const auto r = run_cimchar("run " + (dir / "flow.toml").string() + " -q --out " +
                             (dir / "out").string());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find((dir / "bad_model.h5").string()), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "out")) << "threshold ran before the model was checked";
}

TEST(CliFaults, WtaProbeRefusesUnknownSubcircuit) {
  expect_stage_probe_refuses("wta", "capacitances = [\"100 fF\"]\nsamples = 10\nspice_samples = 1\n",
                             "CIMCHAR_NETLISTS", "netlists", "wta.lib", "\\.subckt wta_cell",
                             ".subckt wta_other");
}
