// PPA roll-up of one attention run (docs/ppa.md): the counters of attention.h5 through the
// component models (components.hpp) into an energy breakdown (energy.cpp), the weights mapped
// onto an architecture card with replication and the stages' times in its layer pipeline
// (latency.cpp, architecture.hpp), area (area.cpp), throughput, TOPS/W and GOPS/mm^2, and a
// roofline GPU baseline on the same workload. The scheme is costed by its traits
// (core/scheme_traits.hpp), never by its name. Energy totals are for the whole run (every
// layer, every sequence of the batch); per-layer figures divide by the layer count.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/scheme_traits.hpp"
#include "ppa/architecture.hpp"
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
  SchemeTraits traits;
  int d_model = 0, n_heads = 1, n_layers = 1, batch = 1, seq = 1;
  std::vector<CounterRow> rows;
  const CounterRow* find(const std::string& name) const;  // nullptr when absent
  double d_head() const { return static_cast<double>(d_model) / n_heads; }
  double d_ff() const;  // from the ffn1 counters; 0 without an FFN
};

// InputError naming the file and dataset when the run has no counters (the ideal scheme) or
// predates them or the scheme traits (workload.cpp).
Workload load_workload(const std::filesystem::path& attention_h5);
// Whether a counter row is a weight product (programmed once, replicated) rather than the
// attention core's K/V arrays, scores and digital work.
bool is_static_row(const std::string& name);

// Scores the softmax normalizes (the recomputed ones where the scheme recomputes), and the
// candidates a digital top-k compares (the trait's select_over row; 0 without that selector).
double softmax_elements(const Workload& w);
double select_candidates(const Workload& w);
// An ADC-less array's decisions, costed by the selector trait: a k-WTA race per query row
// (energy) or a threshold decision per output; InputError for an ADC-less array without one.
struct Decision {
  double energy_J = 0, delay_s = 0;  // all the row's decisions; one read's decision delay
  std::string source;
};
Decision decisions(const Workload& w, const CounterRow& r, const TechCard& t, const Luts& l);

using Parts = std::vector<std::pair<std::string, double>>;

struct Energy {
  Parts parts;  // in kEnergyParts order (names.hpp)
  double total_J = 0, core_J = 0, static_write_J = 0;
  std::vector<std::pair<std::string, std::string>> sources;
};
// The energy breakdown (energy.cpp); `area_mm2` sets the interconnect's mean distance.
Energy energy_of(const Workload& w, const TechCard& t, const Luts& l, double area_mm2);

// The converters of one array of row `r` (area.cpp): ceil(cols / columns_per_adc) ADCs of the
// card where the row has ADCs; else its decision circuits by the selector trait, one per
// column: the measured transistor WTA's area per input or StrongARM's area (Luts), and without
// a measurement the card's ADCs as for an array with them (the source says which).
AreaFigure converter_area(const Workload& w, const CounterRow& r, const TechCard& t,
                          const ArchCard& a, const Luts& l);

// Arrays the run's counters need on chip (latency.cpp), each with its converters.
ArrayDemand array_demand(const Workload& w, const ArchCard& a, const TechCard& t, const Luts& l);
// Each stage's time for one layer and one sequence on the mapped chip, in kStages order, with
// the barriers of the scheme's pipeline trait (latency.cpp).
std::vector<PipeStage> layer_stages(const Workload& w, const TechCard& t, const ArchCard& a,
                                    const Luts& l, const Mapping& m);

// Area of the mapped chip: arrays, ADCs, the decision circuits of arrays without ADCs (WTA,
// threshold comparators), row drivers, every layer's MAC units, the buffer (area.cpp), in
// kAreaParts order, with the decision circuits' source when there are any.
struct Area {
  Parts parts;
  std::vector<std::pair<std::string, std::string>> sources;
};
Area area_of(const Workload& w, const TechCard& t, const ArchCard& a, const Luts& l, const Mapping& m);

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
  // The same times with every kernel at least the card's launch interval (gpu_model.hpp), and
  // their ratios to ours; energy stays board power x the roofline time.
  double time_launch_s = 0, core_time_launch_s = 0, speedup_launch = 0, core_speedup_launch = 0;
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
  std::vector<Stage> stages;  // one layer, one sequence, on the mapped chip
  double latency_sum_s = 0, latency_max_stage_s = 0;  // over one layer's stages
  double latency_s = 0;           // the whole run: every sequence through every layer
  double latency_sequence_s = 0;  // one sequence: the pipeline's critical path
  std::string pipeline;           // the scheme's pipeline trait
  double pipeline_items = 0;      // tokens streamed per sequence
  SchemeTraits traits;
  // The speed assumptions behind the stage times (docs/ppa.md, "Speed assumptions"): the read
  // cycle of the weight arrays and the ADC conversion it is made of.
  double read_cycle_s = 0, adc_conversion_s = 0, adc_energy_J = 0, columns_per_adc = 0;
  std::string adc_source;
  Mapping mapping;
  PipelineTiming timing;
  double ops = 0, ops_dense = 0, throughput_ops_s = 0, throughput_tokens_s = 0;
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

Result roll_up(const Workload& w, const TechCard& t, const ArchCard& a, const Luts& l,
               const GpuCard* gpu);

}  // namespace cimchar::ppa
