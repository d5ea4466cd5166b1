#include "attention/scheme.hpp"

#include "core/error.hpp"

namespace cimchar::attention {

namespace {

class IdealScheme final : public Scheme {
 public:
  MatmulBackend& backend() override { return backend_; }
  AttentionCore& core() override { return core_; }
  std::string describe() const override { return "double-precision products and softmax"; }

 private:
  IdealBackend backend_;
  SoftmaxCore core_;
};

// Every product analog on crossbars read by ADCs; softmax digital and exact (the baseline of
// ISAAC/PRIME-style accelerators applied to attention, as in ReTransformer, Yang et al.,
// ICCAD 2020, where QK^T and S V run on ReRAM after K and V are written).
class RramBaselineScheme final : public Scheme {
 public:
  RramBaselineScheme(CrossbarConfig cfg, std::array<bool, kProductCount> analog, uint64_t seed)
      : backend_(std::move(cfg), CrossbarParts{}, analog, seed) {}
  MatmulBackend& backend() override { return backend_; }
  AttentionCore& core() override { return core_; }
  std::vector<NamedStats> counters() const override { return named(backend_); }
  SchemeTraits traits() const override {
    SchemeTraits t;
    t.luts = {"cell", "adc"};
    t.digital_units = {"softmax"};
    return t;
  }
  std::string describe() const override {
    std::string products;
    for (int p = 0; p < kProductCount; ++p)
      if (backend_.analog(static_cast<Product>(p)))
        products += std::string(products.empty() ? "" : ", ") + product_name(static_cast<Product>(p));
    return "analog products [" + products + "] on " +
           backend_.config().describe() + "; digital softmax";
  }
  std::vector<NamedCrossbar> crossbars() override { return {{"crossbar", &backend_}}; }

 private:
  CrossbarBackend backend_;
  SoftmaxCore core_;
};

}  // namespace

std::vector<NamedStats> named(const StatsTable& t, const std::string& prefix) {
  std::vector<NamedStats> out;
  for (int p = 0; p < kProductCount; ++p)
    out.push_back({prefix + product_name(static_cast<Product>(p)), t[static_cast<size_t>(p)], std::nullopt});
  return out;
}

std::vector<NamedStats> named(const CrossbarBackend& b) {
  std::vector<NamedStats> out = named(b.stats());
  for (int p = 0; p < kProductCount; ++p)
    if (b.analog(static_cast<Product>(p))) out[static_cast<size_t>(p)].xbar = b.config();
  return out;
}

CrossbarConfig parse_crossbar(Section& s, const std::string& key, const CrossbarConfig& def) {
  Section xb = s.sub(key);
  CrossbarConfig cfg = CrossbarConfig::parse(xb, def);
  xb.finish();
  return cfg;
}

std::array<bool, kProductCount> parse_analog_products(Section& s,
                                                      const std::array<bool, kProductCount>& def) {
  std::vector<std::string> all, defaults;
  for (int p = 0; p < kProductCount; ++p) {
    all.push_back(product_name(static_cast<Product>(p)));
    if (def[static_cast<size_t>(p)]) defaults.push_back(all.back());
  }
  const auto names = s.get_strings("analog_products", defaults);
  std::array<bool, kProductCount> on{};
  for (const auto& n : names) {
    bool found = false;
    for (int p = 0; p < kProductCount; ++p)
      if (n == all[static_cast<size_t>(p)]) on[static_cast<size_t>(p)] = found = true;
    if (!found) {
      std::string list;
      for (const auto& a : all) list += (list.empty() ? "" : ", ") + a;
      s.fail("analog_products", "unknown product '" + n + "' (known: " + list + ")");
    }
  }
  return on;
}

std::unique_ptr<Scheme> make_ideal_scheme() { return std::make_unique<IdealScheme>(); }

const std::vector<SchemeInfo>& schemes() {
  static const std::vector<SchemeInfo> list = {
      {"ideal", "double-precision reference: exact products and softmax, no crossbar",
       [](Section&, uint64_t) { return make_ideal_scheme(); }},
      {"rram-baseline",
       "every product (Q/K/V/O, QK^T, S V, FFN) on RRAM crossbars with ADCs, digital softmax",
       [](Section& s, uint64_t seed) -> std::unique_ptr<Scheme> {
         std::array<bool, kProductCount> all;
         all.fill(true);
         auto analog = parse_analog_products(s, all);
         return std::make_unique<RramBaselineScheme>(parse_crossbar(s, "crossbar", {}), analog,
                                                     seed);
       }},
      {"attar",
       "top-k pruning of quantized scores and an RRAM in-memory softmax (exp by lookup)",
       make_attar_scheme},
      {"star", "RRAM softmax engine: CAM max, subtraction, exp by crossbar lookup, set precision",
       make_star_scheme},
      {"sprint",
       "scores approximated in ReRAM, pruned by an analog threshold comparator, kept keys "
       "recomputed exactly in digital",
       make_sprint_scheme},
      {"hardsea",
       "token relevance by product quantization on ReRAM, top tokens by a time-domain k-WTA, "
       "exact sparse attention in digital (SRAM-CIM)",
       make_hardsea_scheme},
      {"hybrid-cim",
       "analog in-memory score estimate prunes a fraction of tokens (0.75), a digital core "
       "computes the rest exactly",
       make_hybrid_cim_scheme},
  };
  return list;
}

const SchemeInfo& find_scheme(const std::string& name) {
  std::string known;
  for (const auto& s : schemes()) {
    if (s.name == name) return s;
    known += (known.empty() ? "" : ", ") + std::string(s.name);
  }
  throw ConfigError("unknown scheme '" + name + "' (known: " + known + ")");
}

}  // namespace cimchar::attention
