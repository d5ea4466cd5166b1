#include "core/units.hpp"
#include "flows/cell_jobs.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/error.hpp"
#include "device/pulse_sim.hpp"

namespace cimchar::flows {

namespace {


// "<subckt> <params> <state>_ini=<value>" for the dynamic cell.
std::string dynamic_instance(const ParamTable& card, double state) {
  return card.subckt() + " " + card.render_instance_params() + " " + card.state_name() +
         "_ini=" + netlist_number(state);
}

// The cell's parasitic capacitance across te-be: it gives the top electrode a time constant
// (r_series x c_cell, 5 ps by default), without which the RESET runaway is an algebraic jump
// that ngspice's step control cannot follow ("timestep too small").
std::string cell_cap(const CellBenchSettings& b) {
  return "\ncp te 0 " + netlist_number(b.c_cell_F) + "\n";
}

// Transient benches integrate with gear: the state equations are stiff at the window edges
// and in the RESET runaway, where the trapezoidal rule rings (devices/README.md).
std::string header(const std::string& title, const ParamTable& card) {
  return title + "\n.include " + card.lib_path().string() + "\n.options method=gear\n";
}

// Value of vector y at time t (linear interpolation on ngspice's time points).
double at_time(const std::vector<double>& t, const std::vector<double>& y, double tq) {
  return device::Pwl{t, y}.at(tq);
}

}  // namespace

spice::Job iv_loop_job(const ParamTable& card, const CellBenchSettings& b, double state0,
                       double v_max, double v_min, double rate) {
  const double t1 = v_max / rate, t2 = 2 * t1, t3 = t2 + (-v_min) / rate, t4 = t3 + (-v_min) / rate;
  spice::Job j;
  j.name = "cell/iv_loop";
  j.netlist = header("cell iv loop", card) + "vs in 0 pwl(0 0 " + netlist_number(t1) + " " + netlist_number(v_max) +
              " " + netlist_number(t2) + " 0 " + netlist_number(t3) + " " + netlist_number(v_min) + " " + netlist_number(t4) + " 0)\n" +
              "rs in te " + netlist_number(std::max(b.r_series_ohm, 1e-3)) + "\n" +
              "x1 te 0 x " + dynamic_instance(card, state0) + cell_cap(b) + ".end\n";
  j.commands = {"tran " + netlist_number(t4 / 4000) + " " + netlist_number(t4) + " 0 " + netlist_number(t4 / 4000) + " uic"};
  j.vectors = {"time", "v(in)", "v(te)", "i(vs)", "v(x)"};
  return j;
}

IvLoop parse_iv_loop(const std::string& name, const spice::JobResult& r, double scale) {
  IvLoop l;
  l.t_s = r.vec(name, "time");
  l.v_V = r.vec(name, "v(te)");
  l.i_A = r.vec(name, "i(vs)");
  for (double& i : l.i_A) i = -i;  // ngspice reports the source's current into its + node
  for (double x : r.vec(name, "v(x)")) l.state.push_back(x / scale);
  return l;
}

spice::Job read_iv_job(const ParamTable& card, double state, const std::vector<double>& v) {
  CIMCHAR_CHECK(!card.static_subckt().empty(), "device card has no static subcircuit");
  spice::Job j;
  char tag[64];
  std::snprintf(tag, sizeof tag, "cell/read_iv(state=%.4g)", state);
  j.name = tag;
  j.netlist = header("cell read", card) + "vs te 0 0\nx1 te 0 " + card.static_subckt() + " " +
              card.render_instance_params() + " " + card.state_name() + "=" + netlist_number(state) +
              "\n.end\n";
  if (v.size() == 1) {
    j.netlist = header("cell read", card) + "vs te 0 " + netlist_number(v[0]) + "\nx1 te 0 " +
                card.static_subckt() + " " + card.render_instance_params() + " " +
                card.state_name() + "=" + netlist_number(state) + "\n.end\n";
    j.commands = {"op"};
  } else {
    const double step = (v.back() - v.front()) / static_cast<double>(v.size() - 1);
    j.commands = {"dc vs " + netlist_number(v.front()) + " " + netlist_number(v.back() + 0.25 * step) + " " + netlist_number(step)};
  }
  j.vectors = {"v(te)", "i(vs)"};
  return j;
}

std::vector<double> parse_read_iv(const std::string& name, const spice::JobResult& r) {
  std::vector<double> i = r.vec(name, "i(vs)");
  for (double& x : i) x = -x;
  return i;
}

spice::Job pulse_read_job(const ParamTable& card, const CellBenchSettings& b, double state0,
                          double v_pulse, double width, double v_read) {
  const double edge = std::clamp(width * 0.05, 10e-12, 1e-9);
  const double t_read = 10e-9;
  std::vector<std::pair<double, double>> pts = {{0, 0}};
  double t = 0;
  if (width > 0 && v_pulse != 0) {
    pts.push_back({t += edge, v_pulse});
    pts.push_back({t += width, v_pulse});
    pts.push_back({t += edge, 0});
  }
  pts.push_back({t += 1e-9, v_read});
  pts.push_back({t += t_read, v_read});
  std::string pwl = "pwl(";
  for (size_t k = 0; k < pts.size(); ++k) {
    if (k) pwl += ' ';
    pwl += netlist_number(pts[k].first);
    pwl += ' ';
    pwl += netlist_number(pts[k].second);
  }
  pwl += ")";
  spice::Job j;
  char tag[96];
  std::snprintf(tag, sizeof tag, "cell/pulse(v=%.3g V, w=%.3g s, state0=%.4g)", v_pulse, width, state0);
  j.name = tag;
  j.netlist = header("cell pulse", card) + "vs in 0 " + pwl + "\nrs in te " +
              netlist_number(std::max(b.r_series_ohm, 1e-3)) + "\nx1 te 0 x " + dynamic_instance(card, state0) + cell_cap(b) +
              ".end\n";
  // The step limit resolves the edges of a short pulse; a long one (a linear-ion-drift device's
  // millisecond pulses) is limited to 1/20000 of the bench, not to 1 ns, which made a 1 ms pulse
  // a million steps (6 s) where 20000 (0.1 s) integrate the same state (tests/flows/test_cell_jobs.cpp).
  const double tmax = std::max(std::min(edge, t / 200), t / 20000);
  j.commands = {"tran " + netlist_number(tmax) + " " + netlist_number(t) + " 0 " + netlist_number(tmax) + " uic"};
  j.vectors = {"v(te)", "i(vs)", "v(x)"};
  j.seed = 0;
  return j;
}

PulseRead parse_pulse_read(const std::string& name, const spice::JobResult& r, double scale) {
  PulseRead p;
  p.state_after = r.vec(name, "v(x)").back() / scale;
  p.i_read_A = -r.vec(name, "i(vs)").back();
  p.v_dev_V = r.vec(name, "v(te)").back();
  return p;
}

spice::Job disturb_job(const ParamTable& card, const CellBenchSettings& b, double state0,
                       double v_read, double width, int n_reads) {
  const double edge = std::clamp(width * 0.05, 10e-12, 1e-9);
  const double period = 2 * width;
  const double t_end = period * n_reads;
  spice::Job j;
  char tag[96];
  std::snprintf(tag, sizeof tag, "cell/disturb(state0=%.4g)", state0);
  j.name = tag;
  j.netlist = header("cell read disturb", card) + "vs in 0 pulse(0 " + netlist_number(v_read) + " 0 " +
              netlist_number(edge) + " " + netlist_number(edge) + " " + netlist_number(width - 2 * edge) + " " + netlist_number(period) +
              ")\nrs in te " + netlist_number(std::max(b.r_series_ohm, 1e-3)) + "\nx1 te 0 x " +
              dynamic_instance(card, state0) + cell_cap(b) + ".end\n";
  j.commands = {"tran " + netlist_number(period / 10) + " " + netlist_number(t_end) + " 0 " + netlist_number(period / 10) + " uic"};
  j.vectors = {"time", "i(vs)", "v(x)"};
  j.cost = 5;  // a stiff device model: 5x the [flow] job_timeout per unit of points
  return j;
}

DisturbTrace parse_disturb(const std::string& name, const spice::JobResult& r, int n_reads,
                           double width, double scale) {
  const auto& t = r.vec(name, "time");
  const auto& i = r.vec(name, "i(vs)");
  const auto& x = r.vec(name, "v(x)");
  const double edge = std::clamp(width * 0.05, 10e-12, 1e-9);
  DisturbTrace d;
  for (int k = 0; k < n_reads; ++k) {
    const double tq = 2 * width * k + width - edge;  // end of the k-th read's flat top
    d.i_read_A.push_back(-at_time(t, i, tq));
    d.state.push_back(at_time(t, x, tq) / scale);
  }
  return d;
}

}  // namespace cimchar::flows
