// The byte format of jobs and results on the pipes between the pool and its workers:
// length-prefixed strings and arrays, host byte order (both ends are the same binary).
#pragma once

#include <string>

#include "spice/pool.hpp"

namespace cimchar::spice::wire {

std::string encode(const Job& job);
Job decode_job(const std::string& bytes);
std::string encode(const JobResult& r);
JobResult decode_result(const std::string& bytes);
std::string encode(const NgspiceInfo& info);
NgspiceInfo decode_info(const std::string& bytes);

// Whole-message I/O on a file descriptor: 8-byte length, then the payload. false on EOF/error.
bool write_message(int fd, const std::string& bytes);
bool read_message(int fd, std::string* bytes);

}  // namespace cimchar::spice::wire
