#include "attention/sweep_cost.hpp"

#include <cmath>
#include <fstream>
#include <sstream>

#include "core/data_dir.hpp"
#include "core/error.hpp"
#include "ppa/architecture.hpp"
#include "ppa/components.hpp"
#include "ppa/rollup.hpp"
#include "ppa/tech_card.hpp"

namespace cimchar::attention {

namespace fs = std::filesystem;

namespace {

std::string file_text(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

fs::path card(Section& t, const std::string& key, const std::string& def) {
  const std::string p = t.get_string(key, def);
  std::error_code ec;
  const fs::path found = find_data_file(p);
  if (!fs::is_regular_file(found, ec)) t.fail(key, "no card file '" + p + "'");
  return found;
}

}  // namespace

SweepCost parse_sweep_cost(Section& t) {
  SweepCost c;
  c.enabled = t.get_bool("ppa", true);
  if (!c.enabled) {
    for (const char* k : {"tech", "arch", "gpu", "luts"})
      if (t.has(k)) t.fail(k, "given with ppa = false");
    return c;
  }
  c.tech = card(t, "tech", "characterization/tech/32nm.toml");
  c.arch = card(t, "arch", "characterization/tech/arch_isaac_like.toml");
  c.gpu = card(t, "gpu", "characterization/tech/gpu_a100.toml");
  ppa::load_tech_card(c.tech);
  ppa::load_arch_card(c.arch);
  ppa::load_gpu_card(c.gpu);
  if (t.has("luts")) {
    c.luts = find_data_file(t.get_string("luts", ""));
    std::error_code ec;
    if (!fs::is_directory(c.luts, ec)) t.fail("luts", "no folder '" + c.luts.string() + "'");
    ppa::load_luts(c.luts);
  }
  c.identity = file_text(c.tech) + file_text(c.arch) + file_text(c.gpu) + c.luts.string();
  return c;
}

std::vector<double> point_costs(const SweepCost& c, const fs::path& attention_h5, bool has_hardware) {
  std::vector<double> v(kCostFields, std::nan(""));
  if (!c.enabled || !has_hardware) return v;
  const ppa::TechCard tech = ppa::load_tech_card(c.tech);
  const ppa::ArchCard arch = ppa::load_arch_card(c.arch);
  const ppa::GpuCard gpu = ppa::load_gpu_card(c.gpu);
  const ppa::Luts luts = c.luts.empty() ? ppa::Luts{} : ppa::load_luts(c.luts);
  const ppa::Workload w = ppa::load_workload(attention_h5);
  const ppa::Result r = ppa::roll_up(w, tech, arch, luts, &gpu);
  const double seqs = std::max(1, w.batch);
  v[kEnergy] = r.energy_total_J / seqs;
  v[kEnergyCore] = r.energy_core_J / seqs;
  v[kLatency] = r.latency_sequence_s;
  v[kGpuTime] = r.gpu ? r.gpu->speedup : std::nan("");
  v[kGpuEnergy] = r.gpu ? r.gpu->energy_ratio : std::nan("");
  v[kTopsW] = r.tops_per_w;
  return v;
}

}  // namespace cimchar::attention
