// The 1T1R cell: ngspice's level-1 transistor against the C++ Shichman-Hodges twin (1e-6
// relative), and the whole static cell's current against a C++ series solve of RRAM + MOSFET.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "core/units.hpp"
#include "core/param_table.hpp"
#include "device/model.hpp"
#include "device/mosfet.hpp"
#include "spice/pool.hpp"

using namespace cimchar;

namespace {
ParamTable card(const char* n) {
  return ParamTable::load_card(std::string(CIMCHAR_TEST_SOURCE_DIR) + "/devices/" + n + ".toml");
}
spice::PoolOptions quiet() {
  spice::PoolOptions o;
  o.workers = 2;
  o.progress = false;
  return o;
}
}  // namespace

TEST(OneTOneR, Level1MatchesNgspice) {
  ParamTable mos = card("one_t_one_r");
  auto nmos = device::Level1Nmos::from_card(mos);
  spice::WorkerPool pool(quiet());
  std::vector<spice::Job> jobs;
  const std::vector<double> vgs = {0.8, 1.2, 1.8};
  for (double vg : vgs) {
    spice::Job j;
    j.name = "nmos vgs=" + netlist_number(vg);
    j.netlist = "nmos\nvd d 0 0\nvg g 0 " + netlist_number(vg) + "\nm1 d g 0 0 nacc w=" + netlist_number(mos.get("W")) +
                " l=" + netlist_number(mos.get("L")) + "\n.model nacc nmos level=1 vto=" + netlist_number(mos.get("VTO")) +
                " kp=" + netlist_number(mos.get("KP")) + " lambda=" + netlist_number(mos.get("LAMBDA")) + " ld=" +
                netlist_number(mos.get("LD")) + "\n.end\n";
    j.commands = {"dc vd 0.05 2.0 0.05"};
    j.vectors = {"v(d)", "i(vd)"};
    jobs.push_back(j);
  }
  auto res = pool.run(jobs);
  double worst = 0;
  for (size_t k = 0; k < jobs.size(); ++k) {
    ASSERT_TRUE(res[k].ok()) << res[k].message;
    const auto& vd = res[k].vec(jobs[k].name, "v(d)");
    const auto& id = res[k].vec(jobs[k].name, "i(vd)");
    for (size_t m = 0; m < vd.size(); ++m) {
      const double twin = nmos.drain_current_A(vgs[k], vd[m]);
      // ngspice adds gmin (1e-12 S) across the junctions: compare above that floor.
      worst = std::max(worst, std::abs(-id[m] - twin) / (std::abs(twin) + 1e-9));
    }
  }
  std::printf("level-1 NMOS: worst relative difference %.3g\n", worst);
  EXPECT_LT(worst, 1e-6);
}

TEST(OneTOneR, StaticCellCurrentMatchesSeriesSolve) {
  ParamTable mos = card("one_t_one_r");
  ParamTable rram = card(mos.rram_card().c_str());
  auto cell = device::make_model(rram);
  auto nmos = device::Level1Nmos::from_card(mos);
  const double gap = 1.0e-9, vbl = 0.3, vwl = 1.5;
  spice::Job j;
  j.name = "1t1r read";
  j.netlist = "1t1r read\n.include " + mos.lib_path().string() + "\nvb bl 0 " + netlist_number(vbl) +
              "\nvw wl 0 " + netlist_number(vwl) + "\nx1 bl wl 0 " + mos.static_subckt() + " " +
              rram.render_instance_params() + " " + mos.render_instance_params() +
              " gap=" + netlist_number(gap) + "\n.end\n";
  j.commands = {"op"};
  j.vectors = {"i(vb)"};
  spice::WorkerPool pool(quiet());
  auto r = pool.run_one(j);
  ASSERT_TRUE(r.ok()) << r.message;
  // Series solve: find the drain voltage where RRAM and transistor carry the same current.
  double lo = 0, hi = vbl;
  for (int i = 0; i < 200; ++i) {
    const double vd = 0.5 * (lo + hi);
    if (cell->current_A(vbl - vd, gap) > nmos.drain_current_A(vwl, vd)) lo = vd;
    else hi = vd;
  }
  const double expect = cell->current_A(vbl - 0.5 * (lo + hi), gap);
  EXPECT_NEAR(-r.vec(j.name, "i(vb)")[0], expect, 1e-6 * expect);
}
