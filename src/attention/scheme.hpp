// Accelerator schemes: each names how the products are computed (MatmulBackend) and how one
// head's attention is formed (AttentionCore). Registered in one explicit list (scheme.cpp);
// documented in docs/schemes.md, with presets in characterization/attention/<name>.toml.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "attention/calibration.hpp"
#include "attention/crossbar_matmul.hpp"
#include "attention/executor.hpp"
#include "core/config.hpp"
#include "core/scheme_traits.hpp"

namespace cimchar::attention {

struct NamedStats {
  std::string name;
  ProductStats stats;
  std::optional<CrossbarConfig> xbar;  // the arrays' configuration; none for digital rows
};
// The eight rows of a backend's table, named by product.
std::vector<NamedStats> named(const StatsTable& t, const std::string& prefix = "");
// The same, with the backend's configuration on its analog rows.
std::vector<NamedStats> named(const CrossbarBackend& b);

// One of a scheme's crossbar backends, by its config table ("crossbar", "approx_crossbar").
struct NamedCrossbar {
  std::string name;
  CrossbarBackend* backend = nullptr;
};

class Scheme {
 public:
  virtual ~Scheme() = default;
  virtual MatmulBackend& backend() = 0;
  virtual AttentionCore& core() = 0;
  virtual std::string describe() const = 0;
  // Named counter rows (empty for schemes that model no hardware): the eight products of the
  // main backend by product name, then any the scheme adds (approximate in-memory products,
  // digital recompute).
  virtual std::vector<NamedStats> counters() const { return {}; }
  // What its hardware needs (softmax, selector, pipeline, LUTs, digital units): written to
  // attention.h5 and all that the PPA roll-up reads of the scheme (core/scheme_traits.hpp).
  virtual SchemeTraits traits() const { return {}; }
  // Checks against the model and its input (k <= seq, ...); InputError/ConfigError.
  virtual void check(const Model&, const Batch&) const {}
  // Whether calibrate() uses the calibration split's score statistics (the calibration pass
  // runs only then).
  virtual bool wants_scores() const { return false; }
  // Sets what the config left open from `cal` (docs/schemes.md, "Calibration"), before any
  // held-out sequence runs, and returns every calibratable setting with its value and source.
  // ConfigError when the config asks for a calibration the model file cannot give.
  virtual std::vector<ChosenValue> calibrate(const CalibrationData&) { return {}; }
  // Its crossbar backends, in a fixed order (the ADC range calibration sets their full scales).
  virtual std::vector<NamedCrossbar> crossbars() { return {}; }
};

struct SchemeInfo {
  const char* name;
  const char* summary;
  // Reads the scheme's keys from the [attention] table (unknown keys are left for the caller's
  // finish()).
  std::function<std::unique_ptr<Scheme>(Section& attention, uint64_t seed)> make;
};

const std::vector<SchemeInfo>& schemes();
// ConfigError listing the known names when `name` is not one.
const SchemeInfo& find_scheme(const std::string& name);

// The `ideal` scheme: exact double-precision products and softmax.
std::unique_ptr<Scheme> make_ideal_scheme();

// Shared by the crossbar schemes: `analog_products` (default all) and [<table>.crossbar].
std::array<bool, kProductCount> parse_analog_products(Section& s,
                                                      const std::array<bool, kProductCount>& def);
CrossbarConfig parse_crossbar(Section& s, const std::string& key, const CrossbarConfig& def);

// The sparse / in-memory-softmax schemes (schemes_sparse.cpp).
std::unique_ptr<Scheme> make_attar_scheme(Section& s, uint64_t seed);
std::unique_ptr<Scheme> make_star_scheme(Section& s, uint64_t seed);
std::unique_ptr<Scheme> make_sprint_scheme(Section& s, uint64_t seed);
std::unique_ptr<Scheme> make_hardsea_scheme(Section& s, uint64_t seed);
std::unique_ptr<Scheme> make_hybrid_cim_scheme(Section& s, uint64_t seed);

}  // namespace cimchar::attention
