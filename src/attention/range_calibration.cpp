#include "attention/range_calibration.hpp"

#include <algorithm>
#include <cstdio>

#include "core/error.hpp"

namespace cimchar::attention {

namespace {

bool open_range(const CrossbarConfig& c) { return c.adc_bits > 0 && !c.adc_full_scale_given; }

std::string g4(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.4g", v);
  return b;
}

// The values of a crossbar whose range is not calibrated: the config's or the default.
ChosenValue fixed_value(const NamedCrossbar& x, bool have_split) {
  const CrossbarConfig& c = x.backend->config();
  return {x.name + ".adc_full_scale", c.adc_full_scale,
          c.adc_full_scale_given ? "config" : have_split ? "default" : "default (no calibration split)",
          ""};
}

}  // namespace

double covering_full_scale(double peak_fraction) { return std::clamp(peak_fraction, 1e-9, 10.0); }

bool needs_adc_ranges(Scheme& s) {
  for (const NamedCrossbar& x : s.crossbars())
    if (open_range(x.backend->config())) return true;
  return false;
}

std::vector<ChosenValue> calibrate_adc_ranges(const Model& model, const Batch* calibration,
                                              Scheme* probe, Scheme& target, Scheme* also,
                                              int max_sequences) {
  std::vector<NamedCrossbar> tx = target.crossbars();
  std::vector<ChosenValue> out;
  if (!calibration || !probe || calibration->size() == 0) {
    for (const NamedCrossbar& x : tx)
      if (x.backend->config().adc_bits > 0)
        out.push_back(fixed_value(x, calibration && calibration->size() > 0));
    return out;
  }
  std::vector<NamedCrossbar> px = probe->crossbars();
  CIMCHAR_CHECK(px.size() == tx.size(), "range calibration: probe and target differ");
  for (const NamedCrossbar& x : px)
    if (open_range(x.backend->config())) x.backend->record_ranges(true);
  const int n = std::min(calibration->size(), max_sequences);
  {
    Executor ex(model, probe->backend(), probe->core());
    for (int b = 0; b < n; ++b) ex.run_sequence(*calibration, b);
  }
  std::vector<NamedCrossbar> ax = also ? also->crossbars() : std::vector<NamedCrossbar>{};
  for (size_t i = 0; i < px.size(); ++i) {
    CrossbarBackend& p = *px[i].backend;
    if (!open_range(p.config())) {
      if (p.config().adc_bits > 0) out.push_back(fixed_value(tx[i], true));
      continue;
    }
    p.record_ranges(false);
    for (int k = 0; k < kProductCount; ++k) {
      const auto prod = static_cast<Product>(k);
      const RangePeak& pk = p.range_peak(prod);
      if (!p.analog(prod) || pk.reads() == 0 || !(pk.peak() > 0)) continue;
      const double fs = covering_full_scale(pk.peak());
      tx[i].backend->set_adc_full_scale(prod, fs);
      if (i < ax.size()) ax[i].backend->set_adc_full_scale(prod, fs);
      out.push_back({tx[i].name + ".adc_full_scale." + product_name(prod), fs, "calibration",
                     "largest column current over " + std::to_string(pk.reads()) +
                         " tile reads of " + std::to_string(n) + " calibration sequences: " +
                         g4(pk.peak()) + " of a full tile's"});
    }
  }
  return out;
}

}  // namespace cimchar::attention
