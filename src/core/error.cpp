#include "core/error.hpp"

#include <sstream>

namespace cimchar {

namespace {
std::string config_message(const std::string& file, const std::string& key, int line,
                           const std::string& what) {
  std::ostringstream os;
  os << file;
  if (line > 0) os << ":" << line;
  if (!key.empty()) os << ": key '" << key << "'";
  os << ": " << what;
  return os.str();
}

std::string spice_message(const std::string& netlist, const std::string& what,
                          const std::vector<std::string>& lines) {
  std::ostringstream os;
  os << "netlist '" << netlist << "': " << what;
  for (const auto& l : lines) os << "\n  ngspice: " << l;
  return os.str();
}
}  // namespace

ConfigError::ConfigError(const std::string& file, const std::string& key, int line,
                         const std::string& what)
    : Error(config_message(file, key, line, what)), file_(file), key_(key), line_(line) {}

SpiceError::SpiceError(const std::string& netlist, const std::string& what,
                       std::vector<std::string> stderr_lines, bool bad_input)
    : Error(spice_message(netlist, what, stderr_lines)),
      netlist_(netlist),
      stderr_(std::move(stderr_lines)),
      bad_input_(bad_input) {}

void throw_check_failure(const char* cond, const char* file, int line, const std::string& msg) {
  std::ostringstream os;
  os << "internal error at " << file << ":" << line << ": " << msg << " (" << cond << ")";
  throw Error(os.str());
}

int exit_code_of(const std::exception& e) {
  if (dynamic_cast<const ConfigError*>(&e) || dynamic_cast<const InputError*>(&e))
    return kExitBadInput;
  if (const auto* s = dynamic_cast<const SpiceError*>(&e))
    return s->bad_input() ? kExitBadInput : kExitRunFailed;
  return kExitRunFailed;
}

}  // namespace cimchar
