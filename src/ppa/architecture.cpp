// Architecture card, weight mapping and layer pipeline (architecture.hpp).
#include "ppa/architecture.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "ppa/names.hpp"
#include "ppa/rollup.hpp"

namespace cimchar::ppa {

std::vector<std::tuple<std::string, double, std::string, std::string>> ArchCard::fields() const {
  return {
      {"crossbar.cols", xbar_cols.value, "1", xbar_cols.source},
      {"pe.crossbars", pe_crossbars.value, "1", pe_crossbars.source},
      {"pe.adcs", pe_adcs.value, "1", pe_adcs.source},
      {"tile.pes", tile_pes.value, "1", tile_pes.source},
      {"tile.mac_units", mac_units.value, "1", mac_units.source},
      {"budget.array_area_mm2", budget_area_mm2.value, "mm^2", budget_area_mm2.source},
      {"budget.max_replication", max_replication.value, "1", max_replication.source},
      {"write.power_W", write_power_W.value, "W", write_power_W.source},
  };
}

ArchCard load_arch_card(const std::filesystem::path& path) {
  const TomlDoc doc = TomlDoc::parse_file(path);
  Section root(doc.root, doc.file, "");
  ArchCard a;
  a.file = doc.file;
  const Range count{1, 1e9};
  {
    Section s = root.sub("card");
    a.name = s.require_string("name");
    s.finish();
  }
  {
    Section s = root.sub("crossbar");
    a.xbar_cols = cited_field(s, "cols", "", count);
    s.finish();
  }
  {
    Section s = root.sub("pe");
    a.pe_crossbars = cited_field(s, "crossbars", "", count);
    a.pe_adcs = cited_field(s, "adcs", "", count);
    s.finish();
  }
  {
    Section s = root.sub("tile");
    a.tile_pes = cited_field(s, "pes", "", count);
    a.mac_units = cited_field(s, "mac_units", "", count);
    s.finish();
  }
  {
    Section s = root.sub("budget");
    a.budget_area_mm2 = cited_field(s, "array_area_mm2", "", {1e-9, 1e9});
    a.max_replication = cited_field(s, "max_replication", "", count);
    s.finish();
  }
  {
    Section s = root.sub("write");
    a.write_power_W = cited_field(s, "power_W", "", {1e-12, 1e6});
    s.finish();
  }
  root.finish();
  return a;
}

double array_area_mm2(const ArchCard& a, const TechCard& t, double rows, double cols) {
  return array_area_mm2(t, rows, cols, std::ceil(cols / a.columns_per_adc()) * t.adc_area_mm2.value);
}

double array_area_mm2(const TechCard& t, double rows, double cols, double converters_mm2) {
  return rows * cols * t.cell_area_mm2() + rows * t.dac_area_mm2.value + converters_mm2;
}

Mapping map_weights(const ArchCard& a, const TechCard& t, const ArrayDemand& d, double tokens) {
  Mapping m;
  m.demand = d;
  const double budget = a.budget_area_mm2.value;
  if (d.area_static_mm2 + d.area_kv_mm2 > budget)
    throw InputError(a.file + ": budget.array_area_mm2 = " + std::to_string(budget) +
                     " mm^2 is less than one copy of the weights (" + std::to_string(d.area_static_mm2) +
                     " mm^2 in " + std::to_string(d.arrays_static) + " arrays) and the K/V arrays (" +
                     std::to_string(d.area_kv_mm2) + " mm^2); raise the budget");
  const double fit = d.area_static_mm2 > 0 ? std::floor((budget - d.area_kv_mm2) / d.area_static_mm2) : 1.0;
  m.replication = std::max(1.0, std::min({fit, a.max_replication.value, std::max(tokens, 1.0)}));
  m.arrays_used = m.replication * d.arrays_static + d.arrays_kv;
  m.area_used_mm2 = m.replication * d.area_static_mm2 + d.area_kv_mm2;
  if (d.kv_cols > 0) {
    const double per_array_W = d.kv_cols * t.e_write_pulse_J.value / t.t_write_pulse_s.value;
    m.write_parallel = std::max(1.0, std::floor(a.write_power_W.value / per_array_W));
  }
  return m;
}

namespace {

// Stages [first, last) of `chain` with barriers splitting them into streamed segments.
double chain_latency_s(const std::vector<PipeStage>& chain, size_t first, size_t last, double tokens) {
  double total = 0;
  std::vector<double> seg;
  for (size_t i = first; i < last; ++i) {
    if (chain[i].barrier && !seg.empty() && i != first) {
      total += pipelined_latency_s(seg, tokens);
      seg.clear();
    }
    seg.push_back(chain[i].time_s);
  }
  if (!seg.empty()) total += pipelined_latency_s(seg, tokens);
  return total;
}

size_t index_of(const std::vector<PipeStage>& layer, const std::string& name) {
  for (size_t i = 0; i < layer.size(); ++i)
    if (layer[i].name == name) return i;
  return layer.size();
}

}  // namespace

PipelineTiming pipeline_timing(const std::vector<PipeStage>& layer, int layers, double tokens,
                               double sequences) {
  PipelineTiming p;
  std::vector<PipeStage> chain;
  for (int l = 0; l < layers; ++l) chain.insert(chain.end(), layer.begin(), layer.end());
  p.latency_sequence_s = chain_latency_s(chain, 0, chain.size(), tokens);
  const size_t kv = index_of(layer, kStageKvWrite), value = index_of(layer, kStageValue);
  if (kv < layer.size() && value < layer.size() && kv <= value) {
    std::vector<PipeStage> span(layer.begin() + static_cast<long>(kv), layer.begin() + static_cast<long>(value) + 1);
    span.front().barrier = true;
    p.kv_occupancy_s = chain_latency_s(span, 0, span.size(), tokens);
  }
  p.interval_s = p.kv_occupancy_s;
  p.bottleneck = kKvArrays;
  for (const auto& s : layer)
    if (s.time_s > p.interval_s) {
      p.interval_s = s.time_s;
      p.bottleneck = s.name;
    }
  p.latency_run_s = p.latency_sequence_s + (std::max(sequences, 1.0) - 1.0) * p.interval_s;
  p.tokens_per_s = p.interval_s > 0 ? tokens / p.interval_s : 0.0;
  for (const auto& s : layer)
    p.utilization.push_back({s.name, p.interval_s > 0 ? s.time_s / p.interval_s : 0.0});
  if (p.kv_occupancy_s > 0) p.utilization.push_back({kKvArrays, p.kv_occupancy_s / p.interval_s});
  return p;
}

}  // namespace cimchar::ppa
