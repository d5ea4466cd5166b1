#include "fit/fitted_card.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "core/error.hpp"

namespace cimchar::fit {

namespace {

std::string trim(const std::string& s) {
  const size_t a = s.find_first_not_of(" \t");
  return a == std::string::npos ? "" : s.substr(a);
}

bool starts_with(const std::string& s, const std::string& key) {
  const std::string t = trim(s);
  if (t.rfind(key, 0) != 0) return false;
  const std::string rest = trim(t.substr(key.size()));
  return !rest.empty() && rest[0] == '=';
}

std::string quote(const std::string& s) {
  std::string q = "\"";
  for (char ch : s) q += (ch == '"' || ch == '\\') ? std::string("\\") + ch : std::string(1, ch);
  return q + "\"";
}

std::string fitted_source(const FitResult& r, size_t k, const CardProvenance& p) {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "fitted by cimchar fit: %.6g +- %.3g %s (1 sigma), reduced chi-square %.4g on %d "
                "dof, residual RMS %.4g A%s; data ",
                r.values[k], r.std_errors[k], r.units[k].c_str(), r.chi2_reduced, r.dof,
                r.residual_rms, r.at_bound[k] ? "; ended at its fit bound" : "");
  return buf + p.data_file;
}

}  // namespace

std::string fitted_card_text(const ParamTable& card, const FitResult& r, const CardProvenance& p) {
  std::ifstream in(card.card_path());
  if (!in) throw FitError("cannot read the device card " + card.card_path().string());
  std::ostringstream out;
  out << "# Fitted device card written by `cimchar fit` (" << p.created << ", git " << p.git_hash
      << ")\n# from " << card.card_path().string() << "\n# data: " << p.data_file
      << "\n# fitted:";
  for (const auto& n : r.names) out << " " << n;
  out << "; reduced chi-square " << r.chi2_reduced << " on " << r.dof << " dof\n";
  std::vector<bool> seen(r.names.size(), false);
  std::string table, line;
  long fitted = -1;
  while (std::getline(in, line)) {
    const std::string t = trim(line);
    if (!t.empty() && t[0] == '[') {
      table = t.substr(0, t.find(']') + 1);
      fitted = -1;
      for (size_t k = 0; k < r.names.size(); ++k)
        if (table == "[params." + r.names[k] + "]") fitted = static_cast<long>(k);
      if (fitted >= 0) seen[static_cast<size_t>(fitted)] = true;
    }
    if (table == "[model]" && starts_with(line, "lib")) {
      out << "lib = " << quote(card.lib_path().string()) << "\n";
    } else if (fitted >= 0 && starts_with(line, "default")) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "default = %.17g\n", r.values[static_cast<size_t>(fitted)]);
      out << buf;
    } else if (fitted >= 0 && starts_with(line, "source")) {
      out << "source = " << quote(fitted_source(r, static_cast<size_t>(fitted), p)) << "\n";
    } else {
      out << line << "\n";
    }
  }
  for (size_t k = 0; k < r.names.size(); ++k)
    if (!seen[k])
      throw FitError(card.card_path().string() + ": no [params." + r.names[k] + "] table to write");
  return out.str();
}

void write_text_atomic(const std::filesystem::path& path, const std::string& text) {
  std::string name = path.filename().string();
  name.insert(name.begin(), '.');
  name.append(".tmp");
  const auto tmp = path.parent_path() / name;
  {
    std::ofstream f(tmp);
    f << text;
    if (!f) throw IoError("cannot write " + tmp.string());
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw IoError("cannot rename " + tmp.string() + " to " + path.string() + ": " + ec.message());
}

}  // namespace cimchar::fit
