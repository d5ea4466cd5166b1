#include "core/paths.hpp"

#include <system_error>

#include "core/error.hpp"

namespace cimchar {

namespace {

bool same_file(const std::filesystem::path& a, const std::filesystem::path& b) {
  std::error_code ec;
  if (std::filesystem::exists(a, ec) && std::filesystem::exists(b, ec)) {
    const bool eq = std::filesystem::equivalent(a, b, ec);
    if (!ec) return eq;
  }
  const auto na = std::filesystem::weakly_canonical(std::filesystem::absolute(a), ec);
  const auto nb = std::filesystem::weakly_canonical(std::filesystem::absolute(b), ec);
  return na.lexically_normal() == nb.lexically_normal();
}

}  // namespace

void refuse_output_over_input(const NamedPath& out, const std::vector<NamedPath>& inputs) {
  for (const auto& [what, in] : inputs)
    if (!in.empty() && !out.second.empty() && same_file(out.second, in))
      throw InputError(out.first + " '" + out.second.string() + "' is the same file as " + what +
                       " '" + in.string() + "': the run would overwrite its own input; write to "
                       "another file");
}

void refuse_directory(const NamedPath& file) {
  std::error_code ec;
  if (std::filesystem::is_directory(file.second, ec))
    throw InputError(file.first + " '" + file.second.string() + "' is a directory, not a file" +
                     (file.first == "--out" ? " (end it with / to write the default file inside)"
                                            : ""));
}

std::filesystem::path output_file(const std::string& what, const std::string& out,
                                  const std::string& default_name) {
  if (out.empty() || out.back() != '/') return out;
  std::error_code ec;
  if (!std::filesystem::is_directory(out, ec))
    throw InputError(what + " '" + out + "': no such folder (a trailing / names a folder, which "
                     "must exist; " + default_name + " is written inside it)");
  return std::filesystem::path(out) / default_name;
}

}  // namespace cimchar
