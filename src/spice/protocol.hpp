// The pool's wire format between the parent and its worker processes, over a Unix stream
// socket pair. A frame is a 4-byte payload length (host byte order: both ends are the same
// executable on the same machine), one type byte, then the payload. Strings are a 4-byte length
// and the bytes; doubles are their 8 raw bytes. Frame types:
//   parent -> worker  'J' a Job
//   worker -> parent  'H' hello after start-up: ok flag, error text, NgspiceInfo
//                     'R' a JobResult, the worker's RSS, and whether the worker is exiting
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "spice/pool.hpp"

namespace cimchar::spice::wire {

class Writer {
 public:
  void u8(uint8_t v) { buf_.push_back(static_cast<char>(v)); }
  void u32(uint32_t v) { raw(&v, sizeof v); }
  void u64(uint64_t v) { raw(&v, sizeof v); }
  void i64(int64_t v) { raw(&v, sizeof v); }
  void f64(double v) { raw(&v, sizeof v); }
  void str(const std::string& s);
  void strs(const std::vector<std::string>& v);
  void doubles(const std::vector<double>& v);
  const std::string& data() const { return buf_; }

 private:
  void raw(const void* p, size_t n) { buf_.append(static_cast<const char*>(p), n); }
  std::string buf_;
};

// Reads what Writer wrote; throws cimchar::Error on a truncated or malformed payload.
class Reader {
 public:
  explicit Reader(const std::string& s) : p_(s.data()), end_(s.data() + s.size()) {}
  uint8_t u8();
  uint32_t u32();
  uint64_t u64();
  int64_t i64();
  double f64();
  std::string str();
  std::vector<std::string> strs();
  std::vector<double> doubles();

 private:
  void raw(void* out, size_t n);
  const char* p_;
  const char* end_;
};

void put(Writer& w, const Job& job);
void get(Reader& r, Job& job);
void put(Writer& w, const JobResult& res);
void get(Reader& r, JobResult& res);
void put(Writer& w, const NgspiceInfo& info);
void get(Reader& r, NgspiceInfo& info);

// Writes a whole frame; false when the other end is gone (EPIPE, ECONNRESET). Works on blocking
// and non-blocking sockets (waits with poll() when the socket buffer is full). Never raises
// SIGPIPE.
bool write_frame(int fd, char type, const std::string& payload);

// Blocking read of one frame (worker side); false on end of file or error.
bool read_frame(int fd, char& type, std::string& payload);

// Incremental frame assembly for the parent's non-blocking reads.
class FrameBuffer {
 public:
  // Reads what is available on `fd`; false on end of file or a read error.
  bool fill(int fd);
  // Takes the next complete frame out of the buffer.
  bool next(char& type, std::string& payload);
  void clear() { buf_.clear(); }

 private:
  std::string buf_;
};

}  // namespace cimchar::spice::wire
