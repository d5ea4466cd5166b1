// A parallel loop over independent items on the machine's cores (std::thread; no global
// state). f(i) is called once for every i in [0, n), in no particular order and from several
// threads, so it must only write what belongs to item i; results are then independent of the
// schedule. The first exception thrown by any f(i) is rethrown after every thread has stopped.
//
// How many threads: the cores this process may run on (its CPU affinity: taskset, a batch
// scheduler's cgroup), bounded by $CIMCHAR_THREADS when it is a positive integer. The CLI's
// `--jobs N` sets CIMCHAR_THREADS=N before any thread starts (app/main.cpp), so that one flag
// bounds the ngspice workers, these loops and the dense products alike; OpenBLAS runs one
// thread (app/process_tuning.hpp). Like OMP_NUM_THREADS, it is the process's configuration,
// read where a pool is sized, not state the code keeps.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace cimchar {

// Threads for parallel_for and worker pools: the available cores, bounded by $CIMCHAR_THREADS;
// at least 1.
unsigned default_threads();

// The cores of this process's CPU affinity (at least 1), ignoring $CIMCHAR_THREADS.
unsigned affinity_cores();

// A value of CIMCHAR_THREADS: its positive integer, or 0 when it is empty or not one.
unsigned parse_thread_limit(const char* value);

template <class F>
void parallel_for(size_t n, F&& f, unsigned threads = default_threads()) {
  const size_t t = std::min<size_t>(threads, n);
  if (t <= 1) {
    for (size_t i = 0; i < n; ++i) f(i);
    return;
  }
  std::atomic<size_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto work = [&] {
    for (size_t i = next++; i < n; i = next++) {
      try {
        f(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        next = n;  // stop handing out items
      }
    }
  };
  std::vector<std::thread> pool;
  for (size_t k = 1; k < t; ++k) pool.emplace_back(work);
  work();
  for (auto& th : pool) th.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace cimchar
