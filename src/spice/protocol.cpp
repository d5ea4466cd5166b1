#include "spice/protocol.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.hpp"

namespace cimchar::spice::wire {

namespace {
constexpr uint32_t kMaxFrame = 1u << 30;  // 1 GiB: anything larger is a corrupt length
}

void Writer::str(const std::string& s) {
  u32(static_cast<uint32_t>(s.size()));
  buf_.append(s);
}

void Writer::strs(const std::vector<std::string>& v) {
  u32(static_cast<uint32_t>(v.size()));
  for (const auto& s : v) str(s);
}

void Writer::doubles(const std::vector<double>& v) {
  u32(static_cast<uint32_t>(v.size()));
  raw(v.data(), v.size() * sizeof(double));
}

void Reader::raw(void* out, size_t n) {
  if (static_cast<size_t>(end_ - p_) < n) throw Error("ngspice worker protocol: truncated frame");
  std::memcpy(out, p_, n);
  p_ += n;
}

uint8_t Reader::u8() {
  uint8_t v;
  raw(&v, 1);
  return v;
}
uint32_t Reader::u32() {
  uint32_t v;
  raw(&v, sizeof v);
  return v;
}
uint64_t Reader::u64() {
  uint64_t v;
  raw(&v, sizeof v);
  return v;
}
int64_t Reader::i64() {
  int64_t v;
  raw(&v, sizeof v);
  return v;
}
double Reader::f64() {
  double v;
  raw(&v, sizeof v);
  return v;
}

std::string Reader::str() {
  const uint32_t n = u32();
  if (static_cast<size_t>(end_ - p_) < n) throw Error("ngspice worker protocol: truncated string");
  std::string s(p_, n);
  p_ += n;
  return s;
}

std::vector<std::string> Reader::strs() {
  const uint32_t n = u32();
  std::vector<std::string> v;
  v.reserve(std::min<uint32_t>(n, 1u << 16));
  for (uint32_t i = 0; i < n; ++i) v.push_back(str());
  return v;
}

std::vector<double> Reader::doubles() {
  const uint32_t n = u32();
  if (static_cast<size_t>(end_ - p_) / sizeof(double) < n)
    throw Error("ngspice worker protocol: truncated vector");
  std::vector<double> v(n);
  raw(v.data(), n * sizeof(double));
  return v;
}

void put(Writer& w, const Job& job) {
  w.str(job.name);
  w.str(job.netlist);
  w.strs(job.commands);
  w.strs(job.vectors);
  w.strs(job.measures);
  w.f64(job.timeout_s);
  w.u64(job.seed);
  w.u8(job.convergence_aids ? 1 : 0);
}

void get(Reader& r, Job& job) {
  job.name = r.str();
  job.netlist = r.str();
  job.commands = r.strs();
  job.vectors = r.strs();
  job.measures = r.strs();
  job.timeout_s = r.f64();
  job.seed = r.u64();
  job.convergence_aids = r.u8() != 0;
}

void put(Writer& w, const JobResult& res) {
  w.u8(static_cast<uint8_t>(res.status));
  w.str(res.name);
  w.str(res.message);
  w.strs(res.stderr_lines);
  w.u32(static_cast<uint32_t>(res.vectors.size()));
  for (const auto& [k, v] : res.vectors) {
    w.str(k);
    w.doubles(v);
  }
  w.i64(res.attempts);
  w.str(res.aid);
  w.strs(res.aids_tried);
  w.f64(res.wall_s);
  w.f64(res.sim_s);
  w.i64(res.worker_pid);
  w.i64(res.worker_rss_kB);
}

void get(Reader& r, JobResult& res) {
  const uint8_t s = r.u8();
  if (s > static_cast<uint8_t>(Status::timeout)) throw Error("ngspice worker protocol: bad status");
  res.status = static_cast<Status>(s);
  res.name = r.str();
  res.message = r.str();
  res.stderr_lines = r.strs();
  const uint32_t n = r.u32();
  res.vectors.clear();
  for (uint32_t i = 0; i < n; ++i) {
    std::string k = r.str();
    res.vectors[k] = r.doubles();
  }
  res.attempts = static_cast<int>(r.i64());
  res.aid = r.str();
  res.aids_tried = r.strs();
  res.wall_s = r.f64();
  res.sim_s = r.f64();
  res.worker_pid = static_cast<int>(r.i64());
  res.worker_rss_kB = r.i64();
}

void put(Writer& w, const NgspiceInfo& info) {
  w.str(info.version);
  w.u8(info.klu ? 1 : 0);
  w.str(info.library);
  w.str(info.build_date);
}

void get(Reader& r, NgspiceInfo& info) {
  info.version = r.str();
  info.klu = r.u8() != 0;
  info.library = r.str();
  info.build_date = r.str();
}

bool write_frame(int fd, char type, const std::string& payload) {
  std::string frame;
  const uint32_t len = static_cast<uint32_t>(payload.size() + 1);
  frame.append(reinterpret_cast<const char*>(&len), sizeof len);
  frame.push_back(type);
  frame.append(payload);
  size_t off = 0;
  while (off < frame.size()) {
    const ssize_t n = ::send(fd, frame.data() + off, frame.size() - off, MSG_NOSIGNAL);
    if (n > 0) {
      off += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, -1) < 0 && errno != EINTR) return false;
      if (p.revents & (POLLERR | POLLHUP | POLLNVAL)) return false;
    } else {
      return false;
    }
  }
  return true;
}

namespace {
bool read_all(int fd, char* out, size_t n) {
  size_t off = 0;
  while (off < n) {
    const ssize_t k = ::read(fd, out + off, n - off);
    if (k > 0) {
      off += static_cast<size_t>(k);
    } else if (k < 0 && errno == EINTR) {
      continue;
    } else {
      return false;
    }
  }
  return true;
}
}  // namespace

bool read_frame(int fd, char& type, std::string& payload) {
  uint32_t len = 0;
  if (!read_all(fd, reinterpret_cast<char*>(&len), sizeof len)) return false;
  if (len == 0 || len > kMaxFrame) return false;
  std::string body(len, '\0');
  if (!read_all(fd, body.data(), len)) return false;
  type = body[0];
  payload.assign(body, 1, std::string::npos);
  return true;
}

bool FrameBuffer::fill(int fd) {
  char chunk[65536];
  for (;;) {
    const ssize_t k = ::read(fd, chunk, sizeof chunk);
    if (k > 0) {
      buf_.append(chunk, static_cast<size_t>(k));
      if (static_cast<size_t>(k) < sizeof chunk) return true;
    } else if (k == 0) {
      return false;
    } else if (errno == EINTR) {
      continue;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return true;
    } else {
      return false;
    }
  }
}

bool FrameBuffer::next(char& type, std::string& payload) {
  uint32_t len = 0;
  if (buf_.size() < sizeof len) return false;
  std::memcpy(&len, buf_.data(), sizeof len);
  if (len == 0 || len > kMaxFrame) throw Error("ngspice worker protocol: bad frame length");
  if (buf_.size() < sizeof len + len) return false;
  type = buf_[sizeof len];
  payload.assign(buf_, sizeof len + 1, len - 1);
  buf_.erase(0, sizeof len + len);
  return true;
}

}  // namespace cimchar::spice::wire
