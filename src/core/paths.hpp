// Checks on the files a command is given, before it reads or writes anything.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace cimchar {

// A named input: what the user called it (an option or a key) and its path.
using NamedPath = std::pair<std::string, std::filesystem::path>;

// InputError when the output `out` is the same file as one of the inputs (the run would
// overwrite its own input): same inode when both exist, else the same normalized absolute path.
// `out_what` names the output (e.g. "--out").
void refuse_output_over_input(const NamedPath& out, const std::vector<NamedPath>& inputs);

// InputError when `path` is a directory where a file is expected ("--g: 'x' is a directory").
void refuse_directory(const NamedPath& file);

// The file a single-file command writes (`xbar solve`, `attention`, `sweep`, `ppa`, `report`):
// `out` itself, or <out>/<default_name> when `out` ends in '/' (an existing folder; InputError
// naming `what` otherwise). An existing folder without the slash stays an error of the command
// (refuse_directory), so a mistyped file name never lands inside a folder by surprise.
std::filesystem::path output_file(const std::string& what, const std::string& out,
                                  const std::string& default_name);

}  // namespace cimchar
