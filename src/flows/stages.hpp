// Stage entry points, one per file (cell_flow.cpp, fit_flow.cpp, ...).
#pragma once

#include <filesystem>

#include "core/config.hpp"
#include "core/param_table.hpp"
#include "device/model.hpp"
#include "flows/context.hpp"
#include "flows/flow.hpp"

namespace cimchar::flows {

// The card named by `device_key` (default stanford_asu), with the overrides in the sub-table
// `overrides_key` applied; a bad card or override is a ConfigError naming the flow's key.
ParamTable device_from_table(Section& t, const std::string& device_key,
                             const std::string& overrides_key);

// The run's ngspice settings for tabulating a netlist-only device (device::make_read_model).
inline device::ReadModelOptions read_model_options(const RunContext& ctx) {
  device::ReadModelOptions o;
  o.jobs = ctx.jobs, o.ngspice_library = ctx.ngspice_library;
  return o;
}

PreparedStage prepare_cell_stage(Section& table, const RunContext& ctx);
PreparedStage prepare_fit_stage(Section& table, const RunContext& ctx);
PreparedStage prepare_variation_stage(Section& table, const RunContext& ctx);
PreparedStage prepare_irdrop_stage(Section& table, const RunContext& ctx);
PreparedStage prepare_adc_stage(Section& table, const RunContext& ctx);
PreparedStage prepare_wta_stage(Section& table, const RunContext& ctx);
PreparedStage prepare_threshold_stage(Section& table, const RunContext& ctx);
PreparedStage prepare_schemes_stage(Section& table, const RunContext& ctx);
PreparedStage prepare_sweep_stage(Section& table, const RunContext& ctx);
PreparedStage prepare_attribution_stage(Section& table, const RunContext& ctx);

}  // namespace cimchar::flows
