// Builds a transistor's I-V table (src/device/mosfet_table.hpp) by running its ngspice sweeps,
// one job per gate voltage, on a worker pool. A sweep that fails is a SpiceError naming the
// card file; nothing is returned half-built.
//
// The table is cached on disk (cache_dir/mosfet_<model>_<hash>.h5, the hash over the card file's
// text, the ngspice version and everything in the spec that decides the values,
// MosfetTableSpec::key_text), so that a
// second `xbar solve` or flow with the same transistor, gates and grid reads it instead of
// running ngspice again. The cache holds ngspice's own sweeps; a file that cannot be read is
// rebuilt (with a message on stderr), and a folder that cannot be written costs only the cache.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "core/param_table.hpp"
#include "device/mosfet_table.hpp"
#include "spice/pool.hpp"

namespace cimchar::flows {

// $CIMCHAR_CACHE_DIR, else $XDG_CACHE_HOME/cimchar, else $HOME/.cache/cimchar ("" when none is set).
std::filesystem::path default_cache_dir();

// The cache file a spec maps to (throws ConfigError when the card file cannot be read).
std::filesystem::path mosfet_table_cache_file(const device::MosfetTableSpec& spec,
                                              const std::string& devices_dir,
                                              const std::filesystem::path& cache_dir,
                                              const std::string& ngspice_version);

// The transistor of a 1T1R card (devices/one_t_one_r.toml: [model] transistor, W, L), bulk at
// 0 V, at the given gate voltages (duplicates dropped), its nodes over [v_lo - 0.1, v_hi + 0.1] V
// (the drain node can sit just outside the terminals' range where a junction leaks). ConfigError
// naming the card's key when it names no transistor.
device::MosfetTableSpec one_t_one_r_spec(const ParamTable& card, const std::vector<double>& v_gate,
                                         double v_lo, double v_hi);

// cache_dir "": no cache. *from_cache (optional) says whether the table came from the disk.
std::shared_ptr<const device::MosfetTable> build_mosfet_table(
    spice::WorkerPool& pool, const device::MosfetTableSpec& spec, const std::string& devices_dir,
    const std::filesystem::path& cache_dir = default_cache_dir(), bool* from_cache = nullptr);

}  // namespace cimchar::flows
