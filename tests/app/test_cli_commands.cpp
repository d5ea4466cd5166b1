// The command line's own errors: an unknown command is named with the closest real one, a
// negative --seed is refused before anything runs, --version names the data folder in use.
#include <gtest/gtest.h>

#include <filesystem>

#include "cli_runner.hpp"

namespace fs = std::filesystem;

TEST(CliCommands, UnknownCommandIsNamedWithSuggestion) {
  const auto r = run_cimchar("celll");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown command 'celll'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("did you mean 'cell'?"), std::string::npos) << r.err;
  const auto far = run_cimchar("frobnicate");
  EXPECT_EQ(far.exit_code, 2);
  EXPECT_NE(far.err.find("unknown command 'frobnicate'"), std::string::npos) << far.err;
  EXPECT_EQ(far.err.find("did you mean"), std::string::npos) << far.err;
  EXPECT_NE(far.err.find("threshold"), std::string::npos) << "lists the commands:\n" << far.err;
}

TEST(CliCommands, NegativeSeedIsRefusedBeforeWriting) {
  const auto dir = fresh_dir("cli_negative_seed");
  const auto r = run_cimchar("threshold --seed -3 --out " + (dir / "out").string());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--seed"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "out"));
}

TEST(CliCommands, VersionNamesTheDataFolder) {
  // A build tree's binary uses the source tree (no share/cimchar beside build/cimchar).
  const auto r = run_cimchar("--version");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("data: " + std::string(CIMCHAR_TEST_SOURCE_DIR)), std::string::npos)
      << r.out;
  const auto v = run_cimchar_env("CIMCHAR_DATA=/nonexistent/cimchar", "--version");
  EXPECT_NE(v.out.find("CIMCHAR_DATA: '/nonexistent/cimchar' is not a folder"), std::string::npos)
      << v.out;
}
