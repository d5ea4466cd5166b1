// Parsing of the technology and GPU cards (tech_card.hpp).
#include "ppa/tech_card.hpp"

#include <tuple>

#include "core/config.hpp"
#include "core/error.hpp"

namespace cimchar::ppa {

// One { value = ..., source = "..." } field of `s`; ConfigError naming `s.key` when absent.
Cited cited_field(Section& s, const std::string& key, const std::string& unit, Range r) {
  if (!s.has(key)) s.fail(key, "missing field (every card field is { value, source })");
  Section f = s.sub(key);
  Cited c;
  c.value = f.require_double("value", unit, r);
  c.source = f.require_string("source");
  if (c.source.empty()) f.fail("source", "empty source: every number needs a citation");
  f.finish();
  return c;
}

namespace {

Cited field(Section& s, const std::string& key, const std::string& unit, Range r = {0, 1e300}) {
  return cited_field(s, key, unit, r);
}

Range positive() { return {1e-300, 1e300}; }

}  // namespace

double TechCard::cell_area_mm2() const {
  const double f2 = cell_type == "passive" ? area_passive_F2.value : area_1t1r_F2.value;
  const double f_mm = feature_m.value * 1e3;
  return f2 * f_mm * f_mm;
}

double TechCard::r_wire_per_cell_ohm() const {
  return r_wire_ohm_per_um.value * cell_pitch_F.value * feature_m.value * 1e6;
}

double TechCard::e_exp_J() const {
  return exp_poly_degree.value * (e_fp16_mult_J.value + e_fp16_add_J.value);
}

std::vector<std::tuple<std::string, double, std::string, std::string>> TechCard::fields() const {
  return {
      {"card.feature", feature_m.value, "m", feature_m.source},
      {"card.vdd", vdd_V.value, "V", vdd_V.source},
      {"wire.r_per_um_ohm", r_wire_ohm_per_um.value, "ohm/um", r_wire_ohm_per_um.source},
      {"wire.cell_pitch_F", cell_pitch_F.value, "1", cell_pitch_F.source},
      {"cell.area_1t1r_F2", area_1t1r_F2.value, "1", area_1t1r_F2.source},
      {"cell.area_passive_F2", area_passive_F2.value, "1", area_passive_F2.source},
      {"rram.read_pulse", t_read_s.value, "s", t_read_s.source},
      {"rram.write_pulse", t_write_pulse_s.value, "s", t_write_pulse_s.source},
      {"rram.write_pulse_energy", e_write_pulse_J.value, "J", e_write_pulse_J.source},
      {"dac.energy_per_row", e_dac_row_J.value, "J", e_dac_row_J.source},
      {"dac.area_mm2", dac_area_mm2.value, "mm^2", dac_area_mm2.source},
      {"adc.walden_fom", adc_fom_J.value, "J", adc_fom_J.source},
      {"adc.sample_rate", adc_fs_Hz.value, "Hz", adc_fs_Hz.source},
      {"adc.area_mm2", adc_area_mm2.value, "mm^2", adc_area_mm2.source},
      {"sram.energy_per_bit", sram_e_bit_J.value, "J", sram_e_bit_J.source},
      {"sram.area_per_kb_mm2", sram_area_per_kb_mm2.value, "mm^2", sram_area_per_kb_mm2.source},
      {"digital.mac8_energy", e_mac8_J.value, "J", e_mac8_J.source},
      {"digital.add32_energy", e_add32_J.value, "J", e_add32_J.source},
      {"digital.fp16_add_energy", e_fp16_add_J.value, "J", e_fp16_add_J.source},
      {"digital.fp16_mult_energy", e_fp16_mult_J.value, "J", e_fp16_mult_J.source},
      {"digital.exp_poly_degree", exp_poly_degree.value, "", exp_poly_degree.source},
      {"digital.mac8_area_um2", mac8_area_um2.value, "um^2", mac8_area_um2.source},
      {"digital.clock", clock_Hz.value, "Hz", clock_Hz.source},
      {"noc.energy_per_bit_mm", noc_e_bit_mm_J.value, "J", noc_e_bit_mm_J.source},
  };
}

TechCard load_tech_card(const std::filesystem::path& path) {
  const TomlDoc doc = TomlDoc::parse_file(path);
  Section root(doc.root, doc.file, "");
  TechCard t;
  t.file = doc.file;
  {
    Section s = root.sub("card");
    t.name = s.require_string("name");
    t.feature_m = field(s, "feature", "m", positive());
    t.vdd_V = field(s, "vdd", "V", positive());
    s.finish();
  }
  {
    Section s = root.sub("wire");
    t.r_wire_ohm_per_um = field(s, "r_per_um_ohm", "");
    t.cell_pitch_F = field(s, "cell_pitch_F", "", positive());
    s.finish();
  }
  {
    Section s = root.sub("cell");
    t.cell_type = s.get_choice("type", "1t1r", {"1t1r", "passive"});
    t.area_1t1r_F2 = field(s, "area_1t1r_F2", "", positive());
    t.area_passive_F2 = field(s, "area_passive_F2", "", positive());
    s.finish();
  }
  {
    Section s = root.sub("rram");
    t.t_read_s = field(s, "read_pulse", "s", positive());
    t.t_write_pulse_s = field(s, "write_pulse", "s", positive());
    t.e_write_pulse_J = field(s, "write_pulse_energy", "J");
    s.finish();
  }
  {
    Section s = root.sub("dac");
    t.e_dac_row_J = field(s, "energy_per_row", "J");
    t.dac_area_mm2 = field(s, "area_mm2", "");
    s.finish();
  }
  {
    Section s = root.sub("adc");
    t.adc_fom_J = field(s, "walden_fom", "J");
    t.adc_fs_Hz = field(s, "sample_rate", "Hz", positive());
    t.adc_area_mm2 = field(s, "area_mm2", "");
    s.finish();
  }
  {
    Section s = root.sub("sram");
    t.sram_e_bit_J = field(s, "energy_per_bit", "J");
    t.sram_area_per_kb_mm2 = field(s, "area_per_kb_mm2", "");
    s.finish();
  }
  {
    Section s = root.sub("digital");
    t.e_mac8_J = field(s, "mac8_energy", "J");
    t.e_add32_J = field(s, "add32_energy", "J");
    t.e_fp16_add_J = field(s, "fp16_add_energy", "J");
    t.e_fp16_mult_J = field(s, "fp16_mult_energy", "J");
    t.exp_poly_degree = field(s, "exp_poly_degree", "", {0, 64});
    t.mac8_area_um2 = field(s, "mac8_area_um2", "");
    t.clock_Hz = field(s, "clock", "Hz", positive());
    s.finish();
  }
  {
    Section s = root.sub("noc");
    t.noc_e_bit_mm_J = field(s, "energy_per_bit_mm", "J");
    s.finish();
  }
  root.finish();
  return t;
}

std::vector<std::tuple<std::string, double, std::string, std::string>> GpuCard::fields() const {
  std::vector<std::tuple<std::string, double, std::string, std::string>> f = {
      {"gpu.peak_flops", peak_flops.value, "1/s", peak_flops.source},
      {"gpu.vector_flops", vector_flops.value, "1/s", vector_flops.source},
      {"gpu.bandwidth", bandwidth_Bps.value, "B/s", bandwidth_Bps.source},
      {"gpu.board_power", board_power_W.value, "W", board_power_W.source},
      {"gpu.bytes_per_element", bytes_per_element.value, "B", bytes_per_element.source},
      {"gpu.gemm_fraction", gemm_fraction.value, "", gemm_fraction.source},
      {"gpu.vector_fraction", vector_fraction.value, "", vector_fraction.source},
      {"gpu.memory_fraction", memory_fraction.value, "", memory_fraction.source},
  };
  if (launch_interval_s.value > 0)
    f.emplace_back("gpu.launch_interval", launch_interval_s.value, "s", launch_interval_s.source);
  if (measured) f.emplace_back("measured.layer_time", measured->time_s.value, "s", measured->time_s.source);
  return f;
}

namespace {

GpuMeasured measured_entry(Section& s) {
  GpuMeasured m;
  for (const char* k : {"batch", "seq", "d_model", "heads", "d_ff"})
    if (!s.has(k)) s.fail(k, "missing: a measured time needs the shape it was measured at");
  m.time_s = field(s, "layer_time", "s", positive());
  m.batch = static_cast<double>(s.get_int("batch", 0, 1, 1 << 20));
  m.seq = static_cast<double>(s.get_int("seq", 0, 1, 1 << 24));
  m.d_model = static_cast<double>(s.get_int("d_model", 0, 1, 1 << 20));
  m.heads = static_cast<double>(s.get_int("heads", 0, 1, 1 << 12));
  m.d_ff = static_cast<double>(s.get_int("d_ff", 0, 0, 1 << 22));
  s.finish();
  return m;
}

}  // namespace

GpuCard load_gpu_card(const std::filesystem::path& path) {
  const TomlDoc doc = TomlDoc::parse_file(path);
  Section root(doc.root, doc.file, "");
  GpuCard g;
  g.file = doc.file;
  Section s = root.sub("gpu");
  g.name = s.require_string("name");
  g.peak_flops = field(s, "peak_flops", "", positive());
  g.vector_flops = field(s, "vector_flops", "", positive());
  g.bandwidth_Bps = field(s, "bandwidth", "B/s", positive());
  g.board_power_W = field(s, "board_power", "W", positive());
  g.bytes_per_element = field(s, "bytes_per_element", "", positive());
  g.gemm_fraction = field(s, "gemm_fraction", "", {1e-3, 1});
  g.vector_fraction = field(s, "vector_fraction", "", {1e-3, 1});
  g.memory_fraction = field(s, "memory_fraction", "", {1e-3, 1});
  if (s.has("launch_interval")) g.launch_interval_s = field(s, "launch_interval", "s", {0, 1});
  s.finish();
  if (root.has("measured")) {
    Section m = root.sub("measured");
    g.measured = measured_entry(m);
  }
  root.finish();
  return g;
}

}  // namespace cimchar::ppa
