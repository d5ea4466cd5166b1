// Inputs that used to be mishandled (issue 14's audit), through the real command line: an output
// that is also an input (xbar, attention, ppa, fit), a folder where a file is expected, a stage
// file that is not what the report expects, a malformed .npy header, and the smallest array with
// wire resistance. Each asserts the exit code, that the message names the file, and that nothing
// was overwritten or written.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "cli_runner.hpp"
#include "core/npy.hpp"

namespace fs = std::filesystem;
using cimchar::read_npy;
using cimchar::write_npy;

namespace {

std::string bytes_of(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

fs::path src(const std::string& rel) { return fs::path(CIMCHAR_TEST_SOURCE_DIR) / rel; }

// Runs cimchar, expects exit 2 and every string of `says` in stderr.
void expect_bad_input(const std::string& args, const std::vector<std::string>& says) {
  const auto r = run_cimchar(args);
  EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.err;
  for (const auto& s : says) EXPECT_NE(r.err.find(s), std::string::npos) << "no '" << s << "' in\n" << r.err;
}

}  // namespace

TEST(CliInputs, XbarOutputOverAnInputIsRefused) {
  const fs::path d = fresh_dir("inputs_xbar_same");
  write_npy(d / "G.npy", std::vector<double>(4, 1e-5), {2, 2});
  write_npy(d / "V.npy", {0.2, 0.1}, {2});
  const std::string before = bytes_of(d / "G.npy");
  // The same file under another spelling (./, ..) is the same file.
  const std::string g = (d / "G.npy").string(), g2 = (d / "." / ".." / d.filename() / "G.npy").string();
  expect_bad_input("xbar solve --g " + g + " --v " + (d / "V.npy").string() + " --out " + g2,
                   {"--out", "--g", "same file", g});
  EXPECT_EQ(bytes_of(d / "G.npy"), before);
  expect_bad_input("xbar solve --g " + g + " --v " + (d / "V.npy").string() + " --out " +
                       (d / "V.npy").string(), {"--v", "same file"});
}

TEST(CliInputs, AFolderWhereAFileIsExpectedIsNamed) {
  const fs::path d = fresh_dir("inputs_dir");
  fs::create_directories(d / "folder.npy");
  write_npy(d / "G.npy", std::vector<double>(4, 1e-5), {2, 2});
  write_npy(d / "V.npy", {0.2, 0.1}, {2});
  const std::string dir = (d / "folder.npy").string();
  expect_bad_input("xbar solve --g " + dir + " --v " + (d / "V.npy").string() + " --out " +
                       (d / "I.npy").string(), {"--g", dir, "is a directory"});
  expect_bad_input("xbar solve --g " + (d / "G.npy").string() + " --v " +
                       (d / "V.npy").string() + " --out " + dir, {"--out", dir, "is a directory"});
  EXPECT_TRUE(fs::is_empty(d / "folder.npy"));
  expect_bad_input("attention --model " + dir + " --scheme ideal --out " + (d / "a.h5").string(),
                   {"--model", dir, "is a directory"});
  EXPECT_FALSE(fs::exists(d / "I.npy"));
  EXPECT_FALSE(fs::exists(d / "a.h5"));
}

TEST(CliInputs, AttentionAndPpaOutputOverAnInputIsRefused) {
  const fs::path d = fresh_dir("inputs_att_same");
  fs::copy_file(src("models/recall.h5"), d / "m.h5");
  const std::string before = bytes_of(d / "m.h5");
  expect_bad_input("attention --model " + (d / "m.h5").string() + " --scheme ideal --out " +
                       (d / "m.h5").string(), {"--out", "--model", "same file"});
  EXPECT_EQ(bytes_of(d / "m.h5"), before);
  fs::copy_file(src("characterization/tech/32nm.toml"), d / "tech.toml");
  const std::string tech = bytes_of(d / "tech.toml");
  expect_bad_input("ppa --attention " + (d / "m.h5").string() + " --tech " +
                       (d / "tech.toml").string() + " --out " + (d / "tech.toml").string(),
                   {"--out", "--tech", "same file"});
  EXPECT_EQ(bytes_of(d / "tech.toml"), tech);
}

TEST(CliInputs, FitCardOutOverItsDeviceCardIsRefused) {
  const fs::path d = fresh_dir("inputs_fit_same");
  fs::copy_file(src("devices/stanford_asu.toml"), d / "card.toml");
  fs::copy_file(src("devices/stanford_asu.lib"), d / "stanford_asu.lib");
  write_text(d / "fit.toml",
             "[flow]\nname = \"f\"\n[fit]\ndevice = \"" + (d / "card.toml").string() +
                 "\"\ndata = \"" + src("characterization/data/stanford_iv.csv").string() +
                 "\"\nstate_column = \"gap\"\nparams = [\"I0\"]\ncard_out = \"card.toml\"\n");
  const std::string before = bytes_of(d / "card.toml");
  expect_bad_input("fit " + (d / "fit.toml").string() + " -q --out " + d.string(),
                   {"fit.card_out", "fit.device", "same file"});
  EXPECT_EQ(bytes_of(d / "card.toml"), before);
  EXPECT_FALSE(fs::exists(d / "fit.h5"));
}

TEST(CliInputs, MalformedNpyHeaderIsBadInputNamingTheFile) {
  const fs::path d = fresh_dir("inputs_npy");
  write_npy(d / "V.npy", {0.2, 0.1}, {2});
  for (const std::string shape : {"(a, 2)", "(-2, 2)", "(4294967296, 4294967296)", "(1000000, 1000)"}) {
    std::string dict = "{'descr': '<f8', 'fortran_order': False, 'shape': " + shape + ", }";
    while ((10 + dict.size() + 1) % 64) dict += ' ';
    dict += '\n';
    std::ofstream out(d / "G.npy", std::ios::binary);
    out.write("\x93NUMPY\x01\x00", 8);
    const char len[2] = {static_cast<char>(dict.size() & 0xff), static_cast<char>(dict.size() >> 8)};
    out.write(len, 2);
    out << dict << std::string(32, '\0');
    out.close();
    expect_bad_input("xbar solve --g " + (d / "G.npy").string() + " --v " + (d / "V.npy").string() +
                         " --out " + (d / "I.npy").string(), {(d / "G.npy").string(), "npy"});
    EXPECT_FALSE(fs::exists(d / "I.npy")) << shape;
  }
}

TEST(CliInputs, ReportOfACorruptStageFileNamesItWithoutATraceback) {
  const fs::path d = fresh_dir("inputs_report");
  write_text(d / "threshold.h5", "not an HDF5 file\n");
  auto r = run_cimchar("report " + d.string());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find((d / "threshold.h5").string()), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("Traceback"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(d / "report.html"));
}

// The smallest array with wire resistance solves (it used to end in "did not converge"), and
// gives the series closed form V / (1/G + r_row + r_col).
TEST(CliInputs, OneByOneArrayWithWires) {
  const fs::path d = fresh_dir("inputs_1x1");
  write_npy(d / "G.npy", {1e-5}, {1, 1});
  write_npy(d / "V.npy", {0.2}, {1});
  const auto r = run_cimchar("xbar solve --g " + (d / "G.npy").string() + " --v " +
                             (d / "V.npy").string() + " --r-wire 2.5 --out " + (d / "I.npy").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<size_t> dims;
  const auto I = read_npy(d / "I.npy", &dims);
  ASSERT_EQ(I.size(), 1u);
  EXPECT_NEAR(I[0], 0.2 / (1e5 + 5.0), 1e-15);
}

// A full disk (a 16 KiB tmpfs, where the test may mount one: root on Linux): exit 1 naming the
// file and the full file system, no crash in HDF5's shutdown (it used to segfault, exit 139), and
// no temporary file left. Skipped where mount(8) is refused.
TEST(CliInputs, FullDiskIsExitOneWithNothingLeft) {
  const fs::path d = fresh_dir("inputs_full_disk");
  const fs::path mnt = d / "small";
  fs::create_directories(mnt);
  if (std::system(("mount -t tmpfs -o size=16k tmpfs " + mnt.string() + " 2>/dev/null").c_str()) != 0)
    GTEST_SKIP() << "cannot mount a tmpfs here (not root?)";
  write_npy(d / "G.npy", std::vector<double>(200 * 200, 1e-5), {200, 200});
  write_npy(d / "V.npy", std::vector<double>(200 * 200, 0.1), {200, 200});
  const auto r = run_cimchar("xbar solve --g " + (d / "G.npy").string() + " --v " +
                             (d / "V.npy").string() + " --out " + (mnt / "I.h5").string());
  write_text(d / "t.toml", "[flow]\nname = \"t\"\n[threshold]\npoints = 3\nsamples = 4\n"
                           "twin_samples = 100\n");
  const auto r2 = run_cimchar("threshold " + (d / "t.toml").string() + " -q -j 1 --out " +
                              (mnt / "run").string());
  std::vector<std::string> left;
  for (const auto& e : fs::recursive_directory_iterator(mnt)) left.push_back(e.path().filename());
  std::system(("umount " + mnt.string()).c_str());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find((mnt / "I.h5").string()), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("is full"), std::string::npos) << r.err;
  EXPECT_EQ(r2.exit_code, 1) << r2.err;  // threshold.h5 is about 19 kB
  EXPECT_NE(r2.err.find("threshold.h5"), std::string::npos) << r2.err;
  for (const auto& f : left) EXPECT_EQ(f.find(".tmp"), std::string::npos) << "left " << f;
}

// [flow] job_timeout bounds each ngspice run (per Monte Carlo sample: the threshold job of 6
// samples gets 6 ms): too short for the threshold benches, so the
// stage fails (exit 1) naming the limit, and writes nothing; a wrong unit is bad input.
TEST(CliInputs, FlowJobTimeoutIsTheJobsLimit) {
  const fs::path d = fresh_dir("inputs_job_timeout");
  write_text(d / "t.toml", "[flow]\nname = \"t\"\njob_timeout = \"1 ms\"\nstall_timeout = \"5 s\"\n"
                           "[threshold]\npoints = 3\nsamples = 2\ntwin_samples = 100\n");
  auto r = run_cimchar("threshold " + (d / "t.toml").string() + " -q -j 1 --out " + (d / "o").string());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("0.006"), std::string::npos) << r.err;  // 1 ms x 6 samples in the job
  EXPECT_FALSE(fs::exists(d / "o" / "threshold.h5"));
  write_text(d / "u.toml", "[flow]\nname = \"u\"\njob_timeout = \"1 V\"\n[threshold]\npoints = 3\n");
  r = run_cimchar("threshold " + (d / "u.toml").string() + " -q --out " + (d / "o2").string());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("flow.job_timeout"), std::string::npos) << r.err;
}
