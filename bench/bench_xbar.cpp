// Crossbar solver benchmarks (issue 3). Plain timing executable, one case per invocation so that
// the peak memory (getrusage) belongs to that case:
//   bench_xbar native N [linear|sinh|table] [vectors]   first solve incl. set-up, then further vectors
//     (XBAR_TRACE=1: one line per Newton step; XBAR_NOCHORD=1: Newton from the ideal point)
//   bench_xbar ratio N [vectors] [firsts]              linear, sinh and table interleaved: medians, ratios
//   bench_xbar transfer N [vectors]               transfer-matrix build, then per vector
//   bench_xbar cholmod N [amd|metis|nesdis]       sparse direct candidate (CHOLMOD supernodal)
//   bench_xbar ngspice N                          ngspice operating point through the pool
// Case (../shared/SOLVER-NOTES.md): N x N linear cells, G uniform in [1, 100] uS, inputs uniform in
// [0, 0.2] V, 2.5 ohm per wire segment, ideal drivers and virtual grounds. sinh: the Stanford/ASU
// card's V0 = 0.25 V, G the small-signal conductance. table: the same sinh law as a tabulated device
// (device::TableTwin, as a netlist-only device gets from ngspice: 33 states with G from 1 to
// 100 uS log-spaced, 201 V points over +-1.05 x 0.2 V), G mapped to the state by the table. Times are wall and CPU seconds of this
// process, one thread; the accuracy column is the max relative column-current difference to an
// independent solve (transfer/CHOLMOD vs CG; CG vs CHOLMOD).
#include <sys/resource.h>

#include <Eigen/CholmodSupport>
#include <Eigen/SparseCore>
#include <algorithm>
#include <chrono>
#include <memory>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <string>

#include "spice/pool.hpp"
#include "spice/session.hpp"
#include "device/table_twin.hpp"
#include "xbar/netlist.hpp"
#include "xbar/solver.hpp"
#include "xbar/transfer.hpp"

using namespace cimchar::xbar;

namespace {

struct Clock {
  double wall0, cpu0;
  static double wall() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  }
  static double cpu() {
    timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
  }
  Clock() : wall0(wall()), cpu0(cpu()) {}
  double w() const { return wall() - wall0; }
  double c() const { return cpu() - cpu0; }
};

double peak_MB() {
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024.0;
}

Array make_array(size_t n) {
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> u(1e-6, 1e-4);
  Array a{n, n, std::vector<double>(n * n)};
  for (double& g : a.g_S) g = u(rng);
  return a;
}

std::vector<double> inputs(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 0.2);
  std::vector<double> v(n);
  for (double& x : v) x = u(rng);
  return v;
}

Wiring wiring() {
  Wiring w;
  w.r_wire_row_ohm = w.r_wire_col_ohm = 2.5;
  return w;
}

double rel_diff(const std::vector<double>& a, const std::vector<double>& b) {
  double m = 0, e = 0;
  for (double x : b) m = std::max(m, std::abs(x));
  for (size_t i = 0; i < a.size(); ++i) e = std::max(e, std::abs(a[i] - b[i]));
  return e / m;
}

// Full nodal system (row nodes then column nodes) for the sparse direct candidate.
Eigen::SparseMatrix<double> nodal_matrix(const Array& a, const Wiring& w, Eigen::VectorXd* rhs,
                                         const std::vector<double>& v) {
  const int N = static_cast<int>(a.rows), M = static_cast<int>(a.cols), n = 2 * N * M;
  std::vector<Eigen::Triplet<double>> t;
  *rhs = Eigen::VectorXd::Zero(n);
  auto U = [&](int r, int c) { return r * M + c; };
  auto W = [&](int r, int c) { return N * M + r * M + c; };
  auto stamp = [&](int i, int j, double g) {
    t.emplace_back(i, i, g), t.emplace_back(j, j, g), t.emplace_back(i, j, -g), t.emplace_back(j, i, -g);
  };
  const double gr = 1 / w.r_wire_row_ohm, gc = 1 / w.r_wire_col_ohm;
  for (int r = 0; r < N; ++r) {
    t.emplace_back(U(r, 0), U(r, 0), gr);
    (*rhs)[U(r, 0)] = gr * v[r];
    for (int c = 0; c + 1 < M; ++c) stamp(U(r, c), U(r, c + 1), gr);
    for (int c = 0; c < M; ++c) stamp(U(r, c), W(r, c), a.g(r, c));
  }
  for (int c = 0; c < M; ++c) {
    for (int r = 0; r + 1 < N; ++r) stamp(W(r, c), W(r + 1, c), gc);
    t.emplace_back(W(N - 1, c), W(N - 1, c), gc);
  }
  Eigen::SparseMatrix<double> A(n, n);
  A.setFromTriplets(t.begin(), t.end());
  return A;
}

// The sinh law I = G(s) V0 sinh(V / V0) tabulated (what device/tabulate.cpp builds from ngspice).
std::shared_ptr<const cimchar::device::TableTwin> sinh_table() {
  const size_t ns = 33, nv = 201;
  const double v0 = 0.25, vmax = 1.05 * 0.2;
  std::vector<double> st(ns);
  std::vector<std::vector<double>> i(ns, std::vector<double>(nv));
  for (size_t k = 0; k < ns; ++k) {
    st[k] = static_cast<double>(k) / static_cast<double>(ns - 1);
    const double g = 1e-6 * std::pow(100.0, st[k]);
    for (size_t j = 0; j < nv; ++j) {
      const double v = -vmax + 2 * vmax * static_cast<double>(j) / static_cast<double>(nv - 1);
      i[k][j] = g * v0 * std::sinh(v / v0);
    }
  }
  return std::make_shared<const cimchar::device::TableTwin>(st, -vmax, vmax, i);
}

int native(size_t n, const std::string& mode, int vectors) {
  Array a = make_array(n);
  CellModel cell;
  const bool sinh = mode == "sinh";
  if (sinh) cell.element = Element::sinh, cell.sinh.v0_V = 0.25;
  if (mode == "table") cell.element = Element::table, cell.table = sinh_table();
  std::vector<double> v0 = inputs(n, 7);
  Clock first;
  SolveOptions so;
  so.trace = std::getenv("XBAR_TRACE") != nullptr;
  so.start_from_linear = std::getenv("XBAR_NOCHORD") == nullptr;
  Solver s(a, wiring(), cell, so);
  SolveReport rep;
  std::vector<double> I = s.solve(v0, &rep);
  const double fw = first.w(), fc = first.c();
  Clock more;
  int krylov = 0, newton = 0;
  for (int k = 0; k < vectors; ++k) {
    SolveReport r2;
    s.solve(inputs(n, 100 + k), &r2);
    krylov += r2.krylov_iterations;
    newton += r2.newton_iterations;
  }
  std::printf(
      "native %-6s N=%-5zu first %.4f s (cpu %.4f; Newton %d, Krylov %d, est %.1e)  further "
      "%.4f s/vector (cpu %.4f; Newton %.2f, Krylov %.1f)  peak %.0f MB\n",
      mode.c_str(), n, fw, fc, rep.newton_iterations, rep.krylov_iterations,
      rep.current_err_est, more.w() / vectors, more.c() / vectors, double(newton) / vectors, double(krylov) / vectors,
      peak_MB());
  return 0;
}

CellModel cell_for(const std::string& mode) {
  CellModel cell;
  if (mode == "sinh") cell.element = Element::sinh, cell.sinh.v0_V = 0.25;
  if (mode == "table") cell.element = Element::table, cell.table = sinh_table();
  return cell;
}

double median(std::vector<double> x) {
  std::sort(x.begin(), x.end());
  return x[x.size() / 2];
}

// The three cell models timed side by side in one process, interleaved (linear, sinh, table for
// each first solve and each further vector), so that a drifting machine moves all three alike;
// medians, and each model's ratio to the linear solve.
int ratio(size_t n, int vectors, int firsts) {
  const Array a = make_array(n);
  const std::vector<std::string> modes = {"linear", "sinh", "table"};
  std::vector<std::vector<double>> first(3), further(3);
  std::vector<std::unique_ptr<Solver>> solvers(3);
  for (int f = 0; f < firsts; ++f)
    for (size_t m = 0; m < 3; ++m) {
      Clock c;
      auto s = std::make_unique<Solver>(a, wiring(), cell_for(modes[m]));
      s->solve(inputs(n, 7));
      first[m].push_back(c.w());
      solvers[m] = std::move(s);
    }
  for (int k = 0; k < vectors; ++k)
    for (size_t m = 0; m < 3; ++m) {
      const std::vector<double> v = inputs(n, 100 + k);
      Clock c;
      solvers[m]->solve(v);
      further[m].push_back(c.w());
    }
  const double f0 = median(first[0]), g0 = median(further[0]);
  for (size_t m = 0; m < 3; ++m)
    std::printf("ratio %-6s N=%-5zu first %.4f s (%.2fx linear)  further %.4f s/vector (%.2fx linear)"
                "  medians of %d / %d, interleaved\n",
                modes[m].c_str(), n, median(first[m]), median(first[m]) / f0, median(further[m]),
                median(further[m]) / g0, firsts, vectors);
  return 0;
}

int transfer(size_t n, int vectors) {
  Array a = make_array(n);
  Clock build;
  TransferMatrix t = transfer_matrix(a, wiring());
  const double bw = build.w(), bc = build.c();
  std::vector<double> v0 = inputs(n, 7);
  std::vector<double> I = t.apply(v0);
  Clock per;
  for (int k = 0; k < vectors; ++k) I = t.apply(inputs(n, 100 + k));
  const double pw = per.w() / vectors;
  std::vector<double> batch(n * 256);
  for (size_t k = 0; k < 256; ++k) {
    std::vector<double> v = inputs(n, 1000 + k);
    std::copy(v.begin(), v.end(), batch.begin() + k * n);
  }
  Clock bt;
  t.apply_batch(batch, 256);
  const double bpw = bt.w() / 256;
  SolveOptions o;
  o.current_rtol = 1e-12;
  double err = rel_diff(t.apply(v0), Solver(a, wiring(), CellModel{}, o).solve(v0));
  std::printf(
      "transfer N=%-5zu build %.3f s (cpu %.3f)  per vector %.3f ms (batch of 256: %.3f ms)  "
      "vs CG %.1e  peak %.0f MB\n",
      n, bw, bc, pw * 1e3, bpw * 1e3, err, peak_MB());
  return 0;
}

int cholmod(size_t n, const std::string& ordering) {
  Array a = make_array(n);
  std::vector<double> v0 = inputs(n, 7);
  Eigen::VectorXd b;
  Eigen::SparseMatrix<double> A = nodal_matrix(a, wiring(), &b, v0);
  Eigen::CholmodSupernodalLLT<Eigen::SparseMatrix<double>> llt;
  cholmod_common& cm = llt.cholmod();
  cm.nmethods = 1;
  cm.method[0].ordering = ordering == "metis" ? CHOLMOD_METIS
                          : ordering == "nesdis" ? CHOLMOD_NESDIS : CHOLMOD_AMD;
  cm.postorder = 1;
  Clock an;
  llt.analyzePattern(A);
  const double ta = an.w();
  Clock fa;
  llt.factorize(A);
  const double tf = fa.w();
  Clock so;
  Eigen::VectorXd x = llt.solve(b);
  const double ts = so.w();
  const size_t N = n, M = n;
  std::vector<double> I(M);
  for (size_t c = 0; c < M; ++c) I[c] = x[N * M + (N - 1) * M + c] / 2.5;
  SolveOptions o;
  o.current_rtol = 1e-12;
  double err = rel_diff(I, Solver(a, wiring(), CellModel{}, o).solve(v0));
  std::printf("cholmod-%s N=%-5zu analyze %.3f s  factor %.3f s  solve %.4f s  vs CG %.1e  peak %.0f MB\n",
              ordering.c_str(), n, ta, tf, ts, err, peak_MB());
  return 0;
}

int ngspice(size_t n) {
  Array a = make_array(n);
  std::vector<double> v0 = inputs(n, 7);
  cimchar::spice::PoolOptions po;
  po.workers = 1, po.progress = false, po.default_timeout_s = 1800;
  cimchar::spice::WorkerPool pool(po);
  NetlistOptions no;
  no.solver_options = cimchar::spice::solver_options_line(pool.info());
  cimchar::spice::Job j;
  j.name = "bench/xbar";
  j.netlist = crossbar_netlist(a, wiring(), CellModel{}, v0, no);
  j.commands = {"op"};
  j.vectors = column_current_vectors(n);
  Clock c;
  cimchar::spice::JobResult r = pool.run_one(j);
  r.throw_if_failed(j.name);
  std::vector<double> I(n);
  for (size_t k = 0; k < n; ++k) I[k] = r.vec(j.name, j.vectors[k]).at(0);
  double err = rel_diff(Solver(a, wiring(), CellModel{}).solve(v0), I);
  std::printf("ngspice N=%-4zu op %.2f s (job wall incl. load %.2f s)  native vs ngspice %.1e\n",
              n, r.wall_s, c.w(), err);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: bench_xbar native|transfer|cholmod|ngspice N [...]\n");
    return 2;
  }
  const std::string what = argv[1];
  const size_t n = std::strtoul(argv[2], nullptr, 10);
  if (what == "native")
    return native(n, argc > 3 ? std::string(argv[3]) : "linear", argc > 4 ? std::atoi(argv[4]) : 5);
  if (what == "ratio")
    return ratio(n, argc > 3 ? std::atoi(argv[3]) : 40, argc > 4 ? std::atoi(argv[4]) : 7);
  if (what == "transfer") return transfer(n, argc > 3 ? std::atoi(argv[3]) : 50);
  if (what == "cholmod") return cholmod(n, argc > 3 ? argv[3] : "metis");
  if (what == "ngspice") return ngspice(n);
  std::fprintf(stderr, "unknown benchmark '%s'\n", what.c_str());
  return 2;
}
