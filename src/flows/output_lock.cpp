#include "flows/output_lock.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "core/error.hpp"

namespace cimchar::flows {

namespace {

bool same_file(int fd, const std::filesystem::path& path) {
  struct stat a {}, b {};
  return ::fstat(fd, &a) == 0 && ::stat(path.c_str(), &b) == 0 && a.st_dev == b.st_dev &&
         a.st_ino == b.st_ino;
}

// A POSIX record lock, not flock(): it belongs to this process alone, so the ngspice workers
// forked from it do not inherit it, and a run killed with -9 frees the folder at once even
// while its workers are still being torn down (a flock stayed held by them: found under ASan,
// where a resume right after kill -9 was refused).
bool lock_whole_file(int fd) {
  struct flock l {};
  l.l_type = F_WRLCK;
  l.l_whence = SEEK_SET;
  l.l_start = 0;
  l.l_len = 0;
  return ::fcntl(fd, F_SETLK, &l) == 0;
}

}  // namespace

OutputLock::OutputLock(const std::filesystem::path& folder) : path_(folder / ".cimchar.lock") {
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  if (!std::filesystem::is_directory(folder, ec))
    throw InputError(folder.string() + ": the output folder cannot be created (" +
                     (ec ? ec.message() : std::string("a file of that name exists")) + ")");
  // The holder removes the file when it is done; a run that locked a file which was removed
  // meanwhile tries again on the new one, so two runs never both hold "the" lock.
  for (int attempt = 0; attempt < 100; ++attempt) {
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw IoError("cannot open " + path_.string() + ": " + std::strerror(errno));
    if (!lock_whole_file(fd_)) {
      char buf[32] = {};
      const ssize_t n = ::pread(fd_, buf, sizeof buf - 1, 0);
      const std::string holder = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "?";
      ::close(fd_);
      fd_ = -1;
      throw IoError("another cimchar run (process " + holder + ") is writing to " +
                    folder.string() + "; wait for it or choose another --out");
    }
    if (same_file(fd_, path_)) break;
    ::close(fd_);
    fd_ = -1;
  }
  if (fd_ < 0) throw IoError("cannot lock " + path_.string());
  const std::string me = std::to_string(::getpid());
  if (::ftruncate(fd_, 0) == 0) (void)!::pwrite(fd_, me.data(), me.size(), 0);
}

OutputLock::~OutputLock() {
  if (fd_ < 0) return;
  ::unlink(path_.c_str());  // while still holding it; see the constructor
  ::close(fd_);
}

}  // namespace cimchar::flows
