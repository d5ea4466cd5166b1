// The 1T1R cell on a public BSIM4 transistor (PTM 45 nm HP NMOS, devices/mosfet/ptm45hp.mod),
// bulk at 0 V: the transistor's ngspice I-V table (src/device/mosfet_table.hpp) against direct
// ngspice operating points of the BSIM4 card, and the native crossbar with that table against
// ngspice running the card itself in every cell, in both bias directions, word line off (0 V) and
// on (VDD = 1.0 V).
// Bias directions on a low-resistance cell (1 mS):
//   SET-like:   bit line (row) +1.5 V, source line (column) 0 V;
//   RESET-like: bit line 0 V, source line +1.5 V (cell voltage -1.5 V, as a RESET is driven);
//   bit line driven to -1.5 V: the drain is then 1.5 V below the gate and the drain-bulk
//   junction is forward biased, so the transistor cannot block; ngspice and the twin must agree
//   on that too.
// Tolerances (measured on 2026-12-03, ptm45hp, 129 source rows x 81 vds points per gate):
//   - the table at random (Vg, Vd, Vs), both terminal currents, both signs of Vds: within 1% of
//     ngspice where the junctions are reverse biased and |I| >= 1 nA (the read region; measured
//     worst 0.84%, at the range's edge); sub-nA leakage within 15% or 20 pA (measured 12%);
//     forward-biased junctions within 25% (measured up to 20%: an exponential at 26 mV per e-fold
//     on a vds grid tens of mV wide there);
//   - crossbar column currents within 0.5% of ngspice when the gate is on (measured 1e-4);
//     blocking (gate off, 1.5 V across): under 1 uA per cell in both, and within 20% or 1 nA of
//     each other (the blocking current is sub-uA leakage: measured 0.125 vs 0.142 uA).
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>

#include <unistd.h>

#include "core/param_table.hpp"
#include "core/units.hpp"
#include "flows/mosfet_tables.hpp"
#include "ngspice_compare.hpp"

using namespace cimchar;
using namespace cimchar::xbar;

namespace {
device::MosfetTableSpec spec() {
  device::MosfetTableSpec s;
  s.node = "ptm45hp";
  s.w_m = 200e-9, s.l_m = 45e-9;
  s.v_gate_V = {0.0, 1.0};
  s.v_min_V = -1.6, s.v_max_V = 1.6;  // default grid: 129 source rows x 81 vds points per gate
  return s;
}
std::shared_ptr<const device::MosfetTable> table() {
  // The disk cache (flows::default_cache_dir()): ctest runs each case in its own process.
  static auto t = flows::build_mosfet_table(test::pool(), spec(), devices_dir().string());
  return t;
}

spice::Job op_job(double vg, double vd, double vs) {
  spice::Job j;
  j.name = "bsim4 point vg=" + netlist_number(vg) + " vd=" + netlist_number(vd) +
           " vs=" + netlist_number(vs);
  j.netlist = "bsim4 point\n.include " + spec().mod_path(devices_dir().string()) + "\nvd d 0 " +
              netlist_number(vd) + "\nvs s 0 " + netlist_number(vs) + "\nvg g 0 " +
              netlist_number(vg) + "\nvb b 0 0\n" + spec().instance("m1", "d", "g", "s", "b") +
              "\n.end\n";
  j.commands = {"op"};
  j.vectors = {"i(vd)", "i(vs)"};
  return j;
}
}  // namespace

TEST(OneTOneRBsim4, TableMatchesNgspiceAtRandomPoints) {
  auto t = table();
  struct P { double vg, vd, vs; };
  std::vector<P> pts = {{1.0, 0.071, 0.0}, {1.0, 0.004, 0.0}, {1.0, -0.012, 0.0},
                        {1.0, 0.537, 0.013}, {0.0, 0.5, 1.47}, {0.0, -0.611, 0.0}, {1.0, 1.233, 0.402}};
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> v(-1.6, 1.6), small(-0.15, 0.15);
  std::uniform_int_distribution<size_t> gate(0, 1);
  for (int k = 0; k < 60; ++k) {
    const double vg = spec().v_gate_V[gate(rng)], vs = v(rng);
    // Half the points within 150 mV of Vds = 0 (reads), half anywhere (both signs of Vds).
    double vd = k % 2 ? vs + small(rng) : v(rng);
    vd = std::clamp(vd, -1.6, 1.6);
    pts.push_back({vg, vd, vs});
  }
  std::vector<spice::Job> jobs;
  for (const P& p : pts) jobs.push_back(op_job(p.vg, p.vd, p.vs));
  auto res = test::pool().run(jobs);
  double worst_read = 0, worst_other = 0;
  for (size_t k = 0; k < pts.size(); ++k) {
    ASSERT_TRUE(res[k].ok()) << res[k].message;
    const double id = -res[k].vec(jobs[k].name, "i(vd)")[0];
    const double is = res[k].vec(jobs[k].name, "i(vs)")[0];
    const auto iv = t->eval(pts[k].vg, pts[k].vd, pts[k].vs);
    // Junctions reverse biased (both terminals at or above -0.3 V, bulk at 0 V), current above
    // 1 nA: the read region. Otherwise a forward junction (exponential at ~26 mV per e-fold on a
    // vds grid tens of mV wide there) or sub-nA leakage.
    const bool reverse = pts[k].vd >= -0.3 && pts[k].vs >= -0.3;
    for (auto [got, ref] : {std::pair{iv.id_A, id}, std::pair{iv.is_A, is}}) {
      const bool read_region = reverse && std::abs(ref) >= 1e-9;
      const double tol = read_region ? 1e-2 * std::abs(ref)
                         : reverse   ? std::max(0.15 * std::abs(ref), 2e-11)
                                     : 0.25 * std::abs(ref) + 1e-12;
      const double rel = std::abs(got - ref) / std::abs(ref);
      (read_region ? worst_read : worst_other) = std::max(read_region ? worst_read : worst_other, rel);
      EXPECT_NEAR(got, ref, tol) << jobs[k].name;
    }
  }
  std::printf("  %zu points: worst relative error %.3g in the read region (reverse junctions, "
              ">= 1 nA), %.3g elsewhere\n", pts.size(), worst_read, worst_other);
}

TEST(OneTOneRBsim4, TableCachedOnDiskKeyedByCardAndGrid) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("cimchar_mos_cache_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  device::MosfetTableSpec s = spec();
  s.v_gate_V = {1.0};
  s.v_min_V = -0.1, s.v_max_V = 0.3;
  bool cached = true;
  auto t0 = std::chrono::steady_clock::now();
  auto a = flows::build_mosfet_table(test::pool(), s, devices_dir().string(), dir, &cached);
  auto t1 = std::chrono::steady_clock::now();
  EXPECT_FALSE(cached);
  auto b = flows::build_mosfet_table(test::pool(), s, devices_dir().string(), dir, &cached);
  auto t2 = std::chrono::steady_clock::now();
  EXPECT_TRUE(cached);
  std::printf("  built in %.3f s, read back in %.3f s\n",
              std::chrono::duration<double>(t1 - t0).count(),
              std::chrono::duration<double>(t2 - t1).count());
  for (double vd : {-0.05, 0.0, 0.013, 0.2}) {
    EXPECT_EQ(a->eval(1.0, vd, 0.01).id_A, b->eval(1.0, vd, 0.01).id_A);
    EXPECT_EQ(a->eval(1.0, vd, 0.01).is_A, b->eval(1.0, vd, 0.01).is_A);
  }
  s.vds_points = 41;  // another grid: another key
  flows::build_mosfet_table(test::pool(), s, devices_dir().string(), dir, &cached);
  EXPECT_FALSE(cached);
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) files += e.is_regular_file();
  EXPECT_EQ(files, 2u);
  std::filesystem::remove_all(dir);
}

TEST(OneTOneRBsim4, CrossbarCellAgreesWithNgspiceInBothDirections) {
  struct Bias {
    const char* label;
    double v_row, v_col, v_gate;
    bool blocks;
  };
  const std::vector<Bias> biases = {
      {"set-like bl+1.5 gate off", 1.5, 0.0, 0.0, true},
      {"reset-like sl+1.5 gate off", 0.0, 1.5, 0.0, true},
      {"set-like bl+1.5 gate on", 1.5, 0.0, 1.0, false},
      {"reset-like sl+1.5 gate on", 0.0, 1.5, 1.0, false},
      {"read bl+0.2 gate on", 0.2, 0.0, 1.0, false},
      {"bl-1.5 gate off (drain below the bulk)", -1.5, 0.0, 0.0, false},
  };
  Array a;
  a.rows = a.cols = 1;
  a.g_S = {1e-3};
  NetlistOptions no;
  no.devices_dir = devices_dir().string();
  for (const Bias& b : biases) {
    CellModel cell;
    cell.transistor = true;
    cell.mos_table = table();
    cell.v_gate_V = {b.v_gate};
    Wiring w;
    w.v_sense_V = b.v_col;
    spice::Job j;
    j.name = std::string("1t1r bsim4 ") + b.label;
    j.netlist = crossbar_netlist(a, w, cell, {b.v_row}, no);
    j.commands = {"op"};
    j.vectors = column_current_vectors(1);
    auto r = test::pool().run_one(j);
    ASSERT_TRUE(r.ok()) << j.name << ": " << r.message;
    const double ref = r.vec(j.name, j.vectors[0])[0];
    Solver s(a, w, cell);
    const double got = s.solve({b.v_row})[0];
    std::printf("  %-40s ngspice %.6g A, native %.6g A\n", b.label, ref, got);
    if (b.blocks) {
      EXPECT_LT(std::abs(ref), 1e-6) << b.label;
      EXPECT_LT(std::abs(got), 1e-6) << b.label;
      EXPECT_NEAR(got, ref, std::max(0.2 * std::abs(ref), 1e-9)) << b.label;
    } else {
      EXPECT_GT(std::abs(ref), 1e-6) << b.label;
      EXPECT_NEAR(got, ref, 5e-3 * std::abs(ref)) << b.label;
    }
  }
}

TEST(OneTOneRBsim4, ArraysAgreeWithNgspiceGateOnAndBlockGateOff) {
  using namespace cimchar::xbar::test;
  auto cell = [](Element e, std::vector<double> gates) {
    CellModel c = e == Element::sinh ? sinh_cell() : CellModel{};
    c.transistor = true;
    c.mos_table = table();
    c.v_gate_V = std::move(gates);
    return c;
  };
  std::vector<double> mixed(6);
  for (size_t r = 0; r < mixed.size(); ++r) mixed[r] = r % 3 == 2 ? 0.0 : 1.0;
  expect_agree_with_ngspice(
      {
          {"4x4 linear random 2ohm gate on", 4, 4, GPattern::random, VPattern::random, 0.2,
           wiring(2, 2), cell(Element::linear, {1.0})},
          {"6x5 sinh one-column 5ohm some gates off", 6, 5, GPattern::one_column,
           VPattern::all_high, 0.3, wiring(5, 5, 10, 10), cell(Element::sinh, mixed)},
          {"8x8 linear all-on 1ohm 1 mS", 8, 8, GPattern::all_on, VPattern::all_high, 0.2,
           wiring(1, 1), cell(Element::linear, {1.0}), nullptr, 1e-3, 1e-5},
      },
      5e-3);
  // Gate off at 1.5 V across a 4x4 low-resistance array: every cell blocks (< 1 uA per cell).
  Array a = make_array(4, 4, GPattern::all_on, 1, 1e-3, 1e-3);
  CellModel off = cell(Element::linear, {0.0});
  NetlistOptions no;
  no.devices_dir = devices_dir().string();
  spice::Job j;
  j.name = "1t1r 4x4 gate off 1.5 V";
  j.netlist = crossbar_netlist(a, wiring(2, 2), off, std::vector<double>(4, 1.5), no);
  j.commands = {"op"};
  j.vectors = column_current_vectors(4);
  auto r = pool().run_one(j);
  ASSERT_TRUE(r.ok()) << r.message;
  Solver s(a, wiring(2, 2), off);
  const std::vector<double> got = s.solve(std::vector<double>(4, 1.5));
  for (size_t c = 0; c < 4; ++c) {
    const double ref = r.vec(j.name, j.vectors[c])[0];
    std::printf("  gate off, column %zu: ngspice %.4g A, native %.4g A\n", c, ref, got[c]);
    EXPECT_LT(std::abs(ref), 4e-6);
    EXPECT_LT(std::abs(got[c]), 4e-6);
    EXPECT_NEAR(got[c], ref, 4e-9);
  }
}
