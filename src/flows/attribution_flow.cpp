// The attribution stage ([attribution] in a flow, `cimchar attribution` inside a run): each
// nonideality of the named schemes' configs switched on alone and off alone
// (attention/attribution.hpp), in the run's StageScope (journal <out>/attribution.journal bound
// to the run, arms shared over MPI ranks, attribution.h5 written atomically by rank 0). With
// use_luts = true (the default flow), this run's measured LUTs are added to every scheme that
// reads them, as the schemes stage does: variation.h5 (programmed conductances), adc.h5 (the
// column ADCs' transfer errors), threshold.h5 (sprint's comparator), wta.h5 (hardsea's k-WTA),
// and the IR drop of `ir_drop` / `r_wire`; so the full set is what this run characterized.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <sstream>

#include "attention/attribution.hpp"
#include "core/h5.hpp"
#include "flows/monte_carlo.hpp"
#include "flows/stage_scope.hpp"
#include "flows/stages.hpp"

namespace cimchar::flows {

namespace {

namespace fs = std::filesystem;

struct AttributionStage {
  attention::AttributionSpec spec;
  bool use_luts = false;
  std::string ir_drop = "off", adc_arch = "sar";
  double r_wire_ohm = 1.0, wta_capacitance_F = 100e-15;
  int calibration_sequences = 0;  // set in every scheme that leaves it out (0: the default, 32)
};

toml::table& table_at(toml::table& t, std::initializer_list<const char*> path) {
  toml::table* cur = &t;
  for (const char* p : path) {
    toml::node* n = cur->get(p);
    if (!n || !n->is_table()) n = &cur->insert_or_assign(p, toml::table{}).first->second;
    cur = n->as_table();
  }
  return *cur;
}

std::string text_of(const toml::table& t) {
  std::ostringstream o;
  o << t;
  return o.str();
}

// `text` with `key = value` set in the table at `path` below the root, kept only when the
// scheme reads that key (attention::scheme_reads) and the config sets neither it nor a key of
// `unless` (the config's own choice, e.g. an analytic model, wins).
template <class V>
std::string wire(const std::string& text, const std::string& file, uint64_t seed,
                 std::initializer_list<const char*> path, const char* key, V value,
                 std::initializer_list<const char*> unless = {}) {
  TomlDoc d = TomlDoc::parse_string(text, file);
  toml::table& t = table_at(d.root, path);
  if (t.get(key)) return text;
  for (const char* u : unless)
    if (t.get(u)) return text;
  t.insert_or_assign(key, value);
  std::string dotted;
  for (const char* p : path) dotted += std::string(p) + ".";
  const std::string out = text_of(d.root);
  return attention::scheme_reads(out, file, seed, (dotted + key).substr(10)) ? out : text;
}

// The scheme's config with this run's LUTs added (only those this run wrote).
std::string with_run_luts(const AttributionStage& c, const attention::SweepScheme& sc, const RunContext& ctx) {
  std::error_code ec;
  auto have = [&](const char* f) { return fs::is_regular_file(ctx.out_dir / f, ec); };
  const std::string file = sc.file;
  std::string t = sc.text;
  const auto ni = {"attention", "crossbar", "nonideal"};
  if (have("variation.h5"))
    t = wire(t, file, ctx.seed, ni, "variation", (ctx.out_dir / "variation.h5").string(), {"model"});
  if (have("adc.h5") && H5Reader(ctx.out_dir / "adc.h5").has("/lut/adc/" + c.adc_arch + "/b8/transition_error_mean")) {
    const std::string before = t;
    t = wire(t, file, ctx.seed, ni, "adc", (ctx.out_dir / "adc.h5").string());
    if (t != before) t = wire(t, file, ctx.seed, ni, "adc_arch", c.adc_arch);
  }
  if (c.ir_drop != "off") {
    t = wire(t, file, ctx.seed, ni, "ir_drop", c.ir_drop);
    t = wire(t, file, ctx.seed, ni, "r_wire", c.r_wire_ohm);
  }
  if (have("threshold.h5"))
    t = wire(t, file, ctx.seed, {"attention"}, "comparator_lut", (ctx.out_dir / "threshold.h5").string(),
             {"comparator_sigma"});
  if (have("wta.h5")) {
    const std::string before = t;
    t = wire(t, file, ctx.seed, {"attention"}, "wta_lut", (ctx.out_dir / "wta.h5").string(), {"wta_sigma"});
    if (t != before) t = wire(t, file, ctx.seed, {"attention"}, "wta_capacitance", c.wta_capacitance_F);
  }
  return t;
}

fs::path run(const AttributionStage& c, const RunContext& ctx) {
  StageScope scope("attribution", ctx);
  attention::AttributionSpec spec = c.spec;
  for (auto& sc : spec.schemes) {
    if (c.use_luts) sc.text = with_run_luts(c, sc, ctx);
    if (c.calibration_sequences > 0)
      sc.text = wire(sc.text, sc.file, ctx.seed, {"attention"}, "calibration_sequences",
                     int64_t{c.calibration_sequences});
  }
  attention::AttributionRequest req;
  req.out_file = scope.output();
  req.seed = ctx.seed;
  req.progress = ctx.progress && scope.root();
  spice::JobJournal journal(rank_journal(scope.journal()), ctx.resume, scope.run_id());
  const attention::AttributionOutcome o = attention::compute_attribution(spec, req, journal);
  scope.out().print("attribution: %zu runs (%zu computed, %zu from the journal)\n%s", o.summary.runs,
                    o.summary.computed, o.summary.reused, o.summary.table.c_str());
  return scope.write(o.fill);
}

}  // namespace

PreparedStage prepare_attribution_stage(Section& table, const RunContext& ctx) {
  auto c = std::make_shared<AttributionStage>();
  c->use_luts = table.get_bool("use_luts", false);
  c->ir_drop = table.get_choice("ir_drop", "off", {"off", "exact", "model"});
  c->r_wire_ohm = table.get_double("r_wire", 1.0, "ohm", {0, 1e4});
  c->adc_arch = table.get_choice("adc_arch", "sar", {"sar", "flash"});
  c->wta_capacitance_F = table.get_double("wta_capacitance", 100e-15, "F", {1e-18, 1e-6});
  c->calibration_sequences = static_cast<int>(table.get_int("calibration_sequences", 0, 0, 1 << 20));
  c->spec = attention::parse_attribution(table, ctx.config_file);
  // Every scheme's arms built now (a key a scheme refuses fails before any stage runs); the
  // LUTs this run will write are added when the stage runs.
  attention::check_attribution(c->spec, ctx.seed);
  return [c](const RunContext& run_ctx) { return run(*c, run_ctx); };
}

}  // namespace cimchar::flows
