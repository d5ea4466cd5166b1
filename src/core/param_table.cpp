#include "core/param_table.hpp"

#include <cctype>
#include <cstdio>
#include <cstdlib>

#include "core/data_dir.hpp"
#include "core/config.hpp"
#include "core/error.hpp"
#include "core/h5.hpp"
#include "core/units.hpp"

namespace cimchar {

namespace {

// What ngspice reads as one name: a letter or '_', then letters, digits or '_'.
bool is_spice_identifier(const std::string& s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

}  // namespace

ParamTable ParamTable::load_card(const std::filesystem::path& card) {
  TomlDoc doc = TomlDoc::parse_file(card);
  Section root(doc.root, doc.file, "");
  ParamTable t;
  t.card_path_ = std::filesystem::absolute(card);
  Section model = root.sub("model");
  if (!root.has("model")) root.fail("model", "device card has no [model] table");
  t.model_name_ = model.require_string("name");
  t.subckt_ = model.require_string("subckt");
  if (!is_spice_identifier(t.subckt_)) model.fail("subckt", "'" + t.subckt_ + "' is not a subcircuit name");
  t.description_ = model.get_string("description", "");
  const std::string lib = model.require_string("lib");
  t.lib_path_ = t.card_path_.parent_path() / lib;
  std::error_code ec;  // a name the file system refuses (too long, ...) is just not a file
  if (!std::filesystem::is_regular_file(t.lib_path_, ec))
    model.fail("lib", "library file " + t.lib_path_.string() + " does not exist");
  // The state variable is an instance parameter of the subcircuit (`<state>=value`).
  t.state_name_ = model.require_string("state");
  if (!is_spice_identifier(t.state_name_))
    model.fail("state", "'" + t.state_name_ + "' is not a parameter name of the subcircuit");
  const std::string state_unit = t.state_unit_ = model.get_string("state_unit", "");
  t.pins_ = model.get_strings("pins", {});
  if (model.has("state_min") || model.has("state_max")) {
    t.state_min_ = model.require_double("state_min", state_unit);
    t.state_max_ = model.require_double("state_max", state_unit);
    if (!(t.state_min_ < t.state_max_)) model.fail("state_max", "must be larger than state_min");
  }
  const std::string lrs = model.get_string("lrs", "max");
  if (lrs != "min" && lrs != "max")
    model.fail("lrs", "'" + lrs + "': the conductive end of the state range is \"min\" or \"max\"");
  t.lrs_at_max_ = lrs == "max";
  t.rram_card_ = model.get_string("rram", "");
  t.transistor_ = model.get_string("transistor", "");
  t.static_subckt_ = model.get_string("static_subckt", "");
  if (!t.static_subckt_.empty() && !is_spice_identifier(t.static_subckt_))
    model.fail("static_subckt", "'" + t.static_subckt_ + "' is not a subcircuit name");
  model.finish();

  if (!root.has("params")) root.fail("params", "device card has no [params] tables");
  Section params = root.sub("params");
  for (const auto& name : params.keys()) {
    if (!is_spice_identifier(name))
      params.fail(name, "parameter name '" + name + "' is not a netlist identifier (a letter or _ "
                  "then letters, digits or _): it is written into the netlist as " + name + "=value");
    Section p = params.sub(name);
    ParamSpec s;
    s.name = name;
    s.unit = p.get_string("unit", "");
    s.min = p.require_double("min", s.unit);
    s.max = p.require_double("max", s.unit);
    if (s.min > s.max) p.fail("min", "min is larger than max");
    s.default_value = p.require_double("default", s.unit, {s.min, s.max});
    s.description = p.require_string("description");
    s.source = p.require_string("source");
    p.finish();
    t.values_[name] = s.default_value;
    t.specs_.push_back(std::move(s));
  }
  // [variation]: the device's variation models, read by device::VariationParams::read_card.
  if (root.has("variation")) root.mark_used("variation");
  root.finish();
  return t;
}

double ParamTable::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end())
    throw ConfigError(card_path_.string(), "params." + name, 0, "the device card lacks this parameter");
  return it->second;
}

void ParamTable::set(const std::string& name, double value, const std::string& origin) {
  for (const auto& s : specs_) {
    if (s.name != name) continue;
    if (!(value >= s.min && value <= s.max)) {
      throw ConfigError(origin.empty() ? card_path_.string() : origin, name, 0,
                        "value " + format_quantity(value, s.unit) + " is outside [" +
                            format_quantity(s.min, s.unit) + ", " +
                            format_quantity(s.max, s.unit) + "]");
    }
    values_[name] = value;
    return;
  }
  throw ConfigError(origin.empty() ? card_path_.string() : origin, name, 0,
                    "model '" + model_name_ + "' has no parameter '" + name + "'");
}

void ParamTable::apply(Section& overrides) {
  for (const auto& name : overrides.keys()) {
    const ParamSpec* spec = nullptr;
    for (const auto& s : specs_)
      if (s.name == name) spec = &s;
    if (!spec) overrides.fail(name, "model '" + model_name_ + "' has no parameter '" + name + "'");
    values_[name] = overrides.get_double(name, 0, spec->unit, {spec->min, spec->max});
  }
  overrides.finish();
}

std::string ParamTable::render_params(const std::string& prefix) const {
  std::string out;
  char buf[128];
  for (const auto& s : specs_) {
    std::snprintf(buf, sizeof buf, ".param %s%s=%.17g\n", prefix.c_str(), s.name.c_str(),
                  values_.at(s.name));
    out += buf;
  }
  return out;
}

std::string ParamTable::render_instance_params() const {
  std::string out;
  char buf[128];
  for (const auto& s : specs_) {
    std::snprintf(buf, sizeof buf, "%s%s=%.17g", out.empty() ? "" : " ", s.name.c_str(),
                  values_.at(s.name));
    out += buf;
  }
  return out;
}

void ParamTable::write_attrs(H5Writer& out, const std::string& obj_path) const {
  out.attr(obj_path, "model", model_name_);
  out.attr(obj_path, "card", card_path_.filename().string());
  for (const auto& s : specs_) {
    out.attr(obj_path, s.name, values_.at(s.name));
    out.attr(obj_path, s.name + "_unit", s.unit.empty() ? std::string("1") : s.unit);
  }
}

std::filesystem::path devices_dir() {
  if (const char* env = std::getenv("CIMCHAR_DEVICES")) return env;
  return data_dir() / "devices";
}

std::filesystem::path netlists_dir() {
  if (const char* env = std::getenv("CIMCHAR_NETLISTS")) return env;
  return data_dir() / "netlists";
}

std::filesystem::path find_netlist(const std::string& name) {
  std::error_code ec;
  auto p = netlists_dir() / name;
  if (std::filesystem::is_regular_file(p, ec)) return p;
  throw ConfigError(p.string(), "", 0,
                    "netlist template not found (set CIMCHAR_NETLISTS to the netlists folder)");
}

std::filesystem::path find_device_card(const std::string& name_or_path) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(name_or_path, ec)) return name_or_path;
  auto p = devices_dir() / (name_or_path + ".toml");
  if (std::filesystem::is_regular_file(p, ec)) return p;
  throw ConfigError(name_or_path, "", 0,
                    "no device card: neither a file nor " + p.string() + " exists");
}

}  // namespace cimchar
