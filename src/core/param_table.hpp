// One table of a compact model's parameters: name, default, unit, allowed range, description,
// source. The same table parses the TOML card in devices/, validates overrides, renders the
// ngspice `.param` lines and writes the HDF5 attributes, so the three cannot drift apart.
#pragma once

#include <filesystem>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace cimchar {

class H5Writer;
class Section;

struct ParamSpec {
  std::string name, unit, description, source;
  double default_value = 0, min = 0, max = 0;
};

class ParamTable {
 public:
  // Reads devices/<card>.toml: [model] name/subckt/lib/description and [params.<name>] tables.
  static ParamTable load_card(const std::filesystem::path& card);

  const std::string& model_name() const { return model_name_; }
  const std::string& subckt() const { return subckt_; }
  const std::filesystem::path& lib_path() const { return lib_path_; }  // absolute
  const std::filesystem::path& card_path() const { return card_path_; }
  const std::string& description() const { return description_; }
  const std::string& rram_card() const { return rram_card_; }
  // 1T1R: the access transistor's node card (devices/mosfet/, device::mosfet_node), "" if none.
  const std::string& transistor() const { return transistor_; }
  // Subcircuit with the state held as a parameter (DC reads); "" if the model has none.
  const std::string& static_subckt() const { return static_subckt_; }
  // The state's name: the dynamic subcircuit takes `<state>_ini`, the static one `<state>`.
  const std::string& state_name() const { return state_name_; }  // 1T1R: the RRAM's card name
  const std::vector<ParamSpec>& specs() const { return specs_; }
  // The card's pins, in the subcircuit's order ([model] pins; empty when the card names none).
  const std::vector<std::string>& pins() const { return pins_; }
  // The state's range and its conductive end ([model] state_min, state_max, lrs = "min"|"max").
  // Netlist-only devices need them (their read I-V is tabulated over that range); NaN if absent.
  double state_min() const { return state_min_; }
  double state_max() const { return state_max_; }
  bool lrs_at_max() const { return lrs_at_max_; }
  const std::string& state_unit() const { return state_unit_; }
  bool has_state_range() const { return state_min_ == state_min_ && state_max_ == state_max_; }

  bool has(const std::string& name) const { return values_.count(name) > 0; }
  double get(const std::string& name) const;  // Error if the card lacks it
  // Range-checked; throws ConfigError naming `origin` (file or flag) on violation.
  void set(const std::string& name, double value, const std::string& origin = "");
  // Overrides from a flow's table, e.g. [device.params] I0 = "10 uA". Unknown names are errors.
  void apply(Section& overrides);

  // "name=value name=value ..." for a subcircuit instance line, full precision.
  std::string render_instance_params() const;
  // ".param name=value" lines, one per parameter, full precision.
  std::string render_params(const std::string& prefix = "") const;
  // Attributes on obj_path: model, card, and per parameter its value and `<name>_unit`.
  void write_attrs(H5Writer& out, const std::string& obj_path) const;

 private:
  std::string model_name_, subckt_, description_, rram_card_, static_subckt_, state_name_;
  std::string transistor_;
  std::filesystem::path lib_path_, card_path_;
  std::vector<ParamSpec> specs_;
  std::vector<std::string> pins_;
  std::string state_unit_;
  double state_min_ = std::numeric_limits<double>::quiet_NaN();
  double state_max_ = std::numeric_limits<double>::quiet_NaN();
  bool lrs_at_max_ = true;
  std::map<std::string, double> values_;
};

// Finds a device card: an existing path as given, else <devices dir>/<name>.toml. The devices dir
// is $CIMCHAR_DEVICES or the source tree's devices/. ConfigError naming both when absent.
std::filesystem::path find_device_card(const std::string& name_or_path);
std::filesystem::path devices_dir();
// The netlist templates folder: $CIMCHAR_NETLISTS or the source tree's netlists/; find_netlist
// gives <that folder>/<name> or a ConfigError naming the path it looked for.
std::filesystem::path netlists_dir();
std::filesystem::path find_netlist(const std::string& name);

}  // namespace cimchar
