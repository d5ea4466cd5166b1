// Agreement with ngspice at 128x128 (label `slow`: ngspice needs about two minutes per
// operating point at this size, most of it in Sparse 1.3's reordering).
#include "ngspice_compare.hpp"

using namespace cimchar::xbar;
using namespace cimchar::xbar::test;

TEST(XbarNgspiceSlow, Linear128) {
  std::vector<double> err;
  expect_agree_with_ngspice({{"random/random/2.5ohm", 128, 128, GPattern::random, VPattern::random, 0.2,
              wiring(2.5, 2.5), CellModel{}}},
            1e-6, &err);
  ASSERT_EQ(err.size(), 1u);  // ngspice ran and was compared
  EXPECT_LE(err[0], 1e-6);
}

TEST(XbarNgspiceSlow, Sinh128) {
  std::vector<double> err;
  expect_agree_with_ngspice({{"allon/alternating/1ohm/drv10/sns10", 128, 128, GPattern::all_on,
              VPattern::alternating, 0.5, wiring(1, 1, 10, 10), sinh_cell()}},
            1e-5, &err);
  ASSERT_EQ(err.size(), 1u);
  EXPECT_LE(err[0], 1e-5);
}
