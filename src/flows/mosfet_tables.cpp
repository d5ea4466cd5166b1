#include "flows/mosfet_tables.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "core/error.hpp"
#include "core/units.hpp"

namespace cimchar::flows {

namespace {
uint64_t fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

// One job per gate voltage and block of kRowsPerJob source rows: short jobs (each a fraction of
// a minute of ngspice), spread over the pool's workers.
constexpr size_t kRowsPerJob = 12;

std::shared_ptr<const device::MosfetTable> run_sweeps(spice::WorkerPool& pool,
                                                      const device::MosfetTableSpec& spec,
                                                      const std::string& devices_dir) {
  const size_t nvs = spec.vs_points();
  std::vector<spice::Job> jobs;
  for (double vg : spec.v_gate_V)
    for (size_t r0 = 0; r0 < nvs; r0 += kRowsPerJob) {
      const size_t rows = std::min(kRowsPerJob, nvs - r0);
      spice::Job j;
      j.name = spec.mod_path(devices_dir) + " (" + spec.model_name() + ", vg=" +
               netlist_number(vg) + " V, source rows " + std::to_string(r0) + "-" +
               std::to_string(r0 + rows - 1) + ")";
      j.netlist = spec.dc_netlist(devices_dir, vg, r0);
      j.commands = {spec.dc_command(r0, rows)};
      j.vectors = device::MosfetTableSpec::dc_vectors();
      // A BSIM4 point costs about a millisecond here, and a loaded machine is many times slower,
      // so each point counts 5x in the job's limit (spice::job_timeout).
      j.cost = 5;
      jobs.push_back(std::move(j));
    }
  auto res = pool.run(jobs);
  std::vector<std::vector<double>> i_vd(spec.v_gate_V.size()), i_vs(spec.v_gate_V.size());
  const size_t per_gate = jobs.size() / spec.v_gate_V.size();
  for (size_t k = 0; k < jobs.size(); ++k) {
    res[k].throw_if_failed(jobs[k].name);
    const std::vector<double>& d = res[k].vec(jobs[k].name, "i(vd)");
    const std::vector<double>& s = res[k].vec(jobs[k].name, "i(vs)");
    i_vd[k / per_gate].insert(i_vd[k / per_gate].end(), d.begin(), d.end());
    i_vs[k / per_gate].insert(i_vs[k / per_gate].end(), s.begin(), s.end());
  }
  return std::make_shared<const device::MosfetTable>(
      device::MosfetTable::from_sweeps(spec, i_vd, i_vs));
}
}  // namespace

device::MosfetTableSpec one_t_one_r_spec(const ParamTable& card, const std::vector<double>& v_gate,
                                         double v_lo, double v_hi) {
  if (card.transistor().empty())
    throw ConfigError(card.card_path().string(), "model.transistor", 0,
                      "a 1T1R card needs the name of its transistor card (devices/mosfet/)");
  device::MosfetTableSpec spec;
  spec.node = card.transistor();
  spec.w_m = card.get("W"), spec.l_m = card.get("L");
  spec.v_min_V = v_lo - 0.1, spec.v_max_V = v_hi + 0.1;
  for (double v : v_gate) {
    if (!std::isfinite(v)) throw ConfigError(card.card_path().string(), "v_gate", 0, "must be finite");
    if (std::find(spec.v_gate_V.begin(), spec.v_gate_V.end(), v) == spec.v_gate_V.end())
      spec.v_gate_V.push_back(v);
  }
  spec.validate();
  return spec;
}

std::filesystem::path default_cache_dir() {
  if (const char* d = std::getenv("CIMCHAR_CACHE_DIR"); d && *d) return d;
  if (const char* d = std::getenv("XDG_CACHE_HOME"); d && *d) return std::filesystem::path(d) / "cimchar";
  if (const char* d = std::getenv("HOME"); d && *d) return std::filesystem::path(d) / ".cache/cimchar";
  return {};
}

std::filesystem::path mosfet_table_cache_file(const device::MosfetTableSpec& spec,
                                              const std::string& devices_dir,
                                              const std::filesystem::path& cache_dir,
                                              const std::string& ngspice_version) {
  const std::string card = spec.mod_path(devices_dir);
  std::ifstream in(card, std::ios::binary);
  if (!in) throw ConfigError(card, "transistor", 0, "cannot read the transistor's model card");
  std::ostringstream text;
  text << in.rdbuf();
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx",
                static_cast<unsigned long long>(fnv1a(text.str() + "\n" + ngspice_version + "\n" + spec.key_text())));
  return cache_dir / ("mosfet_" + spec.model_name() + "_" + hex + ".h5");
}

std::shared_ptr<const device::MosfetTable> build_mosfet_table(
    spice::WorkerPool& pool, const device::MosfetTableSpec& spec, const std::string& devices_dir,
    const std::filesystem::path& cache_dir, bool* from_cache) {
  spec.validate();
  if (from_cache) *from_cache = false;
  if (cache_dir.empty()) return run_sweeps(pool, spec, devices_dir);
  const std::filesystem::path file = mosfet_table_cache_file(spec, devices_dir, cache_dir, pool.info().version);
  std::error_code ec;
  if (std::filesystem::is_regular_file(file, ec)) {
    try {
      auto t = std::make_shared<const device::MosfetTable>(device::MosfetTable::load(file, spec));
      if (from_cache) *from_cache = true;
      return t;
    } catch (const Error& e) {
      std::cerr << "transistor table cache: " << e.what() << "; rebuilding it\n";
    }
  }
  auto t = run_sweeps(pool, spec, devices_dir);
  try {
    std::filesystem::create_directories(cache_dir, ec);
    t->save(file);
  } catch (const Error& e) {
    std::cerr << "transistor table cache: not written (" << e.what() << ")\n";
  }
  return t;
}

}  // namespace cimchar::flows
