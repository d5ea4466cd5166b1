// What every output file records about how it was made (docs/results-format.md).
#pragma once

#include <cstdint>
#include <string>

namespace cimchar {

class H5Writer;

// Version of the layout of cimchar's files (docs/results-format.md), a root attribute of every
// file and an attribute of every LUT record group; bumped when a layout changes incompatibly.
// Readers accept files up to their own version.
inline constexpr int64_t kFormatVersion = 1;

struct Provenance {
  std::string config_text;      // the flow's TOML text, verbatim
  uint64_t seed = 0;
  std::string ngspice_version;  // "" when the stage ran no ngspice
};

const char* cimchar_version();
const char* cimchar_git_hash();
std::string iso8601_now();  // UTC, e.g. 2026-11-22T16:20:00Z

// Root attributes: format_version, cimchar_version, git_hash, ngspice_version, config, seed,
// created.
void write_provenance(H5Writer& out, const Provenance& p);

}  // namespace cimchar
