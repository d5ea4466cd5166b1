// The job journal: results of finished jobs are reused on resume (identical to recomputing
// them), a torn or corrupt tail record is dropped and its job recomputed, and a job that
// changed is recomputed. The divider voltages are checked against the analytic value.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/error.hpp"
#include "spice/job_journal.hpp"
#include "spice/pool.hpp"

using namespace cimchar;

namespace {

spice::Job divider(int k, double r2 = 0) {
  if (r2 == 0) r2 = 1000.0 * (k + 1);
  spice::Job j;
  j.name = "journal/divider" + std::to_string(k);
  j.netlist = "divider\nv1 in 0 1\nr1 in out 1k\nr2 out 0 " + std::to_string(r2) + "\n.end\n";
  j.commands = {"op"};
  j.vectors = {"v(out)"};
  return j;
}

std::vector<spice::Job> dividers(int n) {
  std::vector<spice::Job> v;
  for (int k = 0; k < n; ++k) v.push_back(divider(k));
  return v;
}

spice::PoolOptions quiet() {
  spice::PoolOptions o;
  o.workers = 2;
  o.progress = false;
  return o;
}

std::filesystem::path fresh_dir() {
  auto d = std::filesystem::temp_directory_path() / "cimchar_job_journal";
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

double vout(const spice::JobResult& r) { return r.vectors.at("v(out)").at(0); }

}  // namespace

TEST(JobJournal, HashCoversWhatDecidesTheResult) {
  const auto a = divider(0);
  auto b = a;
  b.name = "another name";
  b.timeout_s = 7;
  EXPECT_EQ(spice::job_hash(a), spice::job_hash(b));
  b.netlist += " ";
  EXPECT_NE(spice::job_hash(a), spice::job_hash(b));
  for (int field = 0; field < 5; ++field) {
    auto c = a;
    if (field == 0) c.commands.push_back("op");
    if (field == 1) c.vectors.push_back("v(in)");
    if (field == 2) c.measures.push_back("meas op x find v(out)");
    if (field == 3) c.alter_sets.push_back({"alterparam x=1"});
    if (field == 4) c.seed = 2;
    EXPECT_NE(spice::job_hash(a), spice::job_hash(c)) << field;
  }
}

TEST(JobJournal, ResumeReusesFinishedJobsDropsTornTailAndRecomputesChanged) {
  const auto dir = fresh_dir();
  const auto path = dir / "x.journal";
  spice::WorkerPool pool(quiet());
  const auto jobs = dividers(6);
  std::vector<spice::JobResult> clean;
  {
    spice::JobJournal j(path, false);
    clean = spice::run_journaled(pool, jobs, j);
    EXPECT_EQ(j.computed, 6u);
    EXPECT_EQ(j.reused, 0u);
  }
  for (int k = 0; k < 6; ++k) {
    ASSERT_TRUE(clean[k].ok()) << clean[k].message;
    const double r2 = 1000.0 * (k + 1);
    EXPECT_NEAR(vout(clean[k]), r2 / (1000.0 + r2), 1e-9);
  }
  const auto full_size = std::filesystem::file_size(path);

  // Resumes and checks what was reused and run; the results are always the clean run's bits.
  auto resume_expect = [&](size_t reused, const char* what) {
    spice::JobJournal j(path, true);
    EXPECT_EQ(j.loaded(), reused) << what;
    auto again = spice::run_journaled(pool, jobs, j);
    EXPECT_EQ(j.reused, reused) << what;
    EXPECT_EQ(j.computed, 6u - reused) << what;
    for (int k = 0; k < 6; ++k) EXPECT_EQ(again[k].vectors, clean[k].vectors) << what;
  };
  // Everything journaled: nothing runs on resume.
  resume_expect(6, "complete journal");
  EXPECT_EQ(std::filesystem::file_size(path), full_size);

  // Torn in the middle of the last record (a kill -9 while writing it): the last job reruns,
  // the file is cut back to the good records and the rerun's record is appended.
  std::filesystem::resize_file(path, full_size - 13);
  resume_expect(5, "torn last record");
  EXPECT_EQ(std::filesystem::file_size(path), full_size);

  // A whole record followed by garbage (a record cut after its length field): the whole
  // records are kept, the garbage dropped.
  {
    std::ofstream f(path, std::ios::binary | std::ios::app);
    f.write("\x40\0\0\0\0\0\0\0garbage", 15);
  }
  {
    spice::JobJournal j(path, true);
    EXPECT_EQ(j.loaded(), 6u);
  }
  EXPECT_EQ(std::filesystem::file_size(path), full_size);

  // A flipped byte inside a record fails its checksum: it and everything after are recomputed.
  {
    std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(static_cast<std::streamoff>(full_size - 30));
    f.put('\x7f');
  }
  int lost = -1;
  {
    spice::JobJournal j(path, true);
    EXPECT_EQ(j.loaded(), 5u);
    for (int k = 0; k < 6; ++k)
      if (!j.find(spice::job_hash(jobs[k]))) lost = k;
  }
  ASSERT_GE(lost, 0);

  // A changed job (another r2) is recomputed; the others are reused.
  const int c = (lost + 1) % 6;
  auto changed = jobs;
  changed[c] = divider(c, 4700.0);
  {
    spice::JobJournal j(path, true);
    auto r = spice::run_journaled(pool, changed, j);
    EXPECT_EQ(j.computed, 2u);  // the changed one, and the one whose record was corrupted
    EXPECT_EQ(j.reused, 4u);
    EXPECT_NEAR(vout(r[c]), 4700.0 / 5700.0, 1e-9);
    for (int k = 0; k < 6; ++k) {
      if (k != c) {
        EXPECT_EQ(r[k].vectors, clean[k].vectors);
      }
    }
    // run_one goes through the same journal (records loaded at start-up)
    auto one = spice::run_one_journaled(pool, jobs[(c + 1) % 6], j);
    EXPECT_EQ(one.vectors, clean[(c + 1) % 6].vectors);
    EXPECT_EQ(j.reused, 5u);
    j.remove();
  }
  EXPECT_FALSE(std::filesystem::exists(path));

  // Without resume an old journal is started afresh; a file that is not a journal is refused.
  {
    std::ofstream f(path, std::ios::binary);
    f << "not a journal at all";
  }
  EXPECT_THROW(spice::JobJournal(path, true), std::exception);
  {
    spice::JobJournal j(path, false);
    EXPECT_EQ(j.loaded(), 0u);
  }
  EXPECT_EQ(std::filesystem::file_size(path), 16u);  // magic + run identity

  // A journal written by another run (another run identity) is refused on resume.
  {
    spice::JobJournal j(path, false, 41);
  }
  EXPECT_THROW(spice::JobJournal(path, true, 42), ConfigError);
  EXPECT_NO_THROW(spice::JobJournal(path, true, 41));
}
