// `cimchar fit` through the real command line (issue 17, items 4 and 5): the goodness-of-fit
// gate, named non-identifiable directions, and the fitted device card that other stages take.
// Data: characterization/data/stanford_iv.csv, ngspice read I-V of the Stanford card's
// conduction law (I0 = 1 mA, g0 = 0.25 nm, V0 = 0.25 V) at three gaps with 1% Gaussian noise.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "cli_runner.hpp"
#include "core/npy.hpp"
#include "core/param_table.hpp"

namespace fs = std::filesystem;

namespace {

const std::string kData = std::string(CIMCHAR_TEST_SOURCE_DIR) + "/characterization/data/stanford_iv.csv";

std::string fit_flow(const std::string& data, const std::string& extra) {
  return "[fit]\ndevice = \"stanford_asu\"\ndata = \"" + data +
         "\"\nstate_column = \"gap\"\nparams = [\"I0\", \"g0\", \"V0\"]\n"
         "initial = { I0 = \"300 uA\", g0 = \"0.3 nm\", V0 = \"0.35 V\" }\n" + extra;
}

// The rows of the example data at one gap only.
std::string one_gap_csv(const fs::path& dir) {
  std::ifstream in(kData);
  std::ostringstream out;
  std::string line;
  while (std::getline(in, line))
    if (line.empty() || line[0] == '#' || line[0] == 'v' || line.find(",1e-09") != std::string::npos)
      out << line << "\n";
  const fs::path p = dir / "one_gap.csv";
  write_text(p, out.str());
  return p.string();
}

}  // namespace

TEST(CliFit, WritesAFittedCardThatOtherStagesTake) {
  const fs::path d = fresh_dir("fit_card");
  write_text(d / "fit.toml", fit_flow(kData, "rel_sigma = 0.01\ncard_out = \"fitted.toml\"\n"));
  auto r = run_cimchar("fit " + (d / "fit.toml").string() + " --out " + (d / "out").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(fs::exists(d / "out" / "fitted.toml"));
  // The card holds the fitted values: within 3% of the parameters the data were made with.
  auto card = cimchar::ParamTable::load_card(d / "out" / "fitted.toml");
  EXPECT_NEAR(card.get("I0"), 1e-3, 0.03e-3);
  EXPECT_NEAR(card.get("g0"), 0.25e-9, 0.0075e-9);
  EXPECT_NEAR(card.get("V0"), 0.25, 0.0075);
  EXPECT_DOUBLE_EQ(card.get("tox"), 12e-9);  // unfitted values stay the card's
  std::ifstream in(d / "out" / "fitted.toml");
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find("stanford_iv.csv"), std::string::npos) << "provenance: data file";
  EXPECT_NE(text.str().find("reduced chi-square"), std::string::npos) << "provenance: residuals";
  // Another stage takes it as its device: the crossbar solver (sinh cells from the card) ...
  cimchar::write_npy(d / "G.npy", std::vector<double>(4, 1e-5), {2, 2});
  cimchar::write_npy(d / "V.npy", {0.1, 0.2}, {1, 2});
  auto x = run_cimchar("xbar solve --g " + (d / "G.npy").string() + " --v " + (d / "V.npy").string() +
                       " --cell " + (d / "out" / "fitted.toml").string() + " --out " + (d / "x.npy").string());
  EXPECT_EQ(x.exit_code, 0) << x.err;
  // ... and a fit that starts from it.
  std::string flow2 = fit_flow(kData, "rel_sigma = 0.01\n");
  const std::string card_path = (d / "out" / "fitted.toml").string();
  flow2.replace(flow2.find("stanford_asu"), 12, card_path);
  write_text(d / "fit2.toml", flow2);
  auto r2 = run_cimchar("fit " + (d / "fit2.toml").string() + " --out " + (d / "out2").string());
  EXPECT_EQ(r2.exit_code, 0) << r2.err;
}

TEST(CliFit, FitThatCannotDescribeTheDataExitsOneWithDiagnostics) {
  const fs::path d = fresh_dir("fit_gate");
  // The data have 1% noise; stating 0.1% makes chi2/dof about 100: the gate must fail it.
  write_text(d / "fit.toml", fit_flow(kData, "rel_sigma = 0.001\n"));
  auto r = run_cimchar("fit " + (d / "fit.toml").string() + " --out " + (d / "out").string());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("reduced chi-square"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("does not describe the data"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(d / "out" / "fit_failed.h5"));
  EXPECT_FALSE(fs::exists(d / "out" / "fit.h5"));
}

TEST(CliFit, OneGapNamesTheUnidentifiedDirectionAndRefusesACard) {
  const fs::path d = fresh_dir("fit_ident");
  const std::string csv = one_gap_csv(d);
  write_text(d / "fit.toml", fit_flow(csv, "rel_sigma = 0.01\n"));
  auto r = run_cimchar("fit " + (d / "fit.toml").string() + " --out " + (d / "out").string());
  EXPECT_EQ(r.exit_code, 0) << r.err;  // the curve is described, I0 and g0 are not separated
  EXPECT_NE(r.err.find("not identifiable"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("ln I0"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("ln g0"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("(not identifiable)"), std::string::npos) << r.out;
  write_text(d / "fit_card.toml", fit_flow(csv, "rel_sigma = 0.01\ncard_out = \"c.toml\"\n"));
  auto rc = run_cimchar("fit " + (d / "fit_card.toml").string() + " --out " + (d / "out_c").string());
  EXPECT_EQ(rc.exit_code, 1) << rc.err;
  EXPECT_FALSE(fs::exists(d / "out_c" / "c.toml"));
  EXPECT_FALSE(fs::exists(d / "out_c" / "fit.h5"));
}

// A measured file with units in its header ("v [mV]", "i (uA)", "gap [nm]") gives the same fit
// as the SI file; a unit of the wrong kind is bad input naming the column.
TEST(CliFit, CsvWithAUnitsHeader) {
  const fs::path d = fresh_dir("fit_units");
  std::ifstream in(kData);
  std::ostringstream out;
  std::string line;
  bool header = false;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (!header) {
      out << "v [mV], i (uA), gap [nm]\n";
      header = true;
      continue;
    }
    double v = 0, i = 0, g = 0;
    ASSERT_EQ(std::sscanf(line.c_str(), "%lf,%lf,%lf", &v, &i, &g), 3) << line;
    char buf[128];
    std::snprintf(buf, sizeof buf, "%.10g,%.10g,%.10g\n", v * 1e3, i * 1e6, g * 1e9);
    out << buf;
  }
  write_text(d / "iv_units.csv", out.str());
  write_text(d / "fit.toml", fit_flow((d / "iv_units.csv").string(), "card_out = \"c.toml\"\n"));
  auto r = run_cimchar("fit " + (d / "fit.toml").string() + " --out " + (d / "out").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto card = cimchar::ParamTable::load_card(d / "out" / "c.toml");
  EXPECT_NEAR(card.get("I0"), 1e-3, 0.03e-3);
  EXPECT_NEAR(card.get("g0"), 0.25e-9, 0.0075e-9);
  EXPECT_NEAR(card.get("V0"), 0.25, 0.0075);
  std::string bad = out.str();
  bad.replace(bad.find("i (uA)"), 6, "i (uV)");
  write_text(d / "iv_bad.csv", bad);
  write_text(d / "bad.toml", fit_flow((d / "iv_bad.csv").string(), ""));
  auto rb = run_cimchar("fit " + (d / "bad.toml").string() + " --out " + (d / "out_bad").string());
  EXPECT_EQ(rb.exit_code, 2) << rb.err;
  EXPECT_NE(rb.err.find("i (uV)"), std::string::npos) << rb.err;
  EXPECT_FALSE(fs::exists(d / "out_bad"));
}
