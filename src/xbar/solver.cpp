#include "xbar/solver.hpp"

#include <algorithm>
#include <cstdio>
#include <cmath>
#include <limits>
#include <sstream>

#include "device/table_twin.hpp"
#include "xbar/krylov.hpp"
#include "xbar/network.hpp"
#include "xbar/schur.hpp"

namespace cimchar::xbar {

namespace {
double max_abs(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m = std::max(m, std::abs(x));
  return m;
}
}  // namespace

// One iterate: node voltages, KCL residuals, column currents.
struct Point {
  std::vector<double> u, w, x;  // row nodes, column nodes, 1T1R internal nodes
  std::vector<double> fu, fw;   // KCL residuals (current leaving each node)
  std::vector<double> I;        // column currents
  double fnorm = 0;
};

struct Solver::Impl {
  Array arr;
  Wiring wiring;
  CellModel cell;
  SolveOptions opt;
  Network net;
  SchurSystem sys;
  std::vector<double> amp;        // per-cell element amplitude
  // Tabulated two-terminal cells: each cell's state resolved once (interval, weight, G), so a
  // cell evaluation is two Hermite shapes (bench/RESULTS.md, issue 17 item 6).
  std::vector<device::TableTwin::StatePoint> tab;
  std::vector<double> row_scratch;  // 3 x cols: a row's cell currents, slopes, voltages
  std::vector<double> ratios;     // the table's shape ratios at one row's bias (linear_start)
  Linearization lin, lin_trial;   // Jacobian at p and at the trial point
  Linearization lin_start;        // linear start problem (nonlinear cells)
  CurrentProbe probe;
  std::vector<double> v;          // current input vector (continuation scales it)
  Point p, trial;                 // workspaces, reused across solves
  std::vector<double> du, dw;
  KrylovWork work;

  Impl(Array a, Wiring w, CellModel c, SolveOptions o)
      : arr(std::move(a)), wiring(w), cell(std::move(c)), opt(o),
        net((arr.validate(), wiring.validate(), cell.validate(arr.rows), arr.rows), arr.cols,
            wiring),
        sys(net) {
    const size_t n = arr.rows * arr.cols;
    if (cell.element == Element::table && !cell.transistor) {
      tab = cell.table->points_for_conductances(arr.g_S, cell.table_v_ref_V);  // amp unused
    } else {
      amp = cell.amplitudes(arr.g_S);
    }
    row_scratch.resize(3 * arr.cols);
    for (Linearization* L : {&lin, &lin_trial}) {
      L->symmetric = cell.symmetric();
      if (cell.linear()) break;  // the linear Jacobian is the conductance matrix, set below
      if (L->symmetric) L->g.resize(n);
      else L->a.resize(n), L->b.resize(n), L->c.resize(n), L->d.resize(n);
    }
    if (!net.col_fixed) {
      probe.scale = net.g_sense;
      for (size_t c = 0; c < arr.cols; ++c) probe.index.push_back(net.sense_index(c));
    }
    if (cell.linear()) {
      lin.g = std::move(amp);  // amplitude = conductance; eval reads lin.g for linear cells
      std::vector<double>().swap(arr.g_S);
      sys.set(lin, opt.schur_diag_precond);
    }
  }

  // A two-terminal cell's element at voltage dv.
  ElementIV element(size_t k, double dv) const {
    if (tab.empty()) return element_iv(cell, amp[k], dv);
    const device::TableIV t = cell.table->eval(dv, tab[k]);
    return {t.i_A, t.di_dv_S};
  }

  // Two-terminal nonlinear cells on resistive word and bit lines: each row's wire, driver and
  // sense currents and its cells' currents in one pass, written (not accumulated) into the
  // residuals (bench/RESULTS.md 2026-12-07: a zeroing pass and two wire passes fewer).
  void eval_full_two_terminal(Point& pt, Linearization* out_lin) {
    const size_t N = arr.rows, M = arr.cols;
    const double gr = net.g_wire_row, gc = net.g_wire_col;
    double* i = row_scratch.data();
    double* di = i + M;
    for (size_t r = 0; r < N; ++r) {
      const size_t k0 = r * M;
      const double* u = &pt.u[k0];
      const double* w = &pt.w[k0];
      const double* wu = r > 0 ? w - M : w;  // a missing neighbour: itself (no current)
      const double* wd = r + 1 < N ? w + M : w;
      double* fu = &pt.fu[k0];
      double* fw = &pt.fw[k0];
      cell_currents(u, w, k0, i, out_lin ? &out_lin->g[k0] : di);
      for (size_t c = 0; c < M; ++c) {
        const double row_wire = c > 0 && c + 1 < M ? gr * ((u[c] - u[c - 1]) + (u[c] - u[c + 1])) : 0.0;
        fu[c] = row_wire + i[c];
        fw[c] = gc * ((w[c] - wu[c]) + (w[c] - wd[c])) - i[c];
      }
      if (M > 1) {
        fu[0] += gr * (u[0] - u[1]);
        fu[M - 1] += gr * (u[M - 1] - u[M - 2]);
      }
      fu[0] += net.g_drv * (u[0] - v[r]);
      if (net.drive_both) fu[M - 1] += net.g_drv * (u[M - 1] - v[r]);
      if (r == net.sense_row)
        for (size_t c = 0; c < M; ++c) fw[c] += net.g_sense * (w[c] - net.v_sense);
    }
  }

  // One row's two-terminal cell currents i and their slopes di at u - w (cells k0, k0 + 1, ...).
  void cell_currents(const double* u, const double* w, size_t k0, double* i, double* di) {
    const size_t M = arr.cols;
    double* dv = i + 2 * M;
    for (size_t c = 0; c < M; ++c) dv[c] = u[c] - w[c];
    if (!tab.empty()) {
      cell.table->eval_many(dv, &tab[k0], M, i, di);
      return;
    }
    const double* a = &amp[k0];
    for (size_t c = 0; c < M; ++c) {
      const ElementIV e = element_iv(cell, a[c], dv[c]);
      i[c] = e.i, di[c] = e.di_dv;
    }
  }

  // Cell currents at pt -> KCL residuals, column currents, residual norm. With out_lin, also the
  // cells' Jacobian entries; with g_override, the cells are linear with those conductances.
  void eval(Point& pt, Linearization* out_lin, const std::vector<double>* g_override = nullptr) {
    const size_t N = arr.rows, M = arr.cols;
    const bool linear = cell.linear() || g_override;
    const bool full = net.row_full && net.col_full;
    if (full && !linear && !cell.transistor) {
      pt.fu.resize(net.u_size());
      pt.fw.resize(net.w_size());
      pt.I.resize(M);
      eval_full_two_terminal(pt, out_lin);
      finish_eval(pt);
      return;
    }
    pt.fu.assign(net.u_size(), 0.0);
    pt.fw.assign(net.w_size(), 0.0);
    pt.I.assign(M, 0.0);
    net.add_row_wire_currents(pt.u.data(), v.data(), pt.fu.data());
    net.add_col_wire_currents(pt.w.data(), pt.fw.data());
    const std::vector<double>& gl = g_override ? *g_override : cell.linear() ? lin.g : amp;
    if (cell.transistor && !linear && pt.x.size() != N * M)
      pt.x.assign(N * M, std::numeric_limits<double>::quiet_NaN());
    for (size_t r = 0; r < N; ++r) {
      const double vg = cell.transistor ? cell.gate(r) : 0.0;
      const size_t k0 = r * M;
      if (full && linear) {  // the common case, vectorisable
        const double* u = &pt.u[k0];
        const double* w = &pt.w[k0];
        double* fu = &pt.fu[k0];
        double* fw = &pt.fw[k0];
        const double* g = &gl[k0];
        for (size_t c = 0; c < M; ++c) {
          double i = g[c] * (u[c] - w[c]);
          fu[c] += i;
          fw[c] -= i;
        }
        continue;
      }
      for (size_t c = 0; c < M; ++c) {
        const size_t k = k0 + c, iu_ = net.ui(r, c), iw_ = net.wi(r, c);
        const double U = pt.u[iu_], W = pt.w[iw_];
        double iu, iw;
        if (linear) {
          iu = iw = gl[k] * (U - W);
        } else if (!cell.transistor) {
          ElementIV e = element(k, U - W);
          iu = iw = e.i;
          if (out_lin) out_lin->g[k] = e.di_dv;
        } else {
          CellEval e = eval_cell(cell, amp[k], vg, U, W, pt.x[k]);
          iu = e.iu, iw = e.iw, pt.x[k] = e.x;
          if (out_lin)
            out_lin->a[k] = e.diu_du, out_lin->b[k] = e.diu_dw, out_lin->c[k] = e.diw_du,
            out_lin->d[k] = e.diw_dw;
        }
        pt.fu[iu_] += iu;
        pt.fw[iw_] -= iw;
        if (net.col_fixed) pt.I[c] += iw;
      }
    }
    if (net.col_fixed && full && linear)
      for (size_t r = 0; r < N; ++r)
        for (size_t c = 0; c < M; ++c) pt.I[c] += gl[r * M + c] * (pt.u[r * M + c] - pt.w[r * M + c]);
    finish_eval(pt);
  }

  // Column currents at the sense ends and the residual norm.
  void finish_eval(Point& pt) const {
    const size_t M = arr.cols;
    if (!net.col_fixed)
      for (size_t c = 0; c < M; ++c)
        pt.I[c] = net.g_sense * (pt.w[net.sense_index(c)] - net.v_sense);
    double s = 0;
    if (!net.row_fixed) for (double f : pt.fu) s += f * f;
    if (!net.col_fixed) for (double f : pt.fw) s += f * f;
    pt.fnorm = std::sqrt(s);
  }

  // KCL residual norm at which rounding dominates: each node sum adds currents g * (v1 - v2)
  // whose voltage difference carries an absolute error of about eps * |v|.
  double fnorm_floor(const Point& pt, const Linearization& L) const {
    double vmax = std::max(max_abs(pt.u), max_abs(pt.w));
    double gmax = std::max({net.g_wire_row, net.g_wire_col, net.g_drv, net.g_sense, max_abs(L.g),
                            max_abs(L.a), max_abs(L.d)});
    double n = static_cast<double>(net.u_size() + net.w_size());
    return 16 * std::numeric_limits<double>::epsilon() * vmax * gmax * std::sqrt(n);
  }

  double max_residual(const Point& pt) const {
    double m = 0;
    if (!net.row_fixed) m = std::max(m, max_abs(pt.fu));
    if (!net.col_fixed) m = std::max(m, max_abs(pt.fw));
    return m;
  }

  // Ideal start: word lines at their inputs, bit lines at the virtual ground.
  void start_point(Point& pt) {
    pt.u.resize(net.u_size());
    for (size_t r = 0; r < arr.rows; ++r) {
      if (net.row_full) std::fill_n(pt.u.begin() + r * arr.cols, arr.cols, v[r]);
      else pt.u[r] = v[r];
    }
    pt.w.assign(net.w_size(), net.v_sense);
    pt.x.clear();
  }

  // Newton direction (du, dw) at pt for the linearization last given to sys.set().
  KrylovResult step(const Point& pt, bool symmetric, double eta) {
    const size_t nw = sys.size();
    dw.assign(nw, 0.0);
    du.resize(net.u_size());
    KrylovResult kr;
    kr.converged = true;
    if (nw > 0) {
      work.resize(nw);
      double* rhs = work.r.data();  // the Krylov solvers start from r = rhs
      sys.reduce_rhs(pt.fu.data(), pt.fw.data(), rhs);
      if (symmetric) {
        probe.base = pt.I;
        kr = sys.fused_ok() ? pcg_lines(sys, rhs, dw.data(), probe, eta, opt.max_krylov, work)
                            : pcg(sys, rhs, dw.data(), probe, eta, opt.max_krylov, work);
      } else {
        kr = gmres(sys, rhs, dw.data(), std::min(1e-3, eta), opt.max_krylov);
      }
    }
    sys.back_substitute(pt.fu.data(), dw.data(), du.data());
    return kr;
  }

  void apply_step(const Point& from, double lambda, Point& to) {
    to.u.resize(from.u.size());
    to.w.resize(from.w.size());
    for (size_t i = 0; i < du.size(); ++i) to.u[i] = from.u[i] + lambda * du[i];
    for (size_t i = 0; i < dw.size(); ++i) to.w[i] = from.w[i] + lambda * dw[i];
    if (dw.empty()) to.w = from.w;
    to.x = from.x;
  }

  static double rel_change(const Point& a, const Point& b) {
    double imax = std::max(max_abs(b.I), std::numeric_limits<double>::min()), ch = 0;
    for (size_t c = 0; c < a.I.size(); ++c) ch = std::max(ch, std::abs(b.I[c] - a.I[c]));
    return ch / imax;
  }

  // Newton from p (updated in place) for the input in `v`. True when converged.
  bool newton(SolveReport& rep) {
    eval(p, &lin);
    if (p.fnorm == 0) {
      rep.current_err_est = 0;
      return true;
    }
    double prev_change = 1, eta = 1e-2;
    for (int it = 1; it <= opt.max_newton; ++it) {
      // The preconditioner is rebuilt for the first Newton step (the chord start's is ~20% off
      // the tangent conductances: one more Newton step, measured) and kept after it, when the
      // Jacobian moves by ~1e-3 (bench/RESULTS.md 2026-12-07: the same Krylov counts).
      sys.set(lin, opt.schur_diag_precond, it > 1);
      KrylovResult kr = step(p, lin.symmetric, eta);
      rep.krylov_iterations += kr.iterations;
      ++rep.newton_iterations;
      double lambda = 1;
      for (;;) {
        apply_step(p, lambda, trial);
        eval(trial, &lin_trial);
        if (trial.fnorm <= (1 - 1e-4 * lambda) * p.fnorm ||
            trial.fnorm <= fnorm_floor(trial, lin_trial))
          break;
        lambda *= 0.5;
        if (lambda < 1e-10) return false;  // no descent: the caller steps the sources
      }
      const double change = rel_change(p, trial);
      if (opt.trace)
        std::fprintf(stderr, "newton %d: |F| %.3e -> %.3e lambda %g dI %.3e eta %.1e krylov %d\n",
                     it, p.fnorm, trial.fnorm, lambda, change, eta, kr.iterations);
      std::swap(p, trial);
      std::swap(lin, lin_trial);
      if (lambda == 1 && kr.converged && eta <= opt.current_rtol) {
        // Quadratic convergence: the next correction is about K change^2 (K from the last two
        // steps, at least 1), and this step was solved to the target tolerance.
        double K = std::max(1.0, change / (prev_change * prev_change));
        double predicted = K * change * change;
        if (predicted <= 0.1 * opt.current_rtol) {
          rep.current_err_est = std::max(predicted, kr.err_est);
          return true;
        }
      }
      rep.current_err_est = change;
      if (lambda == 1) {
        // Inexact Newton: the next step needs the currents only to about the size of the change
        // after it (next = K change^2). When the step after next is predicted below the target
        // (next^2: K is an overestimate from the chord start's first step, 2-3 where the later
        // steps show 0.1-0.2; with K next^2, 20% of the benchmark's vectors took a fourth Newton
        // step), solve the next one to the target so that it can be the last. Only the inner
        // tolerance depends on this; the convergence test above is unchanged.
        double K = std::max(1.0, std::min(1e3, change / (prev_change * prev_change)));
        double next = K * change * change;
        eta = next * next <= 0.1 * opt.current_rtol
                  ? 0.5 * opt.current_rtol
                  : std::clamp(0.01 * change * change, 0.5 * opt.current_rtol, 1e-2);
      } else {
        eta = 1e-2;
      }
      prev_change = lambda == 1 ? change : 1;
    }
    return false;
  }

  // Start point for nonlinear cells: the linear problem with each cell replaced by its chord
  // conductance at the ideal bias (V[r] - v_sense), solved loosely; Newton refines it.
  void linear_start(SolveReport& rep) {
    const size_t N = arr.rows, M = arr.cols;
    lin_start.symmetric = true;
    lin_start.g.resize(N * M);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (size_t r = 0; r < N; ++r) {
      const double vb = v[r] - net.v_sense, vg = cell.transistor ? cell.gate(r) : 0.0;
      double* g = &lin_start.g[r * M];
      if (cell.transistor) {
        for (size_t c = 0; c < M; ++c) {
          CellEval e = eval_cell(cell, amp[r * M + c], vg, v[r], net.v_sense, nan);
          g[c] = std::abs(vb) > 1e-9 ? e.iw / vb : e.diw_du;
        }
      } else if (!tab.empty()) {  // every cell of the row at the same vb: the states' shapes once
        cell.table->shape_ratios(std::abs(vb) > 1e-9 ? vb : 0.0, &ratios);
        for (size_t c = 0; c < M; ++c) g[c] = device::TableTwin::chord(tab[r * M + c], ratios);
      } else {  // linear and sinh elements are linear in their amplitude
        const ElementIV e = element_iv(cell, 1.0, vb);
        const double unit = std::abs(vb) > 1e-9 ? e.i / vb : e.di_dv;
        for (size_t c = 0; c < M; ++c) g[c] = amp[r * M + c] * unit;
      }
      for (size_t c = 0; c < M; ++c) g[c] = std::max(g[c], 1e-15);
    }
    sys.set(lin_start, opt.schur_diag_precond);
    eval(p, nullptr, &lin_start.g);
    KrylovResult kr = step(p, true, 1e-2);  // the chord's own error is ~1e-2 of the currents
    rep.krylov_iterations += kr.iterations;
    apply_step(p, 1.0, trial);
    std::swap(p, trial);
    p.x.clear();
  }

  std::vector<double> solve(const std::vector<double>& v_in, SolveReport* rep_out,
                            NodeVoltages* nodes) {
    if (v_in.size() != arr.rows)
      throw InputError("input vector has " + std::to_string(v_in.size()) + " values, the array " +
                       std::to_string(arr.rows) + " rows");
    for (double x : v_in)
      if (!std::isfinite(x)) throw InputError("input voltage is not finite");
    SolveReport rep;
    v = v_in;
    start_point(p);
    bool ok;
    if (cell.linear()) {
      eval(p, nullptr);
      KrylovResult kr = step(p, true, opt.current_rtol);
      rep.krylov_iterations = kr.iterations;
      rep.newton_iterations = 1;
      for (size_t i = 0; i < du.size(); ++i) p.u[i] += du[i];
      for (size_t i = 0; i < dw.size(); ++i) p.w[i] += dw[i];
      eval(p, nullptr);
      rep.current_err_est = kr.err_est;
      ok = kr.converged;
    } else {
      if (opt.start_from_linear) linear_start(rep);
      ok = newton(rep);
      if (!ok) ok = continuation(v_in, rep);
    }
    rep.max_current_A = max_abs(p.I);
    rep.residual_rel =
        max_residual(p) / std::max(rep.max_current_A, std::numeric_limits<double>::min());
    rep.converged = ok && rep.current_err_est <= opt.current_rtol;
    if (!rep.converged) {
      std::ostringstream os;
      os << "crossbar solve did not converge: estimated current error " << rep.current_err_est
         << " (target " << opt.current_rtol << "), KCL residual " << rep.residual_rel
         << " of max |I|, " << rep.newton_iterations << " Newton / " << rep.krylov_iterations
         << " Krylov iterations";
      rep.message = os.str();
      if (opt.throw_on_failure) throw ConvergenceError(rep.message, rep);
    }
    if (nodes) expand(p, *nodes);
    if (rep_out) *rep_out = rep;
    return p.I;
  }

  // Source stepping: inputs scaled from v_sense towards v_in in steps that halve on failure.
  bool continuation(const std::vector<double>& v_in, SolveReport& rep) {
    v.assign(v_in.size(), net.v_sense);
    start_point(p);
    Point good = p;
    double s = 0, ds = 0.25;
    while (s < 1) {
      double s_next = std::min(1.0, s + ds);
      for (size_t r = 0; r < v.size(); ++r) v[r] = net.v_sense + s_next * (v_in[r] - net.v_sense);
      p = good;
      ++rep.continuation_steps;
      if (newton(rep)) {
        good = p;
        s = s_next;
        ds = std::min(2 * ds, 1 - s);
      } else {
        ds *= 0.5;
        if (ds < 1.0 / 4096 || rep.continuation_steps > 200) return false;
      }
    }
    p = std::move(good);
    return true;
  }

  void expand(const Point& pt, NodeVoltages& nv) const {
    const size_t N = arr.rows, M = arr.cols;
    nv.row_V.resize(N * M);
    nv.col_V.resize(N * M);
    for (size_t r = 0; r < N; ++r)
      for (size_t c = 0; c < M; ++c) {
        nv.row_V[r * M + c] = pt.u[net.ui(r, c)];
        nv.col_V[r * M + c] = pt.w[net.wi(r, c)];
      }
    nv.x_V = pt.x;
  }
};

Solver::Solver(Array array, Wiring wiring, CellModel cell, SolveOptions opts)
    : impl_(std::make_unique<Impl>(std::move(array), wiring, std::move(cell), opts)) {}
Solver::~Solver() = default;
size_t Solver::rows() const { return impl_->arr.rows; }
size_t Solver::cols() const { return impl_->arr.cols; }

std::vector<double> Solver::solve(const std::vector<double>& v_in_V, SolveReport* report,
                                  NodeVoltages* nodes) {
  return impl_->solve(v_in_V, report, nodes);
}

std::vector<double> Solver::solve_batch(const std::vector<double>& v_in_V, size_t count,
                                        std::vector<SolveReport>* reports) {
  const size_t N = rows(), M = cols();
  if (v_in_V.size() != count * N)
    throw InputError("input batch has " + std::to_string(v_in_V.size()) + " values, expected " +
                     std::to_string(count) + " x " + std::to_string(N));
  std::vector<double> out(count * M);
  if (reports) reports->resize(count);
  std::vector<double> v(N);
  for (size_t k = 0; k < count; ++k) {
    std::copy_n(v_in_V.begin() + k * N, N, v.begin());
    std::vector<double> I = solve(v, reports ? &(*reports)[k] : nullptr);
    std::copy(I.begin(), I.end(), out.begin() + k * M);
  }
  return out;
}

std::vector<double> ideal_currents(const Array& a, const CellModel& cell,
                                   const std::vector<double>& v_in_V, double v_sense_V) {
  std::vector<double> I(a.cols, 0.0);
  const std::vector<double> amp = cell.amplitudes(a.g_S);  // a table's shapes at v_ref once
  for (size_t r = 0; r < a.rows; ++r) {
    double vg = cell.transistor ? cell.gate(r) : 0.0;
    for (size_t c = 0; c < a.cols; ++c) {
      CellEval e = eval_cell(cell, amp[r * a.cols + c], vg, v_in_V[r], v_sense_V,
                             std::numeric_limits<double>::quiet_NaN());
      I[c] += e.iw;
    }
  }
  return I;
}

}  // namespace cimchar::xbar
