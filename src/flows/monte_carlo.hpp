// Monte Carlo of a netlist on the worker pool. Sample i draws its parameter values from its
// own random stream, stream_rng(seed, i), so results do not depend on the number of workers or
// on the order in which jobs finish. By default the circuit is loaded once per job and each
// sample is an `alterparam` + `reset` + analysis on it (ngspice's own mechanism); `reparse`
// renders and loads a netlist per sample instead (kept to measure the difference).
//
// Results stream into a journal (<out>.journal, one fixed-size record per finished sample,
// flushed per job), so a run killed at any point, kill -9 included, resumes with `resume` and
// recomputes nothing that finished. A failed sample is recorded (its seed stream index and
// ngspice's message) and the run goes on.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "spice/pool.hpp"

namespace cimchar::flows {

struct McSpec {
  std::string name;                   // prefix of job names
  // Netlist text whose varied parameters are `.param` lines: render(values) gives the text.
  std::function<std::string(const std::vector<double>& values)> render;
  std::vector<std::string> params;    // names of the varied .params, in order
  std::vector<double> nominal;        // their nominal values (the loaded circuit in alter mode)
  std::vector<std::string> commands;  // analyses, e.g. {"op"}
  std::vector<std::string> vectors;   // each sample keeps the last value of each vector
  // `meas` commands run after the analyses ("meas tran t1 when v(a)=0.5 rise=1"); each
  // sample's measured value follows its vectors in McResult::values (n_vectors counts both).
  std::vector<std::string> measures;
  size_t samples = 0;
  uint64_t seed = 1;
  // Values of the parameters for sample i, drawn from `rng` (= stream_rng(seed, i)).
  std::function<std::vector<double>(size_t i, std::mt19937_64& rng)> draw;
  bool reparse = false;
  size_t samples_per_job = 64;
  // Run every sample in this process even under mpirun: for stages that run on rank 0 only.
  bool rank_local = false;
  // Identity of the run (StageScope::run_id()): a journal written by another run is refused.
  uint64_t run_id = 0;
};

struct McResult {
  size_t samples = 0, n_params = 0, n_vectors = 0;
  std::vector<double> params;   // [samples, n_params]
  std::vector<double> values;   // [samples, n_vectors]: vectors, then measures; NaN where failed
  std::vector<int64_t> failed;  // [samples] 1 = failed
  std::vector<std::string> messages;  // [samples] ngspice's message for failed samples
  size_t resumed = 0;           // samples taken from the journal instead of recomputed
};

// Under mpirun the samples are shared among the ranks (each with its own pool and journal,
// <journal>.rank<r>of<n>) and every rank ends with the whole result.
// journal: path of the journal file ("" = no journal). resume: reuse its finished samples
// (a journal from a different spec is an error naming the file).
McResult run_monte_carlo(spice::WorkerPool& pool, const McSpec& spec,
                         const std::filesystem::path& journal, bool resume);

// The journal this rank writes: `journal` itself in a single process.
std::filesystem::path rank_journal(const std::filesystem::path& journal);
// Called by every rank once rank 0 has written the stage's file (the other ranks at once):
// waits for all ranks, then removes this rank's journal.
void release_journal(const std::filesystem::path& journal);

}  // namespace cimchar::flows
