// Runs crossbar cases in ngspice (worker pool) and natively, and compares the bit-line currents.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "core/param_table.hpp"
#include "spice/pool.hpp"
#include "spice/session.hpp"
#include "xbar/netlist.hpp"
#include "xbar/solver.hpp"
#include "xbar_cases.hpp"

namespace cimchar::xbar::test {


struct Case {
  std::string label;
  size_t n, m;
  GPattern gp;
  VPattern vp;
  double v_high;
  Wiring w;
  CellModel cell;
  const ParamTable* rram_card = nullptr;  // sinh cells from the device library (netlist.hpp)
  double g_on = 1e-4, g_off = 1e-6;        // the conductance range of the array's patterns
};

inline Wiring wiring(double rw_row, double rw_col, double rd = 0, double rs = 0, Drive d = Drive::near,
              Sense s = Sense::far, double vs = 0) {
  Wiring w;
  w.r_wire_row_ohm = rw_row, w.r_wire_col_ohm = rw_col, w.r_driver_ohm = rd, w.r_sense_ohm = rs;
  w.drive = d, w.sense = s, w.v_sense_V = vs;
  return w;
}

inline spice::WorkerPool& pool() {
  static std::unique_ptr<spice::WorkerPool> p = [] {
    spice::PoolOptions o;
    o.workers = 2;
    o.progress = false;
    o.default_timeout_s = 600;
    return std::make_unique<spice::WorkerPool>(o);
  }();
  return *p;
}

// Solves every case in ngspice (one pool batch) and natively; per case ASSERTs that ngspice
// ran and EXPECTs the native column currents within tol (max relative error) of ngspice's.
// Each case's worst relative column-current error goes to *errors when given (in case order).
inline void expect_agree_with_ngspice(const std::vector<Case>& cases, double tol,
                                      std::vector<double>* errors = nullptr) {
  NetlistOptions no;
  no.solver_options = spice::solver_options_line(pool().info());
  no.devices_dir = devices_dir().string();  // 1T1R cells include their transistor's card
  std::vector<spice::Job> jobs;
  std::vector<Array> arrays;
  std::vector<std::vector<double>> inputs;
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    arrays.push_back(make_array(c.n, c.m, c.gp, 100 + i, c.g_on, c.g_off));
    inputs.push_back(make_inputs(c.n, c.vp, 200 + i, c.v_high));
    spice::Job j;
    j.name = "xbar/" + c.label;
    no.rram_card = c.rram_card;
    j.netlist = crossbar_netlist(arrays.back(), c.w, c.cell, inputs.back(), no);
    j.commands = {"op"};
    j.vectors = column_current_vectors(c.m);
    j.convergence_aids = true;  // gmin/source stepping: a homotopy, same final circuit
    if (const char* dir = std::getenv("XBAR_DUMP_NETLISTS")) {  // debugging aid
      std::string f = std::string(dir) + "/case" + std::to_string(i) + ".cir";
      if (FILE* fp = std::fopen(f.c_str(), "w")) std::fputs(j.netlist.c_str(), fp), std::fclose(fp);
    }
    jobs.push_back(std::move(j));
  }
  std::vector<spice::JobResult> res = pool().run(jobs);
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    ASSERT_TRUE(res[i].ok()) << jobs[i].name << ": " << res[i].message;
    if (!res[i].aid.empty()) std::printf("  (ngspice converged with aid '%s')\n", res[i].aid.c_str());
    std::vector<double> ref(c.m);
    for (size_t k = 0; k < c.m; ++k) ref[k] = res[i].vec(jobs[i].name, jobs[i].vectors[k]).at(0);
    Solver s(arrays[i], c.w, c.cell);
    SolveReport rep;
    std::vector<double> got = s.solve(inputs[i], &rep);
    const double err = max_rel_err(got, ref);
    std::printf("  %-44s %3zux%-3zu ngspice %6.2f s  max rel err %.2e  (Newton %d, Krylov %d)\n",
                c.label.c_str(), c.n, c.m, res[i].wall_s, err, rep.newton_iterations,
                rep.krylov_iterations);
    EXPECT_LE(err, tol) << c.label << ": " << c.w.describe() << ", " << c.cell.describe();
    if (errors) errors->push_back(err);
  }
}


}  // namespace cimchar::xbar::test
