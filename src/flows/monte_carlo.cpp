#include "core/units.hpp"
#include "flows/monte_carlo.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>

#include "core/error.hpp"
#include "core/ranks.hpp"
#include "core/rng.hpp"

namespace cimchar::flows {

namespace {


// Journal: an 8-byte magic and the u64 identity of the spec and the run, then records
// [u64 index][u64 failed][n_params doubles][n_vectors doubles][u32 len][message][u64 checksum].
constexpr char kMcMagic[8] = {'C', 'I', 'M', 'M', 'C', 'J', '0', '2'};
constexpr size_t kMcHeader = 16;

uint64_t mix_string(uint64_t h, const std::string& s) {
  for (char c : s) h = splitmix64(h ^ static_cast<unsigned char>(c));
  return splitmix64(h ^ s.size());
}

uint64_t spec_id(const McSpec& s) {
  uint64_t h = splitmix64(s.seed) ^ splitmix64(s.samples) ^ splitmix64(s.run_id + 0x4D43);
  for (const auto& p : s.params) h = mix_string(h, p);
  for (const auto& v : s.vectors) h = mix_string(h, v);
  for (const auto& v : s.measures) h = mix_string(h, v);
  for (double x : s.nominal) {
    uint64_t b;
    std::memcpy(&b, &x, 8);
    h = splitmix64(h ^ b);
  }
  return h;
}

uint64_t record_sum(const char* p, size_t n) {
  uint64_t h = 0x5245434F5244ULL;
  for (size_t k = 0; k < n; ++k) h = (h ^ static_cast<unsigned char>(p[k])) * 0x100000001B3ULL;
  return splitmix64(h);
}

class Journal {
 public:
  Journal(const std::filesystem::path& path, uint64_t id, bool resume, McResult& res)
      : path_(path) {
    if (path.empty()) return;
    // A journal shorter than its header was killed before any sample finished: start afresh.
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    const bool fresh = !resume || ec || size < kMcHeader;
    if (!fresh) read_existing(id, res);
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | (fresh ? O_TRUNC : O_APPEND), 0644);
    if (fd_ < 0) throw IoError("cannot open Monte Carlo journal " + path.string());
    if (fresh) {
      put(kMcMagic, 8);
      put(&id, 8);
    } else {  // drop a torn last record, then append after the good ones
      if (::ftruncate(fd_, static_cast<off_t>(good_bytes_)) != 0)
        throw IoError("cannot truncate Monte Carlo journal " + path.string());
      ::lseek(fd_, 0, SEEK_END);
    }
  }
  ~Journal() {
    if (fd_ >= 0) ::close(fd_);
  }
  void record(size_t i, const McResult& r) {
    if (fd_ < 0) return;
    const size_t start = buf_.size();
    const uint64_t idx = i, f = static_cast<uint64_t>(r.failed[i]);
    buf_.append(reinterpret_cast<const char*>(&idx), 8);
    buf_.append(reinterpret_cast<const char*>(&f), 8);
    buf_.append(reinterpret_cast<const char*>(&r.params[i * r.n_params]), r.n_params * 8);
    buf_.append(reinterpret_cast<const char*>(&r.values[i * r.n_vectors]), r.n_vectors * 8);
    const uint32_t len = static_cast<uint32_t>(r.messages[i].size());
    buf_.append(reinterpret_cast<const char*>(&len), 4);
    buf_ += r.messages[i];
    const uint64_t sum = record_sum(buf_.data() + start, buf_.size() - start);
    buf_.append(reinterpret_cast<const char*>(&sum), 8);
  }
  void flush() {
    if (fd_ < 0 || buf_.empty()) return;
    put(buf_.data(), buf_.size());
    ::fsync(fd_);
    buf_.clear();
  }

 private:
  void put(const void* p, size_t n) {
    const char* c = static_cast<const char*>(p);
    while (n > 0) {
      ssize_t k = ::write(fd_, c, n);
      if (k <= 0) throw IoError("cannot write Monte Carlo journal " + path_.string());
      c += k;
      n -= static_cast<size_t>(k);
    }
  }
  void read_existing(uint64_t id, McResult& res) {
    std::ifstream in(path_, std::ios::binary);
    char magic[8] = {};
    uint64_t have = 0;
    in.read(magic, 8);
    in.read(reinterpret_cast<char*>(&have), 8);
    if (!in || std::memcmp(magic, kMcMagic, 8) != 0)
      throw ConfigError(path_.string(), "", 0,
                        "not a Monte Carlo journal of this cimchar version; remove it or run "
                        "without --resume");
    if (have != id)
      throw ConfigError(path_.string(), "", 0,
                        "this journal belongs to another run (its flow, seed, samples, stage or "
                        "cimchar version differ); remove it or run without --resume");
    good_bytes_ = kMcHeader;
    const size_t rec = 16 + 8 * (res.n_params + res.n_vectors) + 4;
    std::string b(rec, '\0');
    while (in.read(b.data(), static_cast<std::streamsize>(rec))) {
      uint32_t len;
      std::memcpy(&len, b.data() + rec - 4, 4);
      if (len > (1u << 20)) break;  // corrupt length
      b.resize(rec + len + 8);
      if (!in.read(b.data() + rec, len + 8)) break;  // torn tail: ignored, recomputed
      uint64_t sum, idx, f;
      std::memcpy(&sum, b.data() + rec + len, 8);
      if (sum != record_sum(b.data(), rec + len)) break;  // torn or corrupt: stop here
      std::memcpy(&idx, b.data(), 8);
      std::memcpy(&f, b.data() + 8, 8);
      if (idx >= res.samples) break;
      std::memcpy(&res.params[idx * res.n_params], b.data() + 16, res.n_params * 8);
      std::memcpy(&res.values[idx * res.n_vectors], b.data() + 16 + 8 * res.n_params,
                  res.n_vectors * 8);
      res.failed[idx] = static_cast<int64_t>(f);
      res.messages[idx].assign(b.data() + rec, len);
      done.push_back(idx);
      good_bytes_ += rec + len + 8;
      b.resize(rec);
    }
  }

 public:
  std::vector<size_t> done;

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  size_t good_bytes_ = 0;
  std::string buf_;
};

// A sweep in which no sample ran is not a result: a table of NaNs must not be written.
void fail_if_all_failed(const McSpec& spec, const McResult& res) {
  if (res.samples == 0) return;
  for (size_t i = 0; i < res.samples; ++i)
    if (!res.failed[i]) return;
  std::string first;
  for (const auto& m : res.messages)
    if (!m.empty()) {
      first = m;
      break;
    }
  throw SpiceError(spec.name, "all " + std::to_string(res.samples) +
                                  " Monte Carlo samples failed; the first said: " + first);
}

// Jobs: a batch of samples on one loaded circuit, or one netlist per sample; members[k] are the
// samples of job k.
std::vector<spice::Job> make_jobs(const McSpec& spec, const McResult& res,
                                  const std::vector<bool>& todo,
                                  std::vector<std::vector<size_t>>& members) {
  std::vector<spice::Job> jobs;
  std::vector<size_t> batch;
  auto flush_batch = [&] {
    if (batch.empty()) return;
    spice::Job j;
    j.name = spec.name;
    j.name += '[';
    j.name += std::to_string(batch.front());
    j.name += "..]";
    j.commands = spec.commands;
    j.vectors = spec.vectors;
    j.measures = spec.measures;
    if (spec.reparse) {
      std::vector<double> v(res.params.begin() + static_cast<long>(batch[0] * res.n_params),
                            res.params.begin() + static_cast<long>((batch[0] + 1) * res.n_params));
      j.netlist = spec.render(v);
    } else {
      j.netlist = spec.render(spec.nominal);
      for (size_t i : batch) {
        std::vector<std::string> set;
        for (size_t p = 0; p < res.n_params; ++p)
          set.push_back("alterparam " + spec.params[p] + "=" + netlist_number(res.params[i * res.n_params + p]));
        j.alter_sets.push_back(set);
      }
    }
    jobs.push_back(j);
    members.push_back(batch);
    batch.clear();
  };
  for (size_t i = 0; i < res.samples; ++i) {
    if (!todo[i]) continue;
    batch.push_back(i);
    if (spec.reparse || batch.size() >= spec.samples_per_job) flush_batch();
  }
  flush_batch();
  return jobs;
}

}  // namespace

McResult run_monte_carlo(spice::WorkerPool& pool, const McSpec& spec,
                         const std::filesystem::path& journal_path, bool resume) {
  CIMCHAR_CHECK(spec.params.size() == spec.nominal.size(), "McSpec: params and nominal differ");
  McResult res;
  res.samples = spec.samples;
  res.n_params = spec.params.size();
  // Measures come back as vectors named by the word after `meas <analysis>`.
  std::vector<std::string> names = spec.vectors;
  for (const auto& m : spec.measures) names.push_back(spice::measure_name(m));
  res.n_vectors = names.size();
  res.params.assign(res.samples * res.n_params, 0.0);
  res.values.assign(res.samples * res.n_vectors, std::numeric_limits<double>::quiet_NaN());
  res.failed.assign(res.samples, 0);
  res.messages.assign(res.samples, "");
  // Under MPI, rank r owns samples r, r + size, ...: with one stream per sample the result
  // does not depend on how samples are shared out.
  const Ranks rk = spec.rank_local ? Ranks{} : ranks();
  const std::filesystem::path jpath =
      journal_path.empty() || spec.rank_local ? journal_path : rank_journal(journal_path);
  Journal journal(jpath, spec_id(spec), resume, res);
  std::vector<bool> todo(res.samples, true);
  for (size_t i = 0; i < res.samples; ++i)
    if (i % static_cast<size_t>(rk.size) != static_cast<size_t>(rk.rank)) todo[i] = false;
  for (size_t i : journal.done) todo[i] = false;
  res.resumed = journal.done.size();

  // Draw every pending sample's values from its own stream.
  for (size_t i = 0; i < res.samples; ++i) {
    if (!todo[i]) continue;
    auto rng = stream_rng(spec.seed, i);
    auto v = spec.draw(i, rng);
    CIMCHAR_CHECK(v.size() == res.n_params, "McSpec::draw returned the wrong count");
    std::copy(v.begin(), v.end(), res.params.begin() + static_cast<long>(i * res.n_params));
  }
  std::vector<std::vector<size_t>> members;
  const std::vector<spice::Job> jobs = make_jobs(spec, res, todo, members);
  pool.run(jobs, [&](size_t k, const spice::JobResult& r) {
    const auto& idx = members[k];
    for (size_t m = 0; m < idx.size(); ++m) {
      const size_t i = idx[m];
      std::string suffix;
      if (!spec.reparse) {
        suffix = '@';
        suffix += std::to_string(m);
      }
      std::string err;
      if (!r.ok()) err = r.message;
      else if (!spec.reparse && m < r.sample_errors.size()) err = r.sample_errors[m];
      for (size_t v = 0; v < res.n_vectors && err.empty(); ++v) {
        auto it = r.vectors.find(names[v] + suffix);
        if (it == r.vectors.end() || it->second.empty()) err = "no vector " + names[v];
        else res.values[i * res.n_vectors + v] = it->second.back();
      }
      if (!err.empty()) {
        res.failed[i] = 1;
        res.messages[i] = err;
        for (size_t v = 0; v < res.n_vectors; ++v)
          res.values[i * res.n_vectors + v] = std::numeric_limits<double>::quiet_NaN();
      }
      journal.record(i, res);
    }
    journal.flush();
  });
  if (rk.size > 1) {
    for (size_t i = 0; i < res.samples; ++i) {
      if (i % static_cast<size_t>(rk.size) == static_cast<size_t>(rk.rank)) continue;
      for (size_t p = 0; p < res.n_params; ++p) res.params[i * res.n_params + p] = 0.0;
      for (size_t v = 0; v < res.n_vectors; ++v) res.values[i * res.n_vectors + v] = 0.0;
    }
    sum_over_ranks(res.params);
    sum_over_ranks(res.values);
    sum_over_ranks(res.failed);
    gather_strings(res.messages);
    std::vector<double> resumed = {static_cast<double>(res.resumed)};
    sum_over_ranks(resumed);
    res.resumed = static_cast<size_t>(resumed[0]);
  }
  fail_if_all_failed(spec, res);
  return res;
}

std::filesystem::path rank_journal(const std::filesystem::path& journal) {
  const Ranks rk = ranks();
  if (rk.size <= 1) return journal;
  std::filesystem::path p = journal;
  p += ".rank" + std::to_string(rk.rank) + "of" + std::to_string(rk.size);
  return p;
}

void release_journal(const std::filesystem::path& journal) {
  barrier();
  std::error_code ec;
  std::filesystem::remove(rank_journal(journal), ec);
}

}  // namespace cimchar::flows
