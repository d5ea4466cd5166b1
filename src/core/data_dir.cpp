#include "core/data_dir.hpp"

#include <unistd.h>

#include <cstdlib>

#include "core/build_info.hpp"
#include "core/error.hpp"

namespace cimchar {

namespace {
std::filesystem::path program_dir() {
  char self[4096];
  const ssize_t len = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (len <= 0) return {};
  self[len] = '\0';
  return std::filesystem::path(self).parent_path();
}

bool holds_data(const std::filesystem::path& dir) {
  std::error_code ec;
  return !dir.empty() && std::filesystem::is_directory(dir / "devices", ec);
}
}  // namespace

std::filesystem::path data_dir() {
  if (const char* env = std::getenv("CIMCHAR_DATA"); env && *env) {
    std::error_code ec;
    if (!std::filesystem::is_directory(env, ec))
      throw InputError(std::string("CIMCHAR_DATA: '") + env + "' is not a folder");
    return env;
  }
  const auto installed = program_dir() / ".." / "share" / "cimchar";
  if (holds_data(installed)) return installed.lexically_normal();
  const std::filesystem::path source(CIMCHAR_SOURCE_DIR_STRING);
  if (holds_data(source)) return source;
  return CIMCHAR_INSTALL_DATA_DIR_STRING;
}

std::filesystem::path find_data_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (path.empty() || path.is_absolute() || std::filesystem::exists(path, ec)) return path;
  const auto shipped = data_dir() / path;
  if (std::filesystem::exists(shipped, ec)) return shipped;
  return path;
}

}  // namespace cimchar
