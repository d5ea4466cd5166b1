// StrongARM comparator characterization and twin (see strongarm.hpp).
#include "periph/strongarm.hpp"
#include "periph/bench_job.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/error.hpp"
#include "core/param_table.hpp"
#include "core/rng.hpp"
#include "core/sample_stats.hpp"
#include "core/units.hpp"
#include "device/mosfet_node.hpp"
#include "spice/pool.hpp"

namespace cimchar::periph {

namespace {

void require(bool ok, const std::string& key, const std::string& range) {
  if (!ok) throw ConfigError("", "strongarm." + key, 0, "must be " + range);
}

// One sample's staircase search state.
struct Search {
  double lo = 0, step = 0;
  int refinements = 0, shifts = 0;
  bool done = false, failed = false;  // failed: no flip within the widest window
};

constexpr int kMaxShifts = 4;  // widened windows tried beyond the first (up to 31x its span)

// Updates the search from one round's decisions; returns the offset when it is final.
bool advance(Search& s, const std::vector<bool>& dec, int rounds, double& offset) {
  const int n = static_cast<int>(dec.size());
  int first = 0;
  while (first < n && !dec[static_cast<size_t>(first)]) ++first;
  if (first == 0 || first == n) {  // outside the window: the next one, twice as wide, beyond it
    if (++s.shifts > kMaxShifts) {
      s.done = s.failed = true;
      return false;
    }
    const double span = (n - 1) * s.step;
    s.lo = first == 0 ? s.lo - 2 * span : s.lo + span;
    s.step *= 2;
    return false;
  }
  const double below = s.lo + (first - 1) * s.step;
  if (++s.refinements >= rounds) {
    offset = below + 0.5 * s.step;
    s.done = true;
    return true;
  }
  s.lo = below;
  s.step /= (n - 1);
  return false;
}

// n levels lo + k st after a warm-up cycle at lo - st, so that every counted cycle follows a
// clock cycle. A first cycle from the operating point starts from another state (the tail node,
// never reset, at its DC value rather than where a cycle leaves it) and decided differently by a
// few mV: a sample whose offset sat at a window's edge went back and forth between windows.
// Between cycles no memory showed: ascending and descending 0.5 mV staircases flip at the same
// level.
std::vector<std::string> staircase_levels(int n) {
  std::vector<std::string> levels = {"{lo-st}"};
  for (int k = 0; k < n; ++k) levels.push_back("{lo+" + std::to_string(k) + "*st}");
  return levels;
}

std::vector<std::string> alter_set(const StrongArmDesign& d, const std::vector<double>& dvth,
                                   const Search& s) {
  std::vector<std::string> set;
  const auto devs = strongarm_devices(d);
  for (size_t i = 0; i < devs.size(); ++i)
    set.push_back("alterparam dvt_" + devs[i].name + "=" + netlist_number(dvth[i]));
  set.push_back("alterparam lo=" + netlist_number(s.lo));
  set.push_back("alterparam st=" + netlist_number(s.step));
  return set;
}

// Names the files the bench reads, so an error about an unreadable one says which.
std::string job_name(const std::string& what, const StrongArmDesign& d,
                     const std::string& devices_dir) {
  return "periph/strongarm " + what + " (" + devices_dir + "/" + device::mosfet_node(d.node).mod_file +
         ", " + find_netlist("strongarm.lib").string() + ")";
}

}  // namespace

void StrongArmOptions::validate() const {
  require(a_vt_V_m >= 0 && a_vt_V_m < 1e-7, "a_vt", "in [0, 100 mV um)");
  require(mc_samples >= 2 && mc_samples <= 100000, "mc_samples", "in [2, 100000]");
  require(samples_per_job >= 1, "samples_per_job", "at least 1");
  require(search_range_V > 0 && search_range_V < 1, "search_range", "in (0, 1) V");
  require(search_levels >= 3 && search_levels <= 256, "search_levels", "in [3, 256]");
  require(search_rounds >= 1 && search_rounds <= 6, "search_rounds", "in [1, 6]");
  require(!overdrives_V.empty(), "overdrives", "a non-empty list");
  for (double v : overdrives_V) require(v > 0 && v < 1, "overdrives", "in (0, 1) V each");
  require(layout_factor >= 1, "layout_factor", "at least 1");
}

std::string StrongArmOptions::describe() const {
  std::ostringstream o;
  o << "A_VT " << a_vt_V_m * 1e9 << " mV um" << (input_pair_only ? " (input pair only)" : "")
    << ", " << mc_samples << " samples (seed " << seed << "), search +-"
    << format_quantity(search_range_V, "V") << " in " << search_levels << " levels x "
    << search_rounds << " rounds, " << overdrives_V.size() << " overdrives, layout factor "
    << layout_factor;
  return o.str();
}

std::vector<double> draw_strongarm_mismatch(const StrongArmDesign& d, const StrongArmOptions& o,
                                            uint64_t sample) {
  auto rng = stream_rng(o.seed, sample);
  std::normal_distribution<double> n01(0.0, 1.0);
  std::vector<double> dv;
  for (const auto& dev : strongarm_devices(d)) {
    const double z = n01(rng);  // drawn for every device, so a subset keeps the same draws
    const bool on = !o.input_pair_only || dev.name == "in1" || dev.name == "in2";
    dv.push_back(on ? z * o.a_vt_V_m / std::sqrt(dev.w_m * dev.l_m) : 0.0);
  }
  return dv;
}

std::vector<double> search_offsets(spice::WorkerPool& pool, const StrongArmDesign& d,
                                          const StrongArmOptions& o,
                                          const std::string& devices_dir,
                                          const std::vector<std::vector<double>>& dvth,
                                          double& resolution_V) {
  const size_t n = dvth.size();
  const auto levels = staircase_levels(o.search_levels);
  const auto bench = render_strongarm_bench(d, devices_dir, levels, false);
  std::vector<Search> st(n, Search{-o.search_range_V, 2 * o.search_range_V / (o.search_levels - 1)});
  std::vector<double> offset(n, 0.0);
  for (int round = 0; round <= o.search_rounds + kMaxShifts; ++round) {
    std::vector<size_t> open;
    for (size_t s = 0; s < n; ++s)
      if (!st[s].done) open.push_back(s);
    if (open.empty()) break;
    std::vector<spice::Job> jobs;
    std::vector<std::vector<size_t>> members;
    for (size_t i = 0; i < open.size(); ++i) {
      if (i % static_cast<size_t>(o.samples_per_job) == 0) {
        spice::Job j;
        j.name = job_name("offset", d, devices_dir);
        j.netlist = bench.netlist;
        j.commands = bench.commands;
        j.vectors = bench.vectors;
        j.cost = 15;  // BSIM4 transistors
        jobs.push_back(std::move(j));
        members.emplace_back();
      }
      jobs.back().alter_sets.push_back(alter_set(d, dvth[open[i]], st[open[i]]));
      members.back().push_back(open[i]);
    }
    const auto res = pool.run(jobs);
    for (size_t j = 0; j < jobs.size(); ++j) {
      res[j].throw_if_failed(jobs[j].name);
      for (size_t k = 0; k < members[j].size(); ++k) {
        if (k < res[j].sample_errors.size() && !res[j].sample_errors[k].empty())
          throw SpiceError(jobs[j].name, "sample " + std::to_string(members[j][k]) + ": " +
                                             res[j].sample_errors[k]);
        const size_t s = members[j][k];
        std::string suffix = "@";  // ("@" + to_string: GCC 12 warns -Wrestrict, wrongly)
        suffix += std::to_string(k);
        auto dec = decisions_from_vectors(d, levels.size(), res[j].vectors, suffix);
        dec.erase(dec.begin());  // the warm-up cycle
        advance(st[s], dec, o.search_rounds, offset[s]);
      }
    }
  }
  for (size_t s = 0; s < n; ++s)
    if (st[s].failed)
      throw SpiceError("periph/strongarm offset",
                       "sample " + std::to_string(s) + ": the decision does not flip between " +
                           format_quantity(st[s].lo, "V") + " and " +
                           format_quantity(st[s].lo + (o.search_levels - 1) * st[s].step, "V"));
  resolution_V = 0;  // half the last step (wider for samples found beyond the window)
  for (const auto& x : st) resolution_V = std::max(resolution_V, 0.5 * x.step);
  return offset;
}

void measure_offsets(spice::WorkerPool& pool, const StrongArmDesign& d, const StrongArmOptions& o,
                     const std::string& devices_dir, StrongArmResult& r) {
  d.validate();
  o.validate();
  r.dvth_V.clear();
  for (size_t s = 0; s < static_cast<size_t>(o.mc_samples); ++s)
    r.dvth_V.push_back(draw_strongarm_mismatch(d, o, s));
  r.offset_V = search_offsets(pool, d, o, devices_dir, r.dvth_V, r.offset_resolution_V);
  r.offset_sigma_V = sample_sd(r.offset_V, r.offset_mean_V);
  r.pelgrom_pair_sigma_V = std::sqrt(2.0) * o.a_vt_V_m / std::sqrt(d.w_in_m * d.l_m);
}

std::vector<double> offset_sensitivities(spice::WorkerPool& pool, const StrongArmDesign& d,
                                         const StrongArmOptions& o, const std::string& devices_dir,
                                         double shift_V) {
  d.validate();
  o.validate();
  const size_t m = strongarm_devices(d).size();
  std::vector<std::vector<double>> dvth;
  for (size_t i = 0; i < m; ++i)
    for (double sign : {1.0, -1.0}) {
      dvth.emplace_back(m, 0.0);
      dvth.back()[i] = sign * shift_V;
    }
  double resolution = 0;
  const auto off = search_offsets(pool, d, o, devices_dir, dvth, resolution);
  std::vector<double> s(m);
  for (size_t i = 0; i < m; ++i) s[i] = (off[2 * i] - off[2 * i + 1]) / (2 * shift_V);
  return s;
}

void measure_delay_energy(spice::WorkerPool& pool, const StrongArmDesign& d,
                          const StrongArmOptions& o, const std::string& devices_dir,
                          StrongArmResult& r) {
  d.validate();
  o.validate();
  std::vector<std::string> levels;
  for (double v : o.overdrives_V) levels.push_back(netlist_number(v));
  const auto b = render_strongarm_bench(d, devices_dir, levels, true);
  const auto res = run_bench(pool, job_name("delay", d, devices_dir), b, 15);
  const auto cyc = cycles_from_vectors(d, levels.size(), res.vectors);
  r.overdrive_V = o.overdrives_V;
  r.delay_s.clear();
  r.decision.clear();
  r.energy_vdd_J.clear();
  r.energy_clk_J.clear();
  for (const auto& c : cyc) {
    r.delay_s.push_back(c.delay_s);
    r.decision.push_back(c.decision);
    r.energy_vdd_J.push_back(c.energy_vdd_J);
    r.energy_clk_J.push_back(c.energy_clk_J);
  }
  const double vdd = device::mosfet_node(d.node).vdd_V;
  const auto fit = fit_log_delay(r.overdrive_V, r.delay_s, vdd);
  r.t0_s = fit.t0_s;
  r.tau_s = fit.tau_s;
  r.fit_r2 = fit.r2;
  sample_sd(r.energy_vdd_J, r.energy_J);  // the means
  sample_sd(r.energy_clk_J, r.energy_clk_J_mean);
  r.gate_area_m2 = 0;
  for (const auto& dev : strongarm_devices(d)) r.gate_area_m2 += dev.w_m * dev.l_m;
  r.area_m2 = o.layout_factor * r.gate_area_m2;
}

StrongArmResult characterize_strongarm(spice::WorkerPool& pool, const StrongArmDesign& d,
                                       const StrongArmOptions& o, const std::string& devices_dir) {
  StrongArmResult r;
  measure_delay_energy(pool, d, o, devices_dir, r);
  measure_offsets(pool, d, o, devices_dir, r);
  return r;
}

LogDelayFit fit_log_delay(const std::vector<double>& dv_V, const std::vector<double>& t_s,
                          double vdd_V) {
  CIMCHAR_CHECK(dv_V.size() == t_s.size() && dv_V.size() >= 2, "delay fit needs two points");
  const double n = static_cast<double>(dv_V.size());
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (size_t i = 0; i < dv_V.size(); ++i) {
    const double x = std::log(vdd_V / dv_V[i]);
    sx += x;
    sy += t_s[i];
    sxx += x * x;
    sxy += x * t_s[i];
  }
  LogDelayFit f;
  f.tau_s = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  f.t0_s = (sy - f.tau_s * sx) / n;
  double ss_res = 0, ss_tot = 0;
  for (size_t i = 0; i < dv_V.size(); ++i) {
    const double e = t_s[i] - (f.t0_s + f.tau_s * std::log(vdd_V / dv_V[i]));
    ss_res += e * e;
    ss_tot += (t_s[i] - sy / n) * (t_s[i] - sy / n);
  }
  f.r2 = ss_tot > 0 ? 1 - ss_res / ss_tot : 1;
  return f;
}

double StrongArmTwin::delay_s(double overdrive_V) const {
  const double dv = std::abs(overdrive_V);
  return dv >= vdd_V ? t0_s : t0_s + tau_s * std::log(vdd_V / dv);
}

StrongArmTwin fit_strongarm_twin(const StrongArmDesign& d, const StrongArmResult& r) {
  StrongArmTwin t;
  t.vdd_V = device::mosfet_node(d.node).vdd_V;
  t.offset_mean_V = r.offset_mean_V;
  t.offset_sigma_V = r.offset_sigma_V;
  t.t0_s = r.t0_s;
  t.tau_s = r.tau_s;
  t.energy_J = r.energy_J;
  t.energy_clk_J = r.energy_clk_J_mean;
  t.area_m2 = r.area_m2;
  return t;
}

}  // namespace cimchar::periph
