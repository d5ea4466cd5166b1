// Malformed .npy headers (found by fuzz/fuzz_npy.cpp; reproducers in fuzz/corpus/npy/): each is
// an InputError that names the file, raised before anything the header claims is allocated.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/error.hpp"
#include "core/npy.hpp"

using namespace cimchar;
namespace fs = std::filesystem;

namespace {

// A version-1 .npy file with the given header dict and `data_bytes` zero bytes of data.
fs::path npy_with_header(const std::string& name, std::string dict, size_t data_bytes) {
  while ((10 + dict.size() + 1) % 64) dict += ' ';
  dict += '\n';
  const fs::path p = fs::temp_directory_path() / ("cimchar_npy_" + name + ".npy");
  std::ofstream out(p, std::ios::binary);
  out.write("\x93NUMPY\x01\x00", 8);
  const char len[2] = {static_cast<char>(dict.size() & 0xff), static_cast<char>(dict.size() >> 8)};
  out.write(len, 2);
  out << dict << std::string(data_bytes, '\0');
  return p;
}

std::string message_of(const fs::path& p) {
  std::vector<size_t> dims;
  try {
    read_npy(p, &dims);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no InputError)";
}

}  // namespace

TEST(NpyHeaders, AWellFormedHeaderStillReads) {
  const auto p = npy_with_header("good", "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", 48);
  std::vector<size_t> dims;
  EXPECT_EQ(read_npy(p, &dims).size(), 6u);
  EXPECT_EQ(dims, (std::vector<size_t>{2, 3}));
}

TEST(NpyHeaders, MalformedShapesAreInputErrorsNamingTheFile) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"nonnumeric", "(a, 3)"},            // was std::invalid_argument from stoull
      {"negative", "(-2, 3)"},             // was a wrapped huge size_t
      {"overflow", "(99999999999999999999999, 3)"},  // was std::out_of_range
      {"huge", "(4294967296, 4294967296)"},  // was std::bad_alloc (or a product that wraps)
      {"claims_more", "(1000000, 1000)"},  // 48 bytes of data in the file
      {"not_tuple", "[2, 3]"},
  };
  for (const auto& [name, shape] : cases) {
    const auto p = npy_with_header(
        name, "{'descr': '<f8', 'fortran_order': False, 'shape': " + shape + ", }", 48);
    const std::string msg = message_of(p);
    EXPECT_NE(msg.find(p.string()), std::string::npos) << name << ": " << msg;
  }
}

TEST(NpyHeaders, MissingEntriesAndBadLengthsAreInputErrors) {
  const auto no_shape = npy_with_header("noshape", "{'descr': '<f8', 'fortran_order': False, }", 8);
  EXPECT_NE(message_of(no_shape).find("no 'shape' entry"), std::string::npos) << message_of(no_shape);
  const auto no_colon = npy_with_header("nocolon", "{'descr' '<f8', 'fortran_order': False, 'shape': (1,), }", 8);
  EXPECT_NE(message_of(no_colon).find(no_colon.string()), std::string::npos);
  // A header length past the end of the file.
  const fs::path p = fs::temp_directory_path() / "cimchar_npy_hlen.npy";
  {
    std::ofstream out(p, std::ios::binary);
    out.write("\x93NUMPY\x02\x00\xff\xff\xff\x7f{}", 14);
  }
  EXPECT_NE(message_of(p).find("truncated .npy header"), std::string::npos) << message_of(p);
}
