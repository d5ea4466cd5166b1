// One rendered ngspice bench (netlist, commands, vectors) as a pool job (bench_job), or run as
// one (run_bench); a failure throws SpiceError naming the job (whose name names the files the
// bench reads).
#pragma once

#include <string>

#include "spice/pool.hpp"

namespace cimchar::periph {

template <class Bench>
spice::Job bench_job(const std::string& name, const Bench& b, double cost) {
  spice::Job j;
  j.name = name;
  j.netlist = b.netlist;
  j.commands = b.commands;
  j.vectors = b.vectors;
  j.cost = cost;
  return j;
}

template <class Bench>
spice::JobResult run_bench(spice::WorkerPool& pool, const std::string& name, const Bench& b,
                           double cost) {
  const spice::Job j = bench_job(name, b, cost);
  auto res = pool.run_one(j);
  res.throw_if_failed(j.name);
  return res;
}

}  // namespace cimchar::periph
