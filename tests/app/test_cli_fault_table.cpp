// The bad-input table of issue 14: every one of the 13 entry points (`run`, the 8 stage commands,
// `xbar solve`, `attention`, `ppa`, `report`) fed malformed inputs of every kind. Each case asserts
// exit 2, that the message names the file (and the key or line where there is one), and that
// nothing was written to the output folder or file.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "cli_runner.hpp"
#include "core/npy.hpp"

namespace fs = std::filesystem;

namespace {

fs::path src(const std::string& rel) { return fs::path(CIMCHAR_TEST_SOURCE_DIR) / rel; }

std::string text_of(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A flow command: its shipped flow file and the table a bad key goes into.
struct FlowCommand {
  std::string command, flow, table;
};

const std::vector<FlowCommand>& flow_commands() {
  static const std::vector<FlowCommand> c = {
      {"run", "default.toml", "threshold"},   {"cell", "cell.toml", "cell"},
      {"fit", "fit.toml", "fit"},             {"irdrop", "irdrop.toml", "irdrop"},
      {"variation", "variation.toml", "variation"}, {"adc", "adc.toml", "adc"},
      {"wta", "wta.toml", "wta"},             {"threshold", "threshold.toml", "threshold"},
      {"schemes", "default.toml", "schemes"},
  };
  return c;
}

// The shipped flow with its relative data and model paths made absolute.
std::string shipped_flow(const FlowCommand& c) {
  std::string t = text_of(src("characterization/" + c.flow));
  t = std::regex_replace(t, std::regex("\"data/"), "\"" + src("characterization/data/").string());
  t = std::regex_replace(t, std::regex("\"models/"), "\"" + src("models/").string());
  return t;
}

// One malformed flow: a name, how to make the file from the shipped text, and what the message
// must contain besides the flow file's path ("" = only the path).
struct FlowFault {
  std::string name;
  std::function<void(const fs::path&, const FlowCommand&)> make;
  std::string says;
};

std::string after_header(const std::string& text, const std::string& table, const std::string& add) {
  const std::regex header("(^|\n)(\\[" + table + "\\][^\n]*\n)");
  std::smatch m;
  EXPECT_TRUE(std::regex_search(text, m, header)) << "no [" << table << "]";
  return text.substr(0, static_cast<size_t>(m.position(2) + m.length(2))) + add +
         text.substr(static_cast<size_t>(m.position(2) + m.length(2)));
}

// The flow's [flow] seed set to `value` (replacing the shipped one, if any).
std::string with_seed(const std::string& text, const std::string& value) {
  const std::regex seed("\nseed *= *[^\n]*");
  if (std::regex_search(text, seed))
    return std::regex_replace(text, seed, "\nseed = " + value, std::regex_constants::format_first_only);
  return after_header(text, "flow", "seed = " + value + "\n");
}

const std::vector<FlowFault>& flow_faults() {
  static const std::vector<FlowFault> f = {
      {"missing_file", [](const fs::path&, const FlowCommand&) {}, "cannot open"},
      {"directory", [](const fs::path& p, const FlowCommand&) { fs::create_directories(p); },
       "is a directory"},
      {"empty_file", [](const fs::path& p, const FlowCommand&) { write_text(p, ""); }, ""},
      {"binary_garbage",
       [](const fs::path& p, const FlowCommand&) { write_text(p, std::string("\x00\xff\xfe\x01 x", 6)); },
       "malformed TOML"},
      {"unterminated_string",
       [](const fs::path& p, const FlowCommand& c) { write_text(p, shipped_flow(c) + "\nx = \"open\n"); },
       "malformed TOML"},
      {"unknown_key",
       [](const fs::path& p, const FlowCommand& c) {
         write_text(p, after_header(shipped_flow(c), c.table, "bogus_key = 1\n"));
       },
       "bogus_key"},
      {"wrong_type",
       [](const fs::path& p, const FlowCommand& c) {
         write_text(p, with_seed(shipped_flow(c), "\"one\""));
       },
       "flow.seed"},
      {"negative_seed",
       [](const fs::path& p, const FlowCommand& c) {
         write_text(p, with_seed(shipped_flow(c), "-1"));
       },
       "flow.seed"},
      {"unknown_stage",
       [](const fs::path& p, const FlowCommand& c) { write_text(p, shipped_flow(c) + "\n[celll]\nx = 1\n"); },
       "unknown stage 'celll'"},
  };
  return f;
}

struct FlowCase {
  size_t command, fault;
};

class FlowFaults : public ::testing::TestWithParam<FlowCase> {};

TEST_P(FlowFaults, ExitTwoNamingTheFileNothingWritten) {
  const FlowCommand& c = flow_commands()[GetParam().command];
  const FlowFault& f = flow_faults()[GetParam().fault];
  const fs::path dir = fresh_dir("fault_table_" + c.command + "_" + f.name);
  const fs::path flow = dir / "flow.toml";
  f.make(flow, c);
  const auto r = run_cimchar(c.command + " " + flow.string() + " -q -j 1 --out " + (dir / "out").string());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(flow.string()), std::string::npos) << r.err;
  if (!f.says.empty()) EXPECT_NE(r.err.find(f.says), std::string::npos) << "no '" << f.says << "' in\n" << r.err;
  EXPECT_EQ(r.err.find("Traceback"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "out")) << "something was written";
}

std::vector<FlowCase> all_flow_cases() {
  std::vector<FlowCase> v;
  for (size_t c = 0; c < flow_commands().size(); ++c)
    for (size_t f = 0; f < flow_faults().size(); ++f) v.push_back({c, f});
  return v;
}

INSTANTIATE_TEST_SUITE_P(EveryFlowCommand, FlowFaults, ::testing::ValuesIn(all_flow_cases()),
                         [](const ::testing::TestParamInfo<FlowCase>& i) {
                           return flow_commands()[i.param.command].command + "_" +
                                  flow_faults()[i.param.fault].name;
                         });

// The file commands: a command line with {dir} for the test's folder, what the message must
// name, and the output that must not exist afterwards.
struct FileCase {
  std::string name, args, says, output;
};

class FileFaults : public ::testing::TestWithParam<FileCase> {};

std::string with_dir(std::string s, const fs::path& dir) {
  return std::regex_replace(s, std::regex("\\{dir\\}"), dir.string());
}

TEST_P(FileFaults, ExitTwoNamingTheFileNothingWritten) {
  const FileCase& c = GetParam();
  const fs::path dir = fresh_dir("fault_table_" + c.name);
  cimchar::write_npy(dir / "G.npy", std::vector<double>(6, 1e-5), {2, 3});
  cimchar::write_npy(dir / "V.npy", {0.1, 0.2}, {2});
  cimchar::write_npy(dir / "V3.npy", {0.1, 0.2, 0.3}, {3});
  write_text(dir / "garbage.npy", "not a numpy file");
  write_text(dir / "garbage.h5", "not an HDF5 file");
  write_text(dir / "bad.toml", "[attention]\nbogus_key = 1\n");
  fs::create_directories(dir / "run");
  write_text(dir / "run" / "cell.h5", "truncated");
  const auto r = run_cimchar(with_dir(c.args, dir));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(with_dir(c.says, dir)), std::string::npos) << "no '" << with_dir(c.says, dir)
                                                                   << "' in\n" << r.err;
  EXPECT_EQ(r.err.find("Traceback"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(with_dir(c.output, dir))) << "wrote " << c.output;
}

const std::string kRecall = (fs::path(CIMCHAR_TEST_SOURCE_DIR) / "models/recall.h5").string();
const std::string kTech = (fs::path(CIMCHAR_TEST_SOURCE_DIR) / "characterization/tech/32nm.toml").string();

INSTANTIATE_TEST_SUITE_P(
    EveryFileCommand, FileFaults,
    ::testing::Values(
        FileCase{"xbar_missing_g", "xbar solve --g {dir}/none.npy --v {dir}/V.npy --out {dir}/I.npy",
                 "{dir}/none.npy", "{dir}/I.npy"},
        FileCase{"xbar_garbage_g", "xbar solve --g {dir}/garbage.npy --v {dir}/V.npy --out {dir}/I.npy",
                 "{dir}/garbage.npy", "{dir}/I.npy"},
        FileCase{"xbar_garbage_h5", "xbar solve --g {dir}/garbage.h5 --v {dir}/V.npy --out {dir}/I.npy",
                 "{dir}/garbage.h5", "{dir}/I.npy"},
        FileCase{"xbar_v_rows", "xbar solve --g {dir}/G.npy --v {dir}/V3.npy --out {dir}/I.npy",
                 "{dir}/V3.npy", "{dir}/I.npy"},
        FileCase{"xbar_bad_out_extension", "xbar solve --g {dir}/G.npy --v {dir}/V.npy --out {dir}/I.txt",
                 "{dir}/I.txt", "{dir}/I.txt"},
        FileCase{"xbar_negative_wire", "xbar solve --g {dir}/G.npy --v {dir}/V.npy --r-wire -1 --out {dir}/I.npy",
                 "r-wire", "{dir}/I.npy"},
        FileCase{"attention_missing_model", "attention --model {dir}/none.h5 --scheme ideal --out {dir}/a.h5",
                 "{dir}/none.h5", "{dir}/a.h5"},
        FileCase{"attention_garbage_model", "attention --model {dir}/garbage.h5 --scheme ideal --out {dir}/a.h5",
                 "{dir}/garbage.h5", "{dir}/a.h5"},
        FileCase{"attention_unknown_scheme", "attention --model " + kRecall + " --scheme nosuch --out {dir}/a.h5",
                 "nosuch", "{dir}/a.h5"},
        FileCase{"attention_config_unknown_key",
                 "attention --model " + kRecall + " --config {dir}/bad.toml --scheme ideal --out {dir}/a.h5",
                 "bogus_key", "{dir}/a.h5"},
        FileCase{"ppa_missing_attention", "ppa --attention {dir}/none.h5 --tech " + kTech + " --out {dir}/p.h5",
                 "{dir}/none.h5", "{dir}/p.h5"},
        FileCase{"ppa_garbage_tech", "ppa --attention " + kRecall + " --tech {dir}/bad.toml --out {dir}/p.h5",
                 "{dir}/bad.toml", "{dir}/p.h5"},
        FileCase{"ppa_not_an_attention_file", "ppa --attention " + kRecall + " --tech " + kTech + " --out {dir}/p.h5",
                 kRecall, "{dir}/p.h5"},
        FileCase{"report_missing_folder", "report {dir}/nofolder", "{dir}/nofolder", "{dir}/nofolder"},
        FileCase{"report_truncated_stage_file", "report {dir}/run", "{dir}/run/cell.h5", "{dir}/run/report.html"}),
    [](const ::testing::TestParamInfo<FileCase>& i) { return i.param.name; });

}  // namespace
