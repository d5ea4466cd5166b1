#include "xbar/cell.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "core/error.hpp"
#include "device/table_twin.hpp"

namespace cimchar::xbar {

namespace {
// ngspice 39's const.h: CONSTboltz / CHARGE, at the nominal temperature 27 C.
constexpr double kBoltzmann = 1.38064852e-23;
constexpr double kCharge = 1.6021766208e-19;
constexpr double kTnom_K = 300.15;
constexpr double kVt = kBoltzmann / kCharge * kTnom_K;

void check(bool ok, const std::string& key, const std::string& what) {
  if (!ok) throw ConfigError("cell", key, 0, what);
}
bool finite_pos(double v) { return std::isfinite(v) && v > 0; }

// ngspice mos1load.c junction: current from bulk into the terminal and its derivative.
void junction(double v, double is, double gmin, double* i, double* g) {
  if (v <= -3 * kVt) {
    *g = gmin;
    *i = gmin * v - is;
  } else {
    double e = std::exp(std::min(709.0, v / kVt));
    *g = is * e / kVt + gmin;
    *i = is * (e - 1) + gmin * v;
  }
}
}  // namespace

void Level1Params::validate() const {
  check(std::isfinite(vto_V), "vto", "must be finite");
  check(finite_pos(kp_A_per_V2), "kp", "must be > 0 A/V^2");
  check(std::isfinite(gamma_sqrtV) && gamma_sqrtV >= 0, "gamma", "must be >= 0");
  check(finite_pos(phi_V), "phi", "must be > 0 V");
  check(std::isfinite(lambda_per_V) && lambda_per_V >= 0, "lambda", "must be >= 0");
  check(std::isfinite(is_A) && is_A >= 0, "is", "must be >= 0 A");
  check(finite_pos(w_m), "w", "must be > 0 m");
  check(finite_pos(l_m - 2 * ld_m) && ld_m >= 0, "l", "l - 2 ld must be > 0 m");
  check(finite_pos(gmin_S), "gmin", "must be > 0 S");
}

std::string Level1Params::model_card(const std::string& name) const {
  std::ostringstream os;
  os.precision(17);
  os << ".model " << name << " nmos level=1 vto=" << vto_V << " kp=" << kp_A_per_V2
     << " gamma=" << gamma_sqrtV << " phi=" << phi_V << " lambda=" << lambda_per_V
     << " is=" << is_A << " ld=" << ld_m;
  return os.str();
}

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
    if (!mos_table) nmos.validate();
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
  else if (transistor)
    os << " 1T1R (NMOS level 1, vto=" << nmos.vto_V << " V)";
  return os.str();
}

double CellModel::amplitude(double g_S) const {
  if (element == Element::linear) return g_S;
  if (element == Element::table) return table->state_for_conductance(g_S, table_v_ref_V);
  if (sinh.v_ref_V == 0) return g_S * sinh.v0_V;
  return g_S * sinh.v_ref_V / std::sinh(sinh.v_ref_V / sinh.v0_V);
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

MosEval level1(const Level1Params& p, double vd, double vg, double vs, double vb) {
  MosEval e{};
  const double vds = vd - vs, vgs = vg - vs, vbs = vb - vs;
  const double vbd = vb - vd, vgd = vg - vd;
  junction(vbs, p.is_A, p.gmin_S, &e.cbs, &e.gbs);
  junction(vbd, p.is_A, p.gmin_S, &e.cbd, &e.gbd);

  const int mode = vds >= 0 ? 1 : -1;
  const double vbx = mode == 1 ? vbs : vbd;
  const double vgx = mode == 1 ? vgs : vgd;
  const double vdsm = vds * mode;
  const double beta = p.kp_A_per_V2 * p.w_m / (p.l_m - 2 * p.ld_m);
  const double vbi = p.vto_V - p.gamma_sqrtV * std::sqrt(p.phi_V);

  double sarg, dsarg;  // dsarg: d sarg / d vbx
  if (vbx <= 0) {
    sarg = std::sqrt(p.phi_V - vbx);
    dsarg = -0.5 / sarg;
  } else {
    double s = std::sqrt(p.phi_V);
    sarg = s - vbx / (s + s);
    dsarg = -0.5 / s;
    if (sarg <= 0) sarg = 0, dsarg = 0;
  }
  const double von = vbi + p.gamma_sqrtV * sarg;
  const double vgst = vgx - von;
  const double dvgst_dvbx = -p.gamma_sqrtV * dsarg;
  double cdrain = 0, gm = 0, gds = 0;
  if (vgst > 0) {
    double betap = beta * (1 + p.lambda_per_V * vdsm);
    if (vgst <= vdsm) {
      cdrain = betap * vgst * vgst * 0.5;
      gm = betap * vgst;
      gds = p.lambda_per_V * beta * vgst * vgst * 0.5;
    } else {
      cdrain = betap * vdsm * (vgst - 0.5 * vdsm);
      gm = betap * vdsm;
      gds = betap * (vgst - vdsm) + p.lambda_per_V * beta * vdsm * (vgst - 0.5 * vdsm);
    }
  }
  const double gmbs = gm * dvgst_dvbx;
  if (mode == 1) {
    e.ids = cdrain;
    e.dids_dvd = gds;
    e.dids_dvs = -(gm + gds + gmbs);
    e.dids_dvb = gmbs;
  } else {
    e.ids = -cdrain;
    e.dids_dvd = gm + gds + gmbs;
    e.dids_dvs = -gds;
    e.dids_dvb = -gmbs;
  }
  return e;
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
  if (m.transistor && m.mos_table) return eval_cell_table(m, amplitude, v_gate, u, w, x_guess);
  if (!m.transistor) {
    ElementIV e = element_iv(m, amplitude, u - w);
    c.iu = c.iw = e.i;
    c.diu_du = c.diw_du = e.di_dv;
    c.diu_dw = c.diw_dw = -e.di_dv;
    return c;
  }
  // Internal node x: F(x) = I_R(u - x) + cbd(x) - ids(x) = 0, strictly decreasing in x.
  const double vb = m.bulk_at_source ? w : 0.0;
  auto F = [&](double x, double* dF, MosEval* me, ElementIV* ie) {
    *ie = element_iv(m, amplitude, u - x);
    *me = level1(m.nmos, x, v_gate, w, vb);
    *dF = -(ie->di_dv + me->gbd + me->dids_dvd);
    return ie->i + me->cbd - me->ids;
  };
  double lo = std::min(u, w), hi = std::max(u, w);
  double dF;
  MosEval me;
  ElementIV ie;
  // Junction leakage can put the root just outside [min(u,w), max(u,w)]: widen until bracketed.
  for (double step = 1e-3; F(lo, &dF, &me, &ie) < 0; step *= 2) lo -= step;
  for (double step = 1e-3; F(hi, &dF, &me, &ie) > 0; step *= 2) hi += step;
  double x = std::isfinite(x_guess) && x_guess > lo && x_guess < hi ? x_guess : 0.5 * (lo + hi);
  double f = F(x, &dF, &me, &ie);
  for (int it = 0; it < 200 && f != 0; ++it) {
    if (f > 0) lo = x; else hi = x;
    double xn = x - f / dF;
    if (!(xn > lo && xn < hi)) xn = 0.5 * (lo + hi);
    bool done = std::abs(xn - x) <= 4 * std::numeric_limits<double>::epsilon() *
                                         std::max({std::abs(x), std::abs(u), std::abs(w)});
    x = xn;
    f = F(x, &dF, &me, &ie);
    if (done || hi - lo <= 0) break;
  }
  // Partial derivatives at fixed x of the channel current and of the drain junction's current
  // into x with respect to w (the bulk moves with w when tied to the source).
  const double tied = m.bulk_at_source ? 1.0 : 0.0;
  const double dids_dw = me.dids_dvs + tied * me.dids_dvb;
  const double dcbd_dw = tied * me.gbd;
  const double D = -dF;
  const double dx_du = ie.di_dv / D, dx_dw = (dcbd_dw - dids_dw) / D;
  c.x = x;
  c.iu = ie.i;
  // Column node: channel current in; bulk diodes: from the source junction (bulk at 0 V), or the
  // drain junction draws its current out of w when the bulk is w.
  c.iw = m.bulk_at_source ? me.ids - me.cbd : me.ids + me.cbs;
  c.diu_du = ie.di_dv * (1 - dx_du);
  c.diu_dw = -ie.di_dv * dx_dw;
  const double diw_dx = me.dids_dvd + tied * me.gbd;  // d(-cbd)/dx = +gbd when tied
  c.diw_du = diw_dx * dx_du;
  c.diw_dw = m.bulk_at_source ? diw_dx * dx_dw + dids_dw - me.gbd
                              : diw_dx * dx_dw + dids_dw - me.gbs;
  return c;
}

}  // namespace cimchar::xbar
