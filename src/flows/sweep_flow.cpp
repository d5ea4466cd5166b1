// The sweep stage ([sweep] in a flow, `cimchar sweep` inside a run): one or two scheme keys swept
// over models and schemes (attention/sweep.hpp), in the run's StageScope: the finished points
// journaled in <out>/sweep.journal (bound to the run, so --resume takes them), every MPI rank a
// share of the points, sweep.h5 written atomically by rank 0. Keys are checked against every
// scheme when the flow is prepared, before any stage runs.
#include <memory>

#include "attention/sweep.hpp"
#include "core/ranks.hpp"
#include "flows/monte_carlo.hpp"
#include "flows/stage_scope.hpp"
#include "flows/stages.hpp"

namespace cimchar::flows {

PreparedStage prepare_sweep_stage(Section& table, const RunContext& ctx) {
  auto spec = std::make_shared<const attention::SweepSpec>(attention::parse_sweep(table, ctx.config_file));
  attention::check_sweep(*spec, ctx.seed);
  return [spec](const RunContext& run) {
    StageScope scope("sweep", run);
    attention::SweepRequest req;
    req.out_file = scope.output();
    req.seed = run.seed;
    req.progress = run.progress && scope.root();
    spice::JobJournal journal(rank_journal(scope.journal()), run.resume, scope.run_id());
    const attention::SweepOutcome o = attention::compute_sweep(*spec, req, journal);
    scope.out().print("sweep: %zu points (%zu computed, %zu from the journal)\n%s", o.summary.points,
                      o.summary.computed, o.summary.reused, o.summary.table.c_str());
    return scope.write(o.fill);
  };
}

}  // namespace cimchar::flows
