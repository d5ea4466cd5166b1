#include <gtest/gtest.h>

#include "core/units.hpp"

using cimchar::parse_quantity;
using cimchar::spice_number;

TEST(Units, PrefixesScaleToSi) {
  std::string why;
  EXPECT_DOUBLE_EQ(*parse_quantity("100 ns", "s", &why), 100e-9);
  EXPECT_DOUBLE_EQ(*parse_quantity("10 kohm", "ohm", &why), 1e4);
  EXPECT_DOUBLE_EQ(*parse_quantity("2.5uA", "A", &why), 2.5e-6);
  EXPECT_DOUBLE_EQ(*parse_quantity("1.2 V", "V", &why), 1.2);
  EXPECT_DOUBLE_EQ(*parse_quantity("3 mV", "V", &why), 3e-3);
  EXPECT_DOUBLE_EQ(*parse_quantity("0.25 nm", "m", &why), 0.25e-9);
  EXPECT_DOUBLE_EQ(*parse_quantity("4 m", "m", &why), 4.0);
}

TEST(Units, WrongUnitIsRejectedWithReason) {
  std::string why;
  EXPECT_FALSE(parse_quantity("100 ns", "V", &why));
  EXPECT_NE(why.find("'V' is expected"), std::string::npos) << why;
  EXPECT_FALSE(parse_quantity("abc", "V", &why));
  EXPECT_FALSE(parse_quantity("1 kx", "ohm", &why));
}

// SPICE scale factors, case-insensitive, with an optional unit after them. Reference: the
// ngspice manual, Table 2.2 "Ngspice scale factors" (T 1e12, G 1e9, Meg 1e6, K 1e3,
// mil 25.4e-6, m 1e-3, u 1e-6, n 1e-9, p 1e-12, f 1e-15),
// https://nmg.gitlab.io/ngspice-manual/circuitdescription/generalstructureandconventions/somenamingconventions.html
TEST(Units, SpiceSuffixesFollowTheNgspiceTable) {
  std::string why;
  EXPECT_DOUBLE_EQ(*parse_quantity("5k", "ohm", &why), 5e3);
  EXPECT_DOUBLE_EQ(*parse_quantity("5K", "ohm", &why), 5e3);
  EXPECT_DOUBLE_EQ(*parse_quantity("5kohm", "ohm", &why), 5e3);
  EXPECT_DOUBLE_EQ(*parse_quantity("1meg", "ohm", &why), 1e6);
  EXPECT_DOUBLE_EQ(*parse_quantity("1MEG", "", &why), 1e6);
  EXPECT_DOUBLE_EQ(*parse_quantity("1megohm", "ohm", &why), 1e6);
  EXPECT_DOUBLE_EQ(*parse_quantity("10u", "A", &why), 10e-6);
  EXPECT_DOUBLE_EQ(*parse_quantity("100n", "s", &why), 100e-9);
  EXPECT_DOUBLE_EQ(*parse_quantity("3p", "", &why), 3e-12);
  EXPECT_DOUBLE_EQ(*parse_quantity("2f", "F", &why), 2e-15);
  EXPECT_DOUBLE_EQ(*parse_quantity("7m", "V", &why), 7e-3);
  EXPECT_DOUBLE_EQ(*parse_quantity("2g", "", &why), 2e9);
  EXPECT_DOUBLE_EQ(*parse_quantity("1.5T", "", &why), 1.5e12);
  EXPECT_DOUBLE_EQ(*parse_quantity("4mil", "m", &why), 4 * 25.4e-6);
  EXPECT_DOUBLE_EQ(*parse_quantity("1.5V", "V", &why), 1.5);
  EXPECT_DOUBLE_EQ(*parse_quantity("-20m", "V", &why), -20e-3);
  // One table: a netlist number as ngspice reads it (spice_number) scales like the flag.
  for (const char* t : {"5k", "1meg", "10u", "100n", "3p", "2f", "7m", "2g", "1.5T", "4mil"})
    EXPECT_DOUBLE_EQ(spice_number(t), *parse_quantity(t, "", &why)) << t;
}

TEST(Units, SiReadingWinsAndALoneCapitalMIsRefused) {
  std::string why;
  // A string that reads as an SI prefix on the expected unit is SI: "1 Mohm" is a megohm.
  EXPECT_DOUBLE_EQ(*parse_quantity("1 Mohm", "ohm", &why), 1e6);
  EXPECT_DOUBLE_EQ(*parse_quantity("1F", "F", &why), 1.0);
  // SPICE reads a lone M as milli, SI as mega: refused with the way out.
  EXPECT_FALSE(parse_quantity("1M", "ohm", &why));
  EXPECT_NE(why.find("ambiguous"), std::string::npos) << why;
  EXPECT_NE(why.find("meg"), std::string::npos) << why;
  // A suffix followed by another unit than the expected one is an error (SPICE would ignore it).
  EXPECT_FALSE(parse_quantity("5kV", "ohm", &why));
  EXPECT_NE(why.find("'ohm' is expected"), std::string::npos) << why;
  EXPECT_FALSE(parse_quantity("5x", "", &why));
}
