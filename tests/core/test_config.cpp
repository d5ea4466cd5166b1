#include <gtest/gtest.h>

#include "core/config.hpp"
#include "core/error.hpp"

using namespace cimchar;

TEST(Config, MalformedTomlNamesFileAndLine) {
  try {
    TomlDoc::parse_string("a = 1\nb = [1, 2\n", "flow.toml");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.file(), "flow.toml");
    EXPECT_GE(e.line(), 2);
  }
}

TEST(Config, UnknownKeyNamesKeyAndLine) {
  auto d = TomlDoc::parse_string("[cell]\nv_max = \"1.5 V\"\nv_mx = 2\n", "f.toml");
  Section root(d.root, d.file, "");
  Section cell = root.sub("cell");
  EXPECT_DOUBLE_EQ(cell.get_double("v_max", 1.0, "V"), 1.5);
  try {
    cell.finish();
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "cell.v_mx");
    EXPECT_EQ(e.line(), 3);
  }
}

TEST(Config, RangeAndUnitChecked) {
  auto d = TomlDoc::parse_string("r = -5\nt = \"3 V\"\nn = 2.5\n", "f.toml");
  Section s(d.root, d.file, "");
  EXPECT_THROW(s.get_double("r", 0, "ohm", {0, 1e9}), ConfigError);
  EXPECT_THROW(s.get_double("t", 0, "s"), ConfigError);
  EXPECT_THROW(s.get_int("n", 0, 0, 10), ConfigError);
  EXPECT_DOUBLE_EQ(s.get_double("absent", 7.0, "s"), 7.0);
}
