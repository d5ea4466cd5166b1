// Peak figures of a chip card (ppa/peak.hpp): a small chip by hand, and ISAAC-CE (Shafiee et
// al., ISCA 2016) with its own configuration against the paper's Table I and Table IV.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "ppa/peak.hpp"

namespace fs = std::filesystem;
using namespace cimchar;
using namespace cimchar::ppa;

namespace {

fs::path card(const std::string& name) {
  return fs::path(CIMCHAR_TEST_SOURCE_DIR) / "characterization" / "tech" / name;
}

std::string cited(const std::string& key, const std::string& value) {
  return key + " = { value = " + value + ", source = \"test\" }\n";
}

// 2 tiles of 1 PE of 2 crossbars of 4 x 4 (2 bits a cell, 4-bit weights, 2-bit inputs through
// 1-bit DACs, one ADC per crossbar); a PE register of 1 mW and 0.01 mm^2, a router of 4 mW and
// 0.1 mm^2 shared by 2 tiles, an I/O block of 10 mW and 1 mm^2.
std::string small_chip(const std::string& weight_bits = "4") {
  return "[card]\nname = \"small\"\n[crossbar]\n" + cited("rows", "4") + cited("cols", "4") +
         cited("bits_per_cell", "2") + cited("read_energy", "\"1 pJ\"") +
         cited("area_mm2", "0.001") + "[operands]\n" + cited("weight_bits", weight_bits) +
         cited("input_bits", "2") + cited("dac_bits", "1") + "[pe]\n" + cited("crossbars", "2") +
         cited("adcs", "2") + cited("adc_bits", "8") + "[pe.units.register]\n" +
         cited("power", "\"1 mW\"") + cited("area_mm2", "0.01") + "[tile]\n" + cited("pes", "1") +
         "[tile.units.router]\n" + cited("power", "\"4 mW\"") + cited("area_mm2", "0.1") +
         cited("share", "0.5") + "[chip]\n" + cited("tiles", "2") + "[chip.units.io]\n" +
         cited("power", "\"10 mW\"") + cited("area_mm2", "1") + "[published]\n" +
         cited("ops_per_s_per_mm2", "1e9") + cited("ops_per_J", "1e9") +
         cited("power", "\"1 W\"") + cited("area_mm2", "1");
}

fs::path write(const std::string& name, const std::string& text) {
  const fs::path p = fs::temp_directory_path() / name;
  std::ofstream(p) << text;
  return p;
}

}  // namespace

// 32 nm card: read 100 ns, ADC 1.2 GS/s at FoM 6.5104 fJ x 2^8 = 1.6667 pJ, DAC 0.39062 pJ a
// row, ADC 0.0012 mm^2, DAC 1.6602e-7 mm^2 a row.
TEST(Peak, SmallChipByHand) {
  const TechCard t = load_tech_card(card("32nm.toml"));
  const PeakFigures p = peak_of(load_chip_card(write("chip_small.toml", small_chip())), t);
  EXPECT_DOUBLE_EQ(p.arrays, 4);
  // 4 columns a read on its own ADC: 4 / 1.2 GHz = 3.3 ns < 100 ns.
  EXPECT_DOUBLE_EQ(p.read_cycle_s, 100e-9);
  // 4 x 4 cells / 2 cells a weight = 8 weights; 2 reads a vector: 2 x 8 / (2 x 100 ns).
  EXPECT_NEAR(p.ops_per_array_s, 8e7, 1e-3);
  EXPECT_NEAR(p.ops_per_s, 3.2e8, 1e-2);
  const double reads_per_s = 4 / 100e-9;
  EXPECT_NEAR(p.p_adc_W, reads_per_s * 4 * 6.5104e-15 * 256, 1e-9);
  EXPECT_NEAR(p.p_dac_W, reads_per_s * 4 * 390.62e-15, 1e-10);
  EXPECT_NEAR(p.p_array_W, reads_per_s * 1e-12, 1e-12);
  EXPECT_NEAR(p.p_units_W, 2 * 1e-3 + 2 * 0.5 * 4e-3 + 10e-3, 1e-12);
  EXPECT_NEAR(p.area_mm2, 4 * 0.001 + 4 * 0.0012 + 4 * 4 * 1.6602e-7 + 2 * 0.01 + 0.1 + 1, 1e-9);
  EXPECT_NEAR(p.ops_per_J, p.ops_per_s / p.power_W, 1e-3);
}

TEST(Peak, CardErrorsNameTheField) {
  std::string bad = small_chip();
  bad.erase(bad.find("read_energy"), bad.find('\n', bad.find("read_energy")) - bad.find("read_energy"));
  EXPECT_THROW(load_chip_card(write("chip_bad.toml", bad)), ConfigError);
  try {
    load_chip_card(write("chip_bad.toml", bad));
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("crossbar.read_energy"), std::string::npos) << e.what();
  }
  // 3-bit weights are not a whole number of 2-bit cells.
  EXPECT_THROW(load_chip_card(write("chip_bad.toml", small_chip("3"))), ConfigError);
}

// ISAAC-CE with its own configuration: the paper's peak CE 478.95 GOPS/s/mm^2 and PE 627.5
// GOPS/W (Table IV) within 15 %, the chip's area (Table I, 85.4 mm^2) from its parts, and the
// ADCs at their full rate drawing Table I's 16 mW an IMA.
TEST(Peak, IsaacCeWithinFifteenPercentOfTheirTableIV) {
  const ChipCard c = load_chip_card(card("chip_isaac_ce.toml"));
  const TechCard t = load_tech_card(card("32nm.toml"));
  const PeakFigures p = peak_of(c, t);
  EXPECT_DOUBLE_EQ(p.arrays, 168 * 12 * 8);
  EXPECT_NEAR(p.ops_per_s_mm2 / 478.95e9, 1, 0.15);
  EXPECT_NEAR(p.ops_per_J / 627.5e9, 1, 0.15);
  EXPECT_NEAR(p.area_mm2 / 85.4, 1, 0.01);
  EXPECT_NEAR(p.p_adc_W / (168 * 12 * 16e-3), 1, 1e-3);
  EXPECT_NEAR(p.power_W / 65.8, 1, 0.15);
  // The measured gap: 128 columns on one 1.2 GS/s ADC (Table I) take 106.7 ns, not the 100 ns
  // read the paper's pipeline runs at (its text's ADC is 1.28 GS/s).
  EXPECT_NEAR(p.read_cycle_s, 128 / 1.2e9, 1e-15);
  EXPECT_NEAR(p.ops_per_s_mm2 / 478.95e9, 0.946, 0.005);
}

// With the text's 1.28 GS/s the read cycle is the 100 ns read and CE comes within 1 % of the
// paper: the 5 % gap above is the table's ADC rate, not the model.
TEST(Peak, IsaacCeAtTheTextsAdcRateMatchesCe) {
  const ChipCard c = load_chip_card(card("chip_isaac_ce.toml"));
  TechCard t = load_tech_card(card("32nm.toml"));
  t.adc_fs_Hz.value = 1.28e9;
  const PeakFigures p = peak_of(c, t);
  EXPECT_DOUBLE_EQ(p.read_cycle_s, 100e-9);
  EXPECT_NEAR(p.ops_per_s_mm2 / 478.95e9, 1, 0.01);
}
