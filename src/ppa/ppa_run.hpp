// `cimchar ppa`: roll up one or more attention runs against a technology card (and optionally a
// GPU card and the characterization LUTs), print a table and write ppa.h5
// (docs/results-format.md, docs/ppa.md).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "ppa/rollup.hpp"

namespace cimchar::ppa {

struct PpaRequest {
  std::vector<std::filesystem::path> attention;
  std::filesystem::path tech;
  std::filesystem::path arch;  // architecture card (characterization/tech/arch_*.toml)
  std::optional<std::filesystem::path> gpu;
  std::optional<std::filesystem::path> luts;
  std::filesystem::path out;
};

struct PpaSummary {
  std::vector<Result> results;
  std::string table;
};

// ConfigError for a bad card, InputError for a missing or counter-less attention file; nothing
// is written then.
PpaSummary run_ppa(const PpaRequest& req);

}  // namespace cimchar::ppa
