// The IR-drop characterization stage (`cimchar irdrop`, [irdrop] in a flow): sweeps array size,
// wire resistance, conductance distribution and input activity; solves every array natively
// (src/xbar) and the small ones in ngspice too; records ideal vs actual column currents and
// per-cell voltage maps; fits the compact IR-drop model (xbar/irdrop_model.hpp) and writes it
// with its fit error against the native and ngspice solutions as a LUT (docs/results-format.md).
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "core/error.hpp"
#include "core/h5.hpp"
#include "core/progress.hpp"
#include "core/rng.hpp"
#include "device/mosfet_node.hpp"
#include "flows/mosfet_tables.hpp"
#include "lut/xbar_records.hpp"
#include "flows/stage_scope.hpp"
#include "flows/stages.hpp"
#include "spice/job_journal.hpp"
#include "spice/pool.hpp"
#include "spice/session.hpp"
#include "xbar/cell_card.hpp"
#include "xbar/irdrop_model.hpp"
#include "xbar/netlist.hpp"
#include "xbar/solver.hpp"

namespace cimchar::flows {

namespace {

struct IrDropConfig {
  std::vector<int64_t> sizes;
  std::vector<double> r_wire, activity, g_on;  // g_on: the conductance axis, increasing
  std::vector<std::string> distributions;
  double r_driver = 0, r_sense = 0, g_off = 1e-6, p_on = 0.5, v_read = 0.2;
  int64_t trials = 3, maps_max_size = 64, spice_max_size = 32, bins = 8;
  xbar::CellModel cell;
  std::string cell_name;
  std::shared_ptr<ParamTable> card;  // sinh cells: ngspice uses the card's static subcircuit
  double v_gate = 0;                 // 1T1R: the word lines' gate voltage
};

// A 1T1R card's transistor as its ngspice I-V table at the gate voltage, over the read's node
// range (built once per flow, cached on disk: flows/mosfet_tables.hpp).
std::shared_ptr<const device::MosfetTable> transistor_table(const ParamTable& card, double v_gate,
                                                            double v_read, const RunContext& ctx) {
  spice::PoolOptions po;
  po.workers = ctx.jobs;
  po.library = ctx.ngspice_library;
  po.progress = ctx.progress;
  po.progress_label = "tabulating " + card.transistor();
  spice::WorkerPool pool(po);
  return build_mosfet_table(pool, one_t_one_r_spec(card, {v_gate}, 0.0, v_read),
                            devices_dir().string());
}

IrDropConfig parse(Section& t, const RunContext& ctx) {
  IrDropConfig c;
  c.sizes = t.get_ints("sizes", {16, 32, 64, 128}, 1, 4096);
  c.r_wire = t.get_doubles("r_wire", {0.25, 1, 2.5}, "ohm", {1e-9, 1e6});
  c.r_driver = t.get_double("r_driver", 0, "ohm", {0, 1e9});
  c.r_sense = t.get_double("r_sense", 0, "ohm", {0, 1e9});
  c.g_on = t.get_doubles("g_on", {1e-4}, "S", {1e-12, 1});
  c.g_off = t.get_double("g_off", 1e-6, "S", {1e-12, 1});
  for (size_t k = 1; k < c.g_on.size(); ++k)
    if (!(c.g_on[k] > c.g_on[k - 1])) t.fail("g_on", "values must increase");
  if (!c.g_on.empty() && c.g_off > c.g_on[0]) t.fail("g_off", "must not exceed g_on");
  c.distributions = t.get_strings("distributions", {"uniform", "binary"});
  for (const auto& d : c.distributions)
    if (d != "uniform" && d != "binary")
      t.fail("distributions", "unknown distribution '" + d + "' (uniform, binary)");
  c.p_on = t.get_double("p_on", 0.5, "", {0, 1});
  c.activity = t.get_doubles("activity", {0.25, 0.5, 1.0}, "", {1e-3, 1});
  c.v_read = t.get_double("v_read", 0.2, "V", {1e-6, 10});
  c.trials = t.get_int("trials", 3, 1, 1000);
  c.maps_max_size = t.get_int("maps_max_size", 64, 0, 4096);
  c.spice_max_size = t.get_int("spice_max_size", 32, 0, 256);
  c.bins = t.get_int("position_bins", 8, 1, 1024);
  c.cell_name = t.get_string("cell", "linear");
  if (c.cell_name != "linear") {  // the device decides its read I-V (xbar/cell_card.hpp)
    ParamTable card = device_from_table(t, "cell", "cell_params");
    xbar::CellCardOptions co;
    co.v_max_V = c.v_read, co.jobs = ctx.jobs, co.ngspice_library = ctx.ngspice_library;
    const bool one_t_one_r = !card.rram_card().empty();
    if (one_t_one_r) {
      c.v_gate = t.get_double("v_gate", device::mosfet_node(card.transistor()).vdd_V, "V", {-5, 5});
      co.transistor_table = transistor_table(card, c.v_gate, c.v_read, ctx);
    }
    xbar::CardCell cc = xbar::cell_from_card(card, co);
    c.cell = cc.cell;
    if (one_t_one_r) c.cell.v_gate_V = {c.v_gate};
    c.card = cc.rram_card;
    for (double g_on : c.g_on)
      for (const char* key : {"g_on", "g_off"}) {
        try {
          c.cell.amplitude(std::string(key) == "g_on" ? g_on : c.g_off * g_on / c.g_on[0]);
        } catch (const InputError& e) {
          t.fail(key, std::string(e.what()) + " (device " + card.model_name() + ")");
        }
      }
  }
  t.finish();
  if (c.sizes.empty() || c.r_wire.empty() || c.activity.empty() || c.distributions.empty() ||
      c.g_on.empty())
    throw ConfigError(t.file(), "irdrop", 0,
                      "sizes, r_wire, activity, distributions and g_on need values");
  return c;
}

// One swept point: its array and inputs are drawn from stream (point index) of the run's seed.
struct Point {
  size_t size_index, r, d, a, g, trial;
  xbar::Array array;
  std::vector<double> v;
  double g_mean = 0, activity = 0;
  std::vector<double> i_ideal, i_actual;
  xbar::NodeVoltages nodes;
};

// The conductances are those of g_on[0] scaled by g_on[g] / g_on[0], and the stream does not
// depend on the wire or the conductance index: every wire resistance and on-conductance sees the
// same pattern (paired points; with r_driver = r_sense = 0 only g x r_wire matters).
void draw(const IrDropConfig& c, size_t n, Point& p, uint64_t seed, uint64_t stream) {
  std::mt19937_64 rng = stream_rng(seed, stream);
  const double g_on = c.g_on[0], scale = c.g_on[p.g] / g_on;
  std::uniform_real_distribution<double> u(c.g_off, g_on);
  std::bernoulli_distribution on(c.p_on);
  p.array = xbar::Array{n, n, std::vector<double>(n * n)};
  for (double& g : p.array.g_S)
    g = scale * (c.distributions[p.d] == "uniform" ? u(rng) : (on(rng) ? g_on : c.g_off));
  double s = 0;
  for (double g : p.array.g_S) s += g;
  p.g_mean = s / static_cast<double>(n * n);
  // Exactly round(a N) driven rows (at least one), chosen at random.
  const double a = c.activity[p.a];
  const size_t k = std::max<size_t>(1, static_cast<size_t>(std::lround(a * static_cast<double>(n))));
  std::vector<size_t> rows(n);
  for (size_t r = 0; r < n; ++r) rows[r] = r;
  std::shuffle(rows.begin(), rows.end(), rng);
  p.v.assign(n, 0.0);
  for (size_t i = 0; i < k; ++i) p.v[rows[i]] = c.v_read;
  p.activity = static_cast<double>(k) / static_cast<double>(n);
}

xbar::Wiring wiring(const IrDropConfig& c, double rw) {
  xbar::Wiring w;
  w.r_wire_row_ohm = w.r_wire_col_ohm = rw;
  w.r_driver_ohm = c.r_driver;
  w.r_sense_ohm = c.r_sense;
  return w;
}

xbar::IrDropInputs inputs(const IrDropConfig& c, const Point& p, double rw) {
  const size_t n = p.array.rows;
  return {n, n, rw, rw, c.r_driver, c.r_sense, p.g_mean, p.activity};
}

struct ErrStats {
  double max = 0, sum2 = 0;
  size_t n = 0;
  void add(double e) { max = std::max(max, std::abs(e)), sum2 += e * e, ++n; }
  double rms() const { return n ? std::sqrt(sum2 / static_cast<double>(n)) : 0.0; }
};

struct Dims {
  size_t ns, nr, nd, na, ng, nt, bins;
  explicit Dims(const IrDropConfig& c)
      : ns(c.sizes.size()), nr(c.r_wire.size()), nd(c.distributions.size()),
        na(c.activity.size()), ng(c.g_on.size()), nt(static_cast<size_t>(c.trials)),
        bins(static_cast<size_t>(c.bins)) {}
  size_t lut_size() const { return ns * nr * nd * na * ng * bins; }
  // The random stream of a point: its size, distribution, activity and trial only (draw()).
  uint64_t stream(const Point& p) const { return ((p.size_index * nd + p.d) * na + p.a) * nt + p.trial; }
};

struct IrDropResult {
  std::vector<Point> pts;
  size_t n_samples = 0;                    // columns the compact model was fitted on
  std::vector<size_t> spice_pts;           // points checked in ngspice
  std::vector<std::vector<double>> spice_i;  // [point] ngspice column currents
  xbar::IrDropModel model;
  ErrStats fit_native, first_order, native_vs_spice, fit_spice, fit_bins;
  std::vector<double> lut, lut_model;      // [size, r_wire, distribution, activity, g_on, bin]
};

// Every swept point drawn and solved natively.
std::vector<Point> native_solves(const IrDropConfig& c, const RunContext& ctx) {
  const Dims n(c);
  std::vector<Point> pts;
  for (size_t s = 0; s < n.ns; ++s)
    for (size_t r = 0; r < n.nr; ++r)
      for (size_t d = 0; d < n.nd; ++d)
        for (size_t a = 0; a < n.na; ++a)
          for (size_t g = 0; g < n.ng; ++g)
            for (size_t t = 0; t < n.nt; ++t)
              pts.push_back(Point{s, r, d, a, g, t, {}, {}, 0, 0, {}, {}, {}});
  Progress prog("irdrop: native solves", pts.size(), ctx.progress);
  for (size_t i = 0; i < pts.size(); ++i) {
    Point& p = pts[i];
    const size_t size = static_cast<size_t>(c.sizes[p.size_index]);
    draw(c, size, p, ctx.seed, n.stream(p));
    xbar::Solver solver(p.array, wiring(c, c.r_wire[p.r]), c.cell);
    const bool map = p.trial == 0 && static_cast<int64_t>(size) <= c.maps_max_size;
    p.i_actual = solver.solve(p.v, nullptr, map ? &p.nodes : nullptr);
    p.i_ideal = xbar::ideal_currents(p.array, c.cell, p.v, 0.0);
    prog.advance();
  }
  prog.finish();
  return pts;
}

// The compact model, fitted on every column of every point, and its error and the theory's.
void fit_model(const IrDropConfig& c, IrDropResult& o) {
  std::vector<xbar::IrDropSample> samples;
  for (const Point& p : o.pts) {
    const xbar::IrDropInputs in = inputs(c, p, c.r_wire[p.r]);
    for (size_t col = 0; col < in.cols; ++col)
      if (p.i_actual[col] > 0 && p.i_ideal[col] > 0)
        samples.push_back({xbar::IrDropModel::features(in, col), std::log(p.i_actual[col] / p.i_ideal[col])});
  }
  o.n_samples = samples.size();
  o.model = xbar::fit_irdrop_model(samples);
  const xbar::IrDropModel theory;  // theta = the mean-field ladder theory
  for (const Point& p : o.pts) {
    const xbar::IrDropInputs in = inputs(c, p, c.r_wire[p.r]);
    const std::vector<double> rm = o.model.ratio(in), r1 = theory.ratio(in);
    for (size_t col = 0; col < in.cols; ++col) {
      o.fit_native.add(rm[col] * p.i_ideal[col] / p.i_actual[col] - 1);
      o.first_order.add(r1[col] * p.i_ideal[col] / p.i_actual[col] - 1);
    }
  }
}

spice::Job point_job(const IrDropConfig& c, const Point& p, size_t i, const std::string& options) {
  xbar::NetlistOptions no;
  no.solver_options = options;
  no.rram_card = c.card.get();
  no.devices_dir = devices_dir().string();  // 1T1R: the transistor's card
  spice::Job j;
  j.name = "irdrop/point" + std::to_string(i);
  j.netlist = xbar::crossbar_netlist(p.array, wiring(c, c.r_wire[p.r]), c.cell, p.v, no);
  j.commands = {"op"};
  j.vectors = xbar::column_current_vectors(p.array.cols);
  return j;
}

// ngspice validation: trial 0 of every point whose size is small enough (journaled jobs).
void spice_check(const IrDropConfig& c, StageScope& scope, IrDropResult& o) {
  for (size_t i = 0; i < o.pts.size(); ++i)
    if (o.pts[i].trial == 0 && c.sizes[o.pts[i].size_index] <= c.spice_max_size)
      o.spice_pts.push_back(i);
  o.spice_i.resize(o.pts.size());
  if (o.spice_pts.empty()) return;
  const std::string options = spice::solver_options_line(scope.pool().info());
  std::vector<spice::Job> jobs;
  for (size_t i : o.spice_pts) jobs.push_back(point_job(c, o.pts[i], i, options));
  spice::JobJournal journal(scope.journal(), scope.ctx().resume, scope.run_id());
  std::vector<spice::JobResult> res = spice::run_journaled(scope.pool(), jobs, journal);
  scope.report_resumed(journal);
  for (size_t k = 0; k < jobs.size(); ++k) {
    res[k].throw_if_failed(jobs[k].name);
    const Point& p = o.pts[o.spice_pts[k]];
    std::vector<double>& I = o.spice_i[o.spice_pts[k]];
    for (const auto& name : jobs[k].vectors) I.push_back(res[k].vec(jobs[k].name, name).at(0));
    const std::vector<double> rm = o.model.ratio(inputs(c, p, c.r_wire[p.r]));
    for (size_t col = 0; col < I.size(); ++col) {
      o.native_vs_spice.add((p.i_actual[col] - I[col]) / I[col]);
      o.fit_spice.add(rm[col] * p.i_ideal[col] / I[col] - 1);
    }
  }
}

// Mean I/I_ideal (native and model) over the trials and columns of each position bin.
void bin_lut(const IrDropConfig& c, IrDropResult& o) {
  const Dims n(c);
  o.lut.assign(n.lut_size(), 0.0);
  o.lut_model.assign(n.lut_size(), 0.0);
  std::vector<double> count(n.lut_size(), 0.0);
  for (const Point& p : o.pts) {
    const size_t size = p.array.cols;
    const std::vector<double> rm = o.model.ratio(inputs(c, p, c.r_wire[p.r]));
    for (size_t col = 0; col < size; ++col) {
      const size_t idx =
          ((((p.size_index * n.nr + p.r) * n.nd + p.d) * n.na + p.a) * n.ng + p.g) * n.bins +
          col * n.bins / size;
      o.lut[idx] += p.i_actual[col] / p.i_ideal[col];
      o.lut_model[idx] += rm[col];
      count[idx] += 1;
    }
  }
  for (size_t k = 0; k < o.lut.size(); ++k)
    if (count[k] > 0) {
      o.lut[k] /= count[k], o.lut_model[k] /= count[k];
      o.fit_bins.add(o.lut_model[k] / o.lut[k] - 1);
    }
}

IrDropResult compute(const IrDropConfig& c, StageScope& scope) {
  IrDropResult o;
  o.pts = native_solves(c, scope.ctx());
  fit_model(c, o);
  spice_check(c, scope, o);
  bin_lut(c, o);
  return o;
}

void print(const IrDropResult& o, const Sink& out) {
  std::string theta;
  for (double t : o.model.theta) {
    char b[32];
    std::snprintf(b, sizeof b, " %g", t);
    theta += b;
  }
  out.print("irdrop: %zu arrays (%zu columns), %zu checked in ngspice\n  model theta (%s):%s\n",
            o.pts.size(), o.n_samples, o.spice_pts.size(), xbar::IrDropModel::basis(),
            theta.c_str());
  out.print("  relative current error of the model: vs native max %.3g rms %.3g (LUT bins: max "
            "%.3g rms %.3g); vs ngspice max %.3g rms %.3g\n",
            o.fit_native.max, o.fit_native.rms(), o.fit_bins.max, o.fit_bins.rms(),
            o.fit_spice.max, o.fit_spice.rms());
  out.print("  mean-field ladder theory alone: max %.3g rms %.3g; native vs ngspice: max %.3g\n",
            o.first_order.max, o.first_order.rms(), o.native_vs_spice.max);
}

void write_settings(const IrDropConfig& c, H5Writer& out) {
  const Dims n(c);
  std::vector<double> sizes_d(c.sizes.begin(), c.sizes.end());
  out.write("/irdrop/sizes", sizes_d, {n.ns}, "");
  out.write("/irdrop/r_wire", c.r_wire, {n.nr}, "ohm");
  out.write("/irdrop/activity", c.activity, {n.na}, "");
  out.write_strings("/irdrop/distributions", c.distributions);
  out.attr("/irdrop", "r_driver_ohm", c.r_driver);
  out.attr("/irdrop", "r_sense_ohm", c.r_sense);
  out.write("/irdrop/g_on", c.g_on, {n.ng}, "S");
  out.attr("/irdrop", "g_off_S", c.g_off);
  out.attr("/irdrop", "p_on", c.p_on);
  out.attr("/irdrop", "v_read_V", c.v_read);
  out.attr("/irdrop", "cell", c.cell.describe());
  out.attr("/irdrop", "convention", std::string("rows driven at column 0, columns sensed past the last row (docs/crossbar.md)"));
}

// The points of one array size: currents, inputs, and the voltage maps and ngspice currents of
// trial 0 where the size allows them.
void write_size(const IrDropConfig& c, const IrDropResult& o, size_t s, H5Writer& out) {
  const Dims d(c);
  const size_t n = static_cast<size_t>(c.sizes[s]);
  const std::string g = "/irdrop/N" + std::to_string(n);
  std::vector<double> ii, ia, gm, act, vmap, isp, garr, vin;
  const bool maps = static_cast<int64_t>(n) <= c.maps_max_size, spice_here = c.sizes[s] <= c.spice_max_size;
  for (const Point& p : o.pts) {
    if (p.size_index != s) continue;
    ii.insert(ii.end(), p.i_ideal.begin(), p.i_ideal.end());
    ia.insert(ia.end(), p.i_actual.begin(), p.i_actual.end());
    gm.push_back(p.g_mean);
    act.push_back(p.activity);
    vin.insert(vin.end(), p.v.begin(), p.v.end());
    if (p.trial == 0 && maps) {
      for (size_t k = 0; k < n * n; ++k) vmap.push_back(p.nodes.row_V[k] - p.nodes.col_V[k]);
      garr.insert(garr.end(), p.array.g_S.begin(), p.array.g_S.end());
    }
    if (p.trial == 0 && spice_here) {
      const auto& I = o.spice_i[static_cast<size_t>(&p - o.pts.data())];
      isp.insert(isp.end(), I.begin(), I.end());
    }
  }
  out.write(g + "/i_ideal", ii, {d.nr, d.nd, d.na, d.ng, d.nt, n}, "A");
  out.write(g + "/i_actual", ia, {d.nr, d.nd, d.na, d.ng, d.nt, n}, "A");
  out.attr(g + "/i_actual", "axes", std::string("r_wire,distribution,activity,g_on,trial,column"));
  out.write(g + "/v_in", vin, {d.nr, d.nd, d.na, d.ng, d.nt, n}, "V");
  out.write(g + "/g_mean", gm, {d.nr, d.nd, d.na, d.ng, d.nt}, "S");
  out.write(g + "/activity", act, {d.nr, d.nd, d.na, d.ng, d.nt}, "");
  if (maps) {
    out.write(g + "/v_cell", vmap, {d.nr, d.nd, d.na, d.ng, n, n}, "V");
    out.attr(g + "/v_cell", "axes", std::string("r_wire,distribution,activity,g_on,row,column"));
    out.write(g + "/g", garr, {d.nr, d.nd, d.na, d.ng, n, n}, "S");
    out.attr(g + "/g", "axes", std::string("r_wire,distribution,activity,g_on,row,column"));
  }
  if (spice_here) out.write(g + "/i_ngspice", isp, {d.nr, d.nd, d.na, d.ng, n}, "A");
}

lut::IrDropLut ratio_record(const IrDropConfig& c, const IrDropResult& o) {
  const Dims n(c);
  lut::IrDropLut l;
  l.size.assign(c.sizes.begin(), c.sizes.end());
  l.r_wire = c.r_wire, l.activity = c.activity, l.g_on = c.g_on;
  for (size_t d = 0; d < n.nd; ++d) {
    l.distribution.push_back(static_cast<double>(d));
    l.distributions += (d ? "," : "") + c.distributions[d];
  }
  for (size_t b = 0; b < n.bins; ++b)
    l.position.push_back((static_cast<double>(b) + 0.5) / static_cast<double>(n.bins));
  l.ratio = o.lut, l.ratio_model = o.lut_model;
  l.g_off_over_g_on = c.g_off / c.g_on[0], l.p_on = c.p_on, l.v_read_V = c.v_read;
  l.r_driver_ohm = c.r_driver, l.r_sense_ohm = c.r_sense;
  l.cell = c.cell.describe();
  return l;
}

lut::IrDropModelLut model_record(const IrDropResult& o) {
  lut::IrDropModelLut m;
  for (size_t k = 0; k < o.model.theta.size(); ++k) m.term.push_back(static_cast<double>(k));
  m.theta = o.model.theta;
  m.basis = xbar::IrDropModel::basis();
  m.form = "I[c] = I_ideal[c] exp(sum_k theta_k phi_k(c)); phi from the single-line ladder factors "
           "f_u(c), f_w with g = mean cell conductance and a = activity (docs/crossbar.md, "
           "xbar/irdrop_model.hpp)";
  auto set = [](const ErrStats& e, double& mx, double& rms) { mx = e.max, rms = e.rms(); };
  set(o.fit_native, m.rel_err_vs_native_max, m.rel_err_vs_native_rms);
  set(o.fit_bins, m.rel_err_vs_native_bins_max, m.rel_err_vs_native_bins_rms);
  set(o.fit_spice, m.rel_err_vs_ngspice_max, m.rel_err_vs_ngspice_rms);
  set(o.first_order, m.theory_rel_err_vs_native_max, m.theory_rel_err_vs_native_rms);
  set(o.native_vs_spice, m.native_vs_ngspice_max, m.native_vs_ngspice_rms);
  return m;
}

std::filesystem::path run(const IrDropConfig& c, const RunContext& ctx) {
  StageScope scope("irdrop", ctx);
  const IrDropResult o = compute(c, scope);
  print(o, scope.out());
  return scope.write([&](H5Writer& out) {
    write_settings(c, out);
    for (size_t s = 0; s < c.sizes.size(); ++s) write_size(c, o, s, out);
    lut::write(out, ratio_record(c, o));
    lut::write(out, model_record(o));
  });
}

// With a device card's cell, the card's static subcircuit in the smallest array ngspice checks
// (trial 0 of the first point of that size), before the sweep. The linear cell's netlist is
// generated whole and needs no probe.
std::vector<Probe> irdrop_probes(const IrDropConfig& c) {
  size_t s = c.sizes.size();
  for (size_t k = 0; k < c.sizes.size(); ++k)
    if (c.sizes[k] <= c.spice_max_size && (s == c.sizes.size() || c.sizes[k] < c.sizes[s])) s = k;
  if (!c.card || s == c.sizes.size()) return {};
  Point p{s, 0, 0, 0, 0, 0, {}, {}, 0, 0, {}, {}, {}};
  draw(c, static_cast<size_t>(c.sizes[s]), p, 1, 0);
  Probe probe;
  probe.file = c.card->lib_path().string();
  probe.job = point_job(c, p, 0, "");
  probe.job.name = "irdrop/probe";
  return {probe};
}

}  // namespace

PreparedStage prepare_irdrop_stage(Section& table, const RunContext& prep) {
  auto cfg = std::make_shared<IrDropConfig>(parse(table, prep));
  return {[cfg](const RunContext& ctx) { return run(*cfg, ctx); }, irdrop_probes(*cfg)};
}

}  // namespace cimchar::flows
