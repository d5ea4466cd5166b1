// The architecture model of the PPA roll-up (docs/ppa.md, "Architecture"): an architecture card
// (characterization/tech/arch_*.toml) describing chip -> tiles -> PEs -> crossbars, the mapping
// of a workload's weights onto it with replication up to an area budget, and the ISAAC-style
// layer pipeline whose critical path is the latency and whose slowest stage sets the throughput.
#pragma once

#include <filesystem>
#include <string>
#include <tuple>
#include <vector>

#include "ppa/tech_card.hpp"

namespace cimchar::ppa {

struct ArchCard {
  std::string file, name;
  Cited xbar_cols;
  Cited pe_crossbars, pe_adcs;
  Cited tile_pes, mac_units;  // mac_units: per layer
  Cited budget_area_mm2, max_replication;
  Cited write_power_W;
  double columns_per_adc() const { return pe_crossbars.value * xbar_cols.value / pe_adcs.value; }
  // Every field as (key, value, unit, source).
  std::vector<std::tuple<std::string, double, std::string, std::string>> fields() const;
};

// ConfigError naming the file and field when a field is missing, out of range or unsourced.
ArchCard load_arch_card(const std::filesystem::path& path);

// One rows x cols crossbar with its share of the converters: cells, a driver per row and
// ceil(cols / columns_per_adc) ADCs.
double array_area_mm2(const ArchCard& a, const TechCard& t, double rows, double cols);
// The same with the converters' area given (an array without ADCs has decision circuits).
double array_area_mm2(const TechCard& t, double rows, double cols, double converters_mm2);

// What has to be on the chip: one copy of every layer's weight arrays, and the K/V (and
// approximate-score) arrays of every layer and head, which hold one sequence at a time.
struct ArrayDemand {
  double arrays_static = 0, area_static_mm2 = 0;
  double arrays_kv = 0, area_kv_mm2 = 0;
  double kv_cols = 0;  // columns of a K/V array (its write width)
};

// The weights on the chip.
struct Mapping {
  ArrayDemand demand;
  double replication = 1;     // copies of every weight matrix (uniform: the stages stay balanced)
  double arrays_used = 0, area_used_mm2 = 0;  // replication x static + kv
  double write_parallel = 1;  // K/V arrays written at once under write.power_W
};

// replication = min(floor((budget - kv area) / static area), max_replication, tokens);
// write_parallel = floor(write.power_W / (cols x pulse energy / pulse width)) (one row of each
// array at a time). InputError naming the card's budget when one copy does not fit.
Mapping map_weights(const ArchCard& a, const TechCard& t, const ArrayDemand& d, double tokens);

// A stage of one layer for one sequence: its time, and whether it must wait for the previous
// stage to finish the whole sequence (a barrier) rather than stream token by token.
struct PipeStage {
  std::string name;
  double time_s = 0;
  bool barrier = false;
};

struct PipelineTiming {
  double latency_sequence_s = 0;  // one sequence through every layer: the critical path
  double interval_s = 0;          // steady state: a new sequence every interval
  double latency_run_s = 0;       // `sequences` sequences back to back
  double tokens_per_s = 0;
  std::string bottleneck;         // the stage (or the K/V arrays) that sets the interval
  double kv_occupancy_s = 0;      // K/V arrays busy per sequence: write, then the core reads
  std::vector<std::pair<std::string, double>> utilization;  // stage busy time / interval
};

// `layer` in order (proj, kv_write, score, softmax, value, out_proj, ffn); stages stream
// `tokens` items between barriers (sum of one item's times + (tokens - 1) x the slowest), the
// layers follow one another, so layer l's first stage streams behind layer l-1's last; every
// layer's stages are their own hardware, so sequences overlap: interval = max(slowest stage,
// K/V occupancy = the stages from kv_write to value, which hold one sequence's K and V).
PipelineTiming pipeline_timing(const std::vector<PipeStage>& layer, int layers, double tokens,
                               double sequences);

}  // namespace cimchar::ppa
