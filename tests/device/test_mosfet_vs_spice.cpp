// The 1T1R cell (devices/one_t_one_r.lib: Stanford/ASU RRAM + PTM 45 nm HP BSIM4 NMOS, bulk at
// 0 V) in ngspice against its C++ twin: the RRAM twin in series with the transistor's I-V table
// taken from ngspice (src/device/mosfet_table.hpp), solved for the drain voltage. Benches of
// /work/shared/CIRCUIT-NOTES.md: RESET bias (bit line 0 V, source line 1.5 V, gap 0.1 nm) with the
// word line off and on, and a read (bit line 0.3 V, source line 0 V). Off: the cell must block
// (< 1 uA; the level-1 cell with its bulk on the source line conducted 7.9 mA here); the twin
// within 0.5% of ngspice (the table's own error, src/device/mosfet_table.hpp; with the earlier
// uniform 50 mV grid and bilinear interpolation the read was 4.1% off).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "core/param_table.hpp"
#include "core/units.hpp"
#include "device/model.hpp"
#include "device/mosfet_table.hpp"
#include "flows/mosfet_tables.hpp"
#include "spice/pool.hpp"

using namespace cimchar;

namespace {
ParamTable card(const char* n) {
  return ParamTable::load_card(std::string(CIMCHAR_TEST_SOURCE_DIR) + "/devices/" + n + ".toml");
}
}  // namespace

TEST(OneTOneR, StaticCellOnBsim4MatchesTwinInBothDirections) {
  ParamTable mos = card("one_t_one_r");
  ParamTable rram = card(mos.rram_card().c_str());
  auto cell = device::make_model(rram);
  struct Bench {
    const char* label;
    double v_bl, v_wl, v_sl, gap_m;
    bool blocks;
  };
  const std::vector<Bench> benches = {{"reset bias, word line off", 0.0, 0.0, 1.5, 0.1e-9, true},
                                      {"reset bias, word line on", 0.0, 1.0, 1.5, 0.1e-9, false},
                                      {"read, word line on", 0.3, 1.0, 0.0, 1.0e-9, false},
                                      {"set bias, word line off", 1.5, 0.0, 0.0, 1.0e-9, true}};
  device::MosfetTableSpec spec;
  spec.node = mos.transistor();
  spec.w_m = mos.get("W"), spec.l_m = mos.get("L");
  spec.v_gate_V = {0.0, 1.0};
  spec.v_min_V = -0.3, spec.v_max_V = 1.8;  // the benches' nodes and the bisection's bracket
  spice::PoolOptions o;
  o.workers = 2;
  o.progress = false;
  spice::WorkerPool pool(o);
  std::vector<spice::Job> jobs;
  const std::string dev = std::string(CIMCHAR_TEST_SOURCE_DIR) + "/devices";
  for (const Bench& b : benches) {
    spice::Job j;
    j.name = b.label;
    j.netlist = std::string("1t1r bench\n.include ") + mos.lib_path().string() + "\nvb bl 0 " +
                netlist_number(b.v_bl) + "\nvw wl 0 " + netlist_number(b.v_wl) + "\nvs sl 0 " +
                netlist_number(b.v_sl) + "\nx1 bl wl sl " + mos.static_subckt() + " " +
                rram.render_instance_params() + " " + mos.render_instance_params() +
                " gap=" + netlist_number(b.gap_m) + "\n.end\n";
    j.commands = {"op"};
    j.vectors = {"i(vb)"};
    jobs.push_back(j);
  }
  auto res = pool.run(jobs);
  for (const auto& r : res) ASSERT_TRUE(r.ok()) << r.message;
  const auto table_ptr = flows::build_mosfet_table(pool, spec, dev);
  const device::MosfetTable& table = *table_ptr;
  for (size_t k = 0; k < benches.size(); ++k) {
    const Bench& b = benches[k];
    const double ref = -res[k].vec(b.label, "i(vb)")[0];  // into the cell from the bit line
    // Series solve: drain voltage where the RRAM and the transistor's drain carry one current.
    double lo = std::min(b.v_bl, b.v_sl) - 0.3, hi = std::max(b.v_bl, b.v_sl) + 0.3;
    auto f = [&](double vd) {
      return cell->current_A(b.v_bl - vd, b.gap_m) - table.eval(b.v_wl, vd, b.v_sl).id_A;
    };
    for (int i = 0; i < 200; ++i) (f(0.5 * (lo + hi)) > 0 ? lo : hi) = 0.5 * (lo + hi);
    const double twin = cell->current_A(b.v_bl - 0.5 * (lo + hi), b.gap_m);
    std::printf("  %-28s ngspice %.6g A, twin %.6g A\n", b.label, ref, twin);
    if (b.blocks) EXPECT_LT(std::abs(ref), 1e-6) << b.label;
    else EXPECT_GT(std::abs(ref), 1e-5) << b.label;
    // Conducting: 0.5 %. Blocked: the table's subthreshold/junction currents are within 25 nA,
    // 1e-4 of the on current at the reset bias (measured: 27 nA ngspice vs 46 nA twin at reset
    // bias with the word line off; 122 vs 120 nA at set bias).
    EXPECT_NEAR(twin, ref, b.blocks ? 2.5e-8 : 0.005 * std::abs(ref)) << b.label;
  }
}
