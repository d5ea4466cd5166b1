// The IR-drop characterization stage (`cimchar irdrop`, [irdrop] in a flow): sweeps array size,
// wire resistance, conductance distribution and input activity; solves every array natively
// (src/xbar) and the small ones in ngspice too; records ideal vs actual column currents and
// per-cell voltage maps; fits the compact IR-drop model (xbar/irdrop_model.hpp) and writes it
// with its fit error against the native and ngspice solutions as a LUT (docs/results-format.md).
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include "core/error.hpp"
#include "core/h5.hpp"
#include "core/progress.hpp"
#include "core/provenance.hpp"
#include "core/rng.hpp"
#include "core/ranks.hpp"
#include "flows/stages.hpp"
#include "spice/job_journal.hpp"
#include "spice/pool.hpp"
#include "spice/session.hpp"
#include "xbar/irdrop_model.hpp"
#include "xbar/netlist.hpp"
#include "xbar/solver.hpp"

namespace cimchar::flows {

namespace {

struct IrDropConfig {
  std::vector<int64_t> sizes;
  std::vector<double> r_wire, activity;
  std::vector<std::string> distributions;
  double r_driver = 0, r_sense = 0, g_on = 1e-4, g_off = 1e-6, p_on = 0.5, v_read = 0.2;
  int64_t trials = 3, maps_max_size = 64, spice_max_size = 32, bins = 8;
  xbar::CellModel cell;
  std::string cell_name;
  std::shared_ptr<ParamTable> card;  // sinh cells: ngspice uses the card's static subcircuit
};

IrDropConfig parse(Section& t) {
  IrDropConfig c;
  c.sizes = t.get_ints("sizes", {16, 32, 64, 128}, 1, 4096);
  c.r_wire = t.get_doubles("r_wire", {0.25, 1, 2.5}, "ohm", {1e-9, 1e6});
  c.r_driver = t.get_double("r_driver", 0, "ohm", {0, 1e9});
  c.r_sense = t.get_double("r_sense", 0, "ohm", {0, 1e9});
  c.g_on = t.get_double("g_on", 1e-4, "S", {1e-12, 1});
  c.g_off = t.get_double("g_off", 1e-6, "S", {1e-12, 1});
  if (c.g_off > c.g_on) t.fail("g_off", "must not exceed g_on");
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
  if (c.cell_name != "linear") {
    ParamTable card = device_from_table(t, "cell", "cell_params");
    if (!card.has("V0")) t.fail("cell", "the card has no V0 (sinh read-out I-V)");
    c.cell.element = xbar::Element::sinh;
    c.cell.sinh.v0_V = card.get("V0");
    c.card = std::make_shared<ParamTable>(card);
  }
  t.finish();
  if (c.sizes.empty() || c.r_wire.empty() || c.activity.empty() || c.distributions.empty())
    throw ConfigError(t.file(), "irdrop", 0, "sizes, r_wire, activity and distributions need values");
  return c;
}

// One swept point: its array and inputs are drawn from stream (point index) of the run's seed.
struct Point {
  size_t size_index, r, d, a, trial;
  xbar::Array array;
  std::vector<double> v;
  double g_mean = 0, activity = 0;
  std::vector<double> i_ideal, i_actual;
  xbar::NodeVoltages nodes;
};

void draw(const IrDropConfig& c, size_t n, Point& p, uint64_t seed, uint64_t stream) {
  std::mt19937_64 rng = stream_rng(seed, stream);
  std::uniform_real_distribution<double> u(c.g_off, c.g_on);
  std::bernoulli_distribution on(c.p_on);
  p.array = xbar::Array{n, n, std::vector<double>(n * n)};
  for (double& g : p.array.g_S)
    g = c.distributions[p.d] == "uniform" ? u(rng) : (on(rng) ? c.g_on : c.g_off);
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

std::filesystem::path run(const IrDropConfig& c, const RunContext& ctx) {
  const size_t ns = c.sizes.size(), nr = c.r_wire.size(), nd = c.distributions.size();
  const size_t na = c.activity.size(), nt = static_cast<size_t>(c.trials);
  std::vector<Point> pts;
  for (size_t s = 0; s < ns; ++s)
    for (size_t r = 0; r < nr; ++r)
      for (size_t d = 0; d < nd; ++d)
        for (size_t a = 0; a < na; ++a)
          for (size_t t = 0; t < nt; ++t) pts.push_back(Point{s, r, d, a, t, {}, {}, 0, 0, {}, {}, {}});

  // Native solves.
  Progress prog("irdrop: native solves", pts.size(), ctx.progress);
  for (size_t i = 0; i < pts.size(); ++i) {
    Point& p = pts[i];
    const size_t n = static_cast<size_t>(c.sizes[p.size_index]);
    draw(c, n, p, ctx.seed, i);
    xbar::Solver solver(p.array, wiring(c, c.r_wire[p.r]), c.cell);
    const bool map = p.trial == 0 && static_cast<int64_t>(n) <= c.maps_max_size;
    p.i_actual = solver.solve(p.v, nullptr, map ? &p.nodes : nullptr);
    p.i_ideal = xbar::ideal_currents(p.array, c.cell, p.v, 0.0);
    prog.advance();
  }
  prog.finish();

  // The compact model, fitted on every column of every point.
  std::vector<xbar::IrDropSample> samples;
  for (const Point& p : pts) {
    const xbar::IrDropInputs in = inputs(c, p, c.r_wire[p.r]);
    for (size_t col = 0; col < in.cols; ++col)
      if (p.i_actual[col] > 0 && p.i_ideal[col] > 0)
        samples.push_back({xbar::IrDropModel::features(in, col), std::log(p.i_actual[col] / p.i_ideal[col])});
  }
  const xbar::IrDropModel model = xbar::fit_irdrop_model(samples);
  ErrStats fit_native, first_order;
  const xbar::IrDropModel theory;  // theta = the mean-field ladder theory
  for (const Point& p : pts) {
    const xbar::IrDropInputs in = inputs(c, p, c.r_wire[p.r]);
    const std::vector<double> rm = model.ratio(in), r1 = theory.ratio(in);
    for (size_t col = 0; col < in.cols; ++col) {
      fit_native.add(rm[col] * p.i_ideal[col] / p.i_actual[col] - 1);
      first_order.add(r1[col] * p.i_ideal[col] / p.i_actual[col] - 1);
    }
  }

  // ngspice validation: trial 0 of every point whose size is small enough.
  std::vector<size_t> spice_pts;
  for (size_t i = 0; i < pts.size(); ++i)
    if (pts[i].trial == 0 && c.sizes[pts[i].size_index] <= c.spice_max_size) spice_pts.push_back(i);
  ErrStats native_vs_spice, fit_spice;
  std::vector<std::vector<double>> spice_i(pts.size());
  std::string ngspice_version;
  // The ngspice jobs are journaled, so a killed run resumes with --resume.
  std::error_code ec;
  std::filesystem::create_directories(ctx.out_dir, ec);
  spice::JobJournal journal(spice_pts.empty() ? std::filesystem::path() : ctx.out_dir / "irdrop.journal",
                            ctx.resume);
  if (!spice_pts.empty()) {
    spice::PoolOptions po;
    po.workers = ctx.jobs;
    po.library = ctx.ngspice_library;
    po.progress = ctx.progress;
    po.progress_label = "irdrop: ngspice";
    spice::WorkerPool pool(po);
    const spice::NgspiceInfo info = pool.info();
    ngspice_version = info.version;
    xbar::NetlistOptions no;
    no.solver_options = spice::solver_options_line(info);
    no.rram_card = c.card.get();
    std::vector<spice::Job> jobs;
    for (size_t i : spice_pts) {
      const Point& p = pts[i];
      spice::Job j;
      j.name = "irdrop/point" + std::to_string(i);
      j.netlist = xbar::crossbar_netlist(p.array, wiring(c, c.r_wire[p.r]), c.cell, p.v, no);
      j.commands = {"op"};
      j.vectors = xbar::column_current_vectors(p.array.cols);
      jobs.push_back(std::move(j));
    }
    std::vector<spice::JobResult> res = spice::run_journaled(pool, jobs, journal);
    for (size_t k = 0; k < jobs.size(); ++k) {
      res[k].throw_if_failed(jobs[k].name);
      const Point& p = pts[spice_pts[k]];
      std::vector<double>& I = spice_i[spice_pts[k]];
      for (const auto& name : jobs[k].vectors) I.push_back(res[k].vec(jobs[k].name, name).at(0));
      const std::vector<double> rm = model.ratio(inputs(c, p, c.r_wire[p.r]));
      for (size_t col = 0; col < I.size(); ++col) {
        native_vs_spice.add((p.i_actual[col] - I[col]) / I[col]);
        fit_spice.add(rm[col] * p.i_ideal[col] / I[col] - 1);
      }
    }
  }

  // Output.
  auto path = ctx.out_dir / "irdrop.h5";
  if (!ranks().root()) {  // under mpirun rank 0 writes the file
    journal.remove();
    return path;
  }
  H5Writer out(path);
  write_provenance(out, {ctx.config_text, ctx.seed, ngspice_version});
  std::vector<double> sizes_d(c.sizes.begin(), c.sizes.end());
  out.write("/irdrop/sizes", sizes_d, {ns}, "");
  out.write("/irdrop/r_wire", c.r_wire, {nr}, "ohm");
  out.write("/irdrop/activity", c.activity, {na}, "");
  out.write_strings("/irdrop/distributions", c.distributions);
  out.attr("/irdrop", "r_driver_ohm", c.r_driver);
  out.attr("/irdrop", "r_sense_ohm", c.r_sense);
  out.attr("/irdrop", "g_on_S", c.g_on);
  out.attr("/irdrop", "g_off_S", c.g_off);
  out.attr("/irdrop", "p_on", c.p_on);
  out.attr("/irdrop", "v_read_V", c.v_read);
  out.attr("/irdrop", "cell", c.cell.describe());
  out.attr("/irdrop", "convention", std::string("rows driven at column 0, columns sensed past the last row (docs/crossbar.md)"));
  const size_t bins = static_cast<size_t>(c.bins);
  std::vector<double> lut(ns * nr * nd * na * bins, 0.0), lut_model(lut.size(), 0.0);
  std::vector<double> lut_n(lut.size(), 0.0);
  for (size_t s = 0; s < ns; ++s) {
    const size_t n = static_cast<size_t>(c.sizes[s]);
    const std::string g = "/irdrop/N" + std::to_string(n);
    std::vector<double> ii, ia, gm, act, vmap, isp, garr, vin;
    bool maps = static_cast<int64_t>(n) <= c.maps_max_size, spice_here = c.sizes[s] <= c.spice_max_size;
    for (const Point& p : pts) {
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
        const auto& I = spice_i[&p - pts.data()];
        isp.insert(isp.end(), I.begin(), I.end());
      }
      const std::vector<double> rm = model.ratio(inputs(c, p, c.r_wire[p.r]));
      for (size_t col = 0; col < n; ++col) {
        const size_t b = col * bins / n;
        const size_t idx = (((s * nr + p.r) * nd + p.d) * na + p.a) * bins + b;
        lut[idx] += p.i_actual[col] / p.i_ideal[col];
        lut_model[idx] += rm[col];
        lut_n[idx] += 1;
      }
    }
    out.write(g + "/i_ideal", ii, {nr, nd, na, nt, n}, "A");
    out.write(g + "/i_actual", ia, {nr, nd, na, nt, n}, "A");
    out.attr(g + "/i_actual", "axes", std::string("r_wire,distribution,activity,trial,column"));
    out.write(g + "/v_in", vin, {nr, nd, na, nt, n}, "V");
    out.write(g + "/g_mean", gm, {nr, nd, na, nt}, "S");
    out.write(g + "/activity", act, {nr, nd, na, nt}, "");
    if (maps) {
      out.write(g + "/v_cell", vmap, {nr, nd, na, n, n}, "V");
      out.attr(g + "/v_cell", "axes", std::string("r_wire,distribution,activity,row,column"));
      out.write(g + "/g", garr, {nr, nd, na, n, n}, "S");
      out.attr(g + "/g", "axes", std::string("r_wire,distribution,activity,row,column"));
    }
    if (spice_here) out.write(g + "/i_ngspice", isp, {nr, nd, na, n}, "A");
  }
  ErrStats fit_bins;
  for (size_t k = 0; k < lut.size(); ++k)
    if (lut_n[k] > 0) {
      lut[k] /= lut_n[k], lut_model[k] /= lut_n[k];
      fit_bins.add(lut_model[k] / lut[k] - 1);
    }
  const std::vector<size_t> ldims = {ns, nr, nd, na, bins};
  out.write("/lut/irdrop/ratio", lut, ldims, "");
  out.attr("/lut/irdrop/ratio", "axes", std::string("size,r_wire,distribution,activity,position"));
  out.attr("/lut/irdrop/ratio", "description",
           std::string("mean I/I_ideal over trials and the columns in each position bin (native solver)"));
  out.write("/lut/irdrop/ratio_model", lut_model, ldims, "");
  out.attr("/lut/irdrop/ratio_model", "axes", std::string("size,r_wire,distribution,activity,position"));
  std::vector<double> pos(bins);
  for (size_t b = 0; b < bins; ++b) pos[b] = (static_cast<double>(b) + 0.5) / static_cast<double>(bins);
  out.write("/lut/irdrop/position", pos, {bins}, "");
  out.write("/lut/irdrop/model/theta", model.theta, {model.theta.size()}, "");
  out.attr("/lut/irdrop/model/theta", "basis", std::string(xbar::IrDropModel::basis()));
  out.attr("/lut/irdrop/model", "form",
           std::string("I[c] = I_ideal[c] exp(sum_k theta_k phi_k(c)); phi from the single-line "
                       "ladder factors f_u(c), f_w with g = mean cell conductance and a = "
                       "activity (docs/crossbar.md, xbar/irdrop_model.hpp)"));
  auto stats = [&](const std::string& name, const ErrStats& e) {
    out.attr("/lut/irdrop/model", name + "_max", e.max);
    out.attr("/lut/irdrop/model", name + "_rms", e.rms());
  };
  stats("rel_err_vs_native", fit_native);
  stats("rel_err_vs_native_bins", fit_bins);
  stats("rel_err_vs_ngspice", fit_spice);
  stats("theory_rel_err_vs_native", first_order);
  stats("native_vs_ngspice", native_vs_spice);
  out.commit();
  journal.remove();
  if (ctx.resume && !spice_pts.empty())
    std::fprintf(stderr, "irdrop: resumed, %zu ngspice jobs taken from %s, %zu run\n",
                 journal.reused, journal.path().c_str(), journal.computed);

  std::cout << "irdrop: " << pts.size() << " arrays (" << samples.size() << " columns), "
            << spice_pts.size() << " checked in ngspice\n  model theta (" << xbar::IrDropModel::basis()
            << "):";
  for (double t : model.theta) std::cout << " " << t;
  std::printf("\n  relative current error of the model: vs native max %.3g rms %.3g (LUT bins: max "
              "%.3g rms %.3g); vs ngspice max %.3g rms %.3g\n",
              fit_native.max, fit_native.rms(), fit_bins.max, fit_bins.rms(), fit_spice.max,
              fit_spice.rms());
  std::printf("  mean-field ladder theory alone: max %.3g rms %.3g; native vs ngspice: max %.3g\n",
              first_order.max, first_order.rms(), native_vs_spice.max);
  return path;
}

}  // namespace

PreparedStage prepare_irdrop_stage(Section& table, const RunContext&) {
  auto cfg = std::make_shared<IrDropConfig>(parse(table));
  return [cfg](const RunContext& ctx) { return run(*cfg, ctx); };
}

}  // namespace cimchar::flows
