#include "flows/flow.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "core/error.hpp"
#include "core/h5.hpp"
#include "core/ranks.hpp"
#include "flows/stages.hpp"
#include "report/report.hpp"

namespace cimchar::flows {

const std::vector<StageInfo>& stages() {
  // Pipeline order: a flow's stages run in this order whatever their order in the file.
  static const std::vector<StageInfo> list = {
      {"cell", "RRAM cell: I-V loop, read I-V, multi-level write-verify, read disturb, read LUT",
       &prepare_cell_stage, /*sharded=*/true},
      {"fit", "compact-model fit to I-V data (Levenberg-Marquardt)", &prepare_fit_stage},
      {"irdrop", "crossbar IR drop: size/wire/conductance/activity sweep, compact model, LUT",
       &prepare_irdrop_stage, /*sharded=*/true},
      {"variation",
       "Monte Carlo of programmed cells: variation models applied, read in ngspice, error LUT",
       &prepare_variation_stage, /*sharded=*/true},
      {"adc", "ADC static test (IEEE 1241 ramp): flash and SAR Monte Carlo, twin vs ngspice, LUT",
       &prepare_adc_stage, /*sharded=*/true},
      {"wta", "time-domain winner-take-all: firing time, error vs margin, resolved margin, LUT",
       &prepare_wta_stage, /*sharded=*/true},
      {"threshold",
       "threshold comparator (SPRINT-style pruning): false-prune/keep rates vs distance, LUT",
       &prepare_threshold_stage, /*sharded=*/true},
      {"schemes",
       "models under every attention scheme, with this run's LUTs wired in (accuracy, error)",
       &prepare_schemes_stage},
  };
  return list;
}

ParamTable device_from_table(Section& t, const std::string& device_key,
                             const std::string& overrides_key) {
  ParamTable card;
  const std::string dev = t.get_string(device_key, "stanford_asu");
  try {
    card = ParamTable::load_card(find_device_card(dev));
  } catch (const ConfigError& e) {
    t.fail(device_key, e.what());
  }
  Section overrides = t.sub(overrides_key);
  card.apply(overrides);
  return card;
}

namespace {

// With --resume, a stage whose <out>/<stage>.h5 exists (files are renamed into place only when
// complete) and records the same flow text and seed finished before the kill: it is kept.
bool finished_before(const std::string& stage, const RunContext& ctx) {
  const auto path = ctx.out_dir / (stage + ".h5");
  std::error_code ec;
  if (!ctx.resume || !std::filesystem::is_regular_file(path, ec)) return false;
  try {
    H5Reader in(path);
    return in.has_attr("/", "config") && in.attr_string("/", "config") == ctx.config_text &&
           in.has_attr("/", "seed") && in.attr_double("/", "seed") == static_cast<double>(ctx.seed);
  } catch (const std::exception&) {
    return false;  // unreadable: run the stage again
  }
}

}  // namespace

const StageInfo* find_stage(const std::string& name) {
  for (const auto& s : stages())
    if (name == s.name) return &s;
  return nullptr;
}

std::vector<std::filesystem::path> run_flow(const std::filesystem::path& flow_file,
                                            const FlowOptions& opts,
                                            const std::vector<std::string>& only) {
  TomlDoc doc = TomlDoc::parse_file(flow_file);
  Section root(doc.root, doc.file, "");
  Section flow = root.sub("flow");
  const std::string name = flow.get_string("name", flow_file.stem().string());
  const auto seed_cfg = flow.get_int("seed", 1, 0, INT64_MAX);
  std::vector<std::string> wanted = flow.get_strings("stages", {});
  const bool want_report = flow.get_bool("report", false);
  flow.finish();

  for (const auto& key : root.keys()) {
    if (key == "flow") continue;
    if (!find_stage(key)) {
      std::string list;
      for (const auto& s : stages()) list += (list.empty() ? "" : ", ") + std::string(s.name);
      root.fail(key, "unknown stage '" + key + "' (stages: " + list + ")");
    }
  }
  if (wanted.empty())
    for (const auto& s : stages())
      if (root.has(s.name)) wanted.push_back(s.name);
  for (const auto& w : wanted) {
    if (!find_stage(w)) flow.fail("stages", "unknown stage '" + w + "'");
  }
  if (!only.empty()) {
    for (const auto& o : only)
      if (!root.has(o))
        throw ConfigError(doc.file, o, 0, "this flow has no [" + o + "] table");
    wanted = only;
  }
  if (wanted.empty()) throw ConfigError(doc.file, "", 0, "the flow names no stage to run");

  RunContext ctx;
  ctx.out_dir = opts.out_dir ? *opts.out_dir : std::filesystem::path("results") / name;
  ctx.seed = opts.seed ? *opts.seed : static_cast<uint64_t>(seed_cfg);
  ctx.jobs = opts.jobs;
  ctx.ngspice_library = opts.ngspice_library;
  ctx.config_text = doc.text;
  ctx.config_file = doc.file;
  ctx.progress = opts.progress;
  ctx.resume = opts.resume;

  std::vector<std::pair<const StageInfo*, StageRunner>> prepared;
  for (const auto& s : stages()) {
    bool run = false;
    for (const auto& w : wanted) run = run || w == s.name;
    if (!run) continue;
    Section table = root.sub(s.name);
    prepared.emplace_back(&s, s.prepare(table, ctx));
  }
  std::vector<std::filesystem::path> written;
  const Ranks rk = ranks();
  for (const auto& [s, runner] : prepared) {
    if (finished_before(s->name, ctx)) {  // every rank sees the same file
      if (rk.root())
        std::cerr << "cimchar: stage " << s->name << " already finished (same flow and seed), kept "
                  << (ctx.out_dir / (std::string(s->name) + ".h5")).string() << " (--resume)\n";
      written.push_back(ctx.out_dir / (std::string(s->name) + ".h5"));
      continue;
    }
    if (rk.size > 1 && !s->sharded && !rk.root()) {
      barrier();  // rank 0 runs it
      continue;
    }
    if (rk.root()) std::cerr << "cimchar: stage " << s->name << " (" << s->summary << ")\n";
    if (rk.root()) {
      written.push_back(runner(ctx));
    } else {  // a sharded stage on another rank: same work, no table, no progress bar, no file
      RunContext quiet = ctx;
      quiet.progress = false;
      std::fflush(stdout);
      const int saved = ::dup(1), null = ::open("/dev/null", O_WRONLY);
      ::dup2(null, 1);
      try {
        written.push_back(runner(quiet));
      } catch (...) {
        std::fflush(stdout);
        ::dup2(saved, 1);
        ::close(saved);
        ::close(null);
        throw;
      }
      std::fflush(stdout);
      ::dup2(saved, 1);
      ::close(saved);
      ::close(null);
    }
    if (rk.root()) std::cerr << "cimchar: wrote " << written.back().string() << "\n";
    if (rk.size > 1) barrier();  // the next stage (and --resume checks) see the file
  }
  if (!rk.root()) {
    written.clear();  // only rank 0 writes and reports files
  } else if (want_report && only.empty()) {
    report::ReportOptions ro;
    ro.run_dir = ctx.out_dir;
    written.push_back(report::make_report(ro));
    std::cerr << "cimchar: report " << written.back().string() << "\n";
  }
  return written;
}

}  // namespace cimchar::flows
