// The PPA of a sweep point (`cimchar sweep`, [sweep] in a flow): each point's attention run
// rolled up by ppa::roll_up on the sweep's cards, so the curves carry energy, latency and the
// GPU ratios beside the accuracy (docs/schemes.md, "Sweeps"). Keys of the [sweep] table:
//   ppa  = true                                          # false: no cost columns (NaN)
//   tech = "characterization/tech/32nm.toml"             # the defaults of the schemes stage
//   arch = "characterization/tech/arch_isaac_like.toml"
//   gpu  = "characterization/tech/gpu_a100.toml"
//   luts = "results/"                                    # optional: measured peripheral LUTs
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/config.hpp"

namespace cimchar::attention {

struct SweepCost {
  bool enabled = false;
  std::filesystem::path tech, arch, gpu, luts;  // luts empty: the cards' figures
  std::string identity;                         // the cards' texts, for the run identity
};

// Reads (and loads, so that a bad card fails before anything runs) the cost keys of `sweep`.
SweepCost parse_sweep_cost(Section& sweep);

// Cost columns of a point, in this order, appended to point_metrics in the journal and curves.
constexpr int kCostFields = 6;
enum CostField { kEnergy, kEnergyCore, kLatency, kGpuTime, kGpuEnergy, kTopsW };
// The roll-up of the attention run in `attention_h5`, per sequence; NaN throughout when the
// cost is off or the scheme has no hardware (`ideal`).
std::vector<double> point_costs(const SweepCost& c, const std::filesystem::path& attention_h5,
                                bool has_hardware);

}  // namespace cimchar::attention
