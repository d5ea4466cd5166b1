// Reading an attention run's workload, counters and scheme traits (rollup.hpp).
#include "ppa/rollup.hpp"

#include "core/error.hpp"
#include "core/h5.hpp"
#include "core/scheme_traits.hpp"
#include "lut/analysis_records.hpp"

namespace cimchar::ppa {

bool is_static_row(const std::string& n) {
  for (const char* p : {rows::kQProj, rows::kKProj, rows::kVProj, rows::kOProj, rows::kFfn1, rows::kFfn2})
    if (n == p) return true;
  return false;
}

const CounterRow* Workload::find(const std::string& name) const {
  for (const auto& r : rows)
    if (r.name == name) return &r;
  return nullptr;
}

double Workload::d_ff() const {
  const CounterRow* f = find(rows::kFfn1);
  return f && f->vectors > 0 ? f->macs / (f->vectors * d_model) : 0.0;
}

Workload load_workload(const std::filesystem::path& path) {
  H5Reader r(path);
  Workload w;
  w.file = path.string();
  w.scheme = r.attr_string("/", "scheme");
  w.description = r.has_attr("/", "scheme_description") ? r.attr_string("/", "scheme_description") : "";
  w.traits = read_scheme_traits(r, w.file);
  if (!r.has(lut::ProductCounters::kGroup))
    throw InputError(w.file + ": no '" + std::string(lut::ProductCounters::kGroup) + "' (scheme '" +
                     w.scheme + "' models no hardware; run a crossbar scheme)");
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
  const auto t = lut::read<lut::ProductCounters>(r);  // InputError naming file and dataset
  const auto names = t.product_names();
  if (names.size() != t.product.size())
    throw InputError(w.file + ": " + std::string(lut::ProductCounters::kGroup) + " names " +
                     std::to_string(names.size()) + " products for " +
                     std::to_string(t.product.size()) + " rows");
  for (size_t i = 0; i < names.size(); ++i) {
    CounterRow c;
    c.name = names[i];
    c.programs = t.programs[i];
    c.cell_writes = t.cell_writes[i];
    c.tiles = t.tiles[i];
    c.applies = t.applies[i];
    c.vectors = t.vectors[i];
    c.array_reads = t.array_reads[i];
    c.adc_conversions = t.adc_conversions[i];
    c.macs = t.macs[i];
    c.read_vi_W = t.read_vi[i];
    c.analog = t.xbar_rows[i] > 0;
    c.x = {t.xbar_rows[i],        t.xbar_cols[i],       t.xbar_adc_bits[i], t.xbar_dac_bits[i],
           t.xbar_input_bits[i],  t.xbar_weight_bits[i], t.xbar_bits_per_cell[i],
           t.xbar_v_read[i],      t.xbar_g_on[i],       t.xbar_g_off[i]};
    w.rows.push_back(c);
  }
  return w;
}

double softmax_elements(const Workload& w) {
  const CounterRow* ds = w.find(rows::kDigitalScores);
  const CounterRow* sc = w.find(rows::kScores);
  const double dh = w.d_head();
  return ds && ds->macs > 0 ? ds->macs / dh : (sc ? sc->macs / dh : 0.0);
}

double select_candidates(const Workload& w) {
  if (w.traits.selector != traits::kSelectDigitalTopK) return 0.0;
  const CounterRow* r = w.find(w.traits.select_over);
  if (!r)
    throw InputError(w.file + ": trait_select_over names '" + w.traits.select_over +
                     "', which is not a row of /counters (its products)");
  return r->macs / w.d_head();
}

Decision decisions(const Workload& w, const CounterRow& r, const TechCard& t, const Luts& l) {
  Decision d;
  if (w.traits.selector == traits::kSelectWta) {
    const double dh = w.d_head();
    const double keys = r.vectors > 0 && dh > 0 ? r.macs / (r.vectors * dh) : 0.0;
    const Figure f = wta_figure(t, l, keys);
    d = {r.vectors * f.energy_J, f.delay_s, f.source};  // one race per query row
  } else if (w.traits.selector == traits::kSelectThreshold) {
    const Figure f = comparator_figure(t, l);
    d = {r.adc_conversions * f.energy_J, f.delay_s, f.source};
  } else {
    throw InputError(w.file + ": counter row '" + r.name + "' ran on arrays without ADCs, but the "
                     "scheme's trait_selector is '" + w.traits.selector + "' (no comparator to cost)");
  }
  return d;
}

}  // namespace cimchar::ppa
