// Progress on stderr for long runs: silent for the first second, then a bar (on a terminal)
// or a line every few seconds (in a log), always with done/total and an ETA.
#pragma once

#include <chrono>
#include <string>

namespace cimchar {

class Progress {
 public:
  Progress(std::string label, size_t total, bool enabled = true);
  ~Progress();
  void advance(size_t n = 1);
  void set(size_t done);
  void finish();

 private:
  void draw(bool final);
  std::string label_;
  size_t total_, done_ = 0;
  bool enabled_, tty_, shown_ = false, finished_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace cimchar
