#include "device/tabulate.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "core/error.hpp"
#include "core/units.hpp"
#include "spice/pool.hpp"

namespace cimchar::device {

namespace {

spice::Job sweep_job(const ParamTable& card, double state, const TabulateOptions& o) {
  char tag[96];
  std::snprintf(tag, sizeof tag, "tabulate/%s(%s=%.6g)", card.model_name().c_str(),
                card.state_name().c_str(), state);
  spice::Job j;
  j.name = tag;
  j.netlist = "* read I-V of " + card.model_name() + "\n.include " + card.lib_path().string() +
              "\nvs te 0 0\nx1 te 0 " + card.static_subckt() + " " +
              card.render_instance_params() + " " + card.state_name() + "=" +
              netlist_number(state) + "\n.end\n";
  const double h = 2 * o.v_max_V / static_cast<double>(o.v_points - 1);
  j.commands = {"dc vs " + netlist_number(-o.v_max_V) + " " + netlist_number(o.v_max_V) + " " +
                netlist_number(h)};
  j.vectors = {"i(vs)"};
  return j;
}

// Device currents (te -> be) at each state, one ngspice DC sweep per state, in parallel.
std::vector<std::vector<double>> sweep(const ParamTable& card, spice::WorkerPool& pool,
                                       const std::vector<double>& states,
                                       const TabulateOptions& o) {
  std::vector<spice::Job> jobs;
  for (double s : states) jobs.push_back(sweep_job(card, s, o));
  auto results = pool.run(jobs);
  std::vector<std::vector<double>> rows;
  for (size_t k = 0; k < jobs.size(); ++k) {
    const auto& r = results[k];
    if (!r.ok())
      throw SpiceError(jobs[k].netlist, jobs[k].name + " (" + card.card_path().string() + "): " +
                       r.message, r.stderr_lines, r.status == spice::Status::bad_netlist);
    std::vector<double> row = r.vec(jobs[k].name, "i(vs)");
    if (row.size() != o.v_points)
      throw SpiceError(jobs[k].netlist, jobs[k].name + ": " + std::to_string(row.size()) +
                       " sweep points, expected " + std::to_string(o.v_points));
    for (double& i : row) i = -i;  // i(vs) flows into the source's + terminal
    rows.push_back(std::move(row));
  }
  return rows;
}

double max_abs(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m = std::max(m, std::abs(x));
  return m;
}

// Error of the half-density grid (every other point) against the full one, per state.
double v_grid_error(const std::map<double, std::vector<double>>& rows, double v_max) {
  double worst = 0;
  for (const auto& [s, row] : rows) {
    std::vector<double> half;
    for (size_t j = 0; j < row.size(); j += 2) half.push_back(row[j]);
    if (half.size() < 3 || (half.size() - 1) % 2 != 0) continue;  // 0 V must stay on the grid
    if (max_abs(row) == 0) continue;  // a state that does not conduct: nothing to interpolate
    TableTwin t({0.0, 1.0}, -v_max, v_max, {half, half});
    const double h = 2 * v_max / static_cast<double>(row.size() - 1);
    const double scale = std::max(max_abs(row), 1e-300);
    for (size_t j = 1; j < row.size(); j += 2)
      worst = std::max(worst, std::abs(t.eval(-v_max + h * static_cast<double>(j), 0.5).i_A -
                                       row[j]) / scale);
  }
  return worst;
}

std::shared_ptr<const TableTwin> build(const std::map<double, std::vector<double>>& rows,
                                       double v_max) {
  std::vector<double> s;
  std::vector<std::vector<double>> i;
  for (const auto& [state, row] : rows) s.push_back(state), i.push_back(row);
  return std::make_shared<const TableTwin>(std::move(s), -v_max, v_max, std::move(i));
}

}  // namespace

Tabulated tabulate_read_iv(const ParamTable& card, spice::WorkerPool& pool,
                           const TabulateOptions& o) {
  const std::string file = card.card_path().string();
  if (card.static_subckt().empty())
    throw ConfigError(file, "model.static_subckt", 0,
                      "a device without a C++ twin needs a static subcircuit (state as a parameter)");
  if (!card.has_state_range())
    throw ConfigError(file, "model.state_min", 0,
                      "a device without a C++ twin needs state_min and state_max (the range its "
                      "read I-V is tabulated over)");
  if (o.v_points < 5 || o.v_points % 4 != 1)
    throw InputError("tabulate: v_points must be 4 m + 1 (0 V on the grid and its half)");
  if (!(o.v_max_V > 0)) throw InputError("tabulate: v_max must be > 0 V");
  const double s0 = card.state_min(), s1 = card.state_max();
  Tabulated out;
  std::map<double, std::vector<double>> rows;
  std::vector<double> todo;
  const size_t n0 = std::max<size_t>(o.initial_states, 2);
  for (size_t k = 0; k < n0; ++k)
    todo.push_back(s0 + (s1 - s0) * static_cast<double>(k) / static_cast<double>(n0 - 1));
  auto fresh = sweep(card, pool, todo, o);
  for (size_t k = 0; k < todo.size(); ++k) rows[todo[k]] = fresh[k];
  out.simulations = todo.size();
  out.v_err = v_grid_error(rows, o.v_max_V);
  double global = 0;
  for (const auto& [s, row] : rows) global = std::max(global, max_abs(row));
  // Intervals to check, by their ends; each check simulates the midpoint.
  std::vector<std::pair<double, double>> check;
  for (size_t k = 0; k + 1 < todo.size(); ++k) check.push_back({todo[k], todo[k + 1]});
  while (!check.empty()) {
    if (rows.size() + check.size() > o.max_states)
      throw InputError(file + ": the read I-V needs more than " + std::to_string(o.max_states) +
                       " tabulated states to reach a relative error of " +
                       std::to_string(o.rtol) + " (state error now " +
                       std::to_string(out.state_err) + ")");
    const auto twin = build(rows, o.v_max_V);
    std::vector<double> mids;
    for (const auto& [a, b] : check) mids.push_back(0.5 * (a + b));
    fresh = sweep(card, pool, mids, o);
    out.simulations += mids.size();
    std::vector<std::pair<double, double>> next;
    out.state_err = 0;
    const double h = 2 * o.v_max_V / static_cast<double>(o.v_points - 1);
    for (size_t k = 0; k < mids.size(); ++k) {
      const auto& row = fresh[k];
      const double scale = std::max(max_abs(row), 1e-9 * global);
      double err = 0;
      for (size_t j = 0; j < row.size(); ++j)
        err = std::max(err, std::abs(twin->eval(-o.v_max_V + h * static_cast<double>(j), mids[k]).i_A -
                                     row[j]) / scale);
      out.state_err = std::max(out.state_err, err);
      rows[mids[k]] = row;
      if (err > o.rtol) {
        next.push_back({check[k].first, mids[k]});
        next.push_back({mids[k], check[k].second});
      }
    }
    check = std::move(next);
  }
  out.v_err = std::max(out.v_err, v_grid_error(rows, o.v_max_V));
  out.twin = build(rows, o.v_max_V);
  return out;
}

}  // namespace cimchar::device
