// Netlist-only devices (devices/lid.*, devices/yakopcic.*): their read I-V tabulated by ngspice
// (device/tabulate.hpp) is held against ngspice itself at states and voltages off the table's
// grid, and against the published equations in closed form; bad cards are refused before
// anything runs, naming the card and the key (device/card_check.hpp).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>

#include "core/error.hpp"
#include "core/param_table.hpp"
#include "core/units.hpp"
#include "device/card_check.hpp"
#include "device/tabulate.hpp"
#include "spice/pool.hpp"

using namespace cimchar;
namespace fs = std::filesystem;

namespace {

spice::WorkerPool& pool() {
  static spice::WorkerPool p = [] {
    spice::PoolOptions o;
    o.workers = 2;
    o.progress = false;
    return spice::WorkerPool(o);
  }();
  return p;
}

ParamTable card(const std::string& name) {
  return ParamTable::load_card(std::string(CIMCHAR_TEST_SOURCE_DIR) + "/devices/" + name + ".toml");
}

// ngspice's current through the static subcircuit at each (v, state), one `op` job each.
std::vector<double> spice_points(const ParamTable& c, const std::vector<std::pair<double, double>>& pts) {
  std::vector<spice::Job> jobs;
  for (size_t k = 0; k < pts.size(); ++k) {
    spice::Job j;
    j.name = "point" + std::to_string(k);
    j.netlist = "* point\n.include " + c.lib_path().string() + "\nvs te 0 " +
                netlist_number(pts[k].first) + "\nx1 te 0 " + c.static_subckt() + " " +
                c.render_instance_params() + " " + c.state_name() + "=" +
                netlist_number(pts[k].second) + "\n.end\n";
    j.commands = {"op"};
    j.vectors = {"i(vs)"};
    jobs.push_back(j);
  }
  auto res = pool().run(jobs);
  std::vector<double> out;
  for (size_t k = 0; k < jobs.size(); ++k) {
    EXPECT_TRUE(res[k].ok()) << res[k].message;
    out.push_back(res[k].ok() ? -res[k].vec(jobs[k].name, "i(vs)").at(0) : NAN);
  }
  return out;
}

struct Check {
  double vs_spice = 0, vs_equation = 0;
};

// Worst error over random off-grid points, relative to the state's largest |I| in the table.
Check check_device(const std::string& name, const std::function<double(const ParamTable&, double, double)>& eq) {
  const ParamTable c = card(name);
  device::TabulateOptions o;
  o.v_max_V = 0.5;
  const device::Tabulated t = device::tabulate_read_iv(c, pool(), o);
  std::printf("  %s: %zu states x %zu V, %zu sweeps, est. error %.2g (state) %.2g (V)\n",
              name.c_str(), t.twin->states().size(), t.twin->v_points(), t.simulations,
              t.state_err, t.v_err);
  EXPECT_LE(t.state_err, o.rtol);
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> uv(-0.5, 0.5), us(c.state_min(), c.state_max());
  std::vector<std::pair<double, double>> pts;
  for (int k = 0; k < 60; ++k) pts.push_back({uv(rng), us(rng)});
  const auto ref = spice_points(c, pts);
  Check worst;
  for (size_t k = 0; k < pts.size(); ++k) {
    const auto [v, s] = pts[k];
    const double scale = std::max(std::abs(t.twin->eval(0.5, s).i_A), std::abs(t.twin->eval(-0.5, s).i_A));
    const double got = t.twin->eval(v, s).i_A;
    worst.vs_spice = std::max(worst.vs_spice, std::abs(got - ref[k]) / scale);
    worst.vs_equation = std::max(worst.vs_equation, std::abs(got - eq(c, v, s)) / scale);
  }
  return worst;
}

}  // namespace

TEST(NetlistDevice, LinearIonDriftTableMatchesNgspiceAndStrukovsEquation) {
  auto eq = [](const ParamTable& c, double v, double w) {
    return v / (c.get("R_on") * w + c.get("R_off") * (1 - w));  // Strukov et al. 2008, Eq. (1)
  };
  Check e = check_device("lid", eq);
  std::printf("  lid: worst |table - ngspice| %.2e, |table - equation| %.2e of max |I|\n",
              e.vs_spice, e.vs_equation);
  EXPECT_LT(e.vs_spice, 2e-3);
  EXPECT_LT(e.vs_equation, 2e-3);
}

TEST(NetlistDevice, YakopcicTableMatchesNgspiceAndThePublishedEquation) {
  auto eq = [](const ParamTable& c, double v, double x) {  // Yakopcic et al. 2011, Eq. (1)
    return (v >= 0 ? c.get("a1") : c.get("a2")) * x * std::sinh(c.get("b") * v);
  };
  Check e = check_device("yakopcic", eq);
  std::printf("  yakopcic: worst |table - ngspice| %.2e, |table - equation| %.2e of max |I|\n",
              e.vs_spice, e.vs_equation);
  EXPECT_LT(e.vs_spice, 2e-3);
  EXPECT_LT(e.vs_equation, 2e-3);
}

// Bad cards: a copy of lid with one thing changed; each is refused naming the card and key.
class BadCard : public ::testing::Test {
 protected:
  fs::path dir = fs::temp_directory_path() / ("cimchar_badcard_" + std::to_string(::getpid()));
  void SetUp() override { fs::create_directories(dir); }
  void TearDown() override { fs::remove_all(dir); }
  std::string read(const fs::path& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  // Writes lid.toml and lid.lib into dir with a substitution applied to one of them.
  fs::path write(const std::string& in_card, const std::string& out_card,
                 const std::string& in_lib = "", const std::string& out_lib = "") {
    const std::string src = std::string(CIMCHAR_TEST_SOURCE_DIR) + "/devices/";
    std::string toml = read(src + "lid.toml"), lib = read(src + "lid.lib");
    if (!in_card.empty()) toml = std::regex_replace(toml, std::regex(in_card), out_card);
    if (!in_lib.empty()) lib = std::regex_replace(lib, std::regex(in_lib), out_lib);
    std::ofstream(dir / "lid.lib") << lib;
    std::ofstream(dir / "lid.toml") << toml;
    return dir / "lid.toml";
  }
  void expect_refused(const fs::path& toml, const std::string& key, bool ngspice = false) {
    try {
      ParamTable c = ParamTable::load_card(toml);
      device::check_card_against_lib(c);
      if (ngspice) device::check_card_with_ngspice(c, pool());
      ADD_FAILURE() << "accepted a bad card (" << key << ")";
    } catch (const ConfigError& e) {
      EXPECT_EQ(e.key(), key) << e.what();
      EXPECT_NE(std::string(e.what()).find(toml.string()), std::string::npos) << e.what();
    }
  }
};

TEST_F(BadCard, TheGoodCopyPasses) {
  ParamTable c = ParamTable::load_card(write("", ""));
  EXPECT_NO_THROW(device::check_card_against_lib(c));
  EXPECT_NO_THROW(device::check_card_with_ngspice(c, pool()));
}

TEST_F(BadCard, PinsTheSubcircuitLacks) {
  expect_refused(write(R"(pins = \["te", "be", "x"\])", R"(pins = ["top", "be", "x"])"), "model.pins");
  expect_refused(write(R"(pins = \["te", "be", "x"\])", R"(pins = ["te", "be"])"), "model.pins");
}

TEST_F(BadCard, AStateTheSubcircuitLacks) {
  expect_refused(write(R"(state = "w")", R"(state = "gap")"), "model.state");
}

TEST_F(BadCard, AParameterTheSubcircuitLacks) {
  expect_refused(write(R"(\[params.p\])", "[params.q]"), "params.q");
}

TEST_F(BadCard, ASubcircuitTheLibraryLacks) {
  expect_refused(write(R"(static_subckt = "lid_static")", R"(static_subckt = "lid_read")"),
                 "model.static_subckt");
}

TEST_F(BadCard, ALibraryNgspiceCannotRead) {
  // An unbalanced parenthesis in the static subcircuit's current expression.
  expect_refused(write("", "", R"(\{R_off\}\*\(1 - \{w\}\)\))", "{R_off}*(1 - {w})"), "model.lib",
                 true);
}
