// End to end: `cimchar xbar solve` as a user runs it. Good input gives the ideal-array currents
// (I = V G for zero wire resistance, a closed form); bad input exits with code 2 and leaves no
// output file.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "core/h5.hpp"
#include "core/npy.hpp"

namespace fs = std::filesystem;
using cimchar::read_npy;
using cimchar::write_npy;

namespace {

const std::string kBin = std::string(CIMCHAR_TEST_BINARY_DIR) + "/cimchar";

struct Dir {
  fs::path path;
  Dir() {
    path = fs::temp_directory_path() / ("cimchar_cli_xbar_" + std::to_string(::getpid()));
    fs::create_directories(path);
  }
  ~Dir() { fs::remove_all(path); }
  std::string operator/(const std::string& f) const { return (path / f).string(); }
};

int run(const std::string& args) {
  std::string cmd = kBin + " xbar solve " + args + " >/dev/null 2>&1";
  int st = std::system(cmd.c_str());
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

// G 3x2 and V 2x3 with a known product.
const std::vector<double> kG = {1e-5, 2e-5, 3e-5, 4e-5, 5e-5, 6e-5};
const std::vector<double> kV = {0.1, 0.2, 0.3, -0.1, 0.0, 0.25};

double ideal(size_t k, size_t c) {
  double s = 0;
  for (size_t r = 0; r < 3; ++r) s += kV[k * 3 + r] * kG[r * 2 + c];
  return s;
}

}  // namespace

TEST(CliXbar, NpyInNpyOutIdealArray) {
  Dir d;
  write_npy(d / "G.npy", kG, {3, 2});
  write_npy(d / "V.npy", kV, {2, 3});
  ASSERT_EQ(run("--g " + d / "G.npy" + " --v " + d / "V.npy" + " --out " + d / "I.npy"), 0);
  std::vector<size_t> dims;
  std::vector<double> I = read_npy(d / "I.npy", &dims);
  ASSERT_EQ(dims, (std::vector<size_t>{2, 2}));
  for (size_t k = 0; k < 2; ++k)
    for (size_t c = 0; c < 2; ++c) EXPECT_NEAR(I[k * 2 + c], ideal(k, c), 1e-15 * 1e-5);
}

TEST(CliXbar, OneDimensionalInputGivesOneDimensionalOutput) {
  Dir d;
  write_npy(d / "G.npy", kG, {3, 2});
  write_npy(d / "V.npy", {kV.begin(), kV.begin() + 3}, {3});
  ASSERT_EQ(run("--g " + d / "G.npy" + " --v " + d / "V.npy" + " --out " + d / "I.npy"), 0);
  std::vector<size_t> dims;
  std::vector<double> I = read_npy(d / "I.npy", &dims);
  ASSERT_EQ(dims, (std::vector<size_t>{2}));
  EXPECT_NEAR(I[1], ideal(0, 1), 1e-20);
}

TEST(CliXbar, Hdf5InAndOutWithNodes) {
  Dir d;
  {
    cimchar::H5Writer w(d / "in.h5");
    w.write("/G", kG, {3, 2}, "S");
    w.write("/V", kV, {2, 3}, "V");
    w.commit();
  }
  ASSERT_EQ(run("--g " + d / "in.h5" + " --v " + d / "in.h5" + " --out " + d / "out.h5" +
                " --r-wire 2 --r-driver 10 --r-sense 5 --nodes"),
            0);
  cimchar::H5Reader r(d / "out.h5");
  std::vector<size_t> dims;
  std::vector<double> I = r.read("/I", &dims);
  EXPECT_EQ(dims, (std::vector<size_t>{2, 2}));
  std::vector<double> rv = r.read("/row_V", &dims);
  EXPECT_EQ(dims, (std::vector<size_t>{2, 3, 2}));
  // IR drop: with positive inputs on vector 0 every current is below its ideal value.
  for (size_t c = 0; c < 2; ++c) {
    EXPECT_LT(I[c], ideal(0, c));
    EXPECT_GT(I[c], 0.9 * ideal(0, c));
  }
}

TEST(CliXbar, BadInputExitsTwoWithoutOutput) {
  Dir d;
  write_npy(d / "G.npy", kG, {3, 2});
  write_npy(d / "V.npy", kV, {2, 3});
  std::vector<double> g_neg = kG, g_zero = kG, g_nan = kG;
  g_neg[3] = -1e-5, g_zero[0] = 0, g_nan[5] = std::nan("");
  write_npy(d / "Gneg.npy", g_neg, {3, 2});
  write_npy(d / "Gzero.npy", g_zero, {3, 2});
  write_npy(d / "Gnan.npy", g_nan, {3, 2});
  write_npy(d / "Gempty.npy", {}, {0, 2});
  write_npy(d / "G1d.npy", kG, {6});
  write_npy(d / "Vbad.npy", kV, {3, 2});
  write_npy(d / "Vempty.npy", {}, {0, 3});
  std::vector<double> v_nan = kV;
  v_nan[2] = std::nan("");
  write_npy(d / "Vnan.npy", v_nan, {2, 3});
  {
    cimchar::H5Writer w(d / "noG.h5");
    w.write("/X", kG, {3, 2}, "S");
    w.commit();
  }
  const std::string gv = "--g " + d / "G.npy" + " --v " + d / "V.npy";
  const std::vector<std::string> bad = {
      "--g " + d / "Gneg.npy" + " --v " + d / "V.npy",
      "--g " + d / "Gzero.npy" + " --v " + d / "V.npy",
      "--g " + d / "Gnan.npy" + " --v " + d / "V.npy",
      "--g " + d / "Gempty.npy" + " --v " + d / "V.npy",
      "--g " + d / "G1d.npy" + " --v " + d / "V.npy",
      "--g " + d / "G.npy" + " --v " + d / "Vbad.npy",
      "--g " + d / "G.npy" + " --v " + d / "Vempty.npy",
      "--g " + d / "G.npy" + " --v " + d / "Vnan.npy",
      "--g " + d / "noG.h5" + " --v " + d / "V.npy",
      "--g " + d / "missing.npy" + " --v " + d / "V.npy",
      gv + " --r-wire -1",
      gv + " --r-driver nan",
      gv + " --r-sense -0.5",
      gv + " --cell no_such_card",
      gv + " --nodes",  // node voltages need HDF5 output
  };
  for (const std::string& args : bad) {
    const std::string out = d / "out.npy";
    EXPECT_EQ(run(args + " --out " + out), 2) << args;
    EXPECT_FALSE(fs::exists(out)) << args;
  }
  EXPECT_EQ(run(gv + " --out " + d / "out.txt"), 2);
  EXPECT_FALSE(fs::exists(d / "out.txt"));
}

TEST(CliXbar, TransferMatrixMethodAgreesWithIterative) {
  Dir d;
  const size_t n = 12, m = 9, k = 60;  // 60 vectors: `auto` picks the transfer matrix
  std::vector<double> g(n * m), v(k * n);
  for (size_t i = 0; i < g.size(); ++i) g[i] = 1e-6 + 1e-6 * double((i * 37) % 97);
  for (size_t i = 0; i < v.size(); ++i) v[i] = 0.002 * double((i * 13) % 101);
  write_npy(d / "G.npy", g, {n, m});
  write_npy(d / "V.npy", v, {k, n});
  const std::string common = "--g " + d / "G.npy" + " --v " + d / "V.npy" +
                             " --r-wire 3 --r-driver 20 --r-sense 10";
  ASSERT_EQ(run(common + " --out " + d / "auto.npy"), 0);
  ASSERT_EQ(run(common + " --method iterative --out " + d / "cg.npy"), 0);
  std::vector<size_t> dims;
  std::vector<double> a = read_npy(d / "auto.npy", &dims), b = read_npy(d / "cg.npy", &dims);
  double imax = 0, e = 0;
  for (size_t i = 0; i < a.size(); ++i)
    imax = std::max(imax, std::abs(b[i])), e = std::max(e, std::abs(a[i] - b[i]));
  EXPECT_LT(e / imax, 1e-9);
  EXPECT_EQ(run(common + " --method transfer --cell stanford_asu --out " + d / "x.npy"), 2);
}

// The blocked 1T1R (issue 16): a low-resistance cell (1 mS) at the RESET bias, bit line
// 0 V and source line 1.5 V (--v-sense), passes < 1 uA with the word line off and > 100 uA
// with it on (ngspice's BSIM4 table of the PTM 45 nm NMOS, bulk at 0 V). Driving the bit line to
// -1.5 V instead forward-biases the drain junction: the run says so.
TEST(CliXbar, OneTOneRBlocksAtResetBiasAndNotesAForwardBiasedJunction) {
  Dir d;
  write_npy(d / "G.npy", {1e-3}, {1, 1});
  write_npy(d / "V0.npy", {0.0}, {1, 1});
  write_npy(d / "Vn.npy", {-1.5}, {1, 1});
  for (double vg : {0.0, 1.5}) {
    ASSERT_EQ(run("--g " + d / "G.npy" + " --v " + d / "V0.npy" + " --v-sense 1.5 --cell one_t_one_r" +
                  " --v-gate " + std::to_string(vg) + " --out " + d / "I.npy"), 0);
    std::vector<size_t> dims;
    const double i = read_npy(d / "I.npy", &dims)[0];
    if (vg == 0) EXPECT_LT(std::abs(i), 1e-6) << i;
    else EXPECT_GT(std::abs(i), 100e-6) << i;
  }
  const std::string cmd = kBin + " xbar solve --g " + d / "G.npy" + " --v " + d / "Vn.npy" +
                          " --cell one_t_one_r --v-gate 0 --out " + d / "In.npy" + " 2>&1";
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[512];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    ::pclose(p);
  }
  EXPECT_NE(out.find("forward-biased"), std::string::npos) << out;
}
