// "Bring your own device" end to end (issue 17): a device given only as a .lib and a card
// (devices/lid.*, devices/yakopcic.*, no C++) through `cimchar irdrop` and `cimchar xbar solve`,
// checked against ngspice (the irdrop stage's own SPICE reference, which puts the device's
// subcircuit in every cell) and against I = V G where the device is linear; and bad cards
// refused with exit 2, naming the card and the key, before anything is written.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "cli_runner.hpp"
#include "core/h5.hpp"
#include "core/npy.hpp"

namespace fs = std::filesystem;

namespace {

std::string irdrop_flow(const std::string& cell, const std::string& g_on, const std::string& g_off) {
  return "[flow]\nname = \"byod\"\nseed = 3\n[irdrop]\nsizes = [8, 16]\nr_wire = [\"2 ohm\"]\n"
         "distributions = [\"uniform\", \"binary\"]\nactivity = [1.0]\ntrials = 1\n"
         "maps_max_size = 16\nspice_max_size = 16\nposition_bins = 4\ncell = \"" + cell +
         "\"\ng_on = \"" + g_on + "\"\ng_off = \"" + g_off + "\"\n";
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A copy of devices/lid.* in dir with one substitution in the card; returns the card's path.
fs::path bad_lid(const fs::path& dir, const std::string& from, const std::string& to) {
  const fs::path src = fs::path(CIMCHAR_TEST_SOURCE_DIR) / "devices";
  fs::copy_file(src / "lid.lib", dir / "lid.lib", fs::copy_options::overwrite_existing);
  write_text(dir / "lid.toml", std::regex_replace(slurp(src / "lid.toml"), std::regex(from), to));
  return dir / "lid.toml";
}

}  // namespace

TEST(CliByod, IrdropWithNetlistOnlyDevicesAgreesWithNgspice) {
  struct Dev { const char* name; const char* g_on; const char* g_off; };
  for (const Dev& d : {Dev{"lid", "90 uS", "6 uS"}, Dev{"yakopcic", "5 mS", "100 uS"}}) {
    const fs::path dir = fresh_dir(std::string("byod_irdrop_") + d.name);
    write_text(dir / "flow.toml", irdrop_flow(d.name, d.g_on, d.g_off));
    CliResult r = run_cimchar("irdrop " + (dir / "flow.toml").string() + " --out " +
                              (dir / "out").string() + " -q");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    cimchar::H5Reader h5(dir / "out" / "irdrop.h5");
    const double e = h5.attr_double("/lut/irdrop/model", "native_vs_ngspice_max");
    std::printf("  %s: native (table twin) vs ngspice (subcircuit per cell): max rel err %.2e\n",
                d.name, e);
    EXPECT_LT(e, 2e-3) << d.name;  // the table's interpolation target is 1e-3 of max |I|
    EXPECT_GT(e, 0) << d.name;     // the comparison ran
  }
}

// A 1T1R cell around a netlist-only RRAM: a user's card, the shipped one_t_one_r card with
// [model] rram = "yakopcic", in the user's own folder. The native crossbar uses the BSIM4
// transistor's ngspice table in series with yakopcic's tabulated read I-V; the SPICE reference
// instantiates the BSIM4 card and yakopcic's subcircuit in every cell.
TEST(CliByod, IrdropWithAOneTOneRAroundANetlistOnlyDeviceAgreesWithNgspice) {
  const fs::path dir = fresh_dir("byod_1t1r");
  const fs::path dev = dir / "devices";
  fs::copy(fs::path(CIMCHAR_TEST_SOURCE_DIR) / "devices", dev, fs::copy_options::recursive);
  std::string card = slurp(dev / "one_t_one_r.toml");
  card = std::regex_replace(card, std::regex("rram = \"stanford_asu\""), "rram = \"yakopcic\"");
  card = std::regex_replace(card, std::regex("name = \"one_t_one_r\""), "name = \"t1r_yakopcic\"");
  write_text(dev / "t1r_yakopcic.toml", card);
  write_text(dir / "flow.toml", irdrop_flow((dev / "t1r_yakopcic.toml").string(), "200 uS", "10 uS"));
  CliResult r = run_cimchar("irdrop " + (dir / "flow.toml").string() + " --out " +
                            (dir / "out").string() + " -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  cimchar::H5Reader h5(dir / "out" / "irdrop.h5");
  const std::string cell = h5.attr_string("/irdrop", "cell");
  EXPECT_NE(cell.find("1T1R"), std::string::npos) << cell;
  EXPECT_NE(cell.find("table"), std::string::npos) << cell;  // yakopcic: no C++ twin
  const double e = h5.attr_double("/lut/irdrop/model", "native_vs_ngspice_max");
  std::printf("  1T1R(yakopcic): native vs ngspice max rel err %.2e\n", e);
  EXPECT_LT(e, 2e-3);
  EXPECT_GT(e, 0);
}

TEST(CliByod, XbarSolveWithALinearNetlistOnlyDeviceGivesVG) {
  // lid's read I-V is linear (Strukov et al. 2008): with ideal wires I[c] = sum_r V[r] G[r, c].
  const fs::path dir = fresh_dir("byod_xbar");
  const std::vector<double> G = {1e-5, 2e-5, 3e-5, 4e-5, 5e-5, 9e-5}, V = {0.1, 0.2, -0.3};
  cimchar::write_npy(dir / "G.npy", G, {3, 2});
  cimchar::write_npy(dir / "V.npy", V, {3});
  CliResult r = run_cimchar("xbar solve --cell lid --g " + (dir / "G.npy").string() + " --v " +
                            (dir / "V.npy").string() + " --out " + (dir / "I.npy").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("tabulated by ngspice"), std::string::npos) << r.err;
  std::vector<size_t> dims;
  const std::vector<double> I = cimchar::read_npy(dir / "I.npy", &dims);
  ASSERT_EQ(I.size(), 2u);
  for (size_t c = 0; c < 2; ++c) {
    double ideal = 0;
    for (size_t k = 0; k < 3; ++k) ideal += V[k] * G[k * 2 + c];
    EXPECT_NEAR(I[c], ideal, 1e-9 * std::abs(ideal)) << c;
  }
}

TEST(CliByod, BadCardsExitTwoNamingCardAndKeyWithoutOutput) {
  struct Bad { const char* from; const char* to; const char* key; };
  const Bad cases[] = {
      {R"(pins = \["te", "be", "x"\])", R"(pins = ["te", "bot", "x"])", "model.pins"},
      {R"(state = "w")", R"(state = "gap")", "model.state"},
      {R"(\[params.p\])", "[params.window_p]", "params.window_p"},
      {R"(lib = "lid.lib")", R"(lib = "broken.lib")", "model.lib"},
  };
  int k = 0;
  for (const Bad& b : cases) {
    const fs::path dir = fresh_dir("byod_bad" + std::to_string(k++));
    const fs::path card = bad_lid(dir, b.from, b.to);
    // broken.lib: the static subcircuit's expression has an unbalanced parenthesis.
    write_text(dir / "broken.lib",
               std::regex_replace(slurp(dir / "lid.lib"), std::regex(R"(\{R_off\}\*\(1 - \{w\}\)\))"),
                                  "{R_off}*(1 - {w})"));
    cimchar::write_npy(dir / "G.npy", {1e-5, 2e-5}, {1, 2});
    cimchar::write_npy(dir / "V.npy", {0.1}, {1});
    CliResult r = run_cimchar("xbar solve --cell " + card.string() + " --g " + (dir / "G.npy").string() +
                              " --v " + (dir / "V.npy").string() + " --out " + (dir / "I.npy").string());
    EXPECT_EQ(r.exit_code, 2) << b.key << ": " << r.err;
    EXPECT_NE(r.err.find(card.string()), std::string::npos) << b.key << ": " << r.err;
    EXPECT_NE(r.err.find("'" + std::string(b.key) + "'"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir / "I.npy")) << b.key;
    write_text(dir / "flow.toml", irdrop_flow(card.string(), "90 uS", "6 uS"));
    r = run_cimchar("irdrop " + (dir / "flow.toml").string() + " --out " + (dir / "out").string() + " -q");
    EXPECT_EQ(r.exit_code, 2) << b.key << ": " << r.err;
    EXPECT_NE(r.err.find("'" + std::string(b.key) + "'"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir / "out" / "irdrop.h5")) << b.key;
  }
}

TEST(CliByod, ConductanceOutsideTheDeviceRangeNamesTheKey) {
  const fs::path dir = fresh_dir("byod_range");
  write_text(dir / "flow.toml", irdrop_flow("lid", "90 uS", "1 uS"));  // 1/R_off = 5 uS
  CliResult r = run_cimchar("irdrop " + (dir / "flow.toml").string() + " --out " + (dir / "out").string() + " -q");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("'irdrop.g_off'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("outside the device's range"), std::string::npos) << r.err;
}

TEST(CliByod, VariationWithALinearIonDriftDeviceRealizesStrukovsStates) {
  // Programmed conductances G are realized as states through the tabulated read I-V, then read
  // in ngspice. lid is linear (Strukov et al. 2008), so the state has a closed form,
  // w = (1/G - R_off) / (R_on - R_off), and with drift and read noise off, the read conductance
  // is the programmed one.
  const fs::path dir = fresh_dir("byod_variation");
  write_text(dir / "flow.toml",
             "[flow]\nname = \"v\"\nseed = 2\n[variation]\ndevice = \"lid\"\nbits = 2\n"
             "g_min = \"10 uS\"\ng_max = \"90 uS\"\nv_verify = \"0.1 V\"\nv_read = \"0.1 V\"\n"
             "samples = 40\n[variation.model.d2d]\nenabled = true\n[variation.model.c2c]\n"
             "enabled = true\n[variation.model.read_noise]\nenabled = false\n"
             "[variation.model.drift]\nenabled = false\n[variation.model.stuck]\nenabled = false\n");
  CliResult r = run_cimchar("variation " + (dir / "flow.toml").string() + " --out " +
                            (dir / "out").string() + " -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  cimchar::H5Reader h5(dir / "out" / "variation.h5");
  const auto g = h5.read("/mc/g_programmed"), w = h5.read("/mc/state"), gr = h5.read("/mc/g_read");
  ASSERT_EQ(g.size(), 160u);
  const double r_on = 10e3, r_off = 200e3;
  double worst_w = 0, worst_g = 0;
  size_t inside = 0;
  for (size_t k = 0; k < g.size(); ++k) {
    if (g[k] <= 1 / r_off || g[k] >= 1 / r_on) continue;  // clamped to the range's ends
    ++inside;
    worst_w = std::max(worst_w, std::abs(w[k] - (1 / g[k] - r_off) / (r_on - r_off)));
    worst_g = std::max(worst_g, std::abs(gr[k] / g[k] - 1));
  }
  std::printf("  %zu samples: worst |w - w(G)| %.2e, |G_read / G - 1| %.2e\n", inside, worst_w, worst_g);
  EXPECT_GT(inside, 100u);
  EXPECT_LT(worst_w, 1e-3);
  EXPECT_LT(worst_g, 2e-3);
}
