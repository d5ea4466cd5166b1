#include "core/progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace cimchar {

using clock_type = std::chrono::steady_clock;

Progress::Progress(std::string label, size_t total, bool enabled)
    : label_(std::move(label)),
      total_(total),
      enabled_(enabled),
      tty_(::isatty(STDERR_FILENO) != 0),
      start_(clock_type::now()),
      last_(start_) {}

Progress::~Progress() { finish(); }

void Progress::advance(size_t n) { set(done_ + n); }

void Progress::set(size_t done) {
  done_ = done;
  if (!enabled_) return;
  auto now = clock_type::now();
  const double since_start = std::chrono::duration<double>(now - start_).count();
  const double since_last = std::chrono::duration<double>(now - last_).count();
  if (since_start < 1.0) return;
  if (since_last < (tty_ ? 0.1 : 5.0) && shown_) return;
  last_ = now;
  draw(false);
}

void Progress::draw(bool final) {
  const double el = std::chrono::duration<double>(clock_type::now() - start_).count();
  const double frac = total_ ? static_cast<double>(done_) / static_cast<double>(total_) : 1.0;
  const double eta = frac > 0 ? el / frac - el : 0.0;
  if (tty_) {
    char bar[31];
    const int fill = static_cast<int>(frac * 30);
    for (int i = 0; i < 30; ++i) bar[i] = i < fill ? '#' : '.';
    bar[30] = 0;
    std::fprintf(stderr, "\r%s [%s] %zu/%zu  %.1fs elapsed%s", label_.c_str(), bar, done_,
                 total_, el, final ? "\n" : "");
    if (!final) std::fprintf(stderr, ", ~%.0fs left ", eta);
  } else {
    std::fprintf(stderr, "%s: %zu/%zu done, %.1fs elapsed%s\n", label_.c_str(), done_, total_,
                 el, final ? "" : (", ~" + std::to_string(static_cast<int>(eta)) + "s left").c_str());
  }
  std::fflush(stderr);
  shown_ = true;
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  if (enabled_ && shown_) draw(true);
}

}  // namespace cimchar
