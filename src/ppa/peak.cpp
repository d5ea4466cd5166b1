// Chip card and peak figures (peak.hpp).
#include "ppa/peak.hpp"

#include <cmath>
#include <cstdio>

#include "core/config.hpp"
#include "core/error.hpp"
#include "ppa/components.hpp"

namespace cimchar::ppa {

namespace {

const Range kCount{1, 1e9};
const Range kPositive{1e-300, 1e300};

// [<level>.units.<name>] tables: power, area_mm2 and an optional share (1 when absent).
std::vector<ChipUnit> read_units(Section& level) {
  std::vector<ChipUnit> out;
  if (!level.has("units")) return out;
  Section units = level.sub("units");
  for (const auto& name : units.keys()) {
    Section s = units.sub(name);
    ChipUnit u;
    u.name = name;
    u.power_W = cited_field(s, "power", "W");
    u.area_mm2 = cited_field(s, "area_mm2", "");
    u.share = s.has("share") ? cited_field(s, "share", "", {1e-6, 1})
                             : Cited{1, "one per " + level.path("units")};
    s.finish();
    out.push_back(u);
  }
  units.finish();
  return out;
}

void read_structure(Section& root, ChipCard& c) {
  {
    Section s = root.sub("crossbar");
    c.rows = cited_field(s, "rows", "", kCount);
    c.cols = cited_field(s, "cols", "", kCount);
    c.bits_per_cell = cited_field(s, "bits_per_cell", "", {1, 16});
    c.read_energy_J = cited_field(s, "read_energy", "J");
    c.array_area_mm2 = cited_field(s, "area_mm2", "", kPositive);
    s.finish();
  }
  {
    Section s = root.sub("operands");
    c.weight_bits = cited_field(s, "weight_bits", "", {1, 64});
    c.input_bits = cited_field(s, "input_bits", "", {1, 64});
    c.dac_bits = cited_field(s, "dac_bits", "", {1, 16});
    s.finish();
  }
  if (std::fmod(c.weight_bits.value, c.bits_per_cell.value) != 0)
    throw ConfigError(c.file + ": operands.weight_bits = " + std::to_string(c.weight_bits.value) +
                      " is not a whole number of crossbar.bits_per_cell cells");
}

}  // namespace

ChipCard load_chip_card(const std::filesystem::path& path) {
  const TomlDoc doc = TomlDoc::parse_file(path);
  Section root(doc.root, doc.file, "");
  ChipCard c;
  c.file = doc.file;
  {
    Section s = root.sub("card");
    c.name = s.require_string("name");
    s.finish();
  }
  read_structure(root, c);
  {
    Section s = root.sub("pe");
    c.pe_crossbars = cited_field(s, "crossbars", "", kCount);
    c.pe_adcs = cited_field(s, "adcs", "", kCount);
    c.adc_bits = cited_field(s, "adc_bits", "", {1, 16});
    c.pe_units = read_units(s);
    s.finish();
  }
  {
    Section s = root.sub("tile");
    c.tile_pes = cited_field(s, "pes", "", kCount);
    c.tile_units = read_units(s);
    s.finish();
  }
  {
    Section s = root.sub("chip");
    c.chip_tiles = cited_field(s, "tiles", "", kCount);
    c.chip_units = read_units(s);
    s.finish();
  }
  {
    Section s = root.sub("published");
    c.published_ops_per_s_mm2 = cited_field(s, "ops_per_s_per_mm2", "", kPositive);
    c.published_ops_per_J = cited_field(s, "ops_per_J", "", kPositive);
    c.published_power_W = cited_field(s, "power", "W", kPositive);
    c.published_area_mm2 = cited_field(s, "area_mm2", "", kPositive);
    s.finish();
  }
  root.finish();
  return c;
}

namespace {

void add_units(const std::vector<ChipUnit>& units, double instances, PeakFigures& p) {
  for (const auto& u : units) {
    p.p_units_W += instances * u.share.value * u.power_W.value;
    p.a_units_mm2 += instances * u.share.value * u.area_mm2.value;
  }
}

}  // namespace

PeakFigures peak_of(const ChipCard& c, const TechCard& t) {
  PeakFigures p;
  const double tiles = c.chip_tiles.value, pes = tiles * c.tile_pes.value;
  p.arrays = pes * c.pe_crossbars.value;
  const Figure adc = adc_figure(t, Luts{}, static_cast<int>(c.adc_bits.value));
  p.read_cycle_s = read_cycle_s(t.t_read_s.value, c.cols.value, c.columns_per_adc(), adc.delay_s);
  const double weights = c.rows.value * c.cols.value / (c.weight_bits.value / c.bits_per_cell.value);
  const double reads = std::ceil(c.input_bits.value / c.dac_bits.value);
  p.ops_per_array_s = 2 * weights / (reads * p.read_cycle_s);
  p.ops_per_s = p.arrays * p.ops_per_array_s;

  // Every read: each column converted once, each row driven dac_bits times, the array's current.
  const double reads_per_s = p.arrays / p.read_cycle_s;
  p.p_adc_W = reads_per_s * c.cols.value * adc.energy_J;
  p.p_dac_W = dac_energy_J(reads_per_s, c.rows.value, static_cast<int>(c.dac_bits.value),
                           t.e_dac_row_J.value);
  p.p_array_W = reads_per_s * c.read_energy_J.value;
  add_units(c.pe_units, pes, p);
  add_units(c.tile_units, tiles, p);
  add_units(c.chip_units, 1, p);
  p.power_W = p.p_adc_W + p.p_dac_W + p.p_array_W + p.p_units_W;

  p.a_arrays_mm2 = p.arrays * c.array_area_mm2.value;
  p.a_adc_mm2 = pes * c.pe_adcs.value * t.adc_area_mm2.value;
  p.a_dac_mm2 = p.arrays * c.rows.value * t.dac_area_mm2.value;
  p.area_mm2 = p.a_arrays_mm2 + p.a_adc_mm2 + p.a_dac_mm2 + p.a_units_mm2;
  p.ops_per_s_mm2 = p.ops_per_s / p.area_mm2;
  p.ops_per_J = p.ops_per_s / p.power_W;
  return p;
}

namespace {

std::string line(const char* fmt, double a, double b = 0, double c = 0) {
  char buf[160];
  std::snprintf(buf, sizeof buf, fmt, a, b, c);
  return buf;
}

}  // namespace

std::string peak_table(const ChipCard& c, const TechCard& t, const PeakFigures& p) {
  std::string s = "peak figures of " + c.name + " (" + c.file + ", " + t.file + ")\n";
  s += line("  arrays %.0f, read cycle %.2f ns, %.4g GOPS per array\n", p.arrays,
            p.read_cycle_s * 1e9, p.ops_per_array_s * 1e-9);
  s += line("  power %.2f W: ADC %.2f W, DAC %.2f W", p.power_W, p.p_adc_W, p.p_dac_W);
  s += line(", arrays %.2f W, units %.2f W\n", p.p_array_W, p.p_units_W);
  s += line("  area %.2f mm^2: arrays %.3f, ADC %.3f", p.area_mm2, p.a_arrays_mm2, p.a_adc_mm2);
  s += line(", DAC %.3f, units %.3f mm^2\n", p.a_dac_mm2, p.a_units_mm2);
  const double pub_ce = c.published_ops_per_s_mm2.value, pub_pe = c.published_ops_per_J.value;
  s += "  figure            model    published  model/published\n";
  s += line("  GOPS/s/mm^2  %9.2f  %9.2f  %6.3f\n", p.ops_per_s_mm2 * 1e-9, pub_ce * 1e-9,
            p.ops_per_s_mm2 / pub_ce);
  s += line("  GOPS/W       %9.2f  %9.2f  %6.3f\n", p.ops_per_J * 1e-9, pub_pe * 1e-9,
            p.ops_per_J / pub_pe);
  s += line("  power W      %9.2f  %9.2f  %6.3f\n", p.power_W, c.published_power_W.value,
            p.power_W / c.published_power_W.value);
  s += line("  area mm^2    %9.2f  %9.2f  %6.3f\n", p.area_mm2, c.published_area_mm2.value,
            p.area_mm2 / c.published_area_mm2.value);
  s += "  published: " + c.published_ops_per_s_mm2.source + "; " + c.published_ops_per_J.source +
       "\n";
  return s;
}

}  // namespace cimchar::ppa
