// Bad input through the real command line: one clear message naming the file, key or line,
// exit code 2, and no output written. These run before any simulation starts.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "cli_runner.hpp"

namespace fs = std::filesystem;

namespace {

struct Case {
  const char* name;
  const char* flow;       // flow file text
  const char* expect[3];  // substrings the error message must contain
};

void expect_bad_input(const Case& c, const std::string& stage, const char* csv = nullptr) {
  fs::path dir = fresh_dir(c.name);
  write_text(dir / "flow.toml", c.flow);
  if (csv) write_text(dir / "iv.csv", csv);
  auto r = run_cimchar(stage + " " + (dir / "flow.toml").string() + " --out " +
                       (dir / "out").string());
  EXPECT_EQ(r.exit_code, 2) << c.name << "\n" << r.err;
  for (const char* s : c.expect) {
    if (s) {
      EXPECT_NE(r.err.find(s), std::string::npos) << c.name << ": no '" << s << "' in\n" << r.err;
    }
  }
  EXPECT_FALSE(fs::exists(dir / "out")) << c.name << ": output folder was created";
}

}  // namespace

TEST(CliBadInput, MalformedToml) {
  expect_bad_input({"malformed", "[cell]\ndevice = \"stanford_asu\nr_series = 5\n",
                    {"flow.toml:2", "malformed TOML", nullptr}},
                   "cell");
}

TEST(CliBadInput, UnknownKeyNamesKeyAndLine) {
  expect_bad_input({"unknown_key", "[cell]\ndevice = \"stanford_asu\"\n\n[cell.program]\nbitz = [1]\n",
                    {"flow.toml:5", "cell.program.bitz", "unknown key"}},
                   "cell");
}

TEST(CliBadInput, ParameterOutOfRange) {
  expect_bad_input({"out_of_range", "[cell]\nr_series = \"-5 kohm\"\n",
                    {"cell.r_series", "outside the allowed range", nullptr}},
                   "cell");
}

TEST(CliBadInput, WrongUnit) {
  expect_bad_input({"wrong_unit", "[cell.iv_loop]\nv_max = \"1.5 A\"\n",
                    {"cell.iv_loop.v_max", "'V' is expected", nullptr}},
                   "cell");
}

TEST(CliBadInput, DeviceParameterOutOfRangeOrUnknown) {
  expect_bad_input({"dev_param", "[cell]\ndevice = \"stanford_asu\"\n[cell.params]\nnot_a_param = 1\n",
                    {"cell.params.not_a_param", "no parameter", nullptr}},
                   "cell");
}

TEST(CliBadInput, MissingDeviceCard) {
  expect_bad_input({"missing_card", "[cell]\ndevice = \"no_such_model\"\n",
                    {"cell.device", "no device card", nullptr}},
                   "cell");
}

TEST(CliBadInput, MissingInputFile) {
  expect_bad_input({"missing_data", "[fit]\ndata = \"nope.csv\"\nparams = [\"I0\"]\nstate = 1e-9\n",
                    {"fit.data", "does not exist", nullptr}},
                   "fit");
}

TEST(CliBadInput, NanInData) {
  expect_bad_input({"nan_data",
                    "[fit]\ndata = \"iv.csv\"\nparams = [\"I0\"]\nstate = 1e-9\n",
                    {"iv.csv:3", "not a finite number", nullptr}},
                   "fit", "v,i\n0.1,1e-6\n0.2,nan\n");
}

TEST(CliBadInput, MissingFlowFile) {
  auto r = run_cimchar("run /nonexistent/flow.toml");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("/nonexistent/flow.toml"), std::string::npos) << r.err;
}

TEST(Cli, VersionAndHelpTeach) {
  auto v = run_cimchar("--version");
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_NE(v.out.find("cimchar 0."), std::string::npos) << v.out;
  auto h = run_cimchar("--help");
  EXPECT_EQ(h.exit_code, 0);
  for (const char* s : {"Exit codes", "--jobs", "--seed", "--out", "cell", "fit", "run"})
    EXPECT_NE(h.out.find(s), std::string::npos) << "help lacks " << s;
}

TEST(CliBadInput, NetlistSyntaxErrorNamesTheLine) {
  // A device library with a broken line: the run stops with exit code 2, names the line, and
  // writes nothing.
  fs::path dir = fresh_dir("bad_lib");
  const fs::path src = fs::path(CIMCHAR_TEST_SOURCE_DIR) / "devices";
  fs::copy_file(src / "stanford_asu.toml", dir / "stanford_asu.toml");
  std::string lib;
  {
    std::ifstream in(src / "stanford_asu.lib");
    std::ostringstream ss;
    ss << in.rdbuf();
    lib = ss.str();
  }
  const std::string good = "Bi te be I = {I0}*exp(-{gap}/{g0})";
  const auto at = lib.find(good);
  ASSERT_NE(at, std::string::npos);
  lib.replace(at, good.size(), "Bi te be I = {I0}*exp(-{gapp}/{g0})");  // undefined parameter
  write_text(dir / "stanford_asu.lib", lib);
  write_text(dir / "flow.toml", "[cell]\ndevice = \"" + (dir / "stanford_asu.toml").string() + "\"\n");
  auto r = run_cimchar("cell " + (dir / "flow.toml").string() + " --out " + (dir / "out").string());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("gapp"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("stanford_asu.lib"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "out" / "cell.h5"));
}

TEST(CliBadInput, ThresholdComparator) {
  expect_bad_input({"thr_outside_supply", "[threshold]\nvdd = \"1 V\"\nv_th = \"1.2 V\"\n",
                    {"threshold.v_th", "inside the supply", nullptr}},
                   "threshold");
  expect_bad_input({"thr_negative_c", "[threshold]\nc_int = \"-100 fF\"\n",
                    {"threshold.c_int", "outside the allowed range", nullptr}},
                   "threshold");
  expect_bad_input({"thr_negative_sigma", "[threshold]\nsigma_offset = \"-1 mV\"\n",
                    {"threshold.sigma_offset", "outside the allowed range", nullptr}},
                   "threshold");
  expect_bad_input({"thr_zero_samples", "[threshold]\nsamples = 0\n",
                    {"threshold.samples", nullptr, nullptr}},
                   "threshold");
}

// The StrongARM comparator's keys (issue 16): every bad one named, before any simulation.
TEST(CliBadInput, ThresholdStrongArmComparator) {
  const std::string sa = "[threshold]\ncomparator = \"strongarm\"\nv_th = \"0.7 V\"\n";
  struct C { std::string name, flow; const char* key; const char* says; };
  const C cases[] = {
      {"thr_kind", "[threshold]\ncomparator = \"strongarm_x\"\n", "threshold.comparator",
       "not one of: behavioural, strongarm"},
      {"thr_sa_unknown", sa + "[threshold.strongarm]\nmc_sample = 8\n",
       "threshold.strongarm.mc_sample", "unknown key"},
      {"thr_sa_samples", sa + "[threshold.strongarm]\nmc_samples = 1\n",
       "threshold.strongarm.mc_samples", "outside"},
      {"thr_sa_avt", sa + "[threshold.strongarm]\na_vt_mV_um = -1\n",
       "threshold.strongarm.a_vt_mV_um", "outside the allowed range"},
      {"thr_sa_node", sa + "[threshold.strongarm]\nnode = \"ptm7\"\n", "threshold.strongarm.node",
       "ptm45hp"},
      {"thr_sa_vdd", sa + "vdd = \"1.2 V\"\n", "threshold.vdd", "node's supply"},
      {"thr_sa_sigma", sa + "sigma_offset = \"5 mV\"\n", "threshold.sigma_offset", "measured"},
      {"thr_sa_table_behavioural", "[threshold]\n[threshold.strongarm]\nmc_samples = 8\n",
       "threshold.strongarm", "only with comparator"}};
  for (const C& c : cases)
    expect_bad_input({c.name.c_str(), c.flow.c_str(), {c.key, c.says, nullptr}}, "threshold");
}

// A transistor card ngspice cannot read: the StrongARM's probe fails before any simulation,
// exit 2, naming the card and strongarm.lib, nothing written.
TEST(CliBadInput, ThresholdStrongArmUnreadableCardNamesIt) {
  const fs::path dir = fresh_dir("thr_sa_bad_card");
  fs::create_directories(dir / "devices" / "mosfet");
  write_text(dir / "devices" / "mosfet" / "ptm45hp.mod", "garbage line here\n");
  write_text(dir / "flow.toml",
             "[threshold]\ncomparator = \"strongarm\"\nv_th = \"0.7 V\"\npoints = 3\n");
  const auto r = run_cimchar_env("CIMCHAR_DEVICES=" + (dir / "devices").string(),
                                 "threshold " + (dir / "flow.toml").string() + " --out " +
                                     (dir / "out").string());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find((dir / "devices" / "mosfet" / "ptm45hp.mod").string()), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("strongarm.lib"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "out"));
}

// [wta.transistor] on a card ngspice cannot read: the stage's probe fails before anything runs.
TEST(CliBadInput, WtaTransistorUnreadableCardNamesIt) {
  const fs::path dir = fresh_dir("wta_tr_bad_card");
  fs::create_directories(dir / "devices" / "mosfet");
  write_text(dir / "devices" / "mosfet" / "ptm45hp.mod", "garbage line here\n");
  write_text(dir / "flow.toml",
             "[wta]\ncapacitances = [\"100 fF\"]\nmargins = [0.1]\nsamples = 10\n"
             "spice_samples = 0\n[wta.transistor]\ncurrents = [\"10 uA\"]\n");
  const auto r = run_cimchar_env("CIMCHAR_DEVICES=" + (dir / "devices").string(),
                                 "wta " + (dir / "flow.toml").string() + " --out " +
                                     (dir / "out").string());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find((dir / "devices" / "mosfet" / "ptm45hp.mod").string()), std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(dir / "out"));
}

TEST(CliBadInput, BadVariationValueInTheCardNamesCardAndKey) {
  // A card whose [variation] table has sigma < 0 or a rate outside [0, 1]: exit 2, the message
  // names the card file and key, nothing written.
  const fs::path src = fs::path(CIMCHAR_TEST_SOURCE_DIR) / "devices";
  std::string card;
  {
    std::ifstream in(src / "stanford_asu.toml");
    std::ostringstream ss;
    ss << in.rdbuf();
    card = ss.str();
  }
  const std::pair<std::string, std::string> edits[] = {
      {"sigma_rel = 0.02", "sigma_rel = -0.02"}, {"p_on = 0.001", "p_on = 1.5"}};
  const char* keys[] = {"variation.c2c.sigma_rel", "variation.stuck.p_on"};
  for (int k = 0; k < 2; ++k) {
    fs::path dir = fresh_dir("bad_card_variation" + std::to_string(k));
    fs::copy_file(src / "stanford_asu.lib", dir / "stanford_asu.lib");
    std::string text = card;
    const auto at = text.find(edits[k].first);
    ASSERT_NE(at, std::string::npos);
    text.replace(at, edits[k].first.size(), edits[k].second);
    write_text(dir / "stanford_asu.toml", text);
    write_text(dir / "flow.toml",
               "[variation]\ndevice = \"" + (dir / "stanford_asu.toml").string() + "\"\nsamples = 4\n");
    auto r = run_cimchar("variation " + (dir / "flow.toml").string() + " --out " +
                         (dir / "out").string());
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find((dir / "stanford_asu.toml").string()), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(keys[k]), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir / "out")) << r.err;
  }
}

// ADC stage (issue 6): bits outside 2..8, negative vref or sigma, no samples, unknown
// architecture.
TEST(CliBadInput, AdcParameters) {
  const Case cases[] = {
      {"adc_bits0", "[adc]\nbits = [4, 0]\n", {"adc.bits", "outside the allowed range", nullptr}},
      {"adc_bits9", "[adc]\nbits = [9]\n", {"adc.bits", "outside the allowed range", nullptr}},
      {"adc_vref", "[adc]\nvref = \"-1 V\"\n", {"adc.vref", "outside the allowed range", nullptr}},
      {"adc_sigma", "[adc]\nsigma_offset = \"-1 mV\"\n", {"adc.sigma_offset", "outside", nullptr}},
      {"adc_sigma_cap", "[adc]\nsigma_cap = -0.01\n", {"adc.sigma_cap", "outside", nullptr}},
      {"adc_samples", "[adc]\nsamples = 0\n", {"adc.samples", "outside", nullptr}},
      {"adc_arch", "[adc]\narchitectures = [\"flash\", \"pipeline\"]\n",
       {"adc.architectures", "unknown architecture 'pipeline'", nullptr}},
      {"adc_spice_samples", "[adc]\nsamples = 2\nspice_samples = 3\n",
       {"adc.spice_samples", "larger than samples", nullptr}},
      {"adc_bits_twice", "[adc]\nbits = [4, 4]\n", {"adc.bits", "listed twice", nullptr}},
  };
  for (const auto& c : cases) expect_bad_input(c, "adc");
}

TEST(CliBadInput, WtaBadValuesNameTheKey) {
  const Case cases[] = {
      {"wta_neg_cap", "[wta]\ncapacitances = [\"100 fF\", \"-50 fF\"]\n",
       {"flow.toml", "wta.capacitances", "outside the allowed range"}},
      {"wta_vtrip_high", "[wta]\nvdd = \"1 V\"\nv_trip = \"1.2 V\"\n",
       {"flow.toml", "wta.v_trip", "(0, vdd)"}},
      {"wta_vtrip_zero", "[wta]\nv_trip = 0\n", {"wta.v_trip", "(0, vdd)", nullptr}},
      {"wta_k_zero", "[wta]\nk = 0\n", {"wta.k", "outside the allowed range", nullptr}},
      {"wta_k_all", "[wta]\nn_inputs = 4\nk = 4\n", {"wta.k", "smaller than n_inputs", nullptr}},
      {"wta_sigma_neg", "[wta]\nsigma_offset = \"-1 mV\"\n",
       {"wta.sigma_offset", "outside the allowed range", nullptr}},
      {"wta_noise_neg", "[wta]\nsigma_noise = -0.001\n",
       {"wta.sigma_noise", "outside the allowed range", nullptr}},
      {"wta_samples_zero", "[wta]\nsamples = 0\n",
       {"wta.samples", "outside the allowed range", nullptr}},
      {"wta_unknown", "[wta]\nsample = 10\n", {"wta.sample", "unknown key", nullptr}},
  };
  for (const auto& c : cases) expect_bad_input(c, "wta");
}

// `cimchar ppa`: a technology card missing a field, with a negative figure or a wrong unit names
// the field; nothing is written (the card is read before any attention file).
TEST(CliBadInput, PpaTechCard) {
  std::string card;
  {
    std::ifstream in(std::string(CIMCHAR_TEST_SOURCE_DIR) + "/characterization/tech/32nm.toml");
    std::stringstream ss;
    ss << in.rdbuf();
    card = ss.str();
  }
  auto without = [&](const std::string& key) {
    std::istringstream in(card);
    std::string line, out;
    while (std::getline(in, line))
      if (line.rfind(key, 0) != 0) out += line + "\n";
    return out;
  };
  auto replaced = [&](const std::string& from, const std::string& to) {
    std::string t = card;
    const auto at = t.find(from);
    if (at != std::string::npos) t.replace(at, from.size(), to);
    return t;
  };
  struct PpaCase {
    const char* name;
    std::string text;
    const char* expect[2];
  } cases[] = {
      {"ppa_missing", without("sample_rate"), {"adc.sample_rate", "missing field"}},
      {"ppa_negative", replaced("value = \"2 pJ\"", "value = \"-2 pJ\""),
       {"rram.write_pulse_energy.value", "outside the allowed range"}},
      {"ppa_unit", replaced("value = \"100 ns\"", "value = \"100 nA\""),
       {"rram.read_pulse.value", "'s' is expected"}},
  };
  for (const auto& c : cases) {
    fs::path dir = fresh_dir(c.name);
    write_text(dir / "card.toml", c.text);
    auto r = run_cimchar("ppa --attention " + (dir / "a.h5").string() + " --tech " +
                         (dir / "card.toml").string() + " --out " + (dir / "ppa.h5").string());
    EXPECT_EQ(r.exit_code, 2) << c.name << "\n" << r.err;
    for (const char* s : c.expect)
      EXPECT_NE(r.err.find(s), std::string::npos) << c.name << ": no '" << s << "' in\n" << r.err;
    EXPECT_FALSE(fs::exists(dir / "ppa.h5")) << c.name;
  }
}
