// A journal of finished ngspice jobs, so that a sweep killed at any point (kill -9 included)
// is resumed without recomputing what finished. Each finished job's result is appended as one
// record, written before the next job's result is taken:
//   [u64 payload length][u64 job hash][payload = wire::encode(JobResult)][u64 checksum]
// after an 8-byte magic and the u64 identity of the run that wrote it. The job hash covers
// everything that decides the result (netlist, commands, vectors, measures, alter sets, seed,
// convergence aids; not the name or timeout), so a job that changed is recomputed. On resume the records are read up to the first incomplete
// or corrupt one (a torn tail from a kill), the file is cut there, and new records follow.
// Only deterministic outcomes are journaled (ok, sim_failed); a crash or timeout is retried.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "spice/pool.hpp"

namespace cimchar::spice {

uint64_t job_hash(const Job& job);

class JobJournal {
 public:
  // path "" = no journal (everything runs). resume = reuse the records of an existing file;
  // otherwise the file is started afresh. run_id identifies the run that writes it (flow text,
  // seed, stage, version: StageScope::run_id()); resuming from another run's journal is an
  // error naming the file.
  JobJournal(std::filesystem::path path, bool resume, uint64_t run_id = 0);
  ~JobJournal();
  JobJournal(const JobJournal&) = delete;
  JobJournal& operator=(const JobJournal&) = delete;

  // The journaled result of a job found in the file at start-up, or nullptr.
  const JobResult* find(uint64_t hash) const;
  // Appends a finished job's result (written at once, so it survives the process's death).
  void append(uint64_t hash, const JobResult& r);
  void sync();  // fdatasync: also survive a power loss
  // Closes and deletes the file (after the stage's output is written).
  void remove();

  const std::filesystem::path& path() const { return path_; }
  size_t loaded() const { return loaded_.size(); }  // records read at start-up
  size_t reused = 0;    // jobs answered from the journal
  size_t computed = 0;  // jobs run

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  std::unordered_map<uint64_t, JobResult> loaded_;
  size_t kill_after_ = 0;  // test hook, see job_journal.cpp
};

// pool.run(jobs, on_done) through the journal: jobs found in it are not run (on_done is still
// called for them, first), the others run and are journaled as they finish.
std::vector<JobResult> run_journaled(WorkerPool& pool, const std::vector<Job>& jobs,
                                     JobJournal& journal,
                                     const std::function<void(size_t, const JobResult&)>& on_done = {});
JobResult run_one_journaled(WorkerPool& pool, const Job& job, JobJournal& journal);

}  // namespace cimchar::spice
