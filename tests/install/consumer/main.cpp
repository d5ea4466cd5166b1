// Solves a 1x2 crossbar with wire resistance through an installed cimchar and compares the
// column currents with the circuit solved by hand; reads a shipped device card from
// cimchar_DATA_DIR. Exit 0 when both agree, 1 otherwise.
#include <cmath>
#include <cstdio>

#include "core/param_table.hpp"
#include "xbar/solver.hpp"

int main() {
  using namespace cimchar;
  const double v = 0.2, r_w = 50, g0 = 1e-4, g1 = 5e-5;
  xbar::Array a;
  a.rows = 1;
  a.cols = 2;
  a.g_S = {g0, g1};
  xbar::Wiring w;
  w.r_wire_row_ohm = w.r_wire_col_ohm = r_w;
  xbar::Solver solver(a, w, xbar::CellModel{});
  const auto i = solver.solve({v});
  // By hand: driver -> r_w -> node a; a -> 1/g0 -> r_w -> ground (column 0); a -> r_w ->
  // 1/g1 -> r_w -> ground (column 1). Column sense past row 0: one segment to ground.
  const double r0 = 1 / g0 + r_w, r1 = r_w + 1 / g1 + r_w;
  const double r_par = r0 * r1 / (r0 + r1);
  const double v_a = v * r_par / (r_w + r_par);
  const double i0 = v_a / r0, i1 = v_a / r1;
  std::printf("I0 %.12g (hand %.12g)  I1 %.12g (hand %.12g)\n", i[0], i0, i[1], i1);
  if (std::abs(i[0] - i0) > 1e-9 * i0 || std::abs(i[1] - i1) > 1e-9 * i1) return 1;
  const auto card = ParamTable::load_card(std::string(CONSUMER_DATA_DIR) + "/devices/stanford_asu.toml");
  std::printf("card %s from %s\n", card.model_name().c_str(), CONSUMER_DATA_DIR);
  return 0;
}
