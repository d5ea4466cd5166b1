// Progress on stderr for long runs: silent for the first second, then a bar (on a terminal)
// or a line every few seconds (in a log), always with done/total and an ETA. The ETA comes
// from the completed fraction of the work, which a caller whose items differ in cost gives
// with set(done, fraction) (the ngspice pool weighs each job by its expected time, spice/pool.cpp);
// without it, every item counts the same. A line never exceeds the terminal's width (a log's:
// 80 columns).
#pragma once

#include <chrono>
#include <string>

namespace cimchar {

// What one progress line shows.
struct ProgressState {
  std::string label;
  size_t done = 0, total = 0;
  double fraction = 0;  // of the work, in [0, 1]
  double elapsed_s = 0;
  bool final = false;
};

// The text of one line (no carriage return or newline), at most `width` - 1 characters: a
// 30-character bar on a terminal, narrower (then the label shortened) where it does not fit.
std::string progress_line(const ProgressState& s, int width, bool tty);

// Seconds left at a constant rate of work: elapsed (1 - f) / f; 0 before any work is done.
double progress_eta(double fraction, double elapsed_s);

// Columns of the terminal on stderr (TIOCGWINSZ), else $COLUMNS, else 80.
int terminal_width();

class Progress {
 public:
  Progress(std::string label, size_t total, bool enabled = true);
  ~Progress();
  void advance(size_t n = 1);
  void set(size_t done);
  // Items done and the completed fraction of the work, when items differ in cost (clamped to
  // [0, 1]); the fraction sets the bar and the ETA from then on.
  void set(size_t done, double fraction);
  void finish();

 private:
  void maybe_draw();
  void draw(bool final);
  std::string label_;
  size_t total_, done_ = 0;
  double fraction_ = -1;  // < 0: done / total
  bool enabled_, tty_, shown_ = false, finished_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace cimchar
