// Agreement with ngspice (the ground truth): the same crossbar solved by ngspice through the
// worker pool and natively. Bit-line currents must agree to 1e-6 (linear cells) and 1e-5
// (sinh cells; 1T1R cells on the BSIM4 transistor: test_1t1r_bsim4.cpp), relative per column (xbar_cases.hpp). ngspice runs with reltol 1e-9 so
// that its own Newton stop does not limit the comparison. Sizes up to 64x64 here; 128x128 in
// test_xbar_ngspice_slow.cpp.
#include <gtest/gtest.h>

#include "ngspice_compare.hpp"
#include "xbar/cell_card.hpp"

using namespace cimchar;
using namespace cimchar::xbar;
using namespace cimchar::xbar::test;


TEST(XbarNgspice, LinearCells) {
  expect_agree_with_ngspice(
      {
          {"random/random/1ohm", 16, 16, GPattern::random, VPattern::random, 0.2, wiring(1, 1), CellModel{}},
          {"checker/alternating/10ohm/drv50/sns20", 32, 24, GPattern::checkerboard,
           VPattern::alternating, 0.3, wiring(10, 10, 50, 20), CellModel{}},
          {"onecol/high/0.1ohm/both/near/vs0.1", 24, 32, GPattern::one_column, VPattern::all_high,
           0.4, wiring(0.1, 0.1, 5, 5, Drive::both, Sense::near, 0.1), CellModel{}},
          {"random/onerow/ideal-bitlines", 8, 40, GPattern::random, VPattern::one_row, 0.2,
           wiring(10, 0, 0, 30), CellModel{}},
          {"random/random/ideal-wordlines/drv100", 40, 8, GPattern::random, VPattern::random,
           0.2, wiring(0, 5, 100, 0), CellModel{}},
          {"allon/random/2.5ohm", 64, 64, GPattern::all_on, VPattern::random, 0.2,
           wiring(2.5, 2.5), CellModel{}},
      },
      1e-6);
}

TEST(XbarNgspice, SinhCells) {
  expect_agree_with_ngspice(
      {
          {"random/random/2.5ohm", 16, 16, GPattern::random, VPattern::random, 0.5,
           wiring(2.5, 2.5), sinh_cell()},
          {"allon/high/10ohm/drv20/sns10", 32, 32, GPattern::all_on, VPattern::all_high, 0.6,
           wiring(10, 10, 20, 10), sinh_cell()},
          {"checker/alternating/0.1ohm/both/vref0.2", 24, 16, GPattern::checkerboard,
           VPattern::alternating, 0.5, wiring(0.1, 0.1, 0, 0, Drive::both), sinh_cell(0.25, 0.2)},
      },
      1e-5);
}

TEST(XbarNgspice, SinhCellsFromTheDeviceLibrary) {
  // The Stanford/ASU card's static subcircuit (devices/stanford_asu.lib) per cell, at the gap
  // that gives each cell its conductance, instead of the generator's own B-source.
  const cimchar::ParamTable card =
      cimchar::ParamTable::load_card(cimchar::find_device_card("stanford_asu"));
  Case c{"random/random/2ohm/stanford_asu.lib", 20, 16, GPattern::random, VPattern::random, 0.6,
         wiring(2, 2, 10, 10), sinh_cell(card.get("V0"), 0.1), &card};
  expect_agree_with_ngspice({c}, 1e-5);
}

TEST(XbarNgspice, NetlistOnlyDevicesTabulatedFromTheirSubcircuits) {
  // Devices with no C++ twin (devices/lid.*, devices/yakopcic.*): the native solver's Newton
  // uses the read I-V tabulated by ngspice (xbar/cell_card.hpp); the reference netlist has the
  // card's own static subcircuit in every cell, at the state the cell's conductance maps to.
  // The agreement is bounded by the table's interpolation error (rtol 1e-3 of max |I|).
  std::vector<Case> cases;
  std::vector<std::shared_ptr<cimchar::ParamTable>> keep;
  struct Dev { const char* name; double g_on, g_off, v_ref; };
  for (const Dev& d : {Dev{"lid", 9e-5, 6e-6, 0.0}, Dev{"yakopcic", 5e-3, 1e-4, 0.2}}) {
    CellCardOptions o;
    o.v_max_V = 0.5, o.v_ref_V = d.v_ref, o.jobs = 2;
    CardCell cc = cell_from_card(cimchar::ParamTable::load_card(cimchar::find_device_card(d.name)), o);
    std::printf("  %s\n", cc.how.c_str());
    ASSERT_EQ(cc.cell.element, Element::table);
    keep.push_back(cc.rram_card);
    cases.push_back({std::string("random/random/2ohm/") + d.name, 16, 12, GPattern::random,
                     VPattern::random, 0.5, wiring(2, 2, 10, 10), cc.cell, cc.rram_card.get(),
                     d.g_on, d.g_off});
    cases.push_back({std::string("checkerboard/high/5ohm/both/") + d.name, 12, 12,
                     GPattern::checkerboard, VPattern::all_high, 0.5,
                     wiring(5, 5, 0, 0, Drive::both), cc.cell, cc.rram_card.get(), d.g_on, d.g_off});
  }
  expect_agree_with_ngspice(cases, 2e-3);
}
