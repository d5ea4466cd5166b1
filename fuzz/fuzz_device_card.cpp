// libFuzzer target: the device-card reader (src/core/param_table, and the card's [variation]
// table, src/device/variation). Input: the text of a card, read from a folder that holds the
// shipped model libraries (so `lib = "stanford_asu.lib"` resolves). An accepted card must hold
// every default inside its range, and setting a parameter to its bounds must be accepted.
#include <string_view>

#include "core/param_table.hpp"
#include "device/variation.hpp"
#include "fuzz_support.hpp"

namespace {
void link_libraries() {
  namespace fs = std::filesystem;
  for (const auto& e : fs::directory_iterator(cimchar::fuzz::source_dir() / "devices"))
    if (e.path().extension() == ".lib")
      fs::create_symlink(e.path(), cimchar::fuzz::scratch_dir() / e.path().filename());
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  link_libraries();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cimchar;
  const auto path = fuzz::write_scratch("card.toml", {reinterpret_cast<const char*>(data), size});
  ParamTable card;
  if (!fuzz::accepts([&] { card = ParamTable::load_card(path); })) return 0;
  for (const auto& s : card.specs()) {
    const double v = card.get(s.name);
    if (!(v >= s.min && v <= s.max))
      fuzz::invariant_failed("parameter " + s.name + " default outside its range");
    card.set(s.name, s.min);
    card.set(s.name, s.max);
  }
  device::VariationParams vp;
  fuzz::accepts([&] { vp.read_card(path); });
  return 0;
}
