// Builds a transistor's I-V table (src/device/mosfet_table.hpp) by running its ngspice sweeps,
// one job per gate voltage, on a worker pool. A sweep that fails is a SpiceError naming the
// card file; nothing is returned half-built.
#pragma once

#include <memory>
#include <string>

#include "device/mosfet_table.hpp"
#include "spice/pool.hpp"

namespace cimchar::flows {

std::shared_ptr<const device::MosfetTable> build_mosfet_table(spice::WorkerPool& pool,
                                                              const device::MosfetTableSpec& spec,
                                                              const std::string& devices_dir);

}  // namespace cimchar::flows
