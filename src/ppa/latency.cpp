// Stage times of one layer on the mapped chip (rollup.hpp, docs/ppa.md "Architecture").
#include <algorithm>
#include <cmath>
#include <map>

#include "ppa/names.hpp"
#include "ppa/rollup.hpp"

namespace cimchar::ppa {

namespace {

// The stage a counter row belongs to.
const char* stage_of(const std::string& n) {
  if (n == rows::kQProj || n == rows::kKProj || n == rows::kVProj) return kStageProj;
  if (n == rows::kOProj) return kStageOutProj;
  if (n == rows::kFfn1 || n == rows::kFfn2) return kStageFfn;
  if (n == rows::kContext || n == rows::kDigitalContext) return kStageValue;
  return kStageScore;  // scores, approx_scores, digital_scores
}

// Arrays of one instance of the row's matrix (a layer's weight matrix, a head's K or V).
double tiles_per_matrix(const CounterRow& r) {
  return r.programs > 0 ? std::max(r.tiles / r.programs, 1.0) : 1.0;
}

// One read cycle of the row's arrays: the read pulse overlapped with the shared ADCs'
// conversions, or the read and the comparators' decision.
double cycle_s(const Workload& w, const CounterRow& r, const TechCard& t, const ArchCard& a, const Luts& l) {
  if (r.x.adc_bits > 0) {
    const Figure f = adc_figure(t, l, static_cast<int>(r.x.adc_bits));
    return read_cycle_s(t.t_read_s.value, r.x.cols, a.columns_per_adc(), f.delay_s);
  }
  return t.t_read_s.value + decisions(w, r, t, l).delay_s;
}

}  // namespace

ArrayDemand array_demand(const Workload& w, const ArchCard& a, const TechCard& t, const Luts& l) {
  ArrayDemand d;
  for (const auto& r : w.rows) {
    if (!r.analog || r.programs <= 0) continue;
    const double area = array_area_mm2(t, r.x.rows, r.x.cols, converter_area(w, r, t, a, l).area_mm2);
    if (is_static_row(r.name)) {  // every layer's weights, resident
      d.arrays_static += r.tiles;
      d.area_static_mm2 += r.tiles * area;
    } else {  // a head's K/V arrays, for every head of every layer
      const double n = tiles_per_matrix(r) * w.n_heads * w.n_layers;
      d.arrays_kv += n;
      d.area_kv_mm2 += n * area;
      d.kv_cols = std::max(d.kv_cols, r.x.cols);
    }
  }
  return d;
}

std::vector<PipeStage> layer_stages(const Workload& w, const TechCard& t, const ArchCard& a,
                                    const Luts& l, const Mapping& m) {
  std::map<std::string, double> st;  // whole run on one layer's hardware
  const double units = a.mac_units.value, clock = t.clock_Hz.value, heads = w.n_heads;
  double kv_write = 0, kv_arrays_per_head = 0;
  for (const auto& r : w.rows) {
    const bool stat = is_static_row(r.name);
    if (r.analog) {
      // Static products spread over the replicas; the attention core's heads run in parallel.
      const double parallel = tiles_per_matrix(r) * (stat ? m.replication : heads);
      st[stage_of(r.name)] += r.array_reads / parallel * cycle_s(w, r, t, a, l);
      if (!stat) {
        const double pulses = l.pulses_for(static_cast<int>(r.x.bits_per_cell));
        kv_write += write_time_s(r.cell_writes, r.x.cols, pulses, t.t_write_pulse_s.value);
        kv_arrays_per_head += tiles_per_matrix(r);
      }
    } else if (r.macs > 0) {
      st[stage_of(r.name)] += digital_time_s(r.macs, units, clock);
    }
  }
  // K/V writes: a row of each array at a time, as many arrays at once as the write power allows.
  st[kStageKvWrite] = kv_write / std::max(1.0, std::min(m.write_parallel, heads * kv_arrays_per_head));
  const double elems = softmax_elements(w);
  if (w.traits.softmax == traits::kSoftmaxInMemoryLut) {
    // Lookups on the score arrays' ADCs (every head's in parallel), normalization in digital.
    // Scores formed in digital (not on arrays): one lookup engine per head.
    const CounterRow* sc = w.find(rows::kScores);
    const double engines = sc && sc->analog && sc->x.cols > 0
                               ? tiles_per_matrix(*sc) * std::ceil(sc->x.cols / a.columns_per_adc()) * heads
                               : heads;
    st[kStageSoftmax] += elems * adc_figure(t, l, 8).delay_s / engines + digital_time_s(elems, units, clock);
  } else {
    st[kStageSoftmax] += digital_time_s(elems * (t.exp_poly_degree.value + 3), units, clock);
  }
  st[kStageSoftmax] += digital_time_s(select_candidates(w), units, clock);
  // Per layer and sequence; the core's stages wait for the whole sequence's K/V (barrier) and,
  // without the fine-grained trait, for each other.
  const double per = 1.0 / (static_cast<double>(w.n_layers) * w.batch);
  const bool fine = w.traits.pipeline == traits::kPipelineFineGrained;
  std::vector<PipeStage> out;
  for (const char* k : kStages) {
    const std::string n = k;
    const bool barrier = n == kStageScore || (!fine && (n == kStageSoftmax || n == kStageValue || n == kStageOutProj));
    out.push_back({n, st[n] * per, barrier});
  }
  return out;
}

}  // namespace cimchar::ppa
