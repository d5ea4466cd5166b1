// The scaffold every stage runs in. A stage is prepared (its table parsed and validated, its
// netlists named for a probe run: flow.hpp) and then runs inside a StageScope, which owns what
// every stage needs and nothing stage-specific:
//   - the ngspice worker pool (made on first use, `--jobs` workers, the stage's progress label);
//   - the run's identity (stage, flow text, seed, cimchar version and git hash), which binds the
//     stage's journal (<out>/<stage>.journal) to this run: `--resume` refuses another run's;
//   - rank gating under mpirun: only rank 0 prints (out()) and writes (write());
//   - the output file: write() records the provenance, lets the stage fill the file, commits it
//     atomically, then releases the journals of every rank.
// Cleanup on the other paths out is shared too: an error leaves no output (H5Writer), the
// journal goes unless it holds work a `--resume` can reuse (run_flow), and a signal removes the
// temporary files (core/signal_cleanup.hpp). A stage's own code is compute, print and write.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/h5.hpp"
#include "flows/context.hpp"
#include "spice/job_journal.hpp"
#include "spice/pool.hpp"

namespace cimchar::flows {

// Where a stage's text goes: stdout (print) and stderr (note) on the rank that reports, nothing
// on the others.
class Sink {
 public:
  // on: tables and notes (off for -q, --json and ranks other than 0); notices: what changes the
  // meaning of the output (results taken from a journal), on rank 0 even under -q.
  Sink(bool on, bool notices) : on_(on), notices_(notices) {}
  void print(const char* fmt, ...) const __attribute__((format(printf, 2, 3)));
  void note(const char* fmt, ...) const __attribute__((format(printf, 2, 3)));
  void notice(const char* fmt, ...) const __attribute__((format(printf, 2, 3)));
  bool on() const { return on_; }

 private:
  bool on_, notices_;
};

// Identity of one stage of one run: equal for a rerun of the same flow text and seed by the same
// cimchar build, different otherwise.
uint64_t stage_run_id(const std::string& stage, const RunContext& ctx);

class StageScope {
 public:
  StageScope(std::string stage, const RunContext& ctx);
  ~StageScope();
  StageScope(const StageScope&) = delete;
  StageScope& operator=(const StageScope&) = delete;

  const std::string& stage() const { return stage_; }
  const RunContext& ctx() const { return ctx_; }
  bool root() const { return root_; }
  const Sink& out() const { return sink_; }
  uint64_t run_id() const { return run_id_; }
  std::filesystem::path journal() const { return ctx_.out_dir / (stage_ + ".journal"); }
  // A further journal of the stage, <out>/<stage>.journal.<part> (released by write() too).
  std::filesystem::path journal(const std::string& part);
  std::filesystem::path output() const { return ctx_.out_dir / (stage_ + ".h5"); }

  // The stage's ngspice workers, started on first use.
  spice::WorkerPool& pool();
  // The loaded ngspice's version ("" when the stage has made no pool).
  std::string ngspice_version();
  // "<stage>: resumed, <reused> of <total> <what> taken from <journal>" when --resume is on.
  void report_resumed(size_t reused, size_t total, const char* what) const;
  // "<stage>: resumed, <reused> ngspice jobs taken from <journal>, <computed> run" (--resume).
  void report_resumed(const spice::JobJournal& journal) const;

  // On the root rank: writes `path` (default output(); provenance, then fill), committed
  // atomically. On every rank: then releases this stage's journal. Returns the path.
  std::filesystem::path write(const std::function<void(H5Writer&)>& fill,
                              const std::filesystem::path& path = {});

 private:
  std::string stage_;
  RunContext ctx_;
  bool root_;
  Sink sink_;
  uint64_t run_id_;
  std::unique_ptr<spice::WorkerPool> pool_;
  std::vector<std::filesystem::path> parts_;
};

}  // namespace cimchar::flows
