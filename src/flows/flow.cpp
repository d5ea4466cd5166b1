#include "flows/flow.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <memory>

#include "core/error.hpp"
#include "core/h5.hpp"
#include "core/ranks.hpp"
#include "core/signal_cleanup.hpp"
#include "core/suggest.hpp"
#include "flows/output_lock.hpp"
#include "flows/stages.hpp"
#include "flows/written_files.hpp"
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
      {"sweep", "one or two scheme or nonideality keys swept over models and schemes (curves)",
       &prepare_sweep_stage, /*sharded=*/true, /*own_command=*/true},
      {"attribution",
       "each nonideality of the schemes switched on alone and off alone (paired accuracy deltas)",
       &prepare_attribution_stage, /*sharded=*/true, /*own_command=*/true},
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

namespace {

// "unknown stage 'celll'; did you mean 'cell'? (stages: ...)".
std::string unknown_stage(const std::string& word, const std::vector<std::string>& tables,
                          const std::string& list) {
  const std::string near = closest_name(word, tables);
  return "unknown stage '" + word + "'" + (near.empty() ? "" : "; did you mean '" + near + "'?") +
         " (stages: " + list + ")";
}

struct FlowPlan {
  std::vector<std::string> wanted;
  bool report = false;
  RunContext ctx;
};

// The [flow] table and which stages to run; every name checked against the stage list.
FlowPlan read_flow(const TomlDoc& doc, Section& root, const std::filesystem::path& flow_file,
                   const FlowOptions& opts, const std::vector<std::string>& only) {
  FlowPlan plan;
  Section flow = root.sub("flow");
  const std::string name = flow.get_string("name", flow_file.stem().string());
  const auto seed_cfg = flow.get_int("seed", 1, 0, INT64_MAX);
  plan.wanted = flow.get_strings("stages", {});
  plan.report = flow.get_bool("report", false) && only.empty();
  const double job_timeout = flow.get_double("job_timeout", 0, "s", {0, 1e6});
  const double stall_timeout = flow.get_double("stall_timeout", -1, "s", {-1, 1e6});
  flow.finish();
  std::string list;
  for (const auto& s : stages()) list += (list.empty() ? "" : ", ") + std::string(s.name);
  std::vector<std::string> tables{"flow"};
  for (const auto& s : stages()) tables.emplace_back(s.name);
  for (const auto& key : root.keys())
    if (key != "flow" && !find_stage(key)) root.fail(key, unknown_stage(key, tables, list));
  if (plan.wanted.empty())
    for (const auto& s : stages())
      if (root.has(s.name)) plan.wanted.push_back(s.name);
  for (const auto& w : plan.wanted)
    if (!find_stage(w)) flow.fail("stages", unknown_stage(w, tables, list));
  for (const auto& o : only)
    if (!root.has(o)) throw ConfigError(doc.file, o, 0, "this flow has no [" + o + "] table");
  if (!only.empty()) plan.wanted = only;
  if (plan.wanted.empty()) throw ConfigError(doc.file, "", 0, "the flow names no stage to run");

  RunContext& ctx = plan.ctx;
  ctx.out_dir = opts.out_dir ? *opts.out_dir : std::filesystem::path("results") / name;
  ctx.seed = opts.seed ? *opts.seed : static_cast<uint64_t>(seed_cfg);
  ctx.jobs = opts.jobs;
  ctx.ngspice_library = opts.ngspice_library;
  ctx.config_text = doc.text;
  ctx.config_file = doc.file;
  ctx.progress = opts.progress;
  ctx.text = opts.notes;
  ctx.resume = opts.resume;
  ctx.job_timeout_s = job_timeout;
  ctx.stall_timeout_s = stall_timeout;
  return plan;
}

// A stage that failed leaves its journal only when a --resume can reuse it: bad input (exit 2)
// leaves nothing; a failed run (exit 1) keeps journaled work and says so.
void settle_journals(const std::string& stage, const RunContext& ctx, bool keep) {
  std::error_code ec;
  const std::string prefix = stage + ".journal";
  for (const auto& e : std::filesystem::directory_iterator(ctx.out_dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    std::error_code sec;
    const auto size = std::filesystem::file_size(e.path(), sec);
    const bool reusable = keep && !sec && size > 16;  // more than the header: records to reuse
    if (!reusable) {
      std::filesystem::remove(e.path(), sec);
    } else if (ranks().root()) {
      std::cerr << "cimchar: " << stage << ": finished work kept in " << e.path().string()
                << "; run again with --resume to reuse it\n";
    }
  }
}

std::filesystem::path run_guarded(const std::string& stage, const StageRunner& runner,
                                  const RunContext& ctx) {
  try {
    return runner(ctx);
  } catch (const ConfigError&) {
    settle_journals(stage, ctx, false);
    throw;
  } catch (const InputError&) {
    settle_journals(stage, ctx, false);
    throw;
  } catch (const SpiceError& e) {
    settle_journals(stage, ctx, !e.bad_input());
    throw;
  } catch (...) {
    settle_journals(stage, ctx, true);
    throw;
  }
}

// A sharded stage on a rank other than 0: same work, no progress bar, no file; its text goes
// nowhere (StageScope's sink prints on rank 0 only).
std::filesystem::path run_quiet(const std::string& stage, const StageRunner& runner,
                                RunContext ctx) {
  ctx.progress = false;
  return run_guarded(stage, runner, ctx);
}

bool probe_failed(const Probe& p, const spice::JobResult& r, std::string& why) {
  if (!r.ok()) {
    why = r.message;
    return true;
  }
  for (const auto& v : p.job.vectors) {
    auto it = r.vectors.find(v);
    if (it == r.vectors.end() || it->second.empty()) {
      why = "no vector " + v + " came back";
      return true;
    }
    for (double x : it->second)
      if (!std::isfinite(x)) {
        why = "vector " + v + " is not finite (" + std::to_string(x) + ")";
        return true;
      }
  }
  return false;
}

}  // namespace

void run_probes(const std::vector<Probe>& probes, const RunContext& ctx) {
  if (probes.empty()) return;
  spice::PoolOptions po;
  const int cores = spice::available_cores();
  po.workers = std::min<int>(static_cast<int>(probes.size()), ctx.jobs > 0 ? ctx.jobs : cores);
  po.library = ctx.ngspice_library;
  po.progress = false;
  spice::WorkerPool pool(po);
  std::vector<spice::Job> jobs;
  for (const auto& p : probes) jobs.push_back(p.job);
  const auto results = pool.run(jobs);
  for (size_t i = 0; i < probes.size(); ++i) {
    std::string why;
    if (probe_failed(probes[i], results[i], why))
      throw SpiceError(probes[i].file,
                       "ngspice cannot simulate this netlist at its nominal values (probe '" +
                           probes[i].job.name + "', before any sweep): " + why,
                       results[i].stderr_lines, /*bad_input=*/true);
  }
}

PreparedFlow prepare_flow(const TomlDoc& doc, const std::filesystem::path& flow_file,
                          const FlowOptions& opts, const std::vector<std::string>& only) {
  Section root(doc.root, doc.file, "");
  FlowPlan plan = read_flow(doc, root, flow_file, opts, only);
  PreparedFlow pf;
  pf.ctx = plan.ctx;
  pf.report = plan.report;
  for (const auto& s : stages()) {
    if (std::find(plan.wanted.begin(), plan.wanted.end(), s.name) == plan.wanted.end()) continue;
    Section table = root.sub(s.name);
    pf.stages.emplace_back(&s, s.prepare(table, pf.ctx));
    for (const auto& p : pf.stages.back().second.probes) pf.probes.push_back(p);
  }
  return pf;
}

std::vector<std::filesystem::path> run_flow(const std::filesystem::path& flow_file,
                                            const FlowOptions& opts,
                                            const std::vector<std::string>& only) {
  return run_flow_recorded(flow_file, opts, only).files;
}

FlowResult run_flow_recorded(const std::filesystem::path& flow_file, const FlowOptions& opts,
                             const std::vector<std::string>& only) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto since = [](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  };
  const TomlDoc doc = TomlDoc::parse_file(flow_file);
  PreparedFlow pf = prepare_flow(doc, flow_file, opts, only);
  const RunContext& ctx = pf.ctx;
  const auto& prepared = pf.stages;
  run_probes(pf.probes, ctx);

  const Ranks rk = ranks();
  const bool say = rk.root() && opts.notes;
  FlowResult res;
  res.out_dir = ctx.out_dir;
  const FolderSnapshot snapshot(ctx.out_dir);
  std::unique_ptr<OutputLock> lock;
  if (rk.root()) {
    lock = std::make_unique<OutputLock>(ctx.out_dir);
    if (const int n = remove_stale_temporaries(ctx.out_dir); n > 0)  // a notice, even under -q
      std::cerr << "cimchar: removed " << n << " temporary file(s) left in "
                << ctx.out_dir.string() << " by a killed run\n";
  }
  if (rk.size > 1) barrier();  // the other ranks start once the folder is locked and clean
  for (const auto& [s, stage] : prepared) {
    RunContext sc = ctx;
    sc.sharded = s->sharded;
    const auto ts = std::chrono::steady_clock::now();
    if (finished_before(s->name, sc)) {  // every rank sees the same file
      res.stages.push_back({s->name, 0.0, true});
      if (rk.root())  // a notice, even under -q: this output comes from an earlier run
        std::cerr << "cimchar: stage " << s->name << " already finished (same flow and seed), kept "
                  << (ctx.out_dir / (std::string(s->name) + ".h5")).string() << " (--resume)\n";
      continue;
    }
    if (rk.size > 1 && !s->sharded && !rk.root()) {
      barrier();  // rank 0 runs it
      continue;
    }
    if (say) std::cerr << "cimchar: stage " << s->name << " (" << s->summary << ")\n";
    const auto file = rk.root() ? run_guarded(s->name, stage.run, sc)
                                : run_quiet(s->name, stage.run, sc);
    res.stages.push_back({s->name, since(ts), false});
    if (say) std::cerr << "cimchar: wrote " << file.string() << "\n";
    if (rk.size > 1) barrier();  // the next stage (and --resume checks) see the file
  }
  if (!rk.root()) return {};  // only rank 0 writes and reports files
  if (pf.report) {
    report::ReportOptions ro;
    ro.run_dir = ctx.out_dir;
    const auto html = report::make_report(ro);
    if (say) std::cerr << "cimchar: report " << html.string() << "\n";
  }
  res.files = snapshot.changed();
  for (const auto& st : res.stages)  // a stage --resume kept is an output of this run too
    if (st.kept) res.files.push_back(ctx.out_dir / (st.name + ".h5"));
  std::sort(res.files.begin(), res.files.end());
  res.files.erase(std::unique(res.files.begin(), res.files.end()), res.files.end());
  res.seconds = since(t0);
  return res;
}

}  // namespace cimchar::flows
