// PPA roll-up of one attention run (docs/ppa.md): the counters of attention.h5 through the
// component models (components.hpp) into an energy breakdown, stage latencies with a pipeline
// model, throughput, area, TOPS/W and GOPS/mm^2, and a roofline GPU baseline on the same
// workload. Totals are for the whole run (every layer, every sequence of the batch); per-layer
// figures divide by the layer count (the layers of a model have one shape).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ppa/components.hpp"
#include "ppa/tech_card.hpp"

namespace cimchar::ppa {

// The arrays a counter row ran on (attention.h5 /counters/xbar/*); zeros for digital rows.
struct XbarShape {
  double rows = 0, cols = 0, adc_bits = 0, dac_bits = 0, input_bits = 0, weight_bits = 0,
         bits_per_cell = 0, v_read_V = 0, g_on_S = 0, g_off_S = 0;
};

struct CounterRow {
  std::string name;
  double programs = 0, cell_writes = 0, tiles = 0, applies = 0, vectors = 0, array_reads = 0,
         adc_conversions = 0, macs = 0, read_vi_W = 0;
  bool analog = false;  // ran on crossbars
  XbarShape x;
};

struct Workload {
  std::string file, scheme, description;
  int d_model = 0, n_heads = 1, n_layers = 1, batch = 1, seq = 1;
  std::vector<CounterRow> rows;
  const CounterRow* find(const std::string& name) const;  // nullptr when absent
  double d_head() const { return static_cast<double>(d_model) / n_heads; }
  double d_ff() const;  // from the ffn1 counters; 0 without an FFN
};

// InputError naming the file and dataset when the run has no counters (the ideal scheme) or
// predates them.
Workload load_workload(const std::filesystem::path& attention_h5);

struct Stage {
  std::string name;
  double time_s = 0;
};

struct GpuResult {
  std::string name, basis;  // basis: "roofline" or "measured (...)" (gpu_model.hpp)
  double flops = 0, bytes = 0, time_s = 0, energy_J = 0;
  double speedup = 0;       // GPU time / our latency
  double energy_ratio = 0;  // GPU energy / our energy
  // The attention core alone (Q K^T, softmax, P V kernels) and its ratios to our core.
  double core_time_s = 0, core_energy_J = 0, core_speedup = 0, core_energy_ratio = 0;
};

struct Result {
  std::string scheme, file;
  std::vector<std::pair<std::string, double>> energy_J;  // breakdown, in kEnergyParts order
  double energy_total_J = 0;
  double static_write_energy_J = 0;  // programming the weights once (not per inference)
  // The attention core alone (K/V writes, scores, softmax, selection, context, and their buffer
  // and interconnect traffic): the part the seeds' claims are about.
  double energy_core_J = 0, latency_core_s = 0;
  double ops_core_dense = 0, tops_per_w_core = 0;  // 2 x the MACs of dense Q K^T and P V
  std::vector<Stage> stages;
  double latency_sum_s = 0, latency_max_stage_s = 0, latency_s = 0;
  std::string pipeline;  // "sequential" or "fine-grained (score, softmax, value)"
  double pipeline_items = 0;
  double ops = 0, ops_dense = 0, throughput_ops_s = 0;
  std::vector<std::pair<std::string, double>> area_mm2;
  double area_total_mm2 = 0, tops_per_w = 0, gops_per_mm2 = 0;
  int n_layers = 1;
  std::vector<std::pair<std::string, std::string>> sources;  // figure -> where it came from
  std::optional<GpuResult> gpu;
};

// Latency of `items` passing through stages whose totals are `stage_totals` (each item takes
// total/items in a stage): sum of one item's stage times plus (items - 1) times the slowest.
// Lies between the largest total and the sum of the totals.
double pipelined_latency_s(const std::vector<double>& stage_totals, double items);

Result roll_up(const Workload& w, const TechCard& t, const Luts& l, const GpuCard* gpu);

}  // namespace cimchar::ppa
