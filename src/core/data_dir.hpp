// Where cimchar's shipped data lives: device cards, netlist templates, flow files and presets
// (characterization/), models, the report tooling (tools/, python/).
//
// Looked up at run time, in this order:
//  1. $CIMCHAR_DATA, when set (an error if it is not a folder: no silent fallback);
//  2. <folder of the running program>/../share/cimchar, when it holds devices/ (an installed
//     cimchar: `cmake --install` lays out bin/cimchar and share/cimchar/ side by side, so an
//     installed tree can be moved as a whole);
//  3. the source tree this library was built from (a build tree);
//  4. the configured install location (CMAKE_INSTALL_PREFIX/share/cimchar), for programs linked
//     against an installed cimchar whose source tree is gone.
#pragma once

#include <filesystem>
#include <string>

namespace cimchar {

std::filesystem::path data_dir();

// `path` as given when it exists from the working folder (or is absolute), else the same
// relative path under data_dir() when that exists there, else `path` unchanged (the caller
// reports it missing under the name the user wrote).
std::filesystem::path find_data_file(const std::filesystem::path& path);

}  // namespace cimchar
