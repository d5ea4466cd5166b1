// parallel_for against a serial loop: every item exactly once whatever the thread count, and
// the first exception rethrown after the threads have stopped.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <set>
#include <thread>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "core/parallel.hpp"

using namespace cimchar;

TEST(ParallelFor, VisitsEveryItemOnce) {
  for (unsigned threads : {1u, 2u, 3u, 8u}) {
    std::vector<std::atomic<int>> hits(1000);
    parallel_for(hits.size(), [&](size_t i) { hits[i]++; }, threads);
    for (size_t i = 0; i < hits.size(); ++i) ASSERT_EQ(hits[i].load(), 1) << i << ", " << threads;
  }
  std::vector<double> out(257);
  parallel_for(out.size(), [&](size_t i) { out[i] = 0.5 * static_cast<double>(i); }, 2);
  EXPECT_DOUBLE_EQ(std::accumulate(out.begin(), out.end(), 0.0), 0.5 * 256 * 257 / 2);
  parallel_for(0, [&](size_t) { FAIL() << "called for an empty range"; }, 2);
}

TEST(ParallelFor, RethrowsTheError) {
  std::atomic<int> calls{0};
  EXPECT_THROW(parallel_for(100, [&](size_t i) {
                 calls++;
                 if (i == 7) throw std::runtime_error("item 7");
               }, 2),
               std::runtime_error);
  EXPECT_LE(calls.load(), 100);
}

// $CIMCHAR_THREADS (which --jobs sets) bounds the default thread count; anything but a
// positive integer leaves the affinity's cores.
TEST(ParallelFor, ThreadLimitFromTheEnvironment) {
  EXPECT_EQ(parse_thread_limit(nullptr), 0u);
  EXPECT_EQ(parse_thread_limit(""), 0u);
  EXPECT_EQ(parse_thread_limit("3"), 3u);
  EXPECT_EQ(parse_thread_limit("-2"), 0u);
  EXPECT_EQ(parse_thread_limit("2x"), 0u);
  EXPECT_EQ(parse_thread_limit("0"), 0u);
  const unsigned cores = affinity_cores();
  ASSERT_GE(cores, 1u);
  ::setenv("CIMCHAR_THREADS", "1", 1);
  EXPECT_EQ(default_threads(), 1u);
  std::mutex m;
  std::set<std::thread::id> ids;
  parallel_for(256, [&](size_t) {
    std::this_thread::sleep_for(std::chrono::microseconds(50));
    std::lock_guard<std::mutex> lock(m);
    ids.insert(std::this_thread::get_id());
  });
  EXPECT_EQ(ids.size(), 1u);
  ::setenv("CIMCHAR_THREADS", "1000", 1);
  EXPECT_EQ(default_threads(), cores);  // a bound, not a request for more threads than cores
  ::setenv("CIMCHAR_THREADS", "many", 1);
  EXPECT_EQ(default_threads(), cores);
  ::unsetenv("CIMCHAR_THREADS");
  EXPECT_EQ(default_threads(), cores);
}
