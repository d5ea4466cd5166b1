// The one list of models with a C++ twin, looked up by the card's [model] name.
#include "core/error.hpp"
#include "device/asu.hpp"
#include "device/stanford_asu.hpp"
#include "device/vteam.hpp"

namespace cimchar::device {

bool has_twin(const ParamTable& card) {
  const std::string& n = card.model_name();
  return n == "stanford_asu" || n == "asu" || n == "vteam";
}

std::unique_ptr<CompactModel> make_model(const ParamTable& card) {
  if (card.model_name() == "stanford_asu") return std::make_unique<StanfordAsu>(card);
  if (card.model_name() == "asu") return std::make_unique<Asu>(card);
  if (card.model_name() == "vteam") return std::make_unique<Vteam>(card);
  throw ConfigError(card.card_path().string(), "model.name", 0,
                    "model '" + card.model_name() + "' has no C++ twin (known: stanford_asu, asu, vteam)");
}

}  // namespace cimchar::device
