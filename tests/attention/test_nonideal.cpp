// Nonidealities of the crossbar parts against independent references: the measured-LUT
// conductance against the distribution written into a file, the device-to-device model against
// its analytic sigma, read noise against the variance sum, the exact IR-drop tile against the
// series resistance of a 1x1 array and against the compact model's mean-field limit.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>

#include "attention/nonideal.hpp"
#include "core/config.hpp"
#include "core/error.hpp"
#include "core/h5.hpp"
#include "xbar/solver.hpp"

using namespace cimchar;
using namespace cimchar::attention;

namespace {

NonidealConfig parse(const std::string& toml) {
  TomlDoc doc = TomlDoc::parse_string(toml, "test.toml");
  Section s(doc.root, doc.file, "");
  return NonidealConfig::parse(s);
}

// A variation.h5 with two levels whose relative errors are exactly +10% and -10%.
std::string two_level_file() {
  const auto p = std::filesystem::temp_directory_path() / "cimchar_test_two_levels.h5";
  H5Writer w(p);
  w.write("/mc/target_g", {10e-6, 50e-6}, {2}, "S");
  std::vector<double> g;
  for (int k = 0; k < 4; ++k) g.push_back(k == 3 ? std::nan("") : 11e-6);  // a failed sample
  for (int k = 0; k < 4; ++k) g.push_back(45e-6);
  w.write("/mc/g_read", g, {2, 4}, "S");
  w.commit();
  return p.string();
}

}  // namespace

TEST(Nonideal, MeasuredConductanceInterpolatesTheLutErrors) {
  auto m = std::make_shared<const MeasuredCellError>(MeasuredCellError::load(two_level_file()));
  ASSERT_EQ(m->rel[0].size(), 3u);  // the NaN sample is dropped
  MeasuredConductance mc(m);
  std::mt19937_64 rng(1);
  EXPECT_NEAR(mc.draw(10e-6, rng), 11e-6, 1e-15);
  EXPECT_NEAR(mc.draw(50e-6, rng), 45e-6, 1e-15);
  EXPECT_NEAR(mc.draw(30e-6, rng), 30e-6, 1e-15);         // halfway: +10% and -10% average out
  EXPECT_NEAR(mc.draw(20e-6, rng), 20e-6 * 1.05, 1e-15);  // a quarter of the way
  EXPECT_NEAR(mc.draw(5e-6, rng), 5.5e-6, 1e-15);         // below the range: the end level's error
}

TEST(Nonideal, DeviceToDeviceModelHasItsAnalyticSigma) {
  NonidealConfig n = parse("[model.d2d]\nenabled = true\nc0 = \"1 uS\"\nc1 = 0.05\n");
  CrossbarConfig c;
  c.bits_per_cell = 1;
  c.g_on_S = 100e-6;
  c.g_off_S = 1e-6;
  auto parts = make_parts(n, c, 3);
  std::mt19937_64 rng(5);
  Mat level = Mat::Ones(200, 200);  // all at g_on
  Mat g = parts.conductance->program(level, c, rng);
  const double mean = g.mean();
  const double sd = std::sqrt((g.array() - mean).square().sum() / (g.size() - 1));
  const double expect = 1e-6 + 0.05 * 100e-6;
  EXPECT_NEAR(mean, 100e-6, 4 * expect / 200);
  EXPECT_NEAR(sd / expect, 1.0, 4 / std::sqrt(2.0 * g.size()));
}

TEST(Nonideal, ReadNoiseVarianceIsTheSumOverCells) {
  NonidealConfig n = parse("[model.read_noise]\nenabled = true\nsigma_rel = 0.03\n");
  CrossbarConfig c;
  auto parts = make_parts(n, c, 9);
  Mat g(3, 1);
  g << 10e-6, 40e-6, 80e-6;
  auto tile = parts.array->make(g, 0);
  Mat v(20000, 3);
  v.rowwise() = Eigen::RowVector3d(0.2, 0.1, 0.2);
  const Mat i = tile->currents(v);
  const double ideal = 0.2 * 10e-6 + 0.1 * 40e-6 + 0.2 * 80e-6;
  const double sd_expect = 0.03 * std::sqrt(std::pow(0.2 * 10e-6, 2) + std::pow(0.1 * 40e-6, 2) +
                                            std::pow(0.2 * 80e-6, 2));
  const double mean = i.mean();
  const double sd = std::sqrt((i.array() - mean).square().sum() / (i.size() - 1));
  EXPECT_NEAR(mean, ideal, 4 * sd_expect / std::sqrt(20000.0));
  EXPECT_NEAR(sd / sd_expect, 1.0, 0.03);
}

TEST(Nonideal, ExactIrDropOfOneCellIsTheSeriesResistance) {
  NonidealConfig n = parse("ir_drop = \"exact\"\nr_wire = \"50 ohm\"\nr_driver = \"100 ohm\"\nr_sense = \"20 ohm\"\n");
  CrossbarConfig c;
  auto parts = make_parts(n, c, 1);
  Mat g(1, 1);
  g << 1e-3;
  Mat v(1, 1);
  v << 0.2;
  // driver, one word-line segment, the cell, one bit-line segment, sense (docs/crossbar.md).
  const double expect = 0.2 / (100 + 50 + 1e3 + 50 + 20);
  EXPECT_NEAR(parts.array->make(g, 0)->currents(v)(0, 0), expect, 1e-12 * expect);
}

// The exact tile reads through its transfer matrix; the reference is the native solver run
// on every input vector (itself checked against ngspice in tests/xbar).
TEST(Nonideal, ExactIrDropTileMatchesTheSolverOnEveryVector) {
  struct Case {
    Eigen::Index rows, cols;
    double r_wire, r_driver, r_sense;
  };
  for (const Case& k : {Case{40, 24, 3, 40, 10}, Case{32, 64, 2, 0, 0}, Case{17, 9, 5, 0, 30}}) {
    char text[160];
    std::snprintf(text, sizeof text, "ir_drop = \"exact\"\nr_wire = %g\nr_driver = %g\nr_sense = %g\n",
                  k.r_wire, k.r_driver, k.r_sense);
    CrossbarConfig c;
    auto parts = make_parts(parse(text), c, 1);
    std::mt19937_64 rng(5);
    std::uniform_real_distribution<double> ug(1e-6, 100e-6), uv(0, 0.2);
    const Eigen::Index count = 6;
    Mat g = Mat::NullaryExpr(k.rows, k.cols, [&] { return ug(rng); });
    Mat v = Mat::NullaryExpr(count, k.rows, [&] { return uv(rng); });
    v.row(0).setZero();
    const Mat i = parts.array->make(g, 0)->currents(v);
    xbar::Array a{static_cast<size_t>(k.rows), static_cast<size_t>(k.cols), {}};
    for (Eigen::Index r = 0; r < k.rows; ++r)
      for (Eigen::Index q = 0; q < k.cols; ++q) a.g_S.push_back(g(r, q));
    xbar::Wiring w;
    w.r_wire_row_ohm = w.r_wire_col_ohm = k.r_wire;
    w.r_driver_ohm = k.r_driver;
    w.r_sense_ohm = k.r_sense;
    xbar::Solver s(a, w, xbar::CellModel{});
    double worst = 0;
    for (Eigen::Index n = 0; n < count; ++n) {
      std::vector<double> vin;
      for (Eigen::Index r = 0; r < k.rows; ++r) vin.push_back(v(n, r));
      const auto ref = s.solve(vin);
      for (Eigen::Index q = 0; q < k.cols; ++q) {
        const double scale = std::max(std::abs(ref[static_cast<size_t>(q)]), 1e-9);
        worst = std::max(worst, std::abs(i(n, q) - ref[static_cast<size_t>(q)]) / scale);
      }
    }
    EXPECT_LT(worst, 1e-9) << text;
    EXPECT_EQ(i.row(0).cwiseAbs().maxCoeff(), 0.0) << text;
  }
}

TEST(Nonideal, CompactModelTracksTheExactSolver) {
  CrossbarConfig c;
  auto exact = make_parts(parse("ir_drop = \"exact\"\nr_wire = \"2 ohm\"\n"), c, 1);
  auto model = make_parts(parse("ir_drop = \"model\"\nr_wire = \"2 ohm\"\n"), c, 1);
  std::mt19937_64 rng(2);
  std::uniform_real_distribution<double> u(20e-6, 100e-6);
  Mat g = Mat::NullaryExpr(64, 64, [&] { return u(rng); });
  Mat v = Mat::Constant(2, 64, 0.2);
  v.row(1).tail(32).setZero();  // half the rows driven
  const Mat ie = exact.array->make(g, 0)->currents(v), im = model.array->make(g, 0)->currents(v);
  const Mat ideal = v * g;
  const double drop = ((ideal - ie).array() / ideal.array()).maxCoeff();
  const double err = ((im - ie).array() / ie.array()).abs().maxCoeff();
  std::printf("64x64, 2 ohm: IR drop up to %.3f of the ideal current; model vs exact %.4f\n", drop, err);
  EXPECT_GT(drop, 0.02);      // there is an IR drop to model
  EXPECT_LT(err, 0.25 * drop);  // and the model gets most of it
}

TEST(Nonideal, MissingLutIsAConfigErrorNamingTheKey) {
  try {
    parse("variation = \"/no/such/variation.h5\"\n");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("variation"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("does not exist"), std::string::npos) << e.what();
  }
}
