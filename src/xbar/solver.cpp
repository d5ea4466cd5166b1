#include "xbar/solver.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cmath>
#include <limits>
#include <sstream>

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

// One iterate: node voltages, cell currents, KCL residuals, column currents.
struct Point {
  std::vector<double> u, w, x;     // row nodes, column nodes, 1T1R internal nodes
  std::vector<double> iu, iw;      // per cell
  std::vector<double> fu, fw;      // KCL residuals
  std::vector<double> I;           // column currents
  double fnorm = 0;
};

struct Solver::Impl {
  Array arr;
  Wiring wiring;
  CellModel cell;
  SolveOptions opt;
  Network net;
  SchurSystem sys;
  std::vector<double> amp;  // per-cell element amplitude
  Linearization lin;
  CurrentProbe probe;
  bool linear_ready = false;
  std::vector<double> v;  // current input vector (continuation scales it)
  const std::vector<double>* g_lin = nullptr;  // when set, eval treats cells as these conductances

  Impl(Array a, Wiring w, CellModel c, SolveOptions o)
      : arr(std::move(a)), wiring(w), cell(std::move(c)), opt(o),
        net((arr.validate(), wiring.validate(), cell.validate(arr.rows), arr.rows), arr.cols,
            wiring),
        sys(net) {
    const size_t n = arr.rows * arr.cols;
    amp.resize(n);
    for (size_t k = 0; k < n; ++k) amp[k] = cell.amplitude(arr.g_S[k]);
    lin.symmetric = cell.symmetric();
    if (lin.symmetric) {
      lin.g.resize(n);
    } else {
      lin.a.resize(n), lin.b.resize(n), lin.c.resize(n), lin.d.resize(n);
    }
    if (!net.col_fixed) {
      probe.scale = net.g_sense;
      for (size_t c = 0; c < arr.cols; ++c) probe.index.push_back(net.sense_index(c));
    }
    if (cell.linear()) {
      lin.g = arr.g_S;
      sys.set(lin, opt.schur_diag_precond);
      linear_ready = true;
    }
  }

  void eval(Point& p, bool need_lin) {
    const size_t N = arr.rows, M = arr.cols;
    p.iu.resize(N * M);
    p.iw.resize(N * M);
    const bool lin_only = cell.linear() || g_lin != nullptr;
    const std::vector<double>& gl = g_lin ? *g_lin : amp;
    if (cell.transistor && p.x.size() != N * M)
      p.x.assign(N * M, std::numeric_limits<double>::quiet_NaN());
    for (size_t r = 0; r < N; ++r) {
      const double vg = cell.transistor ? cell.gate(r) : 0.0;
      for (size_t c = 0; c < M; ++c) {
        const size_t k = r * M + c;
        const double U = p.u[net.ui(r, c)], W = p.w[net.wi(r, c)];
        if (lin_only) {
          p.iu[k] = p.iw[k] = gl[k] * (U - W);
          continue;
        }
        if (!cell.transistor) {
          ElementIV e = element_iv(cell, amp[k], U - W);
          p.iu[k] = p.iw[k] = e.i;
          if (need_lin) lin.g[k] = e.di_dv;
          continue;
        }
        CellEval e = eval_cell(cell, amp[k], vg, U, W, p.x[k]);
        p.iu[k] = e.iu, p.iw[k] = e.iw, p.x[k] = e.x;
        if (need_lin) lin.a[k] = e.diu_du, lin.b[k] = e.diu_dw, lin.c[k] = e.diw_du,
                      lin.d[k] = e.diw_dw;
      }
    }
    p.fu.assign(net.u_size(), 0.0);
    p.fw.assign(net.w_size(), 0.0);
    net.add_row_wire_currents(p.u.data(), v.data(), p.fu.data());
    net.add_col_wire_currents(p.w.data(), p.fw.data());
    for (size_t r = 0; r < N; ++r)
      for (size_t c = 0; c < M; ++c) {
        p.fu[net.ui(r, c)] += p.iu[r * M + c];
        p.fw[net.wi(r, c)] -= p.iw[r * M + c];
      }
    double s = 0;
    if (!net.row_fixed) for (double f : p.fu) s += f * f;
    if (!net.col_fixed) for (double f : p.fw) s += f * f;
    p.fnorm = std::sqrt(s);
    p.I.assign(M, 0.0);
    if (net.col_fixed) {
      for (size_t r = 0; r < N; ++r)
        for (size_t c = 0; c < M; ++c) p.I[c] += p.iw[r * M + c];
    } else {
      for (size_t c = 0; c < M; ++c) p.I[c] = net.g_sense * (p.w[net.sense_index(c)] - net.v_sense);
    }
  }

  // KCL residual norm at which rounding dominates: each node sum adds currents g * (v1 - v2)
  // whose voltage difference carries an absolute error of about eps * |v|.
  double fnorm_floor(const Point& p) const {
    double vmax = std::max(max_abs(p.u), max_abs(p.w));
    double gmax = std::max({net.g_wire_row, net.g_wire_col, net.g_drv, net.g_sense, max_abs(lin.g),
                            max_abs(lin.a), max_abs(lin.d)});
    double n = static_cast<double>(net.u_size() + net.w_size());
    return 16 * std::numeric_limits<double>::epsilon() * vmax * gmax * std::sqrt(n);
  }

  double max_residual(const Point& p) const {
    double m = 0;
    if (!net.row_fixed) m = std::max(m, max_abs(p.fu));
    if (!net.col_fixed) m = std::max(m, max_abs(p.fw));
    return m;
  }

  void start_point(Point& p) {
    p.u.resize(net.u_size());
    for (size_t r = 0; r < arr.rows; ++r) {
      if (net.row_full) std::fill_n(p.u.begin() + r * arr.cols, arr.cols, v[r]);
      else p.u[r] = v[r];
    }
    p.w.assign(net.w_size(), net.v_sense);
  }

  // Inner solve for the Newton step at p with tolerance eta; returns krylov result.
  KrylovResult step(const Point& p, double eta, std::vector<double>& du, std::vector<double>& dw) {
    const size_t nw = sys.size();
    std::vector<double> rhs(nw);
    dw.assign(nw, 0.0);
    du.resize(net.u_size());
    KrylovResult kr;
    if (nw > 0) {
      sys.reduce_rhs(p.fu.data(), p.fw.data(), rhs.data());
      if (lin.symmetric) {
        probe.base = p.I;
        kr = pcg(sys, rhs.data(), dw.data(), probe, eta, opt.max_krylov);
      } else {
        kr = gmres(sys, rhs.data(), dw.data(), std::min(1e-3, eta), opt.max_krylov);
      }
    } else {
      kr.converged = true;
    }
    sys.back_substitute(p.fu.data(), dw.data(), du.data());
    return kr;
  }

  // Newton from p (updated in place) for the input in `v`. Returns true when converged.
  bool newton(Point& p, SolveReport& rep) {
    std::vector<double> du, dw;
    Point trial;
    double prev_change = 1, eta = 1e-2;
    for (int it = 1; it <= opt.max_newton; ++it) {
      eval(p, true);
      if (it == 1 && p.fnorm == 0) return true;
      sys.set(lin, opt.schur_diag_precond);
      KrylovResult kr = step(p, eta, du, dw);
      rep.krylov_iterations += kr.iterations;
      ++rep.newton_iterations;
      double lambda = 1;
      for (;;) {
        trial.u = p.u, trial.w = p.w, trial.x = p.x;
        for (size_t i = 0; i < du.size(); ++i) trial.u[i] += lambda * du[i];
        for (size_t i = 0; i < dw.size(); ++i) trial.w[i] += lambda * dw[i];
        eval(trial, false);
        if (trial.fnorm <= (1 - 1e-4 * lambda) * p.fnorm || trial.fnorm <= fnorm_floor(trial))
          break;
        lambda *= 0.5;
        if (lambda < 1e-10) return false;  // no descent: let the caller continue by stepping
      }
      double imax = std::max(max_abs(trial.I), std::numeric_limits<double>::min());
      double change = 0;
      for (size_t c = 0; c < p.I.size(); ++c) change = std::max(change, std::abs(trial.I[c] - p.I[c]));
      change /= imax;
      if (getenv("XBAR_DEBUG")) fprintf(stderr, "newton %d: fnorm %.3e -> %.3e lambda %g change %.3e eta %.1e kr %d conv %d\n", it, p.fnorm, trial.fnorm, lambda, change, eta, kr.iterations, kr.converged);
      std::swap(p, trial);
      const bool tight = kr.converged && eta <= opt.current_rtol;
      if (lambda == 1 && tight) {
        // Quadratic convergence: the next correction is about K*change^2, K from the last two.
        double k = prev_change > 0 ? change / (prev_change * prev_change) : 1;
        double predicted = std::max(k, 1.0) * change * change;
        if (change <= opt.current_rtol && predicted <= 0.1 * opt.current_rtol) {
          rep.current_err_est = std::max(predicted, kr.err_est);
          return true;
        }
      }
      rep.current_err_est = change;
      if (lambda == 1) eta = std::clamp(0.01 * change * change, 0.5 * opt.current_rtol, 1e-2);
      prev_change = lambda == 1 ? change : 1;
    }
    return false;
  }

  std::vector<double> solve(const std::vector<double>& v_in, SolveReport* rep_out,
                            NodeVoltages* nodes) {
    if (v_in.size() != arr.rows)
      throw InputError("input vector has " + std::to_string(v_in.size()) + " values, the array " +
                       std::to_string(arr.rows) + " rows");
    for (double x : v_in)
      if (!std::isfinite(x)) throw InputError("input voltage is not finite");
    SolveReport rep;
    Point p;
    v = v_in;
    start_point(p);
    bool ok;
    if (cell.linear()) {
      eval(p, false);
      std::vector<double> du, dw;
      KrylovResult kr = step(p, opt.current_rtol, du, dw);
      rep.krylov_iterations = kr.iterations;
      rep.newton_iterations = 1;
      for (size_t i = 0; i < du.size(); ++i) p.u[i] += du[i];
      for (size_t i = 0; i < dw.size(); ++i) p.w[i] += dw[i];
      eval(p, false);
      rep.current_err_est = kr.err_est;
      ok = kr.converged;
    } else {
      if (opt.start_from_linear) linear_start(p, rep);
      ok = newton(p, rep);
      if (!ok) ok = continuation(p, v_in, rep);
    }
    rep.max_current_A = max_abs(p.I);
    rep.residual_rel = max_residual(p) / std::max(rep.max_current_A, std::numeric_limits<double>::min());
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

  // Start point for nonlinear cells: the solution with each cell replaced by its small-signal
  // conductance at 0 V (loose tolerance: Newton refines it).
  void linear_start(Point& p, SolveReport& rep) {
    if (cell.transistor) return;  // 1T1R starts from the ideal point
    std::vector<double> g0 = amp;
    if (cell.element == Element::sinh) for (double& g : g0) g /= cell.sinh.v0_V;
    Linearization saved = lin;
    lin.g = g0;
    g_lin = &g0;
    sys.set(lin, opt.schur_diag_precond);
    eval(p, false);
    std::vector<double> du, dw;
    KrylovResult kr = step(p, 1e-4, du, dw);
    rep.krylov_iterations += kr.iterations;
    for (size_t i = 0; i < du.size(); ++i) p.u[i] += du[i];
    for (size_t i = 0; i < dw.size(); ++i) p.w[i] += dw[i];
    g_lin = nullptr;
    lin = std::move(saved);
  }

  // Source stepping: inputs scaled from v_sense towards v_in in steps that halve on failure.
  bool continuation(Point& p, const std::vector<double>& v_in, SolveReport& rep) {
    Point good;
    v.assign(v_in.size(), net.v_sense);
    start_point(good);
    double s = 0, ds = 0.25;
    while (s < 1) {
      double s_next = std::min(1.0, s + ds);
      for (size_t r = 0; r < v.size(); ++r) v[r] = net.v_sense + s_next * (v_in[r] - net.v_sense);
      Point q = good;
      ++rep.continuation_steps;
      if (newton(q, rep)) {
        good = std::move(q);
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

  void expand(const Point& p, NodeVoltages& nv) const {
    const size_t N = arr.rows, M = arr.cols;
    nv.row_V.resize(N * M);
    nv.col_V.resize(N * M);
    for (size_t r = 0; r < N; ++r)
      for (size_t c = 0; c < M; ++c) {
        nv.row_V[r * M + c] = p.u[net.ui(r, c)];
        nv.col_V[r * M + c] = p.w[net.wi(r, c)];
      }
    nv.x_V = p.x;
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
  for (size_t r = 0; r < a.rows; ++r) {
    double vg = cell.transistor ? cell.gate(r) : 0.0;
    for (size_t c = 0; c < a.cols; ++c) {
      double amp = cell.amplitude(a.g(r, c));
      CellEval e = eval_cell(cell, amp, vg, v_in_V[r], v_sense_V,
                             std::numeric_limits<double>::quiet_NaN());
      I[c] += e.iw;
    }
  }
  return I;
}

}  // namespace cimchar::xbar
