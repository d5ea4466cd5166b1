#include "core/signal_cleanup.hpp"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

namespace cimchar {

namespace {

constexpr int kSlots = 64;
constexpr size_t kPathMax = 1024;

struct Slot {
  std::atomic<int> state{0};  // 0 free, 1 being written, 2 armed
  pid_t owner = 0;
  bool folder = false;
  char path[kPathMax] = {};
};

Slot g_slots[kSlots];  // see the header: signals are process-wide

// Removes the plain files in a folder, then the folder: opendir/readdir are not on POSIX's list
// of async-signal-safe calls, but glibc's do not allocate once the folder is open and nothing
// else runs in a dying process. Best effort only.
void remove_folder(const char* dir) {
  if (DIR* d = ::opendir(dir)) {
    char buf[kPathMax];
    while (const dirent* e = ::readdir(d)) {
      if (e->d_name[0] == '.' && (e->d_name[1] == 0 || (e->d_name[1] == '.' && e->d_name[2] == 0)))
        continue;
      const size_t a = std::strlen(dir), b = std::strlen(e->d_name);
      if (a + b + 2 > sizeof buf) continue;
      std::memcpy(buf, dir, a);
      buf[a] = '/';
      std::memcpy(buf + a + 1, e->d_name, b + 1);
      ::unlink(buf);
    }
    ::closedir(d);
  }
  ::rmdir(dir);
}

extern "C" void on_signal(int sig) {
  const pid_t me = ::getpid();
  for (auto& s : g_slots) {
    if (s.state.load() != 2 || s.owner != me) continue;
    if (s.folder) remove_folder(s.path);
    else ::unlink(s.path);
  }
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

bool process_alive(pid_t pid) { return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM); }

}  // namespace

void install_signal_cleanup() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND;
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction old {};
    ::sigaction(sig, nullptr, &old);
    if (old.sa_handler == SIG_IGN) continue;  // e.g. nohup: leave an ignored signal ignored
    ::sigaction(sig, &sa, nullptr);
  }
}

SignalCleanup::SignalCleanup(const std::filesystem::path& path, bool folder) {
  const std::string p = std::filesystem::absolute(path).string();
  if (p.size() >= kPathMax) return;  // not covered; the destructors still clean up
  for (int i = 0; i < kSlots; ++i) {
    int expected = 0;
    if (!g_slots[i].state.compare_exchange_strong(expected, 1)) continue;
    g_slots[i].owner = ::getpid();
    g_slots[i].folder = folder;
    std::memcpy(g_slots[i].path, p.c_str(), p.size() + 1);
    g_slots[i].state.store(2);
    slot_ = i;
    return;
  }
}

SignalCleanup::~SignalCleanup() {
  if (slot_ >= 0) g_slots[slot_].state.store(0);
}

SignalCleanup& SignalCleanup::operator=(SignalCleanup&& o) noexcept {
  if (this != &o) {
    if (slot_ >= 0) g_slots[slot_].state.store(0);
    slot_ = o.slot_;
    o.slot_ = -1;
  }
  return *this;
}

int remove_stale_temporaries(const std::filesystem::path& dir) {
  std::error_code ec;
  int removed = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    const auto at = name.rfind(".tmp.");
    if (at == std::string::npos || !e.is_regular_file(ec)) continue;
    const std::string digits = name.substr(at + 5);
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    const auto pid = static_cast<pid_t>(std::strtol(digits.c_str(), nullptr, 10));
    if (process_alive(pid)) continue;
    if (std::filesystem::remove(e.path(), ec)) ++removed;
  }
  return removed;
}

}  // namespace cimchar
