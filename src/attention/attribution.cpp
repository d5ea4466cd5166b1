#include "attention/attribution.hpp"

#include <algorithm>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <set>
#include <sstream>

#include "attention/model.hpp"
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

const std::array<const char*, kNonidealityCount> kNonidealities = {
    "quantization", "variation", "read_noise", "drift", "stuck_at", "ir_drop", "adc", "comparator", "wta"};

namespace {

enum Nonideality { kQuant, kVariation, kReadNoise, kDrift, kStuck, kIrDrop, kAdc, kComparator, kWta };

toml::table* table_of(toml::table& t, const std::string& key) {
  toml::node* n = t.get(key);
  return n ? n->as_table() : nullptr;
}

// A flag `enabled = true` of sub-table `key` of `t` set to false; true if it was on.
bool disable(toml::table* t, const char* key) {
  toml::table* s = t ? table_of(*t, key) : nullptr;
  const toml::node* e = s ? s->get("enabled") : nullptr;
  if (!e || !e->value<bool>().value_or(false)) return false;
  s->insert_or_assign("enabled", false);
  return true;
}

bool erase(toml::table* t, std::initializer_list<const char*> keys) {
  bool changed = false;
  for (const char* k : keys)
    if (t && t->erase(k)) changed = true;
  return changed;
}

// A number at `key` set to 0; true if it was not 0 already (a string with a unit counts as set).
bool zero(toml::table* t, const char* key) {
  const toml::node* n = t ? t->get(key) : nullptr;
  if (!n || n->value<double>().value_or(1.0) == 0.0) return false;
  t->insert_or_assign(key, 0.0);
  return true;
}

// Switches nonideality `k` off in crossbar table `xb`; true if that changed it.
bool crossbar_off(toml::table& xb, int k) {
  toml::table* ni = table_of(xb, "nonideal");
  toml::table* model = ni ? table_of(*ni, "model") : nullptr;
  switch (k) {
    case kQuant: {
      // The ADC's quantization and clipping: an ideal readout. The weight and input formats stay
      // (they set the cells and read cycles, so every arm draws the same devices). A measured ADC
      // is its own quantizer: it keeps its bits while it is on (removed delta 0 by construction).
      const toml::node* b = xb.get("adc_bits");
      if (b && b->value<int64_t>().value_or(1) == 0) return false;
      if (!(ni && ni->get("adc"))) xb.insert_or_assign("adc_bits", int64_t{0});
      return true;
    }
    case kVariation: {
      bool c = erase(ni, {"variation"});
      c = disable(model, "d2d") || c;
      return disable(model, "c2c") || c;
    }
    case kReadNoise: return disable(model, "read_noise");
    case kDrift: return disable(model, "drift");
    case kStuck: return disable(model, "stuck");
    case kIrDrop: {
      const toml::node* m = ni ? ni->get("ir_drop") : nullptr;
      if (!m || m->value<std::string>().value_or("") == "off") return false;
      ni->insert_or_assign("ir_drop", "off");
      erase(ni, {"irdrop"});
      return true;
    }
    case kAdc: return erase(ni, {"adc", "adc_arch", "adc_instances"});
    default: return false;
  }
}

// The crossbar tables the config's scheme reads: "crossbar" and "approx_crossbar", each when
// present in the config or when the scheme accepts it added empty.
std::vector<std::string> crossbar_tables(const std::string& text, const std::string& file, uint64_t seed) {
  std::vector<std::string> out;
  for (const char* name : {"crossbar", "approx_crossbar"}) {
    TomlDoc d = TomlDoc::parse_string(text, file);
    toml::table* att = table_of(d.root, "attention");
    if (!att) throw ConfigError(file, "attention", 0, "a scheme config needs an [attention] table");
    if (table_of(*att, name)) {
      out.emplace_back(name);
      continue;
    }
    att->insert_or_assign(name, toml::table{});
    std::ostringstream o;
    o << d.root;
    if (scheme_reads(o.str(), file, seed, name)) out.emplace_back(name);
  }
  return out;
}

// `text` with `off` switched off; `changed[k]` tells whether switching k off changed anything.
std::string edit(const std::string& text, const std::string& file, const std::vector<int>& off,
                 const std::vector<std::string>& tables, std::vector<bool>* changed = nullptr) {
  TomlDoc d = TomlDoc::parse_string(text, file);
  toml::table& att = *table_of(d.root, "attention");
  // The ADC LUT first: quantization's edit depends on whether it is still on.
  std::vector<int> order = off;
  std::stable_partition(order.begin(), order.end(), [](int k) { return k == kAdc; });
  for (int k : order) {
    bool c = false;
    if (k == kComparator) c = erase(&att, {"comparator_lut"}) || zero(&att, "comparator_sigma");
    else if (k == kWta) c = erase(&att, {"wta_lut", "wta_capacitance"}) || zero(&att, "wta_sigma");
    else
      for (const auto& t : tables) {
        if (!table_of(att, t)) att.insert_or_assign(t, toml::table{});
        c = crossbar_off(*table_of(att, t), k) || c;
      }
    if (changed) (*changed)[static_cast<size_t>(k)] = c;
  }
  std::ostringstream o;
  o << d.root;
  return o.str();
}

std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

}  // namespace

std::vector<int> present_nonidealities(const std::string& text, const std::string& file, uint64_t seed) {
  const auto tables = crossbar_tables(text, file, seed);
  std::vector<int> out;
  for (int k = 0; k < kNonidealityCount; ++k) {
    std::vector<bool> changed(kNonidealityCount, false);
    edit(text, file, {k}, tables, &changed);
    if (changed[static_cast<size_t>(k)]) out.push_back(k);
  }
  return out;
}

std::string config_without(const std::string& text, const std::string& file, const std::vector<int>& off,
                           uint64_t seed) {
  const std::string out = edit(text, file, off, crossbar_tables(text, file, seed));
  check_scheme_config(out, file, seed);
  return out;
}

AttributionSpec parse_attribution(Section& t, const std::filesystem::path& file,
                                  const std::vector<std::string>& models,
                                  const std::vector<std::string>& schemes) {
  AttributionSpec spec;
  std::set<std::string> stems, labels;
  for (const auto& m : models.empty() ? t.get_strings("models", {}) : models) {
    const fs::path f = find_input(m, file);
    if (f.empty()) t.fail("models", "no such model file '" + m + "'");
    if (!stems.insert(f.stem().string()).second) t.fail("models", "two models named '" + f.stem().string() + "'");
    spec.models.push_back(f);
  }
  if (spec.models.empty()) t.fail("models", "give at least one model file (--model or models = [...])");
  for (const auto& s : schemes.empty() ? t.get_strings("schemes", {}) : schemes) {
    spec.schemes.push_back(load_scheme(t, s, file));
    if (!labels.insert(spec.schemes.back().label).second) t.fail("schemes", "scheme '" + s + "' given twice");
  }
  if (spec.schemes.empty()) t.fail("schemes", "give at least one scheme (preset name or .toml file)");
  spec.max_sequences = static_cast<int>(t.get_int("max_sequences", 0, 0, 1 << 30));
  t.finish();
  return spec;
}

AttributionSpec parse_attribution(const TomlDoc& doc, const std::vector<std::string>& models,
                                  const std::vector<std::string>& schemes) {
  Section root(doc.root, doc.file, "");
  if (root.has("attribution")) {
    Section t = root.sub("attribution");
    AttributionSpec spec = parse_attribution(t, doc.file, models, schemes);
    root.finish();
    return spec;
  }
  if (!root.has("attention"))
    root.fail("attribution", "an attribution file needs an [attribution] table, or is a scheme config "
                             "with an [attention] table");
  // A scheme config: itself the one scheme (unless --scheme), the models from --model.
  if (models.empty()) root.fail("attention", "a scheme config as the attribution file needs --model");
  toml::table empty;
  Section t(empty, doc.file, "attribution");
  const std::vector<std::string> self = {fs::absolute(doc.file).string()};
  return parse_attribution(t, doc.file, models, schemes.empty() ? self : schemes);
}

namespace {

// One run of the attribution: a (model, scheme) pair's arm. Arms with the same config share a run.
enum ArmKind { kIdealArm, kFullArm, kAlone, kRemoved };
struct Arm {
  size_t model, scheme;
  ArmKind kind;
  int k;        // the nonideality (kAlone, kRemoved)
  size_t run;   // index into the distinct runs
};
struct Run {
  size_t model;
  std::string config, file;
  uint64_t hash;
};

struct Plan {
  std::vector<Arm> arms;
  std::vector<Run> runs;
  std::vector<std::vector<int>> present;  // [scheme]
};

Plan plan(const AttributionSpec& spec, uint64_t seed) {
  Plan p;
  for (const auto& sc : spec.schemes) p.present.push_back(present_nonidealities(sc.text, sc.file, seed));
  for (size_t m = 0; m < spec.models.size(); ++m)
    for (size_t s = 0; s < spec.schemes.size(); ++s) {
      const auto& sc = spec.schemes[s];
      const auto& on = p.present[s];
      auto add = [&](ArmKind kind, int k, const std::vector<int>& off) {
        Run r{m, config_without(sc.text, sc.file, off, seed), sc.file, 0};
        uint64_t h = splitmix64(0x415454524942ULL ^ seed);
        h = mix_hash(h, fs::absolute(spec.models[m]).lexically_normal().string());
        h = mix_hash(mix_hash(h, r.config), std::to_string(spec.max_sequences));
        r.hash = h;
        size_t i = 0;
        while (i < p.runs.size() && p.runs[i].hash != h) ++i;
        if (i == p.runs.size()) p.runs.push_back(std::move(r));
        p.arms.push_back({m, s, kind, k, i});
      };
      if (on.empty()) continue;
      add(kIdealArm, -1, on);
      add(kFullArm, -1, {});
      for (int k : on) {
        std::vector<int> others;
        for (int o : on)
          if (o != k) others.push_back(o);
        add(kAlone, k, others);
        add(kRemoved, k, {k});
      }
    }
  return p;
}

// One run's results: its metrics (point_metrics, then each layer's rel_l2 and KL; layers beyond
// a model's are NaN) and its per-item rightness (RunSummary::item_right as 0/1; empty without a
// task head or from a journal written before it was kept).
struct RunValues {
  std::vector<double> metrics, right;
};

// This rank's run i, computed or taken from the journal.
RunValues run_one(const AttributionSpec& spec, const Plan& p, size_t i, size_t width,
                  const AttributionRequest& req, spice::JobJournal& journal, AttributionSummary& sum) {
  RunValues v;
  const spice::JobResult* r = journal.find(p.runs[i].hash);
  if (r && r->vectors.at("metrics").size() == width) {
    v.metrics = r->vectors.at("metrics");
    if (auto it = r->vectors.find("right"); it != r->vectors.end()) v.right = it->second;
    ++sum.reused;
    return v;
  }
  RunRequest rr;
  rr.model_file = spec.models[p.runs[i].model];
  rr.out_file = req.out_file.string() + ".run" + std::to_string(ranks().rank) + ".h5";
  rr.config_text = p.runs[i].config;
  rr.seed = req.seed;
  rr.max_sequences = spec.max_sequences;
  const RunSummary s = run_attention(rr);
  v.metrics = point_metrics(s);
  v.metrics.resize(width, std::nan(""));
  for (size_t l = 0; l < s.metrics.layers.size() && kFields + 2 * l + 1 < width; ++l) {
    v.metrics[kFields + 2 * l] = s.metrics.layers[l].rel_l2;
    v.metrics[kFields + 2 * l + 1] = s.metrics.layers[l].kl;
  }
  v.right.assign(s.item_right.begin(), s.item_right.end());
  std::error_code ec;
  fs::remove(rr.out_file, ec);
  spice::JobResult jr;
  jr.vectors["metrics"] = v.metrics;
  jr.vectors["right"] = v.right;
  journal.append(p.runs[i].hash, jr);
  ++sum.computed;
  return v;
}

// Every run's values on every rank (each run is computed by one rank; the others hold zeros).
std::vector<RunValues> run_all(const AttributionSpec& spec, const Plan& p, size_t width,
                               const AttributionRequest& req, spice::JobJournal& journal,
                               AttributionSummary& sum) {
  const Ranks rk = ranks();
  const size_t R = p.runs.size();
  std::vector<RunValues> local(R);
  std::vector<double> flat(R * width, 0.0), items(R, 0.0);
  for (size_t i = 0; i < R; ++i) {
    if (static_cast<int>(i % static_cast<size_t>(rk.size)) != rk.rank) continue;
    local[i] = run_one(spec, p, i, width, req, journal, sum);
    std::copy(local[i].metrics.begin(), local[i].metrics.end(), flat.begin() + static_cast<std::ptrdiff_t>(i * width));
    items[i] = static_cast<double>(local[i].right.size());
    if (req.progress) std::cerr << "attribution " << i + 1 << "/" << R << "\n";
  }
  sum_over_ranks(flat);
  sum_over_ranks(items);
  const size_t W = R ? static_cast<size_t>(*std::max_element(items.begin(), items.end())) : 0;
  std::vector<double> rights(R * W, 0.0);
  for (size_t i = 0; i < R; ++i)
    std::copy(local[i].right.begin(), local[i].right.end(), rights.begin() + static_cast<std::ptrdiff_t>(i * W));
  sum_over_ranks(rights);
  std::vector<RunValues> out(R);
  for (size_t i = 0; i < R; ++i) {
    const auto row = flat.begin() + static_cast<std::ptrdiff_t>(i * width);
    out[i].metrics.assign(row, row + static_cast<std::ptrdiff_t>(width));
    const auto r = rights.begin() + static_cast<std::ptrdiff_t>(i * W);
    out[i].right.assign(r, r + static_cast<std::ptrdiff_t>(items[i]));
  }
  return out;
}

// The paired 95% interval of accuracy(on) - accuracy(off) over the items both runs scored
// (metrics.hpp: Newcombe's hybrid score interval); NaN when either run kept no items.
Interval arm_delta_interval(const std::vector<double>& on, const std::vector<double>& off) {
  if (on.empty() || on.size() != off.size()) return {std::nan(""), std::nan("")};
  PairedCounts c;
  for (size_t j = 0; j < on.size(); ++j)
    (on[j] > 0.5 ? (off[j] > 0.5 ? c.both : c.only_a) : (off[j] > 0.5 ? c.only_b : c.neither)) += 1;
  return paired_difference_interval(c);
}

std::string joined(const std::vector<std::string>& v) {
  std::string o;
  for (const auto& x : v) o += (o.empty() ? "" : "\n") + x;
  return o;
}

// The record: arm values, deltas (effect of switching on) and the dominant nonideality.
lut::AttributionTable table_of(const AttributionSpec& spec, const Plan& p,
                               const std::vector<RunValues>& runs, size_t layers) {
  const size_t M = spec.models.size(), S = spec.schemes.size(), K = kNonidealityCount, L = layers;
  const double nan = std::nan("");
  lut::AttributionTable t;
  auto idx = [](size_t n) {
    std::vector<double> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = static_cast<double>(i);
    return v;
  };
  t.model = idx(M), t.scheme = idx(S), t.nonideality = idx(K), t.mode = {0, 1}, t.layer = idx(L);
  for (auto* v : {&t.accuracy, &t.accuracy_lo, &t.accuracy_hi, &t.accuracy_n, &t.rel_l2, &t.kl, &t.cosine,
                  &t.sparsity, &t.d_accuracy, &t.d_accuracy_lo, &t.d_accuracy_hi, &t.d_rel_l2, &t.d_kl})
    v->assign(M * S * K * 2, nan);
  for (auto* v : {&t.layer_rel_l2, &t.layer_kl, &t.d_layer_rel_l2, &t.d_layer_kl}) v->assign(M * S * K * 2 * L, nan);
  for (auto* v : {&t.ideal_accuracy, &t.ideal_accuracy_lo, &t.ideal_accuracy_hi, &t.ideal_rel_l2, &t.ideal_kl,
                  &t.full_accuracy, &t.full_accuracy_lo, &t.full_accuracy_hi, &t.full_rel_l2, &t.full_kl,
                  &t.reference_accuracy, &t.accuracy_fp32, &t.dominant})
    v->assign(M * S, nan);
  for (auto* v : {&t.ideal_layer_rel_l2, &t.full_layer_rel_l2}) v->assign(M * S * L, nan);
  // The ideal and full arms of each pair first: the deltas need them.
  std::vector<const RunValues*> ideal(M * S, nullptr), full(M * S, nullptr);
  for (const Arm& a : p.arms) {
    const size_t ms = a.model * S + a.scheme;
    if (a.kind == kIdealArm) ideal[ms] = &runs[a.run];
    if (a.kind == kFullArm) full[ms] = &runs[a.run];
  }
  for (size_t ms = 0; ms < M * S; ++ms) {
    if (!ideal[ms]) continue;
    const auto &i = ideal[ms]->metrics, &f = full[ms]->metrics;
    t.ideal_accuracy[ms] = i[kAcc], t.ideal_accuracy_lo[ms] = i[kLo], t.ideal_accuracy_hi[ms] = i[kHi];
    t.ideal_rel_l2[ms] = i[kRelL2], t.ideal_kl[ms] = i[kKl];
    t.full_accuracy[ms] = f[kAcc], t.full_accuracy_lo[ms] = f[kLo], t.full_accuracy_hi[ms] = f[kHi];
    t.full_rel_l2[ms] = f[kRelL2], t.full_kl[ms] = f[kKl];
    t.reference_accuracy[ms] = f[kIdeal], t.accuracy_fp32[ms] = f[kFp32];
    for (size_t l = 0; l < L; ++l) {
      t.ideal_layer_rel_l2[ms * L + l] = i[kFields + 2 * l];
      t.full_layer_rel_l2[ms * L + l] = f[kFields + 2 * l];
    }
  }
  for (const Arm& a : p.arms) {
    if (a.kind != kAlone && a.kind != kRemoved) continue;
    const size_t ms = a.model * S + a.scheme, mode = a.kind == kAlone ? 0 : 1;
    const size_t at = (ms * K + static_cast<size_t>(a.k)) * 2 + mode;
    const auto& v = runs[a.run].metrics;
    // Effect of switching on: alone - ideal, full - removed.
    const RunValues& on_run = a.kind == kAlone ? runs[a.run] : *full[ms];
    const RunValues& off_run = a.kind == kAlone ? *ideal[ms] : runs[a.run];
    const auto& on = on_run.metrics;
    const auto& off = off_run.metrics;
    const Interval ci = arm_delta_interval(on_run.right, off_run.right);
    t.d_accuracy_lo[at] = ci.lo, t.d_accuracy_hi[at] = ci.hi;
    t.accuracy[at] = v[kAcc], t.accuracy_lo[at] = v[kLo], t.accuracy_hi[at] = v[kHi], t.accuracy_n[at] = v[kN];
    t.rel_l2[at] = v[kRelL2], t.kl[at] = v[kKl], t.cosine[at] = v[kCos], t.sparsity[at] = v[kSparsity];
    t.d_accuracy[at] = on[kAcc] - off[kAcc];
    t.d_rel_l2[at] = on[kRelL2] - off[kRelL2];
    t.d_kl[at] = on[kKl] - off[kKl];
    for (size_t l = 0; l < L; ++l) {
      const size_t r = kFields + 2 * l;
      t.layer_rel_l2[at * L + l] = v[r], t.layer_kl[at * L + l] = v[r + 1];
      t.d_layer_rel_l2[at * L + l] = on[r] - off[r];
      t.d_layer_kl[at * L + l] = on[r + 1] - off[r + 1];
    }
  }
  // Dominant: the largest gain from removing one (accuracy; rel_l2 without a task head).
  for (size_t ms = 0; ms < M * S; ++ms) {
    double best = 0;
    for (size_t k = 0; k < K; ++k) {
      const size_t at = (ms * K + k) * 2 + 1;
      const double gain = std::isnan(t.ideal_accuracy[ms]) ? t.d_rel_l2[at] : -t.d_accuracy[at];
      if (std::isfinite(gain) && gain > best) best = gain, t.dominant[ms] = static_cast<double>(k);
    }
  }
  std::vector<std::string> models, schemes;
  for (const auto& m : spec.models) models.push_back(m.string());
  for (const auto& sc : spec.schemes) schemes.push_back(sc.label);
  t.models = joined(models), t.schemes = joined(schemes);
  t.nonidealities = joined({kNonidealities.begin(), kNonidealities.end()});
  t.modes = "alone\nremoved";
  return t;
}

std::string acc_text(double a, double lo, double hi, double n) {
  if (std::isnan(a)) return "n/a";
  return fmt("%.4f", a) + " [" + fmt("%.3f", lo) + ", " + fmt("%.3f", hi) + "] n=" + fmt("%.0f", n);
}

// The printed table: per model and scheme, the two reference arms, then a row per nonideality.
std::string print_table(const AttributionSpec& spec, const lut::AttributionTable& t) {
  const size_t S = spec.schemes.size(), K = kNonidealityCount;
  std::string o;
  char line[256];
  for (size_t m = 0; m < spec.models.size(); ++m)
    for (size_t s = 0; s < S; ++s) {
      const size_t ms = m * S + s;
      o += spec.models[m].stem().string() + " / " + spec.schemes[s].label + ": ";
      if (std::isnan(t.full_rel_l2[ms])) {
        o += "no nonideality switched on\n";
        continue;
      }
      o += "full " + acc_text(t.full_accuracy[ms], t.full_accuracy_lo[ms], t.full_accuracy_hi[ms],
                              t.accuracy_n[(ms * K) * 2]) + " rel_l2 " + fmt("%.3e", t.full_rel_l2[ms]);
      o += "; ideal arm " + acc_text(t.ideal_accuracy[ms], t.ideal_accuracy_lo[ms], t.ideal_accuracy_hi[ms],
                                     t.accuracy_n[(ms * K) * 2]) + " rel_l2 " + fmt("%.3e", t.ideal_rel_l2[ms]);
      o += "; dominant: " + std::string(std::isnan(t.dominant[ms]) ? "none"
                                        : kNonidealities[static_cast<size_t>(t.dominant[ms])]) + "\n";
      std::snprintf(line, sizeof line, "  %-13s %9s %27s %10s %10s | %9s %27s %10s %10s\n", "nonideality",
                    "alone", "d_acc [paired 95%]", "d_rel_l2", "d_kl", "removed", "d_acc [paired 95%]",
                    "d_rel_l2", "d_kl");
      o += line;
      auto d_acc = [&](size_t i) {
        return fmt("%+.4f", t.d_accuracy[i]) + " [" + fmt("%+.3f", t.d_accuracy_lo[i]) + ", " +
               fmt("%+.3f", t.d_accuracy_hi[i]) + "]";
      };
      for (size_t k = 0; k < K; ++k) {
        const size_t a = (ms * K + k) * 2, r = a + 1;
        if (std::isnan(t.rel_l2[a])) continue;
        std::snprintf(line, sizeof line, "  %-13s %9.4f %27s %+10.3e %+10.3e | %9.4f %27s %+10.3e %+10.3e\n",
                      kNonidealities[k], t.accuracy[a], d_acc(a).c_str(), t.d_rel_l2[a], t.d_kl[a],
                      t.accuracy[r], d_acc(r).c_str(), t.d_rel_l2[r], t.d_kl[r]);
        o += line;
      }
    }
  return o;
}

}  // namespace

AttributionOutcome compute_attribution(const AttributionSpec& spec, const AttributionRequest& req,
                                       spice::JobJournal& journal) {
  const Plan p = plan(spec, req.seed);
  size_t layers = 1;
  for (const auto& m : spec.models) layers = std::max(layers, load_model_file(m).model.layers.size());
  AttributionOutcome o;
  o.summary.runs = p.runs.size();
  const auto res = run_all(spec, p, kFields + 2 * layers, req, journal, o.summary);
  auto t = std::make_shared<const lut::AttributionTable>(table_of(spec, p, res, layers));
  o.summary.table = print_table(spec, *t);
  const int64_t max_seq = spec.max_sequences;
  o.fill = [t, max_seq](H5Writer& w) {
    w.attr("/", "max_sequences", max_seq);
    lut::write(w, *t);
  };
  return o;
}

void check_attribution(const AttributionSpec& spec, uint64_t seed) { plan(spec, seed); }

static uint64_t attribution_run_id(const AttributionSpec& spec, const std::string& text, uint64_t seed) {
  uint64_t id = splitmix64(0x415454524942ULL ^ seed);
  id = mix_hash(id, text);
  for (const auto& sc : spec.schemes) id = mix_hash(id, sc.text);
  return mix_hash(mix_hash(id, cimchar_version()), cimchar_git_hash());
}

AttributionSummary run_attribution(const AttributionRequest& req) {
  refuse_directory({"--out", req.out_file});
  const TomlDoc doc = TomlDoc::parse_file(req.config_file);
  const AttributionSpec spec = parse_attribution(doc, req.models, req.schemes);
  std::vector<NamedPath> inputs = {{"attribution file", req.config_file}};
  for (const auto& m : spec.models) inputs.push_back({"model", m});
  refuse_output_over_input({"--out", req.out_file}, inputs);
  check_attribution(spec, req.seed);  // before the folder is made
  std::error_code ec;
  if (!req.out_file.parent_path().empty()) fs::create_directories(req.out_file.parent_path(), ec);
  if (ec) throw IoError(req.out_file.parent_path().string() + ": cannot create the folder (" + ec.message() + ")");
  const Ranks rk = ranks();
  spice::JobJournal journal(req.out_file.string() + ".journal" + (rk.root() ? "" : "." + std::to_string(rk.rank)),
                            req.resume, attribution_run_id(spec, doc.text, req.seed));
  const AttributionOutcome o = compute_attribution(spec, req, journal);
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
