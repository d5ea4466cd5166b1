// The fitting stage (`cimchar fit`, [fit] in a flow): fits chosen parameters of a device
// compact model to I-V data from a CSV file (header line with column names) or an HDF5 file
// (dataset paths), and writes fitted values, standard errors and the residual RMS. The model is
// evaluated by its C++ twin when it has one, else through ngspice (fit/spice_iv.hpp).
#include <cmath>
#include <cstdio>
#include <limits>

#include "core/error.hpp"
#include "core/h5.hpp"
#include "core/npy.hpp"
#include "core/paths.hpp"
#include "core/provenance.hpp"
#include "core/units.hpp"
#include "device/model.hpp"
#include "fit/device_fit.hpp"
#include "fit/fitted_card.hpp"
#include "flows/stage_scope.hpp"
#include "flows/stages.hpp"

namespace cimchar::flows {

namespace {

std::string state_unit_of(const ParamTable& card) {
  return device::has_twin(card) ? device::make_model(card)->state_unit() : card.state_unit();
}

struct FitConfig {
  ParamTable card;
  fit::IvData data;
  fit::DeviceFitOptions opts;
  std::string data_file, file;
  bool from_out = false;  // "@out/...": written by an earlier stage of the same run
  bool is_h5 = false;
  std::string v_col, i_col, state_col;
  double fixed_state = 0;
  std::string card_out;   // "" or a file name in the output folder: the fitted device card
};

// A CSV column by name: either `name` (values in SI) or `name [unit]` / `name (unit)` with a
// prefixed unit of the expected kind ("i [uA]", "gap (nm)"), converted to SI here.
std::vector<double> read_csv_column(const FitConfig& c, const std::string& name,
                                    const std::string& si_unit) {
  const CsvTable t = read_csv(c.data_file);
  for (size_t k = 0; k < t.names.size(); ++k) {
    const std::string& h = t.names[k];
    if (h == name) return t.columns[k];
    if (h.rfind(name, 0) != 0) continue;
    std::string rest = h.substr(name.size());
    rest.erase(0, rest.find_first_not_of(' '));
    if (rest.size() < 3 || !((rest.front() == '[' && rest.back() == ']') ||
                             (rest.front() == '(' && rest.back() == ')')))
      continue;
    const std::string unit = rest.substr(1, rest.size() - 2);
    std::string why;
    const auto scale = parse_quantity("1 " + unit, si_unit, &why);
    if (!scale)
      throw ConfigError(c.file, "fit.data", 0, c.data_file + ": column '" + h + "': unit '" + unit +
                        "' is not a unit of " + (si_unit.empty() ? "a pure number" : si_unit) +
                        " (" + why + ")");
    std::vector<double> v = t.columns[k];
    for (double& x : v) x *= *scale;
    return v;
  }
  return t.column(name, c.data_file);  // InputError naming the file and the missing column
}

std::vector<double> read_column(const FitConfig& c, const std::string& name,
                                const std::string& si_unit) {
  if (c.is_h5) return H5Reader(c.data_file).read(name);
  return read_csv_column(c, name, si_unit);
}

// Reads and checks the data; ConfigError naming the flow's `data` key on bad content.
fit::IvData load(const FitConfig& c) {
  fit::IvData d;
  d.source = c.data_file;
  d.v_V = read_column(c, c.v_col, "V");
  d.i_A = read_column(c, c.i_col, "A");
  d.state = c.state_col.empty() ? std::vector<double>(d.v_V.size(), c.fixed_state)
                                : read_column(c, c.state_col, state_unit_of(c.card));
  if (d.v_V.size() != d.i_A.size() || d.state.size() != d.v_V.size())
    throw ConfigError(c.file, "fit.data", 0,
                      c.data_file + ": the voltage, current and state columns differ in length");
  for (size_t i = 0; i < d.v_V.size(); ++i)
    if (!std::isfinite(d.v_V[i]) || !std::isfinite(d.i_A[i]) || !std::isfinite(d.state[i]))
      throw ConfigError(c.file, "fit.data", 0,
                        c.data_file + ": point " + std::to_string(i + 1) + " is not finite");
  return d;
}

FitConfig parse(Section& t) {
  FitConfig c;
  c.card = device_from_table(t, "device", "fixed");
  c.data_file = t.require_string("data");
  c.from_out = c.data_file.rfind("@out/", 0) == 0;
  if (!c.from_out) {
    // Relative data paths are relative to the flow file's folder.
    std::error_code ec;  // a path the file system refuses (too long, ...) does not exist
    std::filesystem::path p(c.data_file);
    if (p.is_relative() && !std::filesystem::exists(p, ec))
      p = std::filesystem::path(t.file()).parent_path() / p;
    c.data_file = p.string();
    if (!std::filesystem::exists(p, ec)) t.fail("data", "data file " + c.data_file + " does not exist");
  }
  const std::string ext = std::filesystem::path(c.data_file).extension().string();
  c.is_h5 = ext == ".h5" || ext == ".hdf5";
  c.v_col = t.get_string("v_column", c.is_h5 ? "/data/v" : "v");
  c.i_col = t.get_string("i_column", c.is_h5 ? "/data/i" : "i");
  c.state_col = t.get_string("state_column", "");
  if (c.state_col.empty()) c.fixed_state = t.require_double("state", "", {-1e300, 1e300});
  c.file = t.file();
  if (!c.from_out) c.data = load(c);  // bad data fails now, before any stage runs

  c.opts.params = t.get_strings("params", {});
  if (c.opts.params.empty()) t.fail("params", "name the parameters to fit, e.g. [\"I0\", \"V0\"]");
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Section init = t.sub("initial");
  Section lo = t.sub("lower");
  Section hi = t.sub("upper");
  for (const auto& name : c.opts.params) {
    const ParamSpec* spec = nullptr;
    for (const auto& s : c.card.specs())
      if (s.name == name) spec = &s;
    if (!spec) t.fail("params", "model '" + c.card.model_name() + "' has no parameter '" + name + "'");
    const Range r{spec->min, spec->max};
    c.opts.initial.push_back(init.get_double(name, nan, spec->unit, r));
    c.opts.lo.push_back(lo.get_double(name, nan, spec->unit, r));
    c.opts.hi.push_back(hi.get_double(name, nan, spec->unit, r));
  }
  init.finish();
  lo.finish();
  hi.finish();
  c.opts.rel_sigma = t.get_double("rel_sigma", 0.01, "", {0, 1});
  c.opts.abs_sigma_A = t.get_double("abs_sigma", 1e-12, "A", {0, 1});
  if (c.opts.rel_sigma == 0 && c.opts.abs_sigma_A == 0)
    t.fail("rel_sigma", "rel_sigma and abs_sigma cannot both be zero");
  c.card_out = t.get_string("card_out", "");
  if (!c.card_out.empty() && std::filesystem::path(c.card_out).filename() != c.card_out)
    t.fail("card_out", "a file name in the output folder, without folders");
  if (!c.card_out.empty() && std::filesystem::path(c.card_out).extension() != ".toml")
    t.fail("card_out", "a device card is a .toml file");
  c.opts.lm.starts = static_cast<int>(t.get_int("starts", c.opts.lm.starts, 1, 1000));
  c.opts.lm.gof_z = t.get_double("gof_sigmas", c.opts.lm.gof_z, "", {0, 1e6});
  const std::string engine = t.get_string("engine", "auto");
  if (!fit::parse_fit_engine(engine, c.opts.engine))
    t.fail("engine", "'" + engine + "' is not auto, twin or ngspice");
  try {
    fit::fits_through_ngspice(c.card, c.opts.engine);
  } catch (const ConfigError& e) {
    t.fail("engine", e.what());
  }
  t.finish();
  return c;
}

void print_result(const FitConfig& c, const fit::FitResult& r, const Sink& out) {
  out.print("fit of %s to %zu points from %s: %s after %d evaluations (%d starts)\n",
            c.card.model_name().c_str(), c.data.v_V.size(), c.data_file.c_str(),
            r.status.c_str(), r.evaluations, r.starts);
  out.print("  %-10s %14s %14s %8s  %s\n", "parameter", "value", "std error", "rel", "unit");
  for (size_t k = 0; k < r.names.size(); ++k)
    out.print("  %-10s %14.6g %14.3g %7.2f%%  %s%s%s\n", r.names[k].c_str(), r.values[k],
              r.std_errors[k], 100 * r.std_errors[k] / std::abs(r.values[k]),
              r.units[k].c_str(), r.at_bound[k] ? "  (at its bound)" : "",
              r.identifiable[k] ? "" : "  (not identifiable)");
  out.print("  residual RMS %.4g A (weighted %.4g); reduced chi-square %.4g (pass <= %.4g, "
            "%d dof); Jacobian rank %d of %zu, condition %.3g\n",
            r.residual_rms, r.weighted_residual_rms, r.chi2_reduced, r.chi2_limit, r.dof, r.rank,
            r.names.size(), r.condition_number);
  for (const auto& d : r.unidentified)
    out.note("fit: warning: not identifiable from these data: %s\n", d.c_str());
}

void write_result(const FitConfig& c, const fit::FitResult& r, bool passed, H5Writer& out) {
  c.card.write_attrs(out, "/device");
  for (size_t k = 0; k < r.names.size(); ++k) {
    const std::string g = "/fit/params/" + r.names[k];
    out.write(g + "/value", {r.values[k]}, {}, r.units[k]);
    out.write(g + "/std_error", {r.std_errors[k]}, {}, r.units[k]);
    out.attr(g, "at_bound", static_cast<int64_t>(r.at_bound[k] ? 1 : 0));
    out.attr(g, "identifiable", static_cast<int64_t>(r.identifiable[k] ? 1 : 0));
  }
  const size_t k = r.names.size();
  out.write_strings("/fit/names", r.names);
  out.write("/fit/correlation", r.correlation, {k, k}, "");
  if (!r.unidentified.empty()) out.write_strings("/fit/unidentified_directions", r.unidentified);
  out.write("/fit/start_chi2_reduced", r.start_chi2, {r.start_chi2.size()}, "");
  out.write("/fit/residual_rms", {r.residual_rms}, {}, "A");
  out.write("/fit/weighted_residual_rms", {r.weighted_residual_rms}, {}, "");
  out.write("/fit/chi2_reduced", {r.chi2_reduced}, {}, "");
  out.attr("/fit", "chi2_limit", r.chi2_limit);
  out.attr("/fit", "dof", static_cast<int64_t>(r.dof));
  out.attr("/fit", "jacobian_rank", static_cast<int64_t>(r.rank));
  out.attr("/fit", "unidentified_count", static_cast<int64_t>(r.unidentified.size()));
  out.attr("/fit", "condition_number", r.condition_number);
  out.attr("/fit", "status", r.status);
  out.attr("/fit", "converged", static_cast<int64_t>(r.converged ? 1 : 0));
  out.attr("/fit", "passed", static_cast<int64_t>(passed ? 1 : 0));
  out.attr("/fit", "verdict", r.verdict());
  out.attr("/fit", "data_file", c.data_file);
  out.attr("/fit", "engine", std::string(fit::fits_through_ngspice(c.card, c.opts.engine) ? "ngspice" : "twin"));
  const size_t n = c.data.v_V.size();
  out.write("/data/v", c.data.v_V, {n}, "V");
  out.write("/data/i", c.data.i_A, {n}, "A");
  out.write("/data/state", c.data.state, {n}, state_unit_of(c.card));
  out.write("/data/i_fit", r.predictions, {n}, "A");
}

std::filesystem::path run(FitConfig c, const RunContext& ctx) {
  StageScope scope("fit", ctx);
  if (c.from_out) {
    c.data_file = (ctx.out_dir / c.data_file.substr(5)).string();
    c.data = load(c);
  }
  const bool spice = fit::fits_through_ngspice(c.card, c.opts.engine);
  if (spice)
    scope.out().print("fit: %s evaluated through ngspice (%s)\n", c.card.model_name().c_str(),
                      device::has_twin(c.card) ? "engine = ngspice" : "it has no C++ twin");
  fit::FitResult r = fit::fit_device(c.card, c.data, c.opts, spice ? &scope.pool() : nullptr);
  print_result(c, r, scope.out());
  // A fit that did not converge or cannot describe the data is a failed run: its diagnostics
  // go to fit_failed.h5 (marked passed = 0), never to fit.h5 where later stages would read it.
  // A device card is written only from a fit whose every parameter is identifiable.
  const bool card_refused = !c.card_out.empty() && !r.unidentified.empty();
  if (!r.converged || !r.gof_passed || card_refused) {
    const auto failed = scope.write([&](H5Writer& out) { write_result(c, r, false, out); },
                                    ctx.out_dir / "fit_failed.h5");
    throw FitError("the fit failed: " + r.verdict() + "; diagnostics in " + failed.string());
  }
  std::string card_text;
  if (!c.card_out.empty())
    card_text = fit::fitted_card_text(c.card, r, {c.data_file, iso8601_now(), cimchar_git_hash()});
  const auto path = scope.write([&](H5Writer& out) { write_result(c, r, true, out); });
  if (!c.card_out.empty() && scope.root()) {
    fit::write_text_atomic(ctx.out_dir / c.card_out, card_text);
    scope.out().print("  fitted device card: %s\n", (ctx.out_dir / c.card_out).string().c_str());
  }
  return path;
}

}  // namespace

PreparedStage prepare_fit_stage(Section& table, const RunContext& ctx) {
  auto cfg = std::make_shared<FitConfig>(parse(table));
  // The fit's outputs never replace its inputs (the data file, or the card it starts from).
  const std::vector<NamedPath> inputs{{"fit.data", cfg->data_file},
                                      {"fit.device", cfg->card.card_path()}};
  refuse_output_over_input({"the fit's output", ctx.out_dir / "fit.h5"}, inputs);
  if (!cfg->card_out.empty())
    refuse_output_over_input({"fit.card_out", ctx.out_dir / cfg->card_out}, inputs);
  return [cfg](const RunContext& ctx) { return run(*cfg, ctx); };
}

}  // namespace cimchar::flows
