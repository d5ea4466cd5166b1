// parallel_for against a serial loop: every item exactly once whatever the thread count, and
// the first exception rethrown after the threads have stopped.
#include <gtest/gtest.h>

#include <atomic>
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
