// `cimchar ppa` through the real binary on fixture attention runs (rram-baseline and sprint on
// a small encoder): the table is printed, ppa.h5 carries units on every dataset, its energy
// breakdown adds up to its total, the crossbar read energy is the attention run's V x I sum
// times the card's read pulse (read back from the two files here), and the pipeline bounds
// hold. Bad input: a card without a field exits 2 naming it and writes nothing.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "cli_runner.hpp"
#include "core/h5.hpp"

namespace fs = std::filesystem;

namespace {

std::string src(const std::string& rel) { return std::string(CIMCHAR_TEST_SOURCE_DIR) + "/" + rel; }

const char* kModel = "tests/attention/data/encoder2_relu_pre_d16_h2_s64.h5";

void attention(const fs::path& d, const std::string& scheme) {
  const auto r = run_cimchar("-q attention --model " + src(kModel) + " --config " +
                             src("characterization/attention/" + scheme + ".toml") + " --out " +
                             (d / (scheme + ".h5")).string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

}  // namespace

TEST(CliPpa, FixtureRunsRollUp) {
  const fs::path d = fresh_dir("ppa_e2e");
  attention(d, "rram-baseline");
  attention(d, "sprint");
  const auto r = run_cimchar("ppa --attention " + (d / "rram-baseline.h5").string() +
                             " --attention " + (d / "sprint.h5").string() + " --tech " +
                             src("characterization/tech/32nm.toml") + " --gpu " +
                             src("characterization/tech/gpu_a100.toml") + " --out " +
                             (d / "ppa.h5").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* s : {"TOPS/W", "GOPS/mm^2", "latency ns", "area mm^2", "energy x GPU"})
    EXPECT_NE(r.out.find(s), std::string::npos) << s << "\n" << r.out;
  cimchar::H5Reader h(d / "ppa.h5");
  for (int i = 0; i < 2; ++i) {
    const std::string g = "/runs/" + std::to_string(i);
    double sum = 0;
    for (const char* k : {"xbar_read", "xbar_write", "dac", "adc", "comparator", "shift_add",
                          "digital_mac", "softmax", "select", "buffer", "interconnect"})
      sum += h.read(g + "/energy/" + k)[0];
    const double total = h.read(g + "/energy/total")[0];
    EXPECT_NEAR(sum, total, 1e-9 * total);
    EXPECT_EQ(h.attr_string(g + "/energy/total", "units"), "J");
    const double lat = h.read(g + "/latency/total")[0];
    EXPECT_LE(h.read(g + "/latency/max_stage")[0], lat);
    // Stages are one layer and one sequence: streaming tokens through them can only shorten
    // a sequence's pass through every layer, and sequences follow one another an interval apart.
    const double seq = h.read(g + "/latency/sequence")[0];
    const double layers = h.attr_double(g, "n_layers");
    EXPECT_LE(seq, layers * h.read(g + "/latency/sum_of_stages")[0] * (1 + 1e-12));
    cimchar::H5Reader att(d / (i == 0 ? "rram-baseline.h5" : "sprint.h5"));
    EXPECT_NEAR(lat, seq + (att.attr_double("/", "batch") - 1) * h.read(g + "/latency/interval")[0],
                1e-9 * lat);
    EXPECT_GE(h.read(g + "/mapping/replication")[0], 1);
    EXPECT_EQ(h.attr_string(g, "trait_selector"), i == 0 ? "none" : "threshold");
    EXPECT_GT(h.read(g + "/tops_per_w")[0], 0);
    EXPECT_GT(h.read(g + "/gpu/energy")[0], 0);
  }
  // Read energy = sum over the counter rows of read_vi x 100 ns (the 32 nm card's read pulse).
  cimchar::H5Reader a(d / "rram-baseline.h5");
  double vi = 0;
  for (double v : a.read("/counters/read_vi")) vi += v;
  EXPECT_NEAR(h.read("/runs/0/energy/xbar_read")[0], vi * 100e-9, 1e-9 * vi * 100e-9);
  // PPA draws nothing at random: it records the attention runs' seed (it used to record 0).
  EXPECT_EQ(h.attr_double("/", "seed"), a.attr_double("/", "seed"));
  EXPECT_EQ(h.read("/attention_seeds"), (std::vector<double>{a.attr_double("/", "seed"),
                                                             a.attr_double("/", "seed")}));
  EXPECT_NE(a.attr_double("/", "seed"), 0);
  // Pruning leaves sprint fewer crossbar reads and less energy than the dense baseline.
  EXPECT_LT(h.read("/runs/1/energy/total")[0], h.read("/runs/0/energy/total")[0]);
  EXPECT_EQ(h.attr_string("/runs/1", "scheme"), "sprint");
  EXPECT_NE(h.attr_string("/runs/1", "source_comparator").find("Walden"), std::string::npos);
}

TEST(CliPpa, IdealSchemeHasNoHardware) {
  const fs::path d = fresh_dir("ppa_ideal");
  auto r = run_cimchar("-q attention --model " + src(kModel) + " --scheme ideal --out " +
                       (d / "i.h5").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_cimchar("ppa --attention " + (d / "i.h5").string() + " --tech " +
                  src("characterization/tech/32nm.toml") + " --out " + (d / "p.h5").string());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("no '/counters'"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(d / "p.h5"));
}
