#include "core/progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace cimchar {

using clock_type = std::chrono::steady_clock;

namespace {

std::string seconds_text(double s) {
  char b[32];
  if (s < 100) std::snprintf(b, sizeof b, "%.1fs", s);
  else if (s < 6000) std::snprintf(b, sizeof b, "%.0fm%02.0fs", std::floor(s / 60), std::fmod(s, 60));
  else std::snprintf(b, sizeof b, "%.1fh", s / 3600);
  return b;
}

std::string shorten(const std::string& s, size_t n) {
  if (s.size() <= n) return s;
  if (n <= 3) return s.substr(0, n);
  return s.substr(0, n - 3) + "...";
}

}  // namespace

double progress_eta(double fraction, double elapsed_s) {
  return fraction > 0 ? elapsed_s * (1 - std::min(fraction, 1.0)) / fraction : 0.0;
}

std::string progress_line(const ProgressState& s, int width, bool tty) {
  const size_t limit = static_cast<size_t>(std::max(width, 20) - 1);
  const double f = std::clamp(s.fraction, 0.0, 1.0);
  auto tail_text = [&](bool words) {
    std::string t = std::to_string(s.done) + "/" + std::to_string(s.total) +
                    (words ? " done, " : " ") + seconds_text(s.elapsed_s) + (words ? " elapsed" : "");
    if (!s.final) t += ", ~" + seconds_text(progress_eta(f, s.elapsed_s)) + " left";
    return t;
  };
  constexpr size_t kMinLabel = 8;
  if (!tty) {  // "label: tail", in words where they fit
    std::string tail = tail_text(true);
    if (tail.size() + 2 + kMinLabel > limit) tail = tail_text(false);
    const size_t room = limit > tail.size() + 2 ? limit - tail.size() - 2 : 0;
    return shorten(shorten(s.label, room) + ": " + tail, limit);
  }
  // "label [bar] tail": the bar gives way first (30 down to 10 characters, then none), then the
  // label is shortened.
  const std::string tail = tail_text(false);
  const size_t avail = limit > tail.size() + 1 ? limit - tail.size() - 1 : 0;  // "label [bar]"
  size_t bar = std::min<size_t>(30, avail > s.label.size() + 3 ? avail - s.label.size() - 3 : 0);
  if (bar < 10) bar = avail >= kMinLabel + 3 + 10 ? 10 : 0;
  const size_t room = bar ? avail - bar - 3 : avail;
  const size_t fill = static_cast<size_t>(f * static_cast<double>(bar));
  std::string line = shorten(s.label, room);
  if (bar) line += " [" + std::string(fill, '#') + std::string(bar - fill, '.') + "]";
  return shorten(line + " " + tail, limit);
}

int terminal_width() {
  winsize w{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &w) == 0 && w.ws_col > 0) return w.ws_col;
  if (const char* c = std::getenv("COLUMNS")) {
    const int n = std::atoi(c);
    if (n > 0) return n;
  }
  return 80;
}

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
  maybe_draw();
}

void Progress::set(size_t done, double fraction) {
  done_ = done;
  fraction_ = std::clamp(fraction, 0.0, 1.0);
  maybe_draw();
}

void Progress::maybe_draw() {
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
  ProgressState s;
  s.label = label_;
  s.done = done_;
  s.total = total_;
  s.fraction = final ? 1.0 : fraction_ >= 0 ? fraction_
               : total_ ? static_cast<double>(done_) / static_cast<double>(total_) : 1.0;
  s.elapsed_s = std::chrono::duration<double>(clock_type::now() - start_).count();
  s.final = final;
  const int width = terminal_width();
  const std::string line = progress_line(s, width, tty_);
  if (tty_) {
    // Overwrite the previous line in place, clearing what a longer one left.
    const size_t clear = static_cast<size_t>(std::max(width, 20) - 1);
    std::fprintf(stderr, "\r%s%s%s", line.c_str(),
                 std::string(clear > line.size() ? clear - line.size() : 0, ' ').c_str(),
                 final ? "\n" : "");
    if (!final) std::fprintf(stderr, "\r%s", line.c_str());
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
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
