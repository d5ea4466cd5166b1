// PPA roll-up (rollup.hpp): map, cost, pipeline, compare; formulas in docs/ppa.md.
#include "ppa/rollup.hpp"

#include <algorithm>
#include <numeric>

#include "ppa/gpu_model.hpp"
#include "ppa/names.hpp"

namespace cimchar::ppa {

double pipelined_latency_s(const std::vector<double>& stage_totals, double items) {
  if (stage_totals.empty()) return 0.0;
  const double n = std::max(items, 1.0);
  const double one = std::accumulate(stage_totals.begin(), stage_totals.end(), 0.0) / n;
  const double slowest = *std::max_element(stage_totals.begin(), stage_totals.end()) / n;
  return one + (n - 1.0) * slowest;
}

namespace {

// 2 x the MACs of the dense layer (what a GPU computes), whole run; and of Q K^T and P V alone.
std::pair<double, double> dense_ops(const Workload& w) {
  const double B = w.batch, S = w.seq, H = w.n_heads, d = w.d_model, dh = w.d_head(), dff = w.d_ff();
  double mac = 0;
  for (const char* p : {rows::kQProj, rows::kKProj, rows::kVProj, rows::kOProj})
    if (w.find(p)) mac += B * S * d * d;
  if (dff > 0) mac += 2 * B * S * d * dff;
  const double att = 2 * B * H * S * S * dh;
  return {2.0 * (mac + att) * w.n_layers, 2.0 * att * w.n_layers};
}

GpuResult compare_gpu(const Workload& w, const GpuCard& gpu, const Result& res) {
  GpuShape shape{double(w.batch), double(w.seq), double(w.d_model), double(w.n_heads), w.d_ff(), w.n_layers, 0};
  for (const char* p : {rows::kQProj, rows::kKProj, rows::kVProj, rows::kOProj})
    if (w.find(p)) ++shape.projections;
  const GpuBaseline b = gpu_baseline(gpu, shape);
  GpuResult g;
  g.name = b.name;
  g.basis = b.basis;
  g.flops = b.flops;
  g.bytes = b.bytes;
  g.time_s = b.time_s;
  g.energy_J = b.energy_J;
  g.core_time_s = b.core_time_s;
  g.core_energy_J = b.core_energy_J;
  auto ratio = [](double num, double den) { return den > 0 ? num / den : 0.0; };
  g.speedup = ratio(g.time_s, res.latency_s);
  g.energy_ratio = ratio(g.energy_J, res.energy_total_J);
  g.core_speedup = ratio(g.core_time_s, res.latency_core_s);
  g.core_energy_ratio = ratio(g.core_energy_J, res.energy_core_J);
  g.time_launch_s = b.time_launch_s;
  g.core_time_launch_s = b.core_time_launch_s;
  g.speedup_launch = ratio(g.time_launch_s, res.latency_s);
  g.core_speedup_launch = ratio(g.core_time_launch_s, res.latency_core_s);
  return g;
}

void set_timing(Result& res, const Workload& w, const std::vector<PipeStage>& layer) {
  res.timing = pipeline_timing(layer, w.n_layers, w.seq, w.batch);
  for (const auto& s : layer) {
    res.stages.push_back({s.name, s.time_s});
    res.latency_sum_s += s.time_s;
    res.latency_max_stage_s = std::max(res.latency_max_stage_s, s.time_s);
  }
  res.latency_s = res.timing.latency_run_s;
  res.latency_sequence_s = res.timing.latency_sequence_s;
  // The attention core: every layer's K/V arrays busy in turn for the first sequence, then one
  // occupancy per further sequence.
  res.latency_core_s = (w.n_layers + w.batch - 1.0) * res.timing.kv_occupancy_s;
  res.pipeline = w.traits.pipeline;
  res.pipeline_items = w.seq;
  res.throughput_tokens_s = res.timing.tokens_per_s;
}

// The weight arrays' read cycle (the first crossbar row read by an ADC) and its ADC figure.
void set_speed_assumptions(Result& res, const Workload& w, const TechCard& t, const ArchCard& a,
                           const Luts& l) {
  res.columns_per_adc = a.columns_per_adc();
  for (const auto& r : w.rows) {
    if (!r.analog || r.x.adc_bits <= 0) continue;
    const Figure f = adc_figure(t, l, static_cast<int>(r.x.adc_bits));
    res.adc_conversion_s = f.delay_s;
    res.adc_energy_J = f.energy_J;
    res.adc_source = f.source;
    res.read_cycle_s = read_cycle_s(t.t_read_s.value, r.x.cols, a.columns_per_adc(), f.delay_s);
    return;
  }
}

}  // namespace

Result roll_up(const Workload& w, const TechCard& t, const ArchCard& a, const Luts& l,
               const GpuCard* gpu) {
  Result res;
  res.scheme = w.scheme;
  res.file = w.file;
  res.n_layers = w.n_layers;
  res.traits = w.traits;
  res.mapping = map_weights(a, t, array_demand(w, a, t, l), w.seq);
  const Area area = area_of(w, t, a, l, res.mapping);
  res.area_mm2 = area.parts;
  for (const auto& [k, v] : res.area_mm2) res.area_total_mm2 += v;
  const Energy e = energy_of(w, t, l, res.area_total_mm2);
  res.energy_J = e.parts;
  res.energy_total_J = e.total_J;
  res.energy_core_J = e.core_J;
  res.static_write_energy_J = e.static_write_J * res.mapping.replication;  // every replica programmed
  res.sources = e.sources;
  res.sources.insert(res.sources.end(), area.sources.begin(), area.sources.end());
  set_timing(res, w, layer_stages(w, t, a, l, res.mapping));
  set_speed_assumptions(res, w, t, a, l);

  for (const auto& r : w.rows) res.ops += 2.0 * r.macs;
  std::tie(res.ops_dense, res.ops_core_dense) = dense_ops(w);
  // Steady state: dense operations per token x tokens per second.
  const double tokens = static_cast<double>(w.batch) * w.seq;
  res.throughput_ops_s = res.ops_dense / tokens * res.throughput_tokens_s;
  res.tops_per_w = res.energy_total_J > 0 ? res.ops_dense / res.energy_total_J / 1e12 : 0.0;
  res.tops_per_w_core = res.energy_core_J > 0 ? res.ops_core_dense / res.energy_core_J / 1e12 : 0.0;
  res.gops_per_mm2 = res.area_total_mm2 > 0 ? res.throughput_ops_s / 1e9 / res.area_total_mm2 : 0.0;
  if (gpu) res.gpu = compare_gpu(w, *gpu, res);
  return res;
}

}  // namespace cimchar::ppa
