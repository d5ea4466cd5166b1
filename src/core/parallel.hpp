// A parallel loop over independent items on the machine's cores (std::thread; no global
// state). f(i) is called once for every i in [0, n), in no particular order and from several
// threads, so it must only write what belongs to item i; results are then independent of the
// schedule. The first exception thrown by any f(i) is rethrown after every thread has stopped.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace cimchar {

// Threads for parallel_for: the hardware's, at least 1.
inline unsigned default_threads() { return std::max(1u, std::thread::hardware_concurrency()); }

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
