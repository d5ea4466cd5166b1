#include "attention/sweep.hpp"

#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "attention/attention_run.hpp"
#include "attention/scheme.hpp"
#include "core/build_info.hpp"
#include "core/error.hpp"
#include "core/h5.hpp"
#include "core/paths.hpp"
#include "core/provenance.hpp"
#include "core/ranks.hpp"
#include "core/rng.hpp"
#include "lut/analysis_records.hpp"
#include "spice/job_journal.hpp"

namespace cimchar::attention {

namespace fs = std::filesystem;

uint64_t mix_hash(uint64_t h, const std::string& s) {
  for (unsigned char c : s) h = splitmix64(h ^ c);
  return splitmix64(h ^ s.size());
}

fs::path find_input(const std::string& p, const fs::path& sweep_file) {
  std::error_code ec;
  for (const fs::path& c : {fs::path(p), sweep_file.parent_path() / p,
                            fs::path(CIMCHAR_SOURCE_DIR_STRING) / p})
    if (fs::exists(c, ec)) return c;
  return {};
}

namespace {

uint64_t mix(uint64_t h, const std::string& s) { return mix_hash(h, s); }

// A point's journaled and curved values: point_metrics, then the cost columns.
constexpr size_t kWidth = kFields + kCostFields;

SweepAxis parse_axis(Section& sw, const std::string& name) {
  Section a = sw.sub(name);
  SweepAxis ax;
  ax.key = a.require_string("key");
  if (a.has("values")) {
    if (a.has("from") || a.has("to") || a.has("steps"))
      a.fail("values", "give either values or from/to/steps, not both");
    ax.values = a.get_doubles("values", {}, "");
  } else {
    const double from = a.require_double("from", ""), to = a.require_double("to", "");
    const auto steps = a.get_int("steps", 0, 2, 10000);
    if (steps == 0) a.fail("steps", "required key is missing (or give values = [...])");
    const std::string scale = a.get_choice("scale", "lin", {"lin", "log"});
    if (scale == "log" && !(from > 0 && to > 0)) a.fail("from", "a log axis needs from, to > 0");
    for (int64_t i = 0; i < steps; ++i) {
      const double f = static_cast<double>(i) / static_cast<double>(steps - 1);
      ax.values.push_back(scale == "lin" ? from + f * (to - from)
                                         : std::exp(std::log(from) + f * (std::log(to) - std::log(from))));
    }
  }
  if (ax.values.empty()) a.fail("values", "an axis needs at least one value");
  for (size_t i = 1; i < ax.values.size(); ++i)
    if (!(ax.values[i] > ax.values[i - 1])) a.fail("values", "the values must be strictly increasing");
  a.finish();
  return ax;
}

struct Point {
  size_t model, scheme, ix, iy;
  std::string config;
  uint64_t hash;
};

std::vector<Point> enumerate(const SweepSpec& spec, uint64_t seed) {
  std::vector<Point> pts;
  const size_t ny = spec.axes.size() > 1 ? spec.axes[1].values.size() : 1;
  for (size_t m = 0; m < spec.models.size(); ++m)
    for (size_t s = 0; s < spec.schemes.size(); ++s)
      for (size_t ix = 0; ix < spec.axes[0].values.size(); ++ix)
        for (size_t iy = 0; iy < ny; ++iy) {
          std::vector<std::pair<std::string, double>> set = {{spec.axes[0].key, spec.axes[0].values[ix]}};
          if (spec.axes.size() > 1) set.emplace_back(spec.axes[1].key, spec.axes[1].values[iy]);
          Point p{m, s, ix, iy, config_with(spec.schemes[s].text, spec.schemes[s].file, set), 0};
          uint64_t h = splitmix64(0x5357454550ULL ^ seed);
          h = mix(h, fs::absolute(spec.models[m]).lexically_normal().string());
          h = mix(h, p.config);
          p.hash = mix(h, std::to_string(spec.max_sequences));
          pts.push_back(std::move(p));
        }
  return pts;
}

std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

lut::SweepCurves curves_of(const SweepSpec& spec, const std::vector<Point>& pts,
                           const std::vector<double>& res, size_t m, size_t s) {
  lut::SweepCurves c;
  c.x = spec.axes[0].values;
  c.x_key = spec.axes[0].key;
  c.y = spec.axes.size() > 1 ? spec.axes[1].values : std::vector<double>{0};
  c.y_key = spec.axes.size() > 1 ? spec.axes[1].key : "";
  c.model = spec.models[m].string();
  c.scheme = spec.schemes[s].label;
  c.config = spec.schemes[s].text;
  std::vector<double>* out[] = {&c.accuracy, &c.accuracy_lo, &c.accuracy_hi, &c.accuracy_n,
                                &c.accuracy_ideal, &c.sparsity, &c.rel_l2, &c.kl, &c.cosine,
                                &c.accuracy_delta, &c.accuracy_delta_lo, &c.accuracy_delta_hi};
  std::vector<double>* cost[] = {&c.energy, &c.energy_core, &c.latency, &c.gpu_time_ratio,
                                 &c.gpu_energy_ratio, &c.tops_per_w};
  for (size_t i = 0; i < pts.size(); ++i) {
    if (pts[i].model != m || pts[i].scheme != s) continue;
    const double* v = &res[i * kWidth];
    for (int f = 0; f < kFp32; ++f) out[f]->push_back(v[f]);
    for (int f = 0; f < kCostFields; ++f) cost[f]->push_back(v[kFields + f]);
    const double fp32 = v[kFp32];
    c.has_fp32 = !std::isnan(fp32);
    if (c.has_fp32) c.accuracy_fp32 = fp32;
  }
  return c;
}

std::string point_line(const SweepSpec& spec, const Point& p, const double* v) {
  std::string l = spec.models[p.model].stem().string() + " " + spec.schemes[p.scheme].label + " " +
                  spec.axes[0].key + "=" + fmt("%g", spec.axes[0].values[p.ix]);
  if (spec.axes.size() > 1) l += " " + spec.axes[1].key + "=" + fmt("%g", spec.axes[1].values[p.iy]);
  if (!std::isnan(v[kAcc]))
    l += ": accuracy " + fmt("%.4f", v[kAcc]) + " [" + fmt("%.4f", v[kLo]) + ", " +
         fmt("%.4f", v[kHi]) + "] n=" + fmt("%.0f", v[kN]) + ", - ideal " + fmt("%+.4f", v[kDelta]) +
         " [" + fmt("%+.4f", v[kDeltaLo]) + ", " + fmt("%+.4f", v[kDeltaHi]) + "] paired,";
  l += " sparsity " + fmt("%.4f", v[kSparsity]) + ", rel_l2 " + fmt("%.4e", v[kRelL2]) + ", KL " +
       fmt("%.4e", v[kKl]);
  if (!std::isnan(v[kFields + kEnergy]))
    l += ", " + fmt("%.4g", v[kFields + kEnergy] * 1e9) + " nJ and " + fmt("%.4g", v[kFields + kLatency] * 1e6) +
         " us per sequence, GPU time / ours " + fmt("%.3g", v[kFields + kGpuTime]);
  return l + "\n";
}

void fill_sweep(H5Writer& w, const SweepSpec& spec, const std::vector<Point>& pts,
                const std::vector<double>& res) {
  w.attr("/", "x_key", spec.axes[0].key);
  w.attr("/", "y_key", spec.axes.size() > 1 ? spec.axes[1].key : std::string());
  w.attr("/", "max_sequences", static_cast<int64_t>(spec.max_sequences));
  w.attr("/", "claim", spec.claim);
  w.attr("/", "operating_point", spec.operating_point);
  for (size_t m = 0; m < spec.models.size(); ++m)
    for (size_t s = 0; s < spec.schemes.size(); ++s)
      lut::write(w, curves_of(spec, pts, res, m, s),
                 "/sweep/" + spec.models[m].stem().string() + "/" + spec.schemes[s].label);
}

// Runs (or takes from the journal) this rank's points; every point's metrics on every rank.
std::vector<double> run_points(const SweepSpec& spec, const std::vector<Point>& pts,
                               const SweepRequest& req, spice::JobJournal& journal, SweepSummary& sum) {
  const Ranks rk = ranks();
  std::vector<double> res(pts.size() * kWidth, 0.0);
  const fs::path tmp = req.out_file.string() + ".point" + std::to_string(rk.rank) + ".h5";
  for (size_t i = 0; i < pts.size(); ++i) {
    if (static_cast<int>(i % static_cast<size_t>(rk.size)) != rk.rank) continue;
    std::vector<double> v;
    if (const spice::JobResult* r = journal.find(pts[i].hash)) {
      v = r->vectors.at("metrics");
      ++sum.reused;
    } else {
      RunRequest rr;
      rr.model_file = spec.models[pts[i].model];
      rr.out_file = tmp;
      rr.config_text = pts[i].config;
      rr.seed = req.seed;
      rr.max_sequences = spec.max_sequences;
      const RunSummary rs = run_attention(rr);
      v = point_metrics(rs);
      const std::vector<double> c = point_costs(spec.cost, tmp, !rs.counters.empty());
      v.insert(v.end(), c.begin(), c.end());
      std::error_code ec;
      fs::remove(tmp, ec);
      spice::JobResult jr;
      jr.vectors["metrics"] = v;
      journal.append(pts[i].hash, jr);
      ++sum.computed;
    }
    std::copy(v.begin(), v.end(), res.begin() + static_cast<std::ptrdiff_t>(i * kWidth));
    if (req.progress) std::cerr << "sweep " << i + 1 << "/" << pts.size() << " " << point_line(spec, pts[i], v.data());
  }
  sum_over_ranks(res);
  return res;
}

}  // namespace

SweepScheme load_scheme(const Section& sw, const std::string& entry, const fs::path& sweep_file) {
  const bool is_file = entry.size() > 5 && entry.substr(entry.size() - 5) == ".toml";
  const std::string rel = is_file ? entry : "characterization/attention/" + entry + ".toml";
  const fs::path f = find_input(rel, sweep_file);
  if (f.empty())
    sw.fail("schemes", is_file ? "no such file '" + entry + "'"
                               : "no preset '" + entry + "' (characterization/attention/" + entry +
                                     ".toml); give a scheme name with a preset or a .toml file");
  const TomlDoc d = TomlDoc::parse_file(f);
  return {is_file ? fs::path(entry).stem().string() : entry, f.string(), d.text};
}

std::vector<double> point_metrics(const RunSummary& s) {
  const double nan = std::nan("");
  std::vector<double> v(kFields, nan);
  if (s.accuracy) {
    v[kAcc] = *s.accuracy;
    v[kLo] = s.accuracy_ci.lo;
    v[kHi] = s.accuracy_ci.hi;
    v[kN] = s.accuracy_n;
    v[kIdeal] = *s.accuracy_ideal;
  }
  if (s.accuracy_delta) {
    v[kDelta] = *s.accuracy_delta;
    v[kDeltaLo] = s.accuracy_delta_ci.lo;
    v[kDeltaHi] = s.accuracy_delta_ci.hi;
  }
  v[kSparsity] = s.metrics.model.sparsity;
  v[kRelL2] = s.metrics.model.rel_l2;
  v[kKl] = s.metrics.model.kl;
  v[kCos] = s.metrics.model.cosine;
  if (s.accuracy_fp32_recorded) v[kFp32] = *s.accuracy_fp32_recorded;
  return v;
}

SweepSpec parse_sweep(const TomlDoc& doc) {
  Section root(doc.root, doc.file, "");
  Section sw = root.sub("sweep");
  SweepSpec spec = parse_sweep(sw, doc.file);
  root.finish();
  return spec;
}

SweepSpec parse_sweep(Section& sw, const fs::path& sweep_file) {
  SweepSpec spec;
  std::set<std::string> stems, labels;
  for (const auto& m : sw.get_strings("models", {})) {
    const fs::path f = find_input(m, sweep_file);
    if (f.empty()) sw.fail("models", "no such model file '" + m + "'");
    if (!stems.insert(f.stem().string()).second) sw.fail("models", "two models named '" + f.stem().string() + "'");
    spec.models.push_back(f);
  }
  if (spec.models.empty()) sw.fail("models", "give at least one model file");
  for (const auto& s : sw.get_strings("schemes", {})) {
    spec.schemes.push_back(load_scheme(sw, s, sweep_file));
    if (!labels.insert(spec.schemes.back().label).second) sw.fail("schemes", "scheme '" + s + "' given twice");
  }
  if (spec.schemes.empty()) sw.fail("schemes", "give at least one scheme (preset name or .toml file)");
  spec.max_sequences = static_cast<int>(sw.get_int("max_sequences", 0, 0, 1 << 30));
  if (!sw.has("x")) sw.fail("x", "a sweep needs an [sweep.x] axis (key and values)");
  spec.axes.push_back(parse_axis(sw, "x"));
  if (sw.has("y")) spec.axes.push_back(parse_axis(sw, "y"));
  if (spec.axes.size() > 1 && spec.axes[0].key == spec.axes[1].key)
    sw.fail("y", "the two axes sweep the same key '" + spec.axes[0].key + "'");
  spec.cost = parse_sweep_cost(sw);
  spec.claim = sw.get_string("claim", "");
  if (sw.has("operating_point")) {
    spec.operating_point = sw.require_double("operating_point", "");
    const auto& x = spec.axes[0].values;
    if (!(spec.operating_point >= x.front() && spec.operating_point <= x.back()))
      sw.fail("operating_point", "lies outside the x axis [" + fmt("%g", x.front()) + ", " + fmt("%g", x.back()) + "]");
  }
  sw.finish();
  return spec;
}

std::string config_with(const std::string& base, const std::string& file,
                        const std::vector<std::pair<std::string, double>>& settings) {
  TomlDoc d = TomlDoc::parse_string(base, file);
  for (const auto& [key, value] : settings) {
    toml::table* t = &d.root;
    std::string part, path = "attention";
    std::istringstream parts("attention." + key);
    std::vector<std::string> names;
    while (std::getline(parts, part, '.')) names.push_back(part);
    for (size_t i = 0; i + 1 < names.size(); ++i) {
      if (i > 0) path += "." + names[i];
      toml::node* n = t->get(names[i]);
      if (!n) n = &t->insert_or_assign(names[i], toml::table{}).first->second;
      if (!n->is_table()) throw ConfigError(file, path, 0, "'" + path + "' is a value, not a table: cannot set " + key);
      t = n->as_table();
    }
    const std::string& leaf = names.back();
    const toml::node* old = t->get(leaf);
    const bool integral = std::nearbyint(value) == value && std::fabs(value) < 9e15;
    if (old && old->is_integer() && !integral)
      throw ConfigError(file, "attention." + key, 0, "holds an integer; the sweep value " + fmt("%g", value) + " is not one");
    if ((old && old->is_integer()) || (!old && integral)) t->insert_or_assign(leaf, static_cast<int64_t>(value));
    else if (old && !old->is_floating_point())
      throw ConfigError(file, "attention." + key, 0, "is not a number; a sweep sets numbers only");
    else t->insert_or_assign(leaf, value);
  }
  std::ostringstream o;
  o << d.root;
  return o.str();
}

void check_scheme_config(const std::string& text, const std::string& file, uint64_t seed) {
  const TomlDoc d = TomlDoc::parse_string(text, file);
  Section root(d.root, d.file, "");
  Section att = root.sub("attention");
  const SchemeInfo& info = find_scheme(att.get_string("scheme", ""));
  info.make(att, seed);
  read_run_keys(att);
  att.finish();
  root.finish();
}

bool scheme_reads(const std::string& text, const std::string& file, uint64_t seed, const std::string& key) {
  try {
    check_scheme_config(text, file, seed);
    return true;
  } catch (const ConfigError& e) {
    // The key, or a table on its path, is the unknown one.
    const std::string full = "attention." + key;
    const bool on_path = full == e.key() || full.rfind(e.key() + ".", 0) == 0;
    if (!e.key().empty() && on_path && std::string(e.what()).find("unknown key") != std::string::npos) return false;
    throw;
  }
}

void check_sweep(const SweepSpec& spec, uint64_t seed) {
  for (const auto& sc : spec.schemes) {
    const auto& x = spec.axes[0].values;
    const std::vector<double> ys = spec.axes.size() > 1 ? spec.axes[1].values : std::vector<double>{0};
    for (double xv : {x.front(), x.back()})
      for (double yv : {ys.front(), ys.back()}) {
        std::vector<std::pair<std::string, double>> set = {{spec.axes[0].key, xv}};
        if (spec.axes.size() > 1) set.emplace_back(spec.axes[1].key, yv);
        try {
          check_scheme_config(config_with(sc.text, sc.file, set), sc.file, seed);
        } catch (const ConfigError& e) {
          throw ConfigError("sweep: scheme '" + sc.label + "' (" + sc.file + ") at " + set[0].first + " = " +
                            fmt("%g", set[0].second) + ": " + e.what());
        }
      }
  }
}

SweepOutcome compute_sweep(const SweepSpec& spec, const SweepRequest& req, spice::JobJournal& journal) {
  const std::vector<Point> pts = enumerate(spec, req.seed);
  SweepOutcome o;
  o.summary.points = pts.size();
  const std::vector<double> res = run_points(spec, pts, req, journal, o.summary);
  for (size_t i = 0; i < pts.size(); ++i) o.summary.table += point_line(spec, pts[i], &res[i * kWidth]);
  o.fill = [spec, pts, res](H5Writer& w) { fill_sweep(w, spec, pts, res); };
  return o;
}

SweepSummary run_sweep(const SweepRequest& req) {
  refuse_directory({"--out", req.out_file});
  const TomlDoc doc = TomlDoc::parse_file(req.sweep_file);
  const SweepSpec spec = parse_sweep(doc);
  std::vector<NamedPath> inputs = {{"sweep file", req.sweep_file}};
  for (const auto& m : spec.models) inputs.push_back({"model", m});
  refuse_output_over_input({"--out", req.out_file}, inputs);
  check_sweep(spec, req.seed);
  uint64_t run_id = splitmix64(0x5357454550ULL ^ req.seed);
  run_id = mix(run_id, doc.text);
  for (const auto& p : enumerate(spec, req.seed)) run_id = mix(run_id, p.config);
  run_id = mix(mix(mix(run_id, spec.cost.identity), cimchar_version()), cimchar_git_hash());
  const Ranks rk = ranks();
  spice::JobJournal journal(req.out_file.string() + ".journal" + (rk.root() ? "" : "." + std::to_string(rk.rank)),
                            req.resume, run_id);
  const SweepOutcome o = compute_sweep(spec, req, journal);
  if (rk.root()) {
    H5Writer w(req.out_file);
    write_provenance(w, {doc.text, req.seed, ""});
    o.fill(w);
    w.commit();
  }
  barrier();
  journal.remove();  // the output is written: nothing left to resume
  return o.summary;
}

}  // namespace cimchar::attention

