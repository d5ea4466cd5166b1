// The worker pool the periph ngspice tests share: two workers (the test machines' cores), no
// progress bar.
#pragma once

#include "spice/pool.hpp"

namespace cimchar::periph::test {

inline spice::WorkerPool& pool() {
  static spice::WorkerPool p([] {
    spice::PoolOptions o;
    o.workers = 2;
    o.progress = false;
    return o;
  }());
  return p;
}

}  // namespace cimchar::periph::test
