#include "core/config.hpp"

#include <cmath>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "core/suggest.hpp"
#include "core/units.hpp"

namespace cimchar {

TomlDoc TomlDoc::parse_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw ConfigError(path.string(), "", 0, "is a directory, not a TOML file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path.string(), "", 0, "cannot open file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_string(ss.str(), path.string());
}

TomlDoc TomlDoc::parse_string(const std::string& text, const std::string& name) {
  TomlDoc d;
  d.file = name;
  d.text = text;
  try {
    d.root = toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    throw ConfigError(name, "", static_cast<int>(e.source().begin.line),
                      "malformed TOML: " + std::string(e.description()));
  }
  return d;
}

Section::Section(const toml::table& table, std::string file, std::string prefix)
    : table_(&table), file_(std::move(file)), prefix_(std::move(prefix)) {}

std::string Section::path(const std::string& key) const {
  return prefix_.empty() ? key : prefix_ + "." + key;
}

int Section::line_of(const std::string& key) const {
  if (const toml::node* n = table_->get(key)) return static_cast<int>(n->source().begin.line);
  return static_cast<int>(table_->source().begin.line);
}

void Section::fail(const std::string& key, const std::string& what) const {
  throw ConfigError(file_, path(key), line_of(key), what);
}

bool Section::has(const std::string& key) const { return table_->contains(key); }

double Section::to_double(const std::string& key, const toml::node& n, const std::string& unit,
                          Range r) const {
  double v = 0;
  if (auto d = n.value<double>()) {
    v = *d;
  } else if (auto s = n.value<std::string>()) {
    std::string why;
    auto q = parse_quantity(*s, unit, &why);
    if (!q) fail(key, why);
    v = *q;
  } else {
    fail(key, "expected a number" + (unit.empty() ? "" : " in " + unit + " or a string with a unit"));
  }
  if (!std::isfinite(v)) fail(key, "value is not finite");
  if (v < r.min || v > r.max) {
    fail(key, "value " + format_quantity(v, unit) + " is outside the allowed range [" +
                  format_quantity(r.min, unit) + ", " + format_quantity(r.max, unit) + "]");
  }
  return v;
}

double Section::get_double(const std::string& key, double def, const std::string& unit, Range r) {
  used_.insert(key);
  const toml::node* n = table_->get(key);
  if (!n) return def;
  return to_double(key, *n, unit, r);
}

double Section::require_double(const std::string& key, const std::string& unit, Range r) {
  if (!has(key)) fail(key, "required key is missing");
  return get_double(key, 0.0, unit, r);
}

std::vector<double> Section::get_doubles(const std::string& key, std::vector<double> def,
                                         const std::string& unit, Range r) {
  used_.insert(key);
  const toml::node* n = table_->get(key);
  if (!n) return def;
  std::vector<double> out;
  if (const toml::array* a = n->as_array()) {
    if (a->empty()) fail(key, "list is empty");
    for (const auto& e : *a) out.push_back(to_double(key, e, unit, r));
  } else {
    out.push_back(to_double(key, *n, unit, r));
  }
  return out;
}

int64_t Section::get_int(const std::string& key, int64_t def, int64_t min, int64_t max) {
  used_.insert(key);
  const toml::node* n = table_->get(key);
  if (!n) return def;
  auto v = n->value_exact<int64_t>();
  if (!v) fail(key, "expected an integer");
  if (*v < min || *v > max) {
    fail(key, "value " + std::to_string(*v) + " is outside the allowed range [" +
                  std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return *v;
}

std::vector<int64_t> Section::get_ints(const std::string& key, std::vector<int64_t> def,
                                       int64_t min, int64_t max) {
  used_.insert(key);
  const toml::node* n = table_->get(key);
  if (!n) return def;
  const toml::array* a = n->as_array();
  if (!a) return {get_int(key, 0, min, max)};
  if (a->empty()) fail(key, "list is empty");
  std::vector<int64_t> out;
  for (const auto& e : *a) {
    auto v = e.value_exact<int64_t>();
    if (!v) fail(key, "expected a list of integers");
    if (*v < min || *v > max) {
      fail(key, "value " + std::to_string(*v) + " is outside the allowed range [" +
                    std::to_string(min) + ", " + std::to_string(max) + "]");
    }
    out.push_back(*v);
  }
  return out;
}

bool Section::get_bool(const std::string& key, bool def) {
  used_.insert(key);
  const toml::node* n = table_->get(key);
  if (!n) return def;
  auto v = n->value_exact<bool>();
  if (!v) fail(key, "expected true or false");
  return *v;
}

std::string Section::get_string(const std::string& key, const std::string& def) {
  used_.insert(key);
  const toml::node* n = table_->get(key);
  if (!n) return def;
  auto v = n->value_exact<std::string>();
  if (!v) fail(key, "expected a string");
  return *v;
}

std::string Section::require_string(const std::string& key) {
  if (!has(key)) fail(key, "required key is missing");
  return get_string(key, "");
}

std::string Section::get_choice(const std::string& key, const std::string& def,
                                const std::vector<std::string>& allowed) {
  std::string v = get_string(key, def);
  for (const auto& a : allowed)
    if (a == v) return v;
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  fail(key, "'" + v + "' is not one of: " + list);
}

std::vector<std::string> Section::get_strings(const std::string& key,
                                              std::vector<std::string> def) {
  used_.insert(key);
  const toml::node* n = table_->get(key);
  if (!n) return def;
  std::vector<std::string> out;
  if (auto s = n->value_exact<std::string>()) return {*s};
  const toml::array* a = n->as_array();
  if (!a) fail(key, "expected a string or a list of strings");
  for (const auto& e : *a) {
    auto v = e.value_exact<std::string>();
    if (!v) fail(key, "expected a list of strings");
    out.push_back(*v);
  }
  return out;
}

Section Section::sub(const std::string& key) {
  used_.insert(key);
  const toml::node* n = table_->get(key);
  if (!n) {
    Section s(*table_, file_, path(key));
    s.empty_ = std::make_shared<toml::table>();
    s.table_ = s.empty_.get();
    return s;
  }
  const toml::table* t = n->as_table();
  if (!t) fail(key, "expected a table");
  return Section(*t, file_, path(key));
}

std::vector<std::string> Section::keys() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : *table_) out.emplace_back(k.str());
  return out;
}

void Section::finish() const {
  for (const auto& [k, v] : *table_) {
    const std::string key(k.str());
    if (!used_.count(key)) {
      const std::string near =
          closest_name(key, std::vector<std::string>(used_.begin(), used_.end()));
      throw ConfigError(file_, path(key), static_cast<int>(v.source().begin.line),
                        "unknown key" + (near.empty() ? "" : "; did you mean '" + path(near) + "'?") +
                            " (keys and units: docs/flows.md)");
    }
  }
}

}  // namespace cimchar
