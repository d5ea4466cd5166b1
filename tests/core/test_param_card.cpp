// Device-card names that end up in netlists (found by fuzz/fuzz_netlist.cpp; reproducer
// fuzz/corpus/netlist/crash-empty-parameter-name): a card whose parameter, subcircuit or state
// name is not a netlist identifier, or that names no state, is a ConfigError naming the key,
// not a netlist with "=1.87e-09" in it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "core/error.hpp"
#include "core/param_table.hpp"

using namespace cimchar;
namespace fs = std::filesystem;

namespace {

std::string shipped_card() {
  std::ifstream in(fs::path(CIMCHAR_TEST_SOURCE_DIR) / "devices" / "vteam.toml");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The shipped vteam card with one regex substitution, written next to its .lib.
fs::path edited_card(const std::string& name, const std::string& pattern, const std::string& with) {
  const fs::path dir = fs::temp_directory_path() / "cimchar_param_card";
  fs::create_directories(dir);
  const fs::path lib = dir / "vteam.lib";
  if (!fs::exists(lib)) fs::copy_file(fs::path(CIMCHAR_TEST_SOURCE_DIR) / "devices" / "vteam.lib", lib);
  const std::string text = shipped_card();
  const std::string edited = std::regex_replace(text, std::regex(pattern), with,
                                                std::regex_constants::format_first_only);
  EXPECT_NE(edited, text) << "pattern not found: " << pattern;
  const fs::path p = dir / (name + ".toml");
  std::ofstream(p) << edited;
  return p;
}

std::string config_error(const fs::path& card, std::string* key) {
  try {
    ParamTable::load_card(card);
  } catch (const ConfigError& e) {
    *key = e.key();
    return e.what();
  }
  return "(no ConfigError)";
}

}  // namespace

TEST(ParamCard, TheShippedCardLoads) {
  const auto t = ParamTable::load_card(fs::path(CIMCHAR_TEST_SOURCE_DIR) / "devices" / "vteam.toml");
  EXPECT_EQ(t.state_name(), "w");
  EXPECT_EQ(t.subckt(), "rram_vteam");
}

TEST(ParamCard, NamesThatAreNotNetlistIdentifiersAreRefused) {
  struct Case {
    std::string name, pattern, with, key;
  };
  const std::vector<Case> cases = {
      {"empty_state", "state = \"w\"", "state = \"\"", "model.state"},
      {"no_state", "state = \"w\"\n", "", "model.state"},
      {"state_with_space", "state = \"w\"", "state = \"w x\"", "model.state"},
      {"subckt_with_eq", "subckt = \"rram_vteam\"", "subckt = \"rram=vteam\"", "model.subckt"},
      {"empty_param", "\\[params\\.([A-Za-z_0-9]+)\\]", "[params.\"\"]", "params."},
      {"param_with_dash", "\\[params\\.([A-Za-z_0-9]+)\\]", "[params.\"k-off\"]", "params.k-off"},
  };
  for (const auto& c : cases) {
    std::string key;
    const fs::path p = edited_card(c.name, c.pattern, c.with);
    const std::string msg = config_error(p, &key);
    EXPECT_NE(msg.find(p.string()), std::string::npos) << c.name << ": " << msg;
    EXPECT_EQ(key, c.key) << c.name << ": " << msg;
  }
}

// Found by fuzzing (fuzz/corpus/device_card/crash-lib-name-too-long): a `lib` name longer than
// the file system allows threw std::filesystem_error out of the reader (ENAMETOOLONG); a
// folder given as `lib` was accepted. Both are now ConfigErrors naming model.lib.
TEST(ParamCard, ALibThatIsNoFileIsRefused) {
  for (const std::string lib : {std::string(300, 'x') + ".lib", std::string(".")}) {
    std::string key;
    const fs::path p = edited_card("lib_" + std::to_string(lib.size()), "lib = \"vteam.lib\"",
                                   "lib = \"" + lib + "\"");
    const std::string msg = config_error(p, &key);
    EXPECT_EQ(key, "model.lib") << msg;
    EXPECT_NE(msg.find("does not exist"), std::string::npos) << msg;
  }
}
