// Monte Carlo engine: per-sample results against the analytic divider, identical across
// worker counts and between alterparam and re-parse, failed samples recorded, and a torn
// journal resumed without recomputing what finished.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "core/units.hpp"
#include "core/error.hpp"
#include "flows/monte_carlo.hpp"

using namespace cimchar;

namespace {


flows::McSpec divider_spec(size_t n, bool reparse) {
  flows::McSpec s;
  s.name = "mc divider";
  s.params = {"r2v", "bad"};
  s.nominal = {1000.0, 0.0};
  s.render = [](const std::vector<double>& v) {
    return "mc divider\n.param r2v=" + netlist_number(v[0]) + "\n.param bad=" + netlist_number(v[1]) +
           "\nv1 in 0 1\nr1 in out 1k\nr2 out 0 {r2v}\n"
           // With bad > 0.5 this node has no operating point: v(n) = (v(n) > 0.5 ? 0 : 1).
           "b1 n 0 v = {bad} > 0.5 ? (v(n) > 0.5 ? 0 : 1) : 0.3\nrn n 0 1k\n.end\n";
  };
  s.commands = {"op"};
  s.vectors = {"v(out)"};
  s.samples = n;
  s.seed = 11;
  s.draw = [](size_t i, std::mt19937_64& rng) {
    std::normal_distribution<double> r(1000.0, 50.0);
    return std::vector<double>{r(rng), i == 3 ? 1.0 : 0.0};
  };
  s.reparse = reparse;
  s.samples_per_job = 16;
  return s;
}

spice::PoolOptions quiet(int w) {
  spice::PoolOptions o;
  o.workers = w;
  o.progress = false;
  return o;
}

}  // namespace

TEST(MonteCarlo, MatchesAnalyticAndIsIndependentOfWorkersAndMode) {
  spice::WorkerPool one(quiet(1)), two(quiet(2));
  auto a = flows::run_monte_carlo(two, divider_spec(120, false), "", false);
  auto b = flows::run_monte_carlo(one, divider_spec(120, true), "", false);
  for (size_t i = 0; i < 120; ++i) {
    EXPECT_EQ(a.params[i * 2], b.params[i * 2]);  // same stream per sample
    if (i == 3) {
      EXPECT_EQ(a.failed[i], 1);
      EXPECT_EQ(b.failed[i], 1);
      EXPECT_FALSE(a.messages[i].empty());
      continue;
    }
    ASSERT_EQ(a.failed[i], 0) << a.messages[i];
    const double r2 = a.params[i * 2];
    EXPECT_NEAR(a.values[i], r2 / (1000.0 + r2), 1e-9);
    EXPECT_NEAR(a.values[i], b.values[i], 1e-12);
  }
}

namespace {

// Record boundaries of a Monte Carlo journal (format in monte_carlo.cpp: a 16-byte header,
// then per sample [u64 index][u64 failed][params][values][u32 len][message][u64 checksum]). Records are not
// all the same size: a failed sample carries ngspice's message, and batches finish in any
// order, so where the failed sample's record lies differs from run to run.
struct JournalRecord {
  size_t index, begin, end, message_begin;
};
std::vector<JournalRecord> journal_records(const std::filesystem::path& p, size_t n_params,
                                           size_t n_vectors) {
  std::ifstream in(p, std::ios::binary);
  std::string b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<JournalRecord> r;
  const size_t fixed = 16 + 8 * (n_params + n_vectors) + 4;
  size_t pos = 16;
  while (pos + fixed <= b.size()) {
    uint64_t idx;
    uint32_t len;
    std::memcpy(&idx, b.data() + pos, 8);
    std::memcpy(&len, b.data() + pos + fixed - 4, 4);
    r.push_back({idx, pos, pos + fixed + len + 8, pos + fixed});
    pos += fixed + len + 8;
  }
  return r;
}

void expect_same(const flows::McResult& again, const flows::McResult& full) {
  for (size_t i = 0; i < full.samples; ++i) {
    EXPECT_EQ(again.failed[i], full.failed[i]) << i;
    EXPECT_EQ(again.params[i * 2], full.params[i * 2]) << i;
    if (!full.failed[i]) {
      EXPECT_EQ(again.values[i], full.values[i]) << i;
    } else {
      EXPECT_FALSE(again.messages[i].empty()) << i;
    }
  }
}

}  // namespace

TEST(MonteCarlo, TornJournalResumes) {
  const auto dir = std::filesystem::temp_directory_path() / "cimchar_mc_journal";
  std::filesystem::create_directories(dir);
  const auto j = dir / "mc.journal";
  spice::WorkerPool pool(quiet(2));
  const auto spec = divider_spec(80, false);
  auto full = flows::run_monte_carlo(pool, spec, j, false);
  const auto recs = journal_records(j, 2, 1);
  ASSERT_EQ(recs.size(), 80u);
  ASSERT_EQ(recs.back().end, std::filesystem::file_size(j));
  // Keep the header, 30 whole records and half of the next (as after a kill -9): the 30 are
  // kept, the torn one is recomputed.
  std::filesystem::resize_file(j, recs[30].begin + (recs[30].end - recs[30].begin) / 2);
  auto again = flows::run_monte_carlo(pool, spec, j, true);
  EXPECT_EQ(again.resumed, 30u);
  expect_same(again, full);
  // The resumed run appended the 50 recomputed samples after the 30 good records.
  auto after = journal_records(j, 2, 1);
  ASSERT_EQ(after.size(), 80u);
  for (size_t k = 0; k < 30; ++k) EXPECT_EQ(after[k].index, recs[k].index);

  // Torn inside the failed sample's message: the records before it are kept, it is not.
  size_t f = 0;
  while (f < after.size() && after[f].index != 3) ++f;
  ASSERT_LT(f, after.size());
  ASSERT_GT(after[f].end, after[f].message_begin + 2) << "sample 3 fails with a message";
  std::filesystem::resize_file(j, after[f].message_begin + 2);
  auto torn_msg = flows::run_monte_carlo(pool, spec, j, true);
  EXPECT_EQ(torn_msg.resumed, f);
  expect_same(torn_msg, full);

  // Killed before the header was complete: a fresh run, not an error.
  std::filesystem::resize_file(j, 3);
  auto no_header = flows::run_monte_carlo(pool, spec, j, true);
  EXPECT_EQ(no_header.resumed, 0u);
  expect_same(no_header, full);

  // A journal from another run is refused: another seed, or the same spec written by another
  // run (flow text, stage or version: StageScope's run identity).
  auto other = spec;
  other.seed = 12;
  EXPECT_THROW(flows::run_monte_carlo(pool, other, j, true), ConfigError);
  auto foreign = spec;
  foreign.run_id = 99;
  EXPECT_THROW(flows::run_monte_carlo(pool, foreign, j, true), ConfigError);

  // A flipped bit inside record 10 (whole, not torn): the checksum stops the read there, so
  // records 0-9 are reused and the rest recomputed, never a corrupt value taken as a result.
  const auto clean = journal_records(j, 2, 1);
  ASSERT_EQ(clean.size(), 80u);
  {
    std::fstream fs(j, std::ios::in | std::ios::out | std::ios::binary);
    fs.seekp(static_cast<std::streamoff>(clean[10].begin + 20));
    fs.put('\x5a');
  }
  auto corrupt = flows::run_monte_carlo(pool, spec, j, true);
  EXPECT_EQ(corrupt.resumed, 10u);
  expect_same(corrupt, full);
}
