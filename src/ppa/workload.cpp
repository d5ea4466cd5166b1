// Reading an attention run's workload, counters and scheme traits (rollup.hpp).
#include "ppa/rollup.hpp"

#include "core/error.hpp"
#include "core/h5.hpp"
#include "core/scheme_traits.hpp"

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
                     "', which is not in /counters/products");
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
