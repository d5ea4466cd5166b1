#include "flows/written_files.hpp"

#include <system_error>

namespace cimchar::flows {

FolderSnapshot::FolderSnapshot(std::filesystem::path folder)
    : folder_(std::move(folder)), before_(list(folder_)) {}

std::map<std::filesystem::path, FolderSnapshot::Stamp> FolderSnapshot::list(
    const std::filesystem::path& folder) {
  std::map<std::filesystem::path, Stamp> out;
  std::error_code ec;
  if (!std::filesystem::is_directory(folder, ec)) return out;
  for (auto it = std::filesystem::recursive_directory_iterator(folder, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!name.empty() && name.front() == '.') {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(ec)) continue;
    out[it->path()] = {it->file_size(ec), it->last_write_time(ec)};
  }
  return out;
}

std::vector<std::filesystem::path> FolderSnapshot::changed() const {
  std::vector<std::filesystem::path> out;
  for (const auto& [path, stamp] : list(folder_)) {
    const auto it = before_.find(path);
    if (it == before_.end() || it->second != stamp) out.push_back(path);
  }
  return out;
}

}  // namespace cimchar::flows
