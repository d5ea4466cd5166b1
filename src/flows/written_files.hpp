// Every file a run wrote: the output folder is listed (recursively) before the run and after
// it, and each regular file that is new or whose size or modification time changed is reported,
// so files a stage writes beside its <stage>.h5 (attention*.h5, fitted cards, tables) are named
// too. Hidden files (the folder lock) are not outputs.
#pragma once

#include <filesystem>
#include <map>
#include <utility>
#include <vector>

namespace cimchar::flows {

class FolderSnapshot {
 public:
  explicit FolderSnapshot(std::filesystem::path folder);
  // Files new or changed since the snapshot, sorted by path.
  std::vector<std::filesystem::path> changed() const;

 private:
  using Stamp = std::pair<std::uintmax_t, std::filesystem::file_time_type>;
  static std::map<std::filesystem::path, Stamp> list(const std::filesystem::path& folder);
  std::filesystem::path folder_;
  std::map<std::filesystem::path, Stamp> before_;
};

}  // namespace cimchar::flows
