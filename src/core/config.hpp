// TOML input at the edge: flows and device cards. A Section reads one table, converts values
// with their units, checks ranges, and at finish() rejects any key it was not asked for, so a
// misspelt key is an error that names the file, the key and the line.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace cimchar {

// A parsed TOML document with its file name and original text (kept for provenance).
struct TomlDoc {
  std::string file;
  std::string text;
  toml::table root;

  static TomlDoc parse_file(const std::filesystem::path& path);  // ConfigError on failure
  static TomlDoc parse_string(const std::string& text, const std::string& name);
};

struct Range {
  double min = -1e300;
  double max = 1e300;
};

class Section {
 public:
  Section(const toml::table& table, std::string file, std::string prefix);

  bool has(const std::string& key) const;
  // Numbers: a bare number in `unit`, or a string with a unit ("100 ns"). Range-checked.
  double get_double(const std::string& key, double def, const std::string& unit, Range r = {});
  double require_double(const std::string& key, const std::string& unit, Range r = {});
  std::vector<double> get_doubles(const std::string& key, std::vector<double> def,
                                  const std::string& unit, Range r = {});
  int64_t get_int(const std::string& key, int64_t def, int64_t min, int64_t max);
  std::vector<int64_t> get_ints(const std::string& key, std::vector<int64_t> def, int64_t min,
                                int64_t max);
  bool get_bool(const std::string& key, bool def);
  std::string get_string(const std::string& key, const std::string& def);
  std::string require_string(const std::string& key);
  std::string get_choice(const std::string& key, const std::string& def,
                         const std::vector<std::string>& allowed);
  std::vector<std::string> get_strings(const std::string& key, std::vector<std::string> def);
  // A sub-table; absent -> an empty table (all defaults). Marks the key as used.
  Section sub(const std::string& key);
  // Names of sub-tables / keys present (for tables keyed by user-chosen names).
  std::vector<std::string> keys() const;
  void mark_used(const std::string& key) { used_.insert(key); }

  // Throws ConfigError for the first key present but never read.
  void finish() const;

  const std::string& file() const { return file_; }
  std::string path(const std::string& key) const;
  int line_of(const std::string& key) const;
  [[noreturn]] void fail(const std::string& key, const std::string& what) const;

 private:
  double to_double(const std::string& key, const toml::node& n, const std::string& unit,
                   Range r) const;
  const toml::table* table_;
  std::shared_ptr<toml::table> empty_;  // backs sections for absent tables
  std::string file_, prefix_;
  std::set<std::string> used_;
};

}  // namespace cimchar
