// PPA roll-up (rollup.hpp); formulas in docs/ppa.md.
#include "ppa/rollup.hpp"

#include "ppa/gpu_model.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "core/error.hpp"
#include "core/h5.hpp"

namespace cimchar::ppa {

namespace {

bool is_static(const std::string& n) {
  return n == "q_proj" || n == "k_proj" || n == "v_proj" || n == "o_proj" || n == "ffn1" ||
         n == "ffn2";
}

// The latency stage a counter row belongs to.
std::string stage_of(const std::string& n) {
  if (n == "q_proj" || n == "k_proj" || n == "v_proj") return "proj";
  if (n == "o_proj") return "out_proj";
  if (n == "ffn1" || n == "ffn2") return "ffn";
  if (n == "context" || n == "digital_context") return "value";
  return "score";  // scores, approx_scores, digital_scores
}

const std::vector<std::string> kStages{"proj", "kv_write", "score", "softmax", "value", "out_proj", "ffn"};
const std::vector<std::string> kEnergy{"xbar_read", "xbar_write", "dac",    "adc",
                                       "comparator", "shift_add", "digital_mac", "softmax",
                                       "select",    "buffer",    "interconnect"};

}  // namespace

const CounterRow* Workload::find(const std::string& name) const {
  for (const auto& r : rows)
    if (r.name == name) return &r;
  return nullptr;
}

double Workload::d_ff() const {
  const CounterRow* f = find("ffn1");
  return f && f->vectors > 0 ? f->macs / (f->vectors * d_model) : 0.0;
}

Workload load_workload(const std::filesystem::path& path) {
  H5Reader r(path);
  Workload w;
  w.file = path.string();
  w.scheme = r.attr_string("/", "scheme");
  w.description = r.has_attr("/", "scheme_description") ? r.attr_string("/", "scheme_description") : "";
  if (!r.has("/counters/products"))
    throw InputError(w.file + ": no '/counters/products' (scheme '" + w.scheme +
                     "' models no hardware; run a crossbar scheme)");
  for (const char* a : {"d_model", "n_heads", "n_layers", "batch", "seq"})
    if (!r.has_attr("/", a))
      throw InputError(w.file + ": no root attribute '" + a + "' (written by cimchar attention "
                       "since the PPA roll-up; rerun the attention run)");
  w.d_model = static_cast<int>(r.attr_double("/", "d_model"));
  w.n_heads = static_cast<int>(r.attr_double("/", "n_heads"));
  w.n_layers = static_cast<int>(r.attr_double("/", "n_layers"));
  w.batch = static_cast<int>(r.attr_double("/", "batch"));
  w.seq = static_cast<int>(r.attr_double("/", "seq"));
  if (w.d_model <= 0 || w.n_heads <= 0 || w.n_layers <= 0 || w.batch <= 0 || w.seq <= 0)
    throw InputError(w.file + ": non-positive workload shape attribute");
  const auto names = r.read_strings("/counters/products");
  auto col = [&](const std::string& n) {
    auto v = r.read("/counters/" + n);
    if (v.size() != names.size())
      throw InputError(w.file + ": '/counters/" + n + "' has " + std::to_string(v.size()) +
                       " rows, '/counters/products' " + std::to_string(names.size()));
    return v;
  };
  const auto programs = col("programs"), cell_writes = col("cell_writes"), tiles = col("tiles"),
             applies = col("applies"), vectors = col("vectors"), reads = col("array_reads"),
             conv = col("adc_conversions"), macs = col("macs"), vi = col("read_vi");
  const auto xr = col("xbar/rows"), xc = col("xbar/cols"), xa = col("xbar/adc_bits"),
             xd = col("xbar/dac_bits"), xi = col("xbar/input_bits"), xw = col("xbar/weight_bits"),
             xb = col("xbar/bits_per_cell"), xv = col("xbar/v_read"), xon = col("xbar/g_on"),
             xoff = col("xbar/g_off");
  for (size_t i = 0; i < names.size(); ++i) {
    CounterRow c;
    c.name = names[i];
    c.programs = programs[i];
    c.cell_writes = cell_writes[i];
    c.tiles = tiles[i];
    c.applies = applies[i];
    c.vectors = vectors[i];
    c.array_reads = reads[i];
    c.adc_conversions = conv[i];
    c.macs = macs[i];
    c.read_vi_W = vi[i];
    c.analog = xr[i] > 0;
    c.x = {xr[i], xc[i], xa[i], xd[i], xi[i], xw[i], xb[i], xv[i], xon[i], xoff[i]};
    w.rows.push_back(c);
  }
  return w;
}

double pipelined_latency_s(const std::vector<double>& stage_totals, double items) {
  if (stage_totals.empty()) return 0.0;
  const double n = std::max(items, 1.0);
  const double one = std::accumulate(stage_totals.begin(), stage_totals.end(), 0.0) / n;
  const double slowest = *std::max_element(stage_totals.begin(), stage_totals.end()) / n;
  return one + (n - 1.0) * slowest;
}

Result roll_up(const Workload& w, const TechCard& t, const Luts& l, const GpuCard* gpu) {
  Result res;
  res.scheme = w.scheme;
  res.file = w.file;
  res.n_layers = w.n_layers;
  std::map<std::string, double> e, st, area;
  for (const auto& k : kEnergy) e[k] = 0;
  for (const auto& k : kStages) st[k] = 0;
  const double dh = w.d_head(), d = w.d_model, dff = w.d_ff();
  res.sources.push_back({"write_pulses", !l.write_pulses.empty() ? l.write_pulses_source
                                                         : "1 pulse per cell (no cell.h5: write without verify)"});
  const bool in_memory_softmax = w.scheme == "star" || w.scheme == "attar";
  const double clock = t.clock_Hz.value, units = t.mac_units.value;
  double sram_elems = 0, sram_core = 0;
  double e_core = 0;  // the attention core: score, softmax, value and the K/V writes
  auto add = [&](const std::string& k, double v, bool core) {
    e[k] += v;
    if (core) e_core += v;
  };
  bool used_adc = false, used_cmp = false, used_wta = false;

  for (const auto& r : w.rows) {
    const bool stat = is_static(r.name);
    const std::string stage = stage_of(r.name);
    if (r.analog) {
      add("xbar_read", xbar_read_energy_J(r.read_vi_W, t.t_read_s.value), !stat);
      const double pulses = l.pulses_for(static_cast<int>(r.x.bits_per_cell));
      const double we = write_energy_J(r.cell_writes, pulses, t.e_write_pulse_J.value);
      const double wt = write_time_s(r.cell_writes, r.x.cols, pulses, t.t_write_pulse_s.value);
      if (stat) {
        res.static_write_energy_J += we;
      } else {
        add("xbar_write", we, !stat);
        st["kv_write"] += wt;
      }
      add("dac", dac_energy_J(r.array_reads, r.x.rows, static_cast<int>(r.x.dac_bits), t.e_dac_row_J.value), !stat);
      const double par_tiles = r.programs > 0 ? std::max(r.tiles / r.programs, 1.0) : 1.0;
      double cycle = t.t_read_s.value;
      if (r.x.adc_bits > 0) {
        const Figure a = adc_figure(t, l, static_cast<int>(r.x.adc_bits));
        used_adc = true;
        add("adc", r.adc_conversions * a.energy_J, !stat);
        add("shift_add", r.adc_conversions * t.e_add32_J.value, !stat);
        cycle = read_cycle_s(t.t_read_s.value, r.x.cols, t.columns_per_adc.value, a.delay_s);
      } else if (w.scheme == "hardsea") {
        const double keys = r.vectors > 0 && dh > 0 ? r.macs / (r.vectors * dh) : 0.0;
        const Figure f = wta_figure(t, l, keys);
        used_wta = true;
        add("comparator", r.vectors * f.energy_J, !stat);  // one race per query row
        cycle = t.t_read_s.value + f.delay_s;
      } else {
        const Figure f = comparator_figure(t, l);
        used_cmp = true;
        add("comparator", r.adc_conversions * f.energy_J, !stat);
        cycle = t.t_read_s.value + f.delay_s;
      }
      st[stage] += r.array_reads / par_tiles * cycle;
    } else if (r.macs > 0) {
      add("digital_mac", r.macs * t.e_mac8_J.value, !stat);
      st[stage] += digital_time_s(r.macs, units, clock);
    }
    // Buffer traffic in elements (8-bit): inputs and outputs of every product.
    if (r.vectors > 0) {
      double in = 0, out = 0;
      if (r.name == "ffn1") {
        in = d;
        out = dff;
      } else if (r.name == "ffn2") {
        in = dff;
        out = d;
      } else if (stat) {
        in = out = d;
      } else if (r.name == "context") {
        in = r.macs / (r.vectors * dh);
        out = dh;
      } else {  // scores, approx_scores: query in, one score per key out; digital: fetched rows
        in = dh;
        out = r.macs / (r.vectors * dh);
      }
      sram_elems += r.vectors * (in + out);
      if (!stat) sram_core += r.vectors * (in + out);
    }
  }

  // Softmax over the scores that are kept (the recomputed ones for the pruning schemes).
  const CounterRow* ds = w.find("digital_scores");
  const CounterRow* sc = w.find("scores");
  const CounterRow* ap = w.find("approx_scores");
  const double elems = ds && ds->macs > 0 ? ds->macs / dh : (sc ? sc->macs / dh : 0.0);
  if (in_memory_softmax) {
    // Crossbar LUT softmax (STAR/Attar): per element one 8-bit lookup read (a row drive and a
    // conversion) and the subtraction of the row maximum; normalization in digital.
    const Figure a = adc_figure(t, l, 8);
    add("softmax", elems * (a.energy_J + t.e_dac_row_J.value + t.e_add32_J.value + t.e_fp16_mult_J.value), true);
    const double engines = sc && sc->programs > 0 ? std::max(sc->tiles / sc->programs, 1.0) *
                                                        std::ceil(sc->x.cols / t.columns_per_adc.value)
                                                  : 1.0;
    st["softmax"] += elems * a.delay_s / engines + digital_time_s(elems, units, clock);
    used_adc = true;
  } else {
    // Digital: max (compare), exp (polynomial), sum (add), normalize (multiply by 1/sum).
    add("softmax", elems * (t.e_exp_J() + 2 * t.e_fp16_add_J.value + t.e_fp16_mult_J.value), true);
    st["softmax"] += digital_time_s(elems * (t.exp_poly_degree.value + 3), units, clock);
  }
  // Top-k selection in digital: one comparison per candidate score.
  double cand = 0;
  if (w.scheme == "attar" && sc) cand = sc->macs / dh;
  if (w.scheme == "hybrid-cim" && ap) cand = ap->macs / dh;
  add("select", cand * t.e_add32_J.value, true);
  st["softmax"] += digital_time_s(cand, units, clock);

  // Area from component counts: resident tiles (every layer's weights; one head's K/V arrays,
  // reused), their ADCs and row drivers, the MAC units and the buffer.
  double cells = 0, adcs = 0, dacs = 0;
  for (const auto& r : w.rows) {
    if (!r.analog || r.programs <= 0) continue;
    const double tiles = is_static(r.name) ? r.tiles : r.tiles / r.programs;
    cells += tiles * r.x.rows * r.x.cols;
    dacs += tiles * r.x.rows;
    if (r.x.adc_bits > 0) adcs += tiles * std::ceil(r.x.cols / t.columns_per_adc.value);
  }
  const double buffer_kb = 8.0 * (4 * w.seq * d + w.seq * dff + static_cast<double>(w.seq) * w.seq) / 8192.0;
  area["arrays"] = cells * t.cell_area_mm2();
  area["adc"] = adcs * t.adc_area_mm2.value;
  area["dac"] = dacs * t.dac_area_mm2.value;
  area["digital"] = units * t.mac8_area_um2.value * 1e-6;
  area["buffer"] = buffer_kb * t.sram_area_per_kb_mm2.value;
  for (const char* k : {"arrays", "adc", "dac", "digital", "buffer"}) {
    res.area_mm2.push_back({k, area[k]});
    res.area_total_mm2 += area[k];
  }
  const double bits = 8.0 * sram_elems;
  e["buffer"] = bits * t.sram_e_bit_J.value;
  e["interconnect"] = bits * t.noc_e_bit_mm_J.value * 0.5 * std::sqrt(res.area_total_mm2);
  e_core += 8.0 * sram_core * (t.sram_e_bit_J.value + t.noc_e_bit_mm_J.value * 0.5 * std::sqrt(res.area_total_mm2));
  res.energy_core_J = e_core;

  for (const auto& k : kEnergy) {
    res.energy_J.push_back({k, e[k]});
    res.energy_total_J += e[k];
  }
  std::vector<double> totals;
  for (const auto& k : kStages) {
    res.stages.push_back({k, st[k]});
    res.latency_sum_s += st[k];
    res.latency_max_stage_s = std::max(res.latency_max_stage_s, st[k]);
  }
  if (w.scheme == "star") {
    // STAR's fine-grained pipeline: query rows stream through score, softmax and value.
    res.pipeline = "fine-grained (score, softmax, value)";
    res.pipeline_items = sc ? sc->vectors : 1.0;
    const double inner = pipelined_latency_s({st["score"], st["softmax"], st["value"]}, res.pipeline_items);
    res.latency_s = res.latency_sum_s - st["score"] - st["softmax"] - st["value"] + inner;
    res.latency_core_s = st["kv_write"] + inner;
  } else {
    res.pipeline = "sequential";
    res.pipeline_items = 1;
    res.latency_s = res.latency_sum_s;
    res.latency_core_s = st["kv_write"] + st["score"] + st["softmax"] + st["value"];
  }

  // Work: executed MACs, and the dense layer's (what a GPU computes).
  for (const auto& r : w.rows) res.ops += 2.0 * r.macs;
  const double B = w.batch, S = w.seq, H = w.n_heads, Lr = w.n_layers;
  const double mac_proj = B * S * d * d, mac_ffn = B * S * d * dff, mac_att = B * H * S * S * dh;
  double mac_dense = 0;
  for (const char* p : {"q_proj", "k_proj", "v_proj", "o_proj"})
    if (w.find(p)) mac_dense += mac_proj;
  if (dff > 0) mac_dense += 2 * mac_ffn;
  mac_dense += 2 * mac_att;
  mac_dense *= Lr;
  res.ops_dense = 2.0 * mac_dense;
  res.throughput_ops_s = res.latency_s > 0 ? res.ops_dense / res.latency_s : 0.0;
  res.tops_per_w = res.energy_total_J > 0 ? res.ops_dense / res.energy_total_J / 1e12 : 0.0;
  res.ops_core_dense = 2.0 * 2 * mac_att * Lr;
  res.tops_per_w_core = res.energy_core_J > 0 ? res.ops_core_dense / res.energy_core_J / 1e12 : 0.0;
  res.gops_per_mm2 = res.area_total_mm2 > 0 ? res.throughput_ops_s / 1e9 / res.area_total_mm2 : 0.0;

  if (used_adc) res.sources.push_back({"adc", adc_figure(t, l, 8).source});
  if (used_cmp) res.sources.push_back({"comparator", comparator_figure(t, l).source});
  if (used_wta) res.sources.push_back({"wta", wta_figure(t, l, 1).source});

  if (gpu) {
    GpuShape shape{double(w.batch), double(w.seq), double(d), double(w.n_heads), double(dff), w.n_layers, 0};
    for (const char* p : {"q_proj", "k_proj", "v_proj", "o_proj"})
      if (w.find(p)) ++shape.projections;
    const GpuBaseline b = gpu_baseline(*gpu, shape);
    GpuResult g;
    g.name = b.name;
    g.basis = b.basis;
    g.flops = b.flops;
    g.bytes = b.bytes;
    g.time_s = b.time_s;
    g.energy_J = b.energy_J;
    g.core_time_s = b.core_time_s;
    g.core_energy_J = b.core_energy_J;
    g.speedup = res.latency_s > 0 ? g.time_s / res.latency_s : 0.0;
    g.energy_ratio = res.energy_total_J > 0 ? g.energy_J / res.energy_total_J : 0.0;
    g.core_speedup = res.latency_core_s > 0 ? g.core_time_s / res.latency_core_s : 0.0;
    g.core_energy_ratio = res.energy_core_J > 0 ? g.core_energy_J / res.energy_core_J : 0.0;
    res.gpu = g;
  }
  return res;
}

}  // namespace cimchar::ppa
