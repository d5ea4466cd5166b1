// libFuzzer target: the TOML flow reader. Input: the text of a flow file (characterization/*.toml
// are the seeds). It goes through the same path as `cimchar run`: TomlDoc, the [flow] table, and
// every stage's prepare (its real Section parser, validation, input checks and probe netlists),
// with the working directory at the source tree so that the shipped cards and models resolve.
// Nothing is simulated and nothing may be written: the output folder must stay absent.
#include <unistd.h>

#include "flows/flow.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (::chdir(cimchar::fuzz::source_dir().c_str()) != 0) cimchar::fuzz::invariant_failed("chdir");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cimchar;
  const std::string text(reinterpret_cast<const char*>(data), size);
  flows::FlowOptions opts;
  opts.out_dir = fuzz::scratch_dir() / "out";
  opts.progress = false;
  fuzz::accepts([&] {
    const TomlDoc doc = TomlDoc::parse_string(text, "fuzz.toml");
    const flows::PreparedFlow pf = flows::prepare_flow(doc, "fuzz.toml", opts);
    for (const auto& probe : pf.probes)
      if (probe.job.netlist.empty()) fuzz::invariant_failed("a probe without a netlist");
  });
  std::error_code ec;
  if (std::filesystem::exists(*opts.out_dir, ec))
    fuzz::invariant_failed("preparing a flow wrote " + opts.out_dir->string());
  return 0;
}
