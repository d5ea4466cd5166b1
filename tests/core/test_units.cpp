#include <gtest/gtest.h>

#include "core/units.hpp"

using cimchar::parse_quantity;

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
