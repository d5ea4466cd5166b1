// `cimchar ppa` (ppa_run.hpp): read, roll up, print, write.
#include "ppa/ppa_run.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "core/h5.hpp"
#include "core/paths.hpp"
#include "core/provenance.hpp"
#include "ppa/names.hpp"

namespace cimchar::ppa {

namespace {

// Units as pint and UDUNITS parse them: an operation count is dimensionless; TOPS/W is
// 1e12 op / J = op/pJ and GOPS/mm^2 is 1e9 op/s/mm^2 = op/ns/mm^2, so the values keep the
// figures of merit's scale and the strings stay parseable (docs/results-format.md).
constexpr const char* kOps = "1";
constexpr const char* kOpsPerSecond = "1/s";
constexpr const char* kTopsPerWatt = "1/pJ";
constexpr const char* kGopsPerMm2 = "1/ns/mm^2";


using Fields = std::vector<std::tuple<std::string, double, std::string, std::string>>;

std::string fields_text(const Fields& fs) {
  std::string out;
  for (const auto& [key, value, unit, source] : fs) {
    char v[64];
    std::snprintf(v, sizeof v, "%.4g", value);
    out += "  " + key + " = " + v + (unit.empty() ? "" : " " + unit) + "  [" + source + "]\n";
  }
  return out;
}

void write_fields(H5Writer& w, const std::string& prefix, const Fields& fs) {
  for (const auto& [key, value, unit, source] : fs) {
    w.write(prefix + key, {value}, {}, unit);
    w.attr(prefix + key, "source", source);
  }
}

std::string read_text(const std::filesystem::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

std::string make_table(const std::vector<Result>& rs, const TechCard& t) {
  std::ostringstream o;
  char line[400];
  o << "PPA on " << t.name << " (" << t.file << "); totals over the run, pJ / ns\n";
  std::snprintf(line, sizeof line, "%-14s", "energy pJ");
  o << line;
  for (const auto& r : rs) {
    std::snprintf(line, sizeof line, " %14s", r.scheme.c_str());
    o << line;
  }
  o << "\n";
  for (size_t k = 0; k < rs.front().energy_J.size(); ++k) {
    std::snprintf(line, sizeof line, "  %-12s", rs.front().energy_J[k].first.c_str());
    o << line;
    for (const auto& r : rs) {
      std::snprintf(line, sizeof line, " %14.4g", r.energy_J[k].second * 1e12);
      o << line;
    }
    o << "\n";
  }
  auto row = [&](const char* name, auto get) {
    std::snprintf(line, sizeof line, "%-14s", name);
    o << line;
    for (const auto& r : rs) {
      std::snprintf(line, sizeof line, " %14.4g", static_cast<double>(get(r)));
      o << line;
    }
    o << "\n";
  };
  row("total pJ", [](const Result& r) { return r.energy_total_J * 1e12; });
  row("pJ per layer", [](const Result& r) { return r.energy_total_J * 1e12 / r.n_layers; });
  for (size_t k = 0; k < rs.front().stages.size(); ++k) {
    std::string n = "  t_";
    n += rs.front().stages[k].name;
    std::snprintf(line, sizeof line, "%-14s", n.c_str());
    o << line;
    for (const auto& r : rs) {
      std::snprintf(line, sizeof line, " %14.4g", r.stages[k].time_s * 1e9);
      o << line;
    }
    o << "\n";
  }
  row("read cycle ns", [](const Result& r) { return r.read_cycle_s * 1e9; });
  row("ADC conv ns", [](const Result& r) { return r.adc_conversion_s * 1e9; });
  row("core pJ", [](const Result& r) { return r.energy_core_J * 1e12; });
  row("replication", [](const Result& r) { return r.mapping.replication; });
  row("arrays used", [](const Result& r) { return r.mapping.arrays_used; });
  row("seq latency ns", [](const Result& r) { return r.latency_sequence_s * 1e9; });
  row("interval ns", [](const Result& r) { return r.timing.interval_s * 1e9; });
  row("tokens/s", [](const Result& r) { return r.throughput_tokens_s; });
  row("latency ns", [](const Result& r) { return r.latency_s * 1e9; });
  row("core ns", [](const Result& r) { return r.latency_core_s * 1e9; });
  row("ns per layer", [](const Result& r) { return r.latency_s * 1e9 / r.n_layers; });
  row("GOPS", [](const Result& r) { return r.throughput_ops_s / 1e9; });
  row("area mm^2", [](const Result& r) { return r.area_total_mm2; });
  row("TOPS/W", [](const Result& r) { return r.tops_per_w; });
  row("GOPS/mm^2", [](const Result& r) { return r.gops_per_mm2; });
  row("core TOPS/W", [](const Result& r) { return r.tops_per_w_core; });
  if (rs.front().gpu) {
    row("speed x GPU", [](const Result& r) { return r.gpu ? r.gpu->speedup : 0.0; });
    row("energy x GPU", [](const Result& r) { return r.gpu ? r.gpu->energy_ratio : 0.0; });
    row("core speed xGPU", [](const Result& r) { return r.gpu ? r.gpu->core_speedup : 0.0; });
    row("core energy xGPU", [](const Result& r) { return r.gpu ? r.gpu->core_energy_ratio : 0.0; });
    row("speed xGPU+launch", [](const Result& r) { return r.gpu ? r.gpu->speedup_launch : 0.0; });
    row("core xGPU+launch", [](const Result& r) { return r.gpu ? r.gpu->core_speedup_launch : 0.0; });
    o << "GPU baseline " << rs.front().gpu->name << " (" << rs.front().gpu->basis
      << "; energy = board power x time): 'speed x GPU' = GPU time / ours, 'energy x GPU' = GPU "
      << "energy / ours (> 1: ours is better); '+launch': every GPU kernel at least the card's "
      << "launch interval\n";
  }
  o << "t_<stage>: one layer, one sequence, on the mapped chip; latency: the whole run "
       "(sequences overlap in the layer pipeline); interval: a new sequence every interval\n";
  o << "pipeline (scheme trait) and bottleneck: ";
  for (const auto& r : rs) o << r.scheme << " " << r.pipeline << ", " << r.timing.bottleneck << "; ";
  o << "\nops: dense-equivalent (2 x MACs of the dense layer)\n";
  o << "Speed assumptions: read cycle = max(rram.read_pulse, ceil(cols / ADCs) x ADC conversion), "
    << rs.front().columns_per_adc << " columns share an ADC; ADC: " << rs.front().adc_source
    << "\n";
  return o.str();
}

void write_result(H5Writer& w, const std::string& g, const Result& r) {
  w.attr(g, "scheme", r.scheme);
  w.attr(g, "attention_file", r.file);
  w.attr(g, "pipeline", r.pipeline);
  w.attr(g, "bottleneck", r.timing.bottleneck);
  w.attr(g, "trait_softmax", r.traits.softmax);
  w.attr(g, "trait_selector", r.traits.selector);
  w.attr(g, "trait_select_over", r.traits.select_over);
  w.attr(g, "n_layers", static_cast<int64_t>(r.n_layers));
  for (const auto& [k, v] : r.sources) w.attr(g, "source_" + k, v);
  for (const auto& [k, v] : r.energy_J) w.write(g + "/energy/" + k, {v}, {}, "J");
  w.write(g + "/energy/total", {r.energy_total_J}, {}, "J");
  w.write(g + "/energy/per_layer", {r.energy_total_J / r.n_layers}, {}, "J");
  w.write(g + "/energy/static_write", {r.static_write_energy_J}, {}, "J");
  w.write(g + "/energy/attention_core", {r.energy_core_J}, {}, "J");
  w.write(g + "/latency/attention_core", {r.latency_core_s}, {}, "s");
  for (const auto& s : r.stages) w.write(g + "/latency/stages/" + s.name, {s.time_s}, {}, "s");
  w.write(g + "/latency/sum_of_stages", {r.latency_sum_s}, {}, "s");
  w.write(g + "/latency/max_stage", {r.latency_max_stage_s}, {}, "s");
  w.write(g + "/latency/total", {r.latency_s}, {}, "s");
  w.write(g + "/latency/per_layer", {r.latency_s / r.n_layers}, {}, "s");
  w.write(g + "/latency/pipeline_items", {r.pipeline_items}, {}, "1");
  w.write(g + "/latency/sequence", {r.latency_sequence_s}, {}, "s");
  w.write(g + "/latency/interval", {r.timing.interval_s}, {}, "s");
  w.write(g + "/latency/kv_occupancy", {r.timing.kv_occupancy_s}, {}, "s");
  w.write(g + "/throughput_tokens", {r.throughput_tokens_s}, {}, kOpsPerSecond);
  for (const auto& [k, v] : r.timing.utilization) w.write(g + "/utilization/" + k, {v}, {}, "1");
  w.write(g + "/assumptions/read_cycle", {r.read_cycle_s}, {}, "s");
  w.attr(g + "/assumptions/read_cycle", "source",
         "max(rram.read_pulse, ceil(cols / ADCs) x ADC conversion) of the weight arrays");
  w.write(g + "/assumptions/adc_conversion_time", {r.adc_conversion_s}, {}, "s");
  w.attr(g + "/assumptions/adc_conversion_time", "source", r.adc_source);
  w.write(g + "/assumptions/adc_conversion_energy", {r.adc_energy_J}, {}, "J");
  w.attr(g + "/assumptions/adc_conversion_energy", "source", r.adc_source);
  w.write(g + "/assumptions/columns_per_adc", {r.columns_per_adc}, {}, "1");
  w.attr(g + "/assumptions/columns_per_adc", "source", "pe.crossbars x crossbar.cols / pe.adcs");
  const Mapping& m = r.mapping;
  w.write(g + "/mapping/replication", {m.replication}, {}, "1");
  w.write(g + "/mapping/arrays_static", {m.demand.arrays_static}, {}, "1");
  w.write(g + "/mapping/arrays_kv", {m.demand.arrays_kv}, {}, "1");
  w.write(g + "/mapping/arrays_used", {m.arrays_used}, {}, "1");
  w.write(g + "/mapping/array_area_used", {m.area_used_mm2}, {}, "mm^2");
  w.write(g + "/mapping/write_parallel", {m.write_parallel}, {}, "1");
  w.write(g + "/ops", {r.ops}, {}, kOps);
  w.write(g + "/ops_dense", {r.ops_dense}, {}, kOps);
  w.write(g + "/throughput", {r.throughput_ops_s}, {}, kOpsPerSecond);
  for (const auto& [k, v] : r.area_mm2) w.write(g + "/area/" + k, {v}, {}, "mm^2");
  w.write(g + "/area/total", {r.area_total_mm2}, {}, "mm^2");
  w.write(g + "/tops_per_w", {r.tops_per_w}, {}, kTopsPerWatt);
  w.write(g + "/gops_per_mm2", {r.gops_per_mm2}, {}, kGopsPerMm2);
  w.write(g + "/ops_core_dense", {r.ops_core_dense}, {}, kOps);
  w.write(g + "/tops_per_w_core", {r.tops_per_w_core}, {}, kTopsPerWatt);
  if (r.gpu) {
    w.attr(g + "/gpu", "name", r.gpu->name);
    w.attr(g + "/gpu", "basis", r.gpu->basis);
    w.write(g + "/gpu/flops", {r.gpu->flops}, {}, kOps);
    w.write(g + "/gpu/bytes", {r.gpu->bytes}, {}, "B");
    w.write(g + "/gpu/time", {r.gpu->time_s}, {}, "s");
    w.write(g + "/gpu/energy", {r.gpu->energy_J}, {}, "J");
    w.write(g + "/gpu/time_ratio", {r.gpu->speedup}, {}, "");
    w.write(g + "/gpu/energy_ratio", {r.gpu->energy_ratio}, {}, "");
    w.write(g + "/gpu/core_time", {r.gpu->core_time_s}, {}, "s");
    w.write(g + "/gpu/core_energy", {r.gpu->core_energy_J}, {}, "J");
    w.write(g + "/gpu/core_time_ratio", {r.gpu->core_speedup}, {}, "");
    w.write(g + "/gpu/core_energy_ratio", {r.gpu->core_energy_ratio}, {}, "");
    w.write(g + "/gpu/time_launch_floor", {r.gpu->time_launch_s}, {}, "s");
    w.write(g + "/gpu/core_time_launch_floor", {r.gpu->core_time_launch_s}, {}, "s");
    w.write(g + "/gpu/time_ratio_launch_floor", {r.gpu->speedup_launch}, {}, "");
    w.write(g + "/gpu/core_time_ratio_launch_floor", {r.gpu->core_speedup_launch}, {}, "");
  }
}

}  // namespace

PpaSummary run_ppa(const PpaRequest& req) {
  // Everything is read and checked before anything is written.
  refuse_directory({"--out", req.out});
  std::vector<NamedPath> inputs{{"--tech", req.tech}, {"--arch", req.arch}, {"--gpu", req.gpu.value_or("")}};
  for (const auto& a : req.attention) inputs.push_back({"--attention", a});
  refuse_output_over_input({"--out", req.out}, inputs);
  const TechCard tech = load_tech_card(req.tech);
  const ArchCard arch = load_arch_card(req.arch);
  std::optional<GpuCard> gpu;
  if (req.gpu) gpu = load_gpu_card(*req.gpu);
  if (req.attention.empty()) throw InputError("ppa: no --attention file");
  std::vector<Workload> ws;
  for (const auto& a : req.attention) ws.push_back(load_workload(a));
  if (req.luts && !std::filesystem::is_directory(*req.luts))
    throw InputError(req.luts->string() + ": --luts is not a folder");
  PpaSummary s;
  for (const auto& w : ws) {
    const Luts l = req.luts ? load_luts(*req.luts) : Luts{};
    s.results.push_back(roll_up(w, tech, arch, l, gpu ? &*gpu : nullptr));
  }
  s.table = make_table(s.results, tech);
  s.table += "Architecture assumptions (" + arch.file + "):\n" + fields_text(arch.fields());
  if (gpu) {
    s.table += "GPU assumptions (" + gpu->file + "):\n" + fields_text(gpu->fields());
  }

  // PPA draws nothing at random: its seed is that of the attention runs it costs (recorded per
  // file; the root attribute holds the common seed, or 0 when they differ).
  std::vector<int64_t> seeds;
  for (const auto& a : req.attention) {
    H5Reader r(a);
    seeds.push_back(r.has_attr("/", "seed") ? static_cast<int64_t>(r.attr_double("/", "seed")) : 0);
  }
  const bool one_seed = std::all_of(seeds.begin(), seeds.end(), [&](int64_t x) { return x == seeds[0]; });

  H5Writer w(req.out);
  write_provenance(w, {read_text(req.tech), one_seed ? static_cast<uint64_t>(seeds[0]) : 0, ""});
  w.write_int("/attention_seeds", seeds, {seeds.size()}, "1");
  w.attr("/", "tech_card", tech.file);
  w.attr("/", "tech_name", tech.name);
  if (gpu) {
    w.attr("/", "gpu_card", gpu->file);
    w.attr("/", "gpu_name", gpu->name);
    write_fields(w, "/gpu_card/", gpu->fields());
  }
  if (req.luts) w.attr("/", "luts", req.luts->string());
  w.attr("/", "arch_card", arch.file);
  w.attr("/", "arch_name", arch.name);
  write_fields(w, "/arch/", arch.fields());
  write_fields(w, "/tech/", tech.fields());
  w.write("/tech/derived/cell_area", {tech.cell_area_mm2()}, {}, "mm^2");
  w.write("/tech/derived/r_wire_per_cell", {tech.r_wire_per_cell_ohm()}, {}, "ohm");
  w.write("/tech/derived/exp_energy", {tech.e_exp_J()}, {}, "J");
  std::vector<std::string> names;
  for (size_t i = 0; i < s.results.size(); ++i) {
    const std::string g = "/runs/" + std::to_string(i);
    names.push_back(s.results[i].scheme);
    write_result(w, g, s.results[i]);
  }
  w.write_strings("/runs/schemes", names);
  w.commit();
  return s;
}

}  // namespace cimchar::ppa
