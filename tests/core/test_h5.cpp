#include <gtest/gtest.h>

#include <filesystem>

#include "core/error.hpp"
#include "core/h5.hpp"
#include "core/npy.hpp"

using namespace cimchar;
namespace fs = std::filesystem;

TEST(H5, WriteReadRoundTripWithUnits) {
  fs::path p = fs::temp_directory_path() / "cimchar_test_h5" / "a.h5";
  fs::remove_all(p.parent_path());
  {
    H5Writer w(p);
    w.write("/data/x", {1, 2, 3, 4, 5, 6}, {2, 3}, "A");
    w.attr("/", "config", std::string("k = 1"));
    w.commit();
  }
  H5Reader r(p);
  std::vector<size_t> dims;
  auto x = r.read("/data/x", &dims);
  ASSERT_EQ(dims, (std::vector<size_t>{2, 3}));
  EXPECT_DOUBLE_EQ(x[5], 6.0);
  EXPECT_EQ(r.attr_string("/data/x", "units"), "A");
  EXPECT_EQ(r.attr_string("/", "config"), "k = 1");
  EXPECT_THROW(r.read("/data/missing"), InputError);
}

TEST(H5, UncommittedWriterLeavesNoFile) {
  fs::path dir = fs::temp_directory_path() / "cimchar_test_h5_abort";
  fs::remove_all(dir);
  {
    H5Writer w(dir / "out.h5");
    w.write("/x", {1.0}, {1}, "V");
  }  // destroyed without commit, as when a run fails
  EXPECT_FALSE(fs::exists(dir / "out.h5"));
  EXPECT_TRUE(fs::is_empty(dir));
}

TEST(Npy, RoundTrip) {
  fs::path p = fs::temp_directory_path() / "cimchar_test.npy";
  write_npy(p, {0.5, -1, 2e-6, 4}, {2, 2});
  std::vector<size_t> dims;
  auto v = read_npy(p, &dims);
  EXPECT_EQ(dims, (std::vector<size_t>{2, 2}));
  EXPECT_DOUBLE_EQ(v[2], 2e-6);
  EXPECT_THROW(read_npy("/nonexistent.npy", &dims), InputError);
}
