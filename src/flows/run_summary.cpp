#include "flows/run_summary.hpp"

#include <cstdio>

namespace cimchar::flows {

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

namespace {
std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}
}  // namespace

std::string run_summary_json(const FlowResult& r) {
  std::string s = "{\"status\":\"ok\",\"exit_code\":0,\"out_dir\":" +
                  json_string(r.out_dir.string()) + ",\"seconds\":" + number(r.seconds) +
                  ",\"stages\":[";
  for (size_t i = 0; i < r.stages.size(); ++i) {
    const auto& st = r.stages[i];
    s += std::string(i ? "," : "") + "{\"name\":" + json_string(st.name) +
         ",\"seconds\":" + number(st.seconds) + ",\"kept\":" + (st.kept ? "true" : "false") + "}";
  }
  s += "],\"files\":[";
  for (size_t i = 0; i < r.files.size(); ++i)
    s += std::string(i ? "," : "") + json_string(r.files[i].string());
  return s + "]}";
}

std::string failed_run_json(int exit_code, const std::string& error) {
  return std::string("{\"status\":\"") + (exit_code == 2 ? "bad_input" : "failed") +
         "\",\"exit_code\":" + std::to_string(exit_code) +
         ",\"error\":" + json_string(error) + "}";
}

}  // namespace cimchar::flows
