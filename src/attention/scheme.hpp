// Accelerator schemes: each names how the products are computed (MatmulBackend) and how one
// head's attention is formed (AttentionCore). Registered in one explicit list (scheme.cpp);
// documented in docs/schemes.md, with presets in characterization/attention/<name>.toml.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "attention/crossbar_matmul.hpp"
#include "attention/executor.hpp"
#include "core/config.hpp"

namespace cimchar::attention {

class Scheme {
 public:
  virtual ~Scheme() = default;
  virtual MatmulBackend& backend() = 0;
  virtual AttentionCore& core() = 0;
  virtual std::string describe() const = 0;
  // Counters per product (null for schemes that model no hardware).
  virtual const StatsTable* stats() const { return nullptr; }
  // Checks against the model and its input (k <= seq, ...); InputError/ConfigError.
  virtual void check(const Model&, const Batch&) const {}
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

}  // namespace cimchar::attention
