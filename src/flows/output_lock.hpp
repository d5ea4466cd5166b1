// One run at a time per output folder. Two runs writing the same folder used to truncate each
// other's journals, and a later --resume mixed samples of both. OutputLock holds an exclusive
// POSIX record lock (fcntl F_SETLK, owned by this process and not inherited by the forked ngspice
// workers) on <folder>/.cimchar.lock for its lifetime (released by the kernel when the process
// dies, kill -9 included, so a stale lock cannot block the next run; the file itself is removed on a
// normal exit); a second run fails at once with a message naming the folder and the holder.
#pragma once

#include <filesystem>

namespace cimchar::flows {

class OutputLock {
 public:
  explicit OutputLock(const std::filesystem::path& folder);  // IoError when held elsewhere
  ~OutputLock();
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

}  // namespace cimchar::flows
