// Stage entry points, one per file (cell_flow.cpp, fit_flow.cpp, ...).
#pragma once

#include <filesystem>

#include "core/config.hpp"
#include "flows/flow.hpp"

namespace cimchar::flows {

StageRunner prepare_cell_stage(Section& table, const RunContext& ctx);
StageRunner prepare_fit_stage(Section& table, const RunContext& ctx);

}  // namespace cimchar::flows
