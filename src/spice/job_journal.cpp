#include "spice/job_journal.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

#include "core/error.hpp"
#include "core/ranks.hpp"
#include "core/rng.hpp"
#include "spice/wire.hpp"

namespace cimchar::spice {

namespace {

// Version 2 follows the magic with the run's identity (see JobJournal's constructor).
constexpr char kMagic[8] = {'C', 'I', 'M', 'J', 'O', 'B', 'S', '2'};
constexpr size_t kHeader = 16;

uint64_t hash_bytes(const char* p, size_t n, uint64_t h) {
  h = splitmix64(h ^ n);
  size_t k = 0;
  for (; k + 8 <= n; k += 8) {
    uint64_t w;
    std::memcpy(&w, p + k, 8);
    h = splitmix64(h ^ w);
  }
  uint64_t w = 0;
  std::memcpy(&w, p + k, n - k);
  return splitmix64(h ^ w ^ 0xA5);
}

uint64_t record_checksum(uint64_t hash, const std::string& payload) {
  return hash_bytes(payload.data(), payload.size(), splitmix64(hash ^ 0x4A4F55524E414CULL));
}

bool journaled(Status s) { return s == Status::ok || s == Status::sim_failed; }

}  // namespace

uint64_t job_hash(const Job& job) {
  Job key = job;  // the name and the timeout do not change the result
  key.name.clear();
  key.timeout_s = 0;
  const std::string b = wire::encode(key);
  return hash_bytes(b.data(), b.size(), 0x6A6F62);
}

JobJournal::JobJournal(std::filesystem::path path, bool resume, uint64_t run_id)
    : path_(std::move(path)) {
  if (path_.empty()) return;
  if (const Ranks rk = ranks(); rk.size > 1)  // under mpirun each rank journals its own jobs
    path_ += ".rank" + std::to_string(rk.rank) + "of" + std::to_string(rk.size);
  // Test hook (with CIMCHAR_SPICE_TEST_HOOKS=1 only): CIMCHAR_TEST_KILL_AFTER_JOBS=n makes the
  // process SIGKILL itself right after journaling its n-th job, a kill -9 at a known point.
  const char* hooks = std::getenv("CIMCHAR_SPICE_TEST_HOOKS");
  const char* kill_after = std::getenv("CIMCHAR_TEST_KILL_AFTER_JOBS");
  if (hooks && std::string(hooks) == "1" && kill_after)
    kill_after_ = static_cast<size_t>(std::strtoull(kill_after, nullptr, 10));

  size_t good = 0;
  if (resume) {
    std::ifstream in(path_, std::ios::binary);
    const std::string b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (b.size() >= kHeader) {
      uint64_t id = 0;
      std::memcpy(&id, b.data() + 8, 8);
      if (std::memcmp(b.data(), kMagic, 8) != 0)
        throw ConfigError(path_.string(), "", 0,
                          "not a job journal of this cimchar version; remove it or run without "
                          "--resume");
      if (id != run_id)
        throw ConfigError(path_.string(), "", 0,
                          "this journal belongs to another run (its flow, seed, stage or cimchar "
                          "version differ); remove it or run without --resume");
      good = kHeader;
      while (b.size() - good >= 16) {
        uint64_t len, hash, sum;
        std::memcpy(&len, b.data() + good, 8);
        std::memcpy(&hash, b.data() + good + 8, 8);
        if (len > b.size() - good - 16 || b.size() - good - 16 - len < 8) break;  // torn
        const std::string payload = b.substr(good + 16, len);
        std::memcpy(&sum, b.data() + good + 16 + len, 8);
        if (sum != record_checksum(hash, payload)) break;  // torn or corrupt: stop here
        try {
          loaded_[hash] = wire::decode_result(payload);
        } catch (const std::exception&) {
          break;
        }
        good += 24 + len;
      }
    }
  }
  const bool fresh = good == 0;
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | (fresh ? O_TRUNC : 0), 0644);
  if (fd_ < 0) throw IoError("cannot open job journal " + path_.string());
  if (fresh) {
    char header[kHeader];
    std::memcpy(header, kMagic, 8);
    std::memcpy(header + 8, &run_id, 8);
    if (::write(fd_, header, kHeader) != static_cast<ssize_t>(kHeader))
      throw IoError("cannot write job journal " + path_.string());
  } else {  // drop a torn last record, then append after the good ones
    if (::ftruncate(fd_, static_cast<off_t>(good)) != 0 ||
        ::lseek(fd_, static_cast<off_t>(good), SEEK_SET) < 0)
      throw IoError("cannot truncate job journal " + path_.string());
  }
}

JobJournal::~JobJournal() {
  if (fd_ >= 0) ::close(fd_);
}

const JobResult* JobJournal::find(uint64_t hash) const {
  auto it = loaded_.find(hash);
  return it == loaded_.end() ? nullptr : &it->second;
}

void JobJournal::append(uint64_t hash, const JobResult& r) {
  if (fd_ < 0 || !journaled(r.status)) return;
  const std::string payload = wire::encode(r);
  const uint64_t len = payload.size(), sum = record_checksum(hash, payload);
  std::string rec(reinterpret_cast<const char*>(&len), 8);
  rec.append(reinterpret_cast<const char*>(&hash), 8);
  rec += payload;
  rec.append(reinterpret_cast<const char*>(&sum), 8);
  const char* c = rec.data();
  size_t n = rec.size();
  while (n > 0) {
    const ssize_t k = ::write(fd_, c, n);
    if (k <= 0) throw IoError("cannot write job journal " + path_.string());
    c += k;
    n -= static_cast<size_t>(k);
  }
  if (kill_after_ > 0 && --kill_after_ == 0) ::kill(::getpid(), SIGKILL);
}

void JobJournal::sync() {
  if (fd_ >= 0) ::fdatasync(fd_);
}

void JobJournal::remove() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (path_.empty()) return;
  std::error_code ec;
  std::filesystem::remove(path_, ec);
}

std::vector<JobResult> run_journaled(WorkerPool& pool, const std::vector<Job>& jobs,
                                     JobJournal& journal,
                                     const std::function<void(size_t, const JobResult&)>& on_done) {
  std::vector<JobResult> results(jobs.size());
  std::vector<uint64_t> hashes(jobs.size());
  std::vector<Job> todo;
  std::vector<size_t> where;
  // Under mpirun, rank r runs jobs r, r + size, ... and every rank ends with every result.
  const Ranks rk = ranks();
  const auto mine = [&](size_t k) { return k % static_cast<size_t>(rk.size) == static_cast<size_t>(rk.rank); };
  for (size_t k = 0; k < jobs.size(); ++k) {
    if (!mine(k)) continue;
    hashes[k] = job_hash(jobs[k]);
    if (const JobResult* r = journal.find(hashes[k])) {
      results[k] = *r;
      ++journal.reused;
      if (on_done) on_done(k, results[k]);
    } else {
      todo.push_back(jobs[k]);
      where.push_back(k);
    }
  }
  if (!todo.empty()) {
    auto fresh = pool.run(todo, [&](size_t m, const JobResult& r) {
      journal.append(hashes[where[m]], r);
      ++journal.computed;
      if (on_done) on_done(where[m], r);
    });
    journal.sync();
    for (size_t m = 0; m < todo.size(); ++m) results[where[m]] = std::move(fresh[m]);
  }
  if (rk.size > 1) {
    std::vector<std::string> bytes(jobs.size());
    for (size_t k = 0; k < jobs.size(); ++k)
      if (mine(k)) bytes[k] = wire::encode(results[k]);
    gather_strings(bytes);
    for (size_t k = 0; k < jobs.size(); ++k)
      if (!mine(k)) results[k] = wire::decode_result(bytes[k]);
  }
  return results;
}

JobResult run_one_journaled(WorkerPool& pool, const Job& job, JobJournal& journal) {
  return run_journaled(pool, {job}, journal).at(0);
}

}  // namespace cimchar::spice
