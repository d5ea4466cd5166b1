// libFuzzer target: the .npy reader (src/core/npy). Input: the bytes of a .npy file. An accepted
// file must give as many values as its shape says.
#include <string_view>

#include "core/npy.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cimchar;
  const auto path = fuzz::write_scratch("input.npy", {reinterpret_cast<const char*>(data), size});
  std::vector<size_t> dims;
  std::vector<double> values;
  if (!fuzz::accepts([&] { values = read_npy(path, &dims); })) return 0;
  size_t n = 1;
  for (size_t d : dims) n *= d;
  if (n != values.size())
    fuzz::invariant_failed("shape says " + std::to_string(n) + " values, the reader gave " +
                           std::to_string(values.size()));
  return 0;
}
