#include "xbar/cell.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "core/error.hpp"
#include "device/table_twin.hpp"

namespace cimchar::xbar {

namespace {
void check(bool ok, const std::string& key, const std::string& what) {
  if (!ok) throw ConfigError("cell", key, 0, what);
}
bool finite_pos(double v) { return std::isfinite(v) && v > 0; }
}  // namespace

void CellModel::validate(size_t rows) const {
  if (element == Element::sinh) {
    check(finite_pos(sinh.v0_V), "v0", "must be > 0 V");
    check(std::isfinite(sinh.v_ref_V) && sinh.v_ref_V >= 0, "v_ref", "must be >= 0 V");
  }
  if (element == Element::table) {
    check(table != nullptr, "cell", "a tabulated cell needs its table");
    check(std::isfinite(table_v_ref_V) && table_v_ref_V >= 0, "v_ref", "must be >= 0 V");
  }
  if (transistor) {
    check(mos_table != nullptr, "transistor",
          "a 1T1R cell needs its transistor's ngspice I-V table (device/mosfet_table)");
    check(v_gate_V.size() == 1 || v_gate_V.size() == rows, "v_gate",
          "needs one value or one per row (" + std::to_string(rows) + ")");
    for (double v : v_gate_V) check(std::isfinite(v), "v_gate", "must be finite");
  }
}

std::string CellModel::describe() const {
  std::ostringstream os;
  os << (element == Element::linear ? "linear" : element == Element::sinh ? "sinh" : "table");
  if (element == Element::table)
    os << " (" << table->states().size() << " states x " << table->v_points() << " V in ["
       << table->v_min() << ", " << table->v_max() << "] V, v_ref=" << table_v_ref_V << " V)";
  if (element == Element::sinh) os << " (V0=" << sinh.v0_V << " V, v_ref=" << sinh.v_ref_V << " V)";
  if (transistor && mos_table)
    os << " 1T1R (" << mos_table->spec().model_name() << " table from ngspice, W="
       << mos_table->spec().w_m << " m, L=" << mos_table->spec().l_m << " m)";
  return os.str();
}

double CellModel::amplitude(double g_S) const {
  if (element == Element::linear) return g_S;
  if (element == Element::table) return table->state_for_conductance(g_S, table_v_ref_V);
  if (sinh.v_ref_V == 0) return g_S * sinh.v0_V;
  return g_S * sinh.v_ref_V / std::sinh(sinh.v_ref_V / sinh.v0_V);
}

std::vector<double> CellModel::amplitudes(const std::vector<double>& g_S) const {
  if (element == Element::table) return table->states_for_conductances(g_S, table_v_ref_V);
  std::vector<double> a(g_S.size());
  for (size_t k = 0; k < g_S.size(); ++k) a[k] = amplitude(g_S[k]);
  return a;
}

ElementIV element_iv(const CellModel& m, double amplitude, double v) {
  if (m.element == Element::linear) return {amplitude * v, amplitude};
  if (m.element == Element::table) {
    const device::TableIV t = m.table->eval(v, amplitude);
    return {t.i_A, t.di_dv_S};
  }
  // One expm1 gives both without cancellation: with e = expm1(x), exp(x) = 1 + e,
  // sinh x = e (1 + 1/(1+e)) / 2 and cosh x = 1 + e^2 / (2 (1+e)).
  const double x = v / m.sinh.v0_V;
  if (std::abs(x) > 700) return {amplitude * std::sinh(x), amplitude * std::cosh(x) / m.sinh.v0_V};
  const double e = std::expm1(x), inv = 1 / (1 + e);
  return {amplitude * 0.5 * e * (1 + inv), amplitude * (1 + 0.5 * e * e * inv) / m.sinh.v0_V};
}

namespace {
// 1T1R with the transistor as a table: F(x) = I_R(u - x) - id(x, w) = 0 (decreasing in x where
// the table is monotone); bisection-safeguarded Newton inside the table's range.
CellEval eval_cell_table(const CellModel& m, double amplitude, double v_gate, double u, double w,
                         double x_guess) {
  const device::MosfetTable& t = *m.mos_table;
  if (!t.covers(u) || !t.covers(w))
    throw Error("1T1R cell: node voltage " + std::to_string(!t.covers(u) ? u : w) +
                " V is outside the transistor table's range");
  auto F = [&](double x, device::MosfetIV* iv, ElementIV* ie) {
    *ie = element_iv(m, amplitude, u - x);
    *iv = t.eval(v_gate, x, w);
    return ie->i - iv->id_A;
  };
  device::MosfetIV iv;
  ElementIV ie;
  double lo = std::min(u, w), hi = std::max(u, w);
  const double vmin = t.spec().v_min_V, vmax = t.spec().v_max_V;
  for (double step = 1e-3; F(lo, &iv, &ie) < 0 && lo > vmin; step *= 2) lo = std::max(vmin, lo - step);
  for (double step = 1e-3; F(hi, &iv, &ie) > 0 && hi < vmax; step *= 2) hi = std::min(vmax, hi + step);
  double x = std::isfinite(x_guess) && x_guess > lo && x_guess < hi ? x_guess : 0.5 * (lo + hi);
  double f = F(x, &iv, &ie);
  for (int it = 0; it < 200 && f != 0 && hi - lo > 1e-15; ++it) {
    if (f > 0) lo = x; else hi = x;
    const double dF = -(ie.di_dv + iv.did_dvd);
    double xn = dF < 0 ? x - f / dF : 0.5 * (lo + hi);
    if (!(xn > lo && xn < hi)) xn = 0.5 * (lo + hi);
    const bool done = std::abs(xn - x) <= 1e-14 * std::max({1.0, std::abs(u), std::abs(w)});
    x = xn;
    f = F(x, &iv, &ie);
    if (done) break;
  }
  const double D = ie.di_dv + iv.did_dvd;  // -dF/dx
  const double dx_du = D > 0 ? ie.di_dv / D : 0, dx_dw = D > 0 ? -iv.did_dvs / D : 0;
  CellEval c{};
  c.x = x;
  c.iu = ie.i;
  c.iw = iv.is_A;
  c.diu_du = ie.di_dv * (1 - dx_du);
  c.diu_dw = -ie.di_dv * dx_dw;
  c.diw_du = iv.dis_dvd * dx_du;
  c.diw_dw = iv.dis_dvd * dx_dw + iv.dis_dvs;
  return c;
}
}  // namespace

CellEval eval_cell(const CellModel& m, double amplitude, double v_gate, double u, double w,
                   double x_guess) {
  CellEval c{};
  if (m.transistor) return eval_cell_table(m, amplitude, v_gate, u, w, x_guess);
  ElementIV e = element_iv(m, amplitude, u - w);
  c.iu = c.iw = e.i;
  c.diu_du = c.diw_du = e.di_dv;
  c.diu_dw = c.diw_dw = -e.di_dv;
  return c;
}

}  // namespace cimchar::xbar
