// Technology and GPU cards of the PPA roll-up (characterization/tech/*.toml, docs/ppa.md): every
// number is a { value, source } pair, so each figure the roll-up uses carries its citation into
// the output. SI units inside (J, s, Hz, V, ohm); areas in mm^2 where the key says so.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "core/config.hpp"

namespace cimchar::ppa {

struct Cited {
  double value = 0;
  std::string source;
};

struct TechCard {
  std::string file, name;
  Cited feature_m, vdd_V;
  Cited r_wire_ohm_per_um, cell_pitch_F;
  std::string cell_type;  // "1t1r" or "passive"
  Cited area_1t1r_F2, area_passive_F2;
  Cited t_read_s, t_write_pulse_s, e_write_pulse_J;
  Cited e_dac_row_J, dac_area_mm2;
  Cited adc_fom_J, adc_fs_Hz, adc_area_mm2;
  Cited sram_e_bit_J, sram_area_per_kb_mm2;
  Cited e_mac8_J, e_add32_J, e_fp16_add_J, e_fp16_mult_J, exp_poly_degree, mac8_area_um2,
      clock_Hz;
  Cited noc_e_bit_mm_J;

  // Derived figures (docs/ppa.md).
  double cell_area_mm2() const;         // of the configured cell type
  double r_wire_per_cell_ohm() const;   // r per um x cell pitch
  double e_exp_J() const;               // degree x (FP16 mult + FP16 add)
  // Every field as (key, value, unit, source), for the output file and the docs.
  std::vector<std::tuple<std::string, double, std::string, std::string>> fields() const;
};

// A measured layer time for one shape ([measured] of the GPU card, written by
// tools/gpu_measure.py); used instead of the roofline when the workload has this shape.
struct GpuMeasured {
  Cited time_s;  // one layer
  double batch = 1, seq = 1, d_model = 0, heads = 1, d_ff = 0;
};

struct GpuCard {
  std::string file, name;
  Cited peak_flops, vector_flops, bandwidth_Bps, board_power_W, bytes_per_element;
  // Achievable fractions of peak per kernel class (tensor-core GEMM, CUDA-core vector, HBM).
  Cited gemm_fraction, vector_fraction, memory_fraction;
  // The host's interval between asynchronous kernel launches: no kernel of a stream takes less
  // (optional `launch_interval`; 0 without it). Sets the launch-floor time, beside the roofline.
  Cited launch_interval_s{0, "not given"};
  std::optional<GpuMeasured> measured;
  // Every field as (key, value, unit, source), for the output file and the printed assumptions.
  std::vector<std::tuple<std::string, double, std::string, std::string>> fields() const;
};

// One { value = ..., source = "..." } field of `s` in `unit`; ConfigError naming the key when it
// is absent, out of `r` or has no source (shared by every card).
Cited cited_field(Section& s, const std::string& key, const std::string& unit, Range r = {0, 1e300});

// ConfigError naming the file and the missing or malformed field (e.g. "adc.walden_fom").
TechCard load_tech_card(const std::filesystem::path& path);
GpuCard load_gpu_card(const std::filesystem::path& path);

}  // namespace cimchar::ppa
