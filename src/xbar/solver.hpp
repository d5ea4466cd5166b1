// Native DC solver for a programmed crossbar (crossbar.hpp conventions, cell.hpp models).
//
// Linear cells: one preconditioned-CG solve on the column-wire nodes (schur.hpp); the row-line
// factors and the preconditioner are built once per programmed array and reused for every input
// vector. Nonlinear cells (sinh RRAM, 1T1R): Newton's method on the nodal equations with a
// backtracking line search on the KCL residual (Armijo), inexact inner solves whose tolerance
// tightens as the currents settle, and source-stepping continuation if Newton alone stalls.
// The answer is returned only when the column currents are converged to `current_rtol` of the
// largest column current; otherwise ConvergenceError (or a report with converged = false).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "xbar/cell.hpp"
#include "xbar/crossbar.hpp"

namespace cimchar::xbar {

struct SolveOptions {
  double current_rtol = 1e-10;  // target max |I error| / max |I|
  int max_krylov = 5000;        // per inner solve
  int max_newton = 60;          // per continuation step
  bool schur_diag_precond = true;
  bool throw_on_failure = true;
  bool start_from_linear = true;  // nonlinear: start Newton from a linear (chord) solution
  bool trace = false;             // one line per Newton step on stderr
};

struct SolveReport {
  bool converged = false;
  int newton_iterations = 0;
  int krylov_iterations = 0;
  int continuation_steps = 0;   // 0: plain Newton sufficed
  double current_err_est = 0;   // estimated max |I error| / max |I|
  double residual_rel = 0;      // max |KCL residual| / max |I| at the returned node voltages
  double max_current_A = 0;
  std::string message;
};

class ConvergenceError : public Error {
 public:
  ConvergenceError(const std::string& what, SolveReport r) : Error(what), report_(std::move(r)) {}
  const SolveReport& report() const { return report_; }

 private:
  SolveReport report_;
};

// Node voltages expanded to N*M, row-major: row_V[r*M+c] is the word-line node at cell (r,c),
// col_V the bit-line node; cell_V = row_V - col_V minus the transistor drop for 1T1R (x_V: the
// internal node, 1T1R only).
struct NodeVoltages {
  std::vector<double> row_V, col_V, x_V;
};

// One programmed array. Keeps its factorizations and workspaces between solves, so one Solver
// serves one thread at a time; use one Solver per thread for parallel solves.
class Solver {
 public:
  // Validates everything (InputError / ConfigError) and builds the reusable set-up.
  Solver(Array array, Wiring wiring, CellModel cell, SolveOptions opts = {});
  ~Solver();
  Solver(const Solver&) = delete;
  Solver& operator=(const Solver&) = delete;

  size_t rows() const;
  size_t cols() const;
  // One input vector (one voltage per row) -> column currents (A).
  std::vector<double> solve(const std::vector<double>& v_in_V, SolveReport* report = nullptr,
                            NodeVoltages* nodes = nullptr);
  // count vectors, row-major [count][rows] -> currents [count][cols].
  std::vector<double> solve_batch(const std::vector<double>& v_in_V, size_t count,
                                  std::vector<SolveReport>* reports = nullptr);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Ideal currents for zero wire, driver and sense resistance: I[c] = sum_r i_cell(V[r] - v_sense).
std::vector<double> ideal_currents(const Array& a, const CellModel& cell,
                                   const std::vector<double>& v_in_V, double v_sense_V = 0);

}  // namespace cimchar::xbar
