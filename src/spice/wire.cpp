#include "spice/wire.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "core/error.hpp"

namespace cimchar::spice::wire {

namespace {

struct Writer {
  std::string buf;
  void u64(uint64_t v) { buf.append(reinterpret_cast<const char*>(&v), sizeof v); }
  void f64(double v) { buf.append(reinterpret_cast<const char*>(&v), sizeof v); }
  void str(const std::string& s) {
    u64(s.size());
    buf += s;
  }
  void strs(const std::vector<std::string>& v) {
    u64(v.size());
    for (const auto& s : v) str(s);
  }
};

struct Reader {
  const std::string& buf;
  size_t pos = 0;
  void need(size_t n) { CIMCHAR_CHECK(pos + n <= buf.size(), "truncated worker message"); }
  uint64_t u64() {
    need(8);
    uint64_t v;
    std::memcpy(&v, buf.data() + pos, 8);
    pos += 8;
    return v;
  }
  double f64() {
    need(8);
    double v;
    std::memcpy(&v, buf.data() + pos, 8);
    pos += 8;
    return v;
  }
  std::string str() {
    const size_t n = u64();
    need(n);
    std::string s = buf.substr(pos, n);
    pos += n;
    return s;
  }
  std::vector<std::string> strs() {
    std::vector<std::string> v(u64());
    for (auto& s : v) s = str();
    return v;
  }
};

}  // namespace

std::string encode(const Job& j) {
  Writer w;
  w.str(j.name);
  w.str(j.netlist);
  w.strs(j.commands);
  w.strs(j.vectors);
  w.strs(j.measures);
  w.f64(j.timeout_s);
  w.u64(j.seed);
  w.u64(j.convergence_aids ? 1 : 0);
  w.u64(j.alter_sets.size());
  for (const auto& set : j.alter_sets) w.strs(set);
  return w.buf;
}

Job decode_job(const std::string& bytes) {
  Reader r{bytes};
  Job j;
  j.name = r.str();
  j.netlist = r.str();
  j.commands = r.strs();
  j.vectors = r.strs();
  j.measures = r.strs();
  j.timeout_s = r.f64();
  j.seed = r.u64();
  j.convergence_aids = r.u64() != 0;
  j.alter_sets.resize(r.u64());
  for (auto& set : j.alter_sets) set = r.strs();
  return j;
}

std::string encode(const JobResult& res) {
  Writer w;
  w.u64(static_cast<uint64_t>(res.status));
  w.str(res.message);
  w.strs(res.stderr_lines);
  w.u64(res.vectors.size());
  for (const auto& [name, v] : res.vectors) {
    w.str(name);
    w.u64(v.size());
    w.buf.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(double));
  }
  w.u64(static_cast<uint64_t>(res.attempts));
  w.str(res.aid);
  w.f64(res.wall_s);
  w.strs(res.sample_errors);
  return w.buf;
}

JobResult decode_result(const std::string& bytes) {
  Reader r{bytes};
  JobResult res;
  res.status = static_cast<Status>(r.u64());
  res.message = r.str();
  res.stderr_lines = r.strs();
  const size_t nv = r.u64();
  for (size_t k = 0; k < nv; ++k) {
    std::string name = r.str();
    std::vector<double> v(r.u64());
    r.need(v.size() * sizeof(double));
    std::memcpy(v.data(), bytes.data() + r.pos, v.size() * sizeof(double));
    r.pos += v.size() * sizeof(double);
    res.vectors[name] = std::move(v);
  }
  res.attempts = static_cast<int>(r.u64());
  res.aid = r.str();
  res.wall_s = r.f64();
  res.sample_errors = r.strs();
  return res;
}

std::string encode(const NgspiceInfo& info) {
  Writer w;
  w.str(info.version);
  w.u64(info.klu ? 1 : 0);
  w.str(info.library);
  return w.buf;
}

NgspiceInfo decode_info(const std::string& bytes) {
  Reader r{bytes};
  NgspiceInfo i;
  i.version = r.str();
  i.klu = r.u64() != 0;
  i.library = r.str();
  return i;
}

bool write_message(int fd, const std::string& bytes) {
  const uint64_t n = bytes.size();
  std::string all(reinterpret_cast<const char*>(&n), 8);
  all += bytes;
  size_t off = 0;
  while (off < all.size()) {
    ssize_t k = ::send(fd, all.data() + off, all.size() - off, MSG_NOSIGNAL);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    off += static_cast<size_t>(k);
  }
  return true;
}

namespace {
bool read_exact(int fd, char* p, size_t n) {
  size_t off = 0;
  while (off < n) {
    ssize_t k = ::read(fd, p + off, n - off);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    off += static_cast<size_t>(k);
  }
  return true;
}
}  // namespace

bool read_message(int fd, std::string* bytes) {
  uint64_t n = 0;
  if (!read_exact(fd, reinterpret_cast<char*>(&n), 8)) return false;
  if (n > (uint64_t(1) << 34)) return false;
  bytes->resize(n);
  return n == 0 || read_exact(fd, bytes->data(), n);
}

}  // namespace cimchar::spice::wire
