#include "device/mosfet_table.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/error.hpp"
#include "core/h5.hpp"
#include "core/units.hpp"
#include "device/mosfet_node.hpp"

namespace cimchar::device {

namespace {
// Along vds each source row stores asinh(I / I_row), I_row kRowSteps times the larger |I| one
// grid step either side of Vds = 0 (within [kIrowMin, kIrowMax]): linear through the zero
// crossing (over ~kRowSteps steps of a channel's linear I-V), logarithmic
// in the exponential currents beyond it (subthreshold, junctions). Across source rows the two
// rows' currents are blended in asinh(I / kIvs): geometric where both carry more than ~kIvs of
// one sign (exponential in vs, e.g. exp(-vs / n Vt) in subthreshold), linear through zero.
constexpr double kIrowMin = 1e-15, kIrowMax = 1;  // A
constexpr double kRowSteps = 10;
constexpr double kIvs = 1e-13;                         // A
constexpr int kFormat = 3;  // of the cached file (MosfetTable::save) and of key_text

void check(bool ok, const std::string& key, const std::string& what) {
  if (!ok) throw ConfigError("transistor table", key, 0, what);
}

// Fritsch-Carlson slopes of a monotone cubic Hermite through (x[k], y[k]), x increasing: the
// weighted harmonic mean of the neighbouring secants where they agree in sign, else 0; the ends
// from the one-sided three-point formula, limited to keep the end intervals monotone.
void pchip_slopes(const double* x, const double* y, size_t n, double* m) {
  auto secant = [&](size_t k) { return (y[k + 1] - y[k]) / (x[k + 1] - x[k]); };
  for (size_t k = 1; k + 1 < n; ++k) {
    const double h0 = x[k] - x[k - 1], h1 = x[k + 1] - x[k];
    const double d0 = secant(k - 1), d1 = secant(k);
    if (d0 * d1 <= 0) {
      m[k] = 0;
      continue;
    }
    const double w0 = 2 * h1 + h0, w1 = h1 + 2 * h0;
    m[k] = (w0 + w1) / (w0 / d0 + w1 / d1);
  }
  auto end = [](double h0, double h1, double d0, double d1) {
    const double s = ((2 * h0 + h1) * d0 - h0 * d1) / (h0 + h1);
    if (s * d0 <= 0) return 0.0;
    if (d0 * d1 <= 0 && std::abs(s) > 3 * std::abs(d0)) return 3 * d0;
    return s;
  };
  m[0] = end(x[1] - x[0], x[2] - x[1], secant(0), secant(1));
  m[n - 1] = end(x[n - 1] - x[n - 2], x[n - 2] - x[n - 3], secant(n - 2), secant(n - 3));
}
}  // namespace

void MosfetTableSpec::validate() const {
  mosfet_node(node);  // throws for an unknown node
  check(std::isfinite(w_m) && w_m >= 10e-9 && w_m <= 1e-3, "w", "must be in [10 nm, 1 mm]");
  check(std::isfinite(l_m) && l_m >= mosfet_node(node).l_nom_m * 0.999 && l_m <= 1e-4, "l",
        "must be in [the node's length, 100 um]");
  check(std::isfinite(v_bulk_V), "v_bulk", "must be finite");
  check(!v_gate_V.empty(), "v_gate", "needs at least one gate voltage");
  for (double v : v_gate_V) check(std::isfinite(v), "v_gate", "must be finite");
  check(std::isfinite(step_V) && step_V >= 1e-3 && step_V <= 0.1, "step", "must be in [1, 100] mV");
  check(std::isfinite(v_min_V) && std::isfinite(v_max_V) && v_max_V - v_min_V >= 2 * step_V &&
            v_max_V - v_min_V <= 10,
        "v_max", "needs v_min + 2 step <= v_max within 10 V");
  check(std::isfinite(vds_knee_V) && vds_knee_V >= 1e-3 && vds_knee_V <= 10, "vds_knee",
        "must be in [1 mV, 10 V]");
  check(vds_points >= 5 && vds_points <= 2001, "vds_points", "must be in [5, 2001]");
}

std::string MosfetTableSpec::mod_path(const std::string& devices_dir) const {
  return devices_dir + "/" + mosfet_node(node).mod_file;
}

std::string MosfetTableSpec::model_name() const {
  const MosfetNode& n = mosfet_node(node);
  return pmos ? n.pmos_model : n.nmos_model;
}

size_t MosfetTableSpec::vs_points() const {
  return static_cast<size_t>(std::ceil((v_max_V - v_min_V) / step_V - 1e-9)) + 1;
}

double MosfetTableSpec::vs_row(size_t ks) const {
  return std::min(v_min_V + step_V * static_cast<double>(ks), v_max_V);
}

std::vector<double> MosfetTableSpec::vds_grid(double vs) const {
  const double t0 = std::asinh((v_min_V - vs) / vds_knee_V);
  const double dt = (std::asinh((v_max_V - vs) / vds_knee_V) - t0) / (vds_points - 1);
  std::vector<double> v(static_cast<size_t>(vds_points));
  for (size_t k = 0; k < v.size(); ++k) v[k] = vds_knee_V * std::sinh(t0 + dt * static_cast<double>(k));
  v.front() = v_min_V - vs, v.back() = v_max_V - vs;
  return v;
}

std::string MosfetTableSpec::instance(const std::string& name, const std::string& d,
                                      const std::string& g, const std::string& s,
                                      const std::string& b) const {
  return name + " " + d + " " + g + " " + s + " " + b + " " + model_name() +
         " w=" + netlist_number(w_m) + " l=" + netlist_number(l_m);
}

// The source at v_min + step * k (k swept 0, 1, ...; the last point is v_max); the drain at
// vs + knee sinh(t0 + (t1 - t0) j / (n - 1)) (j swept 0, 1, ..., n - 1), t0, t1 = asinh((v_min,
// v_max - vs) / knee): every row spans the drain over [v_min, v_max], densest at Vds = 0. Integer
// sweeps, so that ngspice's dc loop makes exactly the grid's points. Zero-volt sources carry the
// currents: i(vd) into the drain, i(vs) out of the source terminal.
std::string MosfetTableSpec::dc_netlist(const std::string& devices_dir, double v_gate,
                                        size_t row0) const {
  const std::string knee = netlist_number(vds_knee_V);
  const std::string t0 = "asinh((" + netlist_number(v_min_V) + "-v(sx))/" + knee + ")";
  const std::string t1 = "asinh((" + netlist_number(v_max_V) + "-v(sx))/" + knee + ")";
  std::ostringstream os;
  os << "transistor table " << model_name() << " vg=" << netlist_number(v_gate) << "\n"
     << ".include " << mod_path(devices_dir) << "\n"
     << "vk k 0 0\nvt t 0 0\nvg g 0 " << netlist_number(v_gate) << "\nvb b 0 "
     << netlist_number(v_bulk_V) << "\n"
     << "bs sx 0 v=min(" << netlist_number(v_min_V) << "+" << netlist_number(step_V)
     << "*(" << row0 << "+v(k))," << netlist_number(v_max_V) << ")\n"
     << "vs s sx 0\n"
     << "bd dx 0 v=max(" << netlist_number(v_min_V) << ",min(" << netlist_number(v_max_V)
     << ",v(sx)+" << knee << "*sinh(" << t0 << "+(" << t1 << "-" << t0 << ")*v(t)/"
     << (vds_points - 1) << ")))\n"
     << "vd dx d 0\n"
     << instance("m1", "d", "g", "s", "b") << "\n.end\n";
  return os.str();
}

std::string MosfetTableSpec::dc_command(size_t row0, size_t rows) const {
  const size_t n = rows ? rows : vs_points() - row0;
  return "dc vt 0 " + std::to_string(vds_points - 1) + " 1 vk 0 " + std::to_string(n - 1) + " 1";
}

std::string MosfetTableSpec::key_text() const {
  std::ostringstream os;
  os << "format=" << kFormat << " node=" << node << " pmos=" << pmos << " w=" << netlist_number(w_m)
     << " l=" << netlist_number(l_m) << " vb=" << netlist_number(v_bulk_V) << " v=["
     << netlist_number(v_min_V) << "," << netlist_number(v_max_V) << "] step="
     << netlist_number(step_V) << " knee=" << netlist_number(vds_knee_V)
     << " vds_points=" << vds_points << " vg=";
  for (double v : v_gate_V) os << netlist_number(v) << ",";
  return os.str();
}

MosfetTable MosfetTable::from_sweeps(const MosfetTableSpec& spec,
                                     const std::vector<std::vector<double>>& i_vd,
                                     const std::vector<std::vector<double>>& i_vs) {
  spec.validate();
  MosfetTable t;
  t.spec_ = spec;
  t.nvs_ = spec.vs_points();
  t.nv_ = static_cast<size_t>(spec.vds_points);
  for (size_t ks = 0; ks < t.nvs_; ++ks) {
    const std::vector<double> x = spec.vds_grid(spec.vs_row(ks));
    t.vds_.insert(t.vds_.end(), x.begin(), x.end());
  }
  CIMCHAR_CHECK(i_vd.size() == spec.v_gate_V.size() && i_vs.size() == i_vd.size(),
                "one sweep per gate voltage");
  const size_t n = t.nvs_ * t.nv_;
  for (size_t g = 0; g < i_vd.size(); ++g) {
    if (i_vd[g].size() != n || i_vs[g].size() != n)
      throw Error("transistor table " + spec.model_name() + ": sweep at vg=" +
                  netlist_number(spec.v_gate_V[g]) + " has " + std::to_string(i_vd[g].size()) +
                  " points, expected " + std::to_string(n));
    for (size_t k = 0; k < n; ++k)
      if (!std::isfinite(i_vd[g][k]) || !std::isfinite(i_vs[g][k]))
        throw Error("transistor table " + spec.model_name() + ": ngspice returned NaN at vg=" +
                    netlist_number(spec.v_gate_V[g]));
    Grid gr;
    gr.id.resize(n), gr.is.resize(n), gr.id_slope.resize(n), gr.is_slope.resize(n);
    gr.id_ref.resize(t.nvs_), gr.is_ref.resize(t.nvs_);
    auto row = [&](const std::vector<double>& I, size_t ks, std::vector<double>& a,
                   std::vector<double>& m, double* iref) {
      const size_t o = ks * t.nv_;
      const double* x = t.vds_.data() + o;
      size_t k0 = 0;  // the interval holding Vds = 0
      while (k0 + 2 < t.nv_ && x[k0 + 1] <= 0) ++k0;
      *iref = std::clamp(kRowSteps * std::max(std::abs(I[o + k0]), std::abs(I[o + k0 + 1])),
                         kIrowMin, kIrowMax);
      for (size_t k = 0; k < t.nv_; ++k) a[o + k] = std::asinh(I[o + k] / *iref);
      pchip_slopes(x, a.data() + o, t.nv_, m.data() + o);
    };
    for (size_t ks = 0; ks < t.nvs_; ++ks) {
      row(i_vd[g], ks, gr.id, gr.id_slope, &gr.id_ref[ks]);
      row(i_vs[g], ks, gr.is, gr.is_slope, &gr.is_ref[ks]);
    }
    t.g_.push_back(std::move(gr));
  }
  t.raw_vd_ = i_vd, t.raw_vs_ = i_vs;
  return t;
}

MosfetIV MosfetTable::eval(double v_gate, double vd, double vs) const {
  size_t g = 0;
  while (g < spec_.v_gate_V.size() && std::abs(spec_.v_gate_V[g] - v_gate) > 1e-6) ++g;
  if (g == spec_.v_gate_V.size())
    throw Error("transistor table " + spec_.model_name() + ": no sweep at gate voltage " +
                netlist_number(v_gate) + " V");
  if (!covers(vd) || !covers(vs))
    throw Error("transistor table " + spec_.model_name() + ": vd=" + netlist_number(vd) +
                " V, vs=" + netlist_number(vs) + " V outside [" + netlist_number(spec_.v_min_V) +
                ", " + netlist_number(spec_.v_max_V) + "] V");
  // Source row (linear) and drain-source interval (cubic Hermite on the sinh grid).
  const double p = std::min((vs - spec_.v_min_V) / spec_.step_V, static_cast<double>(nvs_ - 1));
  const size_t ks = std::min(nvs_ - 2, static_cast<size_t>(std::max(0.0, std::floor(p))));
  const double v0 = spec_.v_min_V + spec_.step_V * static_cast<double>(ks);
  const double hs = std::min(spec_.v_max_V, v0 + spec_.step_V) - v0;  // the last row is v_max
  const double fs = (vs - v0) / hs;
  const double vds = vd - vs;
  // One row at this vds: the current and dI/dvds, as asinh(I / kIvs) and its derivative. Each
  // row's drain spans [v_min, v_max], so a row above vs may need vds up to one source step past
  // its end: there the row continues linearly with its end slope.
  auto at_row = [&](const std::vector<double>& y, const std::vector<double>& m, double iref,
                    size_t row, double* b, double* db) {
    const double* x = vds_.data() + row * nv_;
    const size_t o = row * nv_;
    double A, dA;
    if (vds <= x[0] || vds >= x[nv_ - 1]) {
      const size_t e = vds <= x[0] ? 0 : nv_ - 1;
      dA = m[o + e], A = y[o + e] + dA * (vds - x[e]);
    } else {
      const double t0 = std::asinh(x[0] / spec_.vds_knee_V);
      const double dt = (std::asinh(x[nv_ - 1] / spec_.vds_knee_V) - t0) / static_cast<double>(nv_ - 1);
      const double q = (std::asinh(vds / spec_.vds_knee_V) - t0) / dt;
      size_t k = std::min(nv_ - 2, static_cast<size_t>(std::max(0.0, std::floor(q))));
      while (k > 0 && vds < x[k]) --k;  // rounding at the grid's own points
      while (k + 2 < nv_ && vds > x[k + 1]) ++k;
      const double h = x[k + 1] - x[k], s = (vds - x[k]) / h;
      const double h00 = (1 + 2 * s) * (1 - s) * (1 - s), h10 = s * (1 - s) * (1 - s);
      const double h01 = s * s * (3 - 2 * s), h11 = s * s * (s - 1);
      const double e00 = 6 * s * (s - 1), e10 = (1 - s) * (1 - 3 * s), e11 = s * (3 * s - 2);
      dA = e00 * (y[o + k] - y[o + k + 1]) / h + e10 * m[o + k] + e11 * m[o + k + 1];
      A = h00 * y[o + k] + h01 * y[o + k + 1] + h * (h10 * m[o + k] + h11 * m[o + k + 1]);
    }
    const double I = iref * std::sinh(A), dI = iref * std::cosh(A) * dA;
    *b = std::asinh(I / kIvs);
    *db = dI / std::hypot(kIvs, I);
  };
  // b(vs, vds) and its partials; then to the terminals: d/dvd = d/dvds, d/dvs = d/dvs|vds - d/dvds.
  auto interp = [&](const std::vector<double>& y, const std::vector<double>& m,
                    const std::vector<double>& iref, double* I, double* dI_dvd, double* dI_dvs) {
    double b0, b1, d0, d1;
    at_row(y, m, iref[ks], ks, &b0, &d0);
    at_row(y, m, iref[ks + 1], ks + 1, &b1, &d1);
    const double b = b0 * (1 - fs) + b1 * fs, db_dvds = d0 * (1 - fs) + d1 * fs;
    const double db_dvs = (b1 - b0) / hs;
    const double c = kIvs * std::cosh(b);
    *I = kIvs * std::sinh(b);
    *dI_dvd = c * db_dvds;
    *dI_dvs = c * (db_dvs - db_dvds);
  };
  MosfetIV r{};
  const Grid& gr = g_[g];
  interp(gr.id, gr.id_slope, gr.id_ref, &r.id_A, &r.did_dvd, &r.did_dvs);
  interp(gr.is, gr.is_slope, gr.is_ref, &r.is_A, &r.dis_dvd, &r.dis_dvs);
  return r;
}

void MosfetTable::save(const std::filesystem::path& file) const {
  H5Writer w(file);
  w.attr("/", "key", spec_.key_text());
  w.attr("/", "model", spec_.model_name());
  const std::vector<size_t> dims = {nvs_, nv_};
  for (size_t g = 0; g < raw_vd_.size(); ++g) {
    const std::string p = "/gate" + std::to_string(g);
    w.write(p + "/i_vd", raw_vd_[g], dims, "A");
    w.write(p + "/i_vs", raw_vs_[g], dims, "A");
    w.attr(p, "v_gate_V", spec_.v_gate_V[g]);
  }
  w.commit();
}

MosfetTable MosfetTable::load(const std::filesystem::path& file, const MosfetTableSpec& spec) {
  H5Reader r(file);
  if (r.attr_string("/", "key") != spec.key_text())
    throw InputError(file.string() + ": a transistor table for another spec (" +
                     r.attr_string("/", "key") + ")");
  std::vector<std::vector<double>> vd, vs;
  for (size_t g = 0; g < spec.v_gate_V.size(); ++g) {
    const std::string p = "/gate" + std::to_string(g);
    vd.push_back(r.read(p + "/i_vd"));
    vs.push_back(r.read(p + "/i_vs"));
  }
  return from_sweeps(spec, vd, vs);
}

}  // namespace cimchar::device
