#include "device/mosfet_table.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/error.hpp"
#include "core/units.hpp"
#include "device/mosfet_node.hpp"

namespace cimchar::device {

namespace {
constexpr double kIref = 1e-5;  // A: below it the stored value is linear in the current

void check(bool ok, const std::string& key, const std::string& what) {
  if (!ok) throw ConfigError("transistor table", key, 0, what);
}
size_t points(const MosfetTableSpec& s) {
  return static_cast<size_t>(std::llround((s.v_max_V - s.v_min_V) / s.step_V)) + 1;
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
  check(std::isfinite(v_min_V) && std::isfinite(v_max_V) && v_max_V > v_min_V &&
            v_max_V - v_min_V <= 10,
        "v_max", "needs v_min < v_max within 10 V");
}

std::string MosfetTableSpec::mod_path(const std::string& devices_dir) const {
  return devices_dir + "/" + mosfet_node(node).mod_file;
}

std::string MosfetTableSpec::model_name() const {
  const MosfetNode& n = mosfet_node(node);
  return pmos ? n.pmos_model : n.nmos_model;
}

std::string MosfetTableSpec::instance(const std::string& name, const std::string& d,
                                      const std::string& g, const std::string& s,
                                      const std::string& b) const {
  return name + " " + d + " " + g + " " + s + " " + b + " " + model_name() +
         " w=" + netlist_number(w_m) + " l=" + netlist_number(l_m);
}

std::string MosfetTableSpec::dc_netlist(const std::string& devices_dir, double v_gate) const {
  std::ostringstream os;
  os << "transistor table " << model_name() << " vg=" << netlist_number(v_gate) << "\n"
     << ".include " << mod_path(devices_dir) << "\n"
     << "vd d 0 0\nvs s 0 0\nvg g 0 " << netlist_number(v_gate) << "\nvb b 0 "
     << netlist_number(v_bulk_V) << "\n"
     << instance("m1", "d", "g", "s", "b") << "\n.end\n";
  return os.str();
}

std::string MosfetTableSpec::dc_command() const {
  const std::string r = netlist_number(v_min_V) + " " + netlist_number(v_max_V) + " " +
                        netlist_number(step_V);
  return "dc vd " + r + " vs " + r;
}

MosfetTable MosfetTable::from_sweeps(const MosfetTableSpec& spec,
                                     const std::vector<std::vector<double>>& i_vd,
                                     const std::vector<std::vector<double>>& i_vs) {
  spec.validate();
  MosfetTable t;
  t.spec_ = spec;
  t.n_ = points(spec);
  CIMCHAR_CHECK(i_vd.size() == spec.v_gate_V.size() && i_vs.size() == i_vd.size(),
                "one sweep per gate voltage");
  for (size_t g = 0; g < i_vd.size(); ++g) {
    if (i_vd[g].size() != t.n_ * t.n_ || i_vs[g].size() != t.n_ * t.n_)
      throw Error("transistor table " + spec.model_name() + ": sweep at vg=" +
                  netlist_number(spec.v_gate_V[g]) + " has " + std::to_string(i_vd[g].size()) +
                  " points, expected " + std::to_string(t.n_ * t.n_));
    std::vector<double> id(i_vd[g].size()), is(i_vs[g].size());
    for (size_t k = 0; k < id.size(); ++k) {
      // i(v) is the current through a source from its + node: into the device it is -i(vd);
      // out of the source terminal it is +i(vs).
      id[k] = std::asinh(-i_vd[g][k] / kIref);
      is[k] = std::asinh(i_vs[g][k] / kIref);
      if (!std::isfinite(id[k]) || !std::isfinite(is[k]))
        throw Error("transistor table " + spec.model_name() + ": ngspice returned NaN at vg=" +
                    netlist_number(spec.v_gate_V[g]));
    }
    t.id_.push_back(std::move(id));
    t.is_.push_back(std::move(is));
  }
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
  const double h = spec_.step_V;
  auto cell = [&](double v, size_t* j, double* f) {
    double p = (v - spec_.v_min_V) / h;
    *j = std::min(n_ - 2, static_cast<size_t>(std::max(0.0, std::floor(p))));
    *f = p - static_cast<double>(*j);
  };
  size_t jd, js;
  double fd, fs;
  cell(vd, &jd, &fd);
  cell(vs, &js, &fs);
  auto bilinear = [&](const std::vector<double>& a, double* d_dvd, double* d_dvs) {
    const double a00 = a[js * n_ + jd], a10 = a[js * n_ + jd + 1];
    const double a01 = a[(js + 1) * n_ + jd], a11 = a[(js + 1) * n_ + jd + 1];
    *d_dvd = ((a10 - a00) * (1 - fs) + (a11 - a01) * fs) / h;
    *d_dvs = ((a01 - a00) * (1 - fd) + (a11 - a10) * fd) / h;
    return a00 * (1 - fd) * (1 - fs) + a10 * fd * (1 - fs) + a01 * (1 - fd) * fs + a11 * fd * fs;
  };
  // The tables hold asinh(I / kIref): linear for small currents, logarithmic for the
  // exponential ones (subthreshold, junctions), so that bilinear interpolation follows them;
  // asinh is monotone, so monotone data stays monotone.
  MosfetIV r{};
  double a = bilinear(id_[g], &r.did_dvd, &r.did_dvs);
  double c = kIref * std::cosh(a);
  r.id_A = kIref * std::sinh(a), r.did_dvd *= c, r.did_dvs *= c;
  a = bilinear(is_[g], &r.dis_dvd, &r.dis_dvs);
  c = kIref * std::cosh(a);
  r.is_A = kIref * std::sinh(a), r.dis_dvd *= c, r.dis_dvs *= c;
  return r;
}

}  // namespace cimchar::device
