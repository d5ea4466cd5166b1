#include "spice/classify.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>

namespace cimchar::spice {

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

// Lower case, blanks collapsed to one space, trimmed.
std::string normalize(const std::string& s) {
  std::string out;
  bool space = false;
  for (char c : trim(s)) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string first_token(const std::string& s) {
  std::istringstream is(s);
  std::string t;
  is >> t;
  return t;
}

bool contains(const std::string& haystack_lower, const char* needle) {
  return haystack_lower.find(needle) != std::string::npos;
}

// The integer after `key` in `s` (0 if none).
int number_after(const std::string& s, const std::string& key) {
  const auto p = s.find(key);
  if (p == std::string::npos) return 0;
  size_t i = p + key.size();
  while (i < s.size() && s[i] == ' ') ++i;
  int n = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) n = n * 10 + (s[i++] - '0');
  return n;
}

// "line 3: r2 in 0 abc" using our own line number when the quoted text is found, else ngspice's.
std::string located(const std::string& netlist, const std::string& quoted, int ngspice_line) {
  int n = find_netlist_line(netlist, quoted);
  std::string text = trim(quoted);
  if (n == 0 && ngspice_line > 0) {
    n = ngspice_line;
    const auto lines = split_lines(netlist);
    if (text.empty() && n <= static_cast<int>(lines.size())) text = trim(lines[n - 1]);
  } else if (n > 0) {
    const auto lines = split_lines(netlist);
    text = trim(lines[n - 1]);  // the user's spelling, not ngspice's rewrite
  }
  std::string out;
  if (n > 0) out = "line " + std::to_string(n);
  if (!text.empty()) out += (out.empty() ? "" : ": ") + text;
  return out;
}

// Problems grouped by location: "line 3: r1 a b {x}: Undefined parameter [x], Cannot compute".
struct Problems {
  std::vector<std::pair<std::string, std::string>> items;
  void add(const std::string& where, const std::string& reason) {
    for (auto& [w, r] : items)
      if (w == where) {
        if (!reason.empty() && r.find(reason) == std::string::npos)
          r += (r.empty() ? "" : ", ") + reason;
        return;
      }
    items.emplace_back(where, reason);
  }
  std::string str() const {
    std::string out;
    for (const auto& [w, r] : items)
      out += (out.empty() ? "" : "; ") + w + (r.empty() ? "" : (w.empty() ? "" : ": ") + r);
    return out;
  }
  bool empty() const { return items.empty(); }
};

void add_unique(std::vector<std::string>& v, const std::string& s) {
  if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

}  // namespace

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : text) {
    if (c == '\n') {
      out.push_back(cur);
      cur.clear();
    } else if (c != '\r') {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

bool is_stderr(const std::string& line) { return line.rfind("stderr ", 0) == 0; }

std::string strip_stream(const std::string& line) {
  if (line.rfind("stderr ", 0) == 0 || line.rfind("stdout ", 0) == 0) return line.substr(7);
  return line;
}

int find_netlist_line(const std::string& netlist, const std::string& quoted) {
  const std::string want = normalize(quoted);
  if (want.empty()) return 0;
  const auto lines = split_lines(netlist);
  for (size_t i = 0; i < lines.size(); ++i)
    if (normalize(lines[i]) == want) return static_cast<int>(i) + 1;
  // ngspice rewrites expressions and numbers; the instance name survives. Skip line 1 (title).
  const std::string tok = first_token(want);
  if (tok.empty() || tok[0] == '.' || tok[0] == '*') return 0;
  for (size_t i = 1; i < lines.size(); ++i)
    if (lower(first_token(lines[i])) == tok) return static_cast<int>(i) + 1;
  return 0;
}

Diagnosis diagnose_load(const std::vector<std::string>& lines, const std::string& netlist,
                        bool controlled_exit) {
  Problems problems;
  std::string first_error;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!is_stderr(lines[i])) continue;
    const std::string t = trim(strip_stream(lines[i]));
    const std::string l = lower(t);
    auto next = [&](size_t k) -> std::string {
      return i + k < lines.size() ? trim(strip_stream(lines[i + k])) : std::string();
    };
    if (contains(l, "error on line")) {
      // "Error on line 3 or its substitute:" / quoted line / reason
      const std::string reason = next(2);
      problems.add(located(netlist, next(1), number_after(l, "error on line")),
                   contains(lower(reason), "error") ? "" : reason);
    } else if (contains(l, "netlist line no.")) {
      const std::string reason = next(1);
      problems.add(located(netlist, "", number_after(l, "netlist line no.")), reason);
      ++i;  // the reason line is consumed
    } else if (contains(l, "unknown subckt:")) {
      const std::string q = t.substr(l.find("unknown subckt:") + 15);
      problems.add(located(netlist, q, 0), "unknown subcircuit");
    } else if (l.rfind("check line", 0) == 0) {
      problems.add(located(netlist, t.substr(10), 0), ".subckt without a matching .ends");
    } else if (contains(l, "no such command")) {
      problems.add("", t);
    } else if (first_error.empty() && contains(l, "error") &&
               !contains(l, "cannot recover and awaits")) {
      first_error = t;
    }
  }
  Diagnosis d;
  if (!problems.empty()) {
    d.status = Status::bad_netlist;
    d.message = problems.str();
  } else if (!first_error.empty()) {
    d.status = Status::bad_netlist;
    d.message = first_error;
  } else if (controlled_exit) {
    d.status = Status::bad_netlist;
    d.message = "ngspice could not load the netlist and stopped (controlled exit)";
  }
  return d;
}

Diagnosis diagnose_run(const std::vector<std::string>& lines, bool controlled_exit) {
  std::vector<std::string> convergence, other, bad;
  std::string last_error;
  for (const auto& raw : lines) {
    const std::string t = trim(strip_stream(raw));
    const std::string l = lower(t);
    if (contains(l, "singular matrix")) {
      const auto p = l.find("check node");
      std::string node = p == std::string::npos ? "" : trim(t.substr(p + 10));
      add_unique(convergence, node.empty() ? "singular matrix (a floating node?)"
                                           : "singular matrix at node '" + node +
                                                 "' (a floating node, or a loop of voltage "
                                                 "sources?)");
    } else if (contains(l, "timestep too small")) {
      const auto p = l.find("trouble with node");
      add_unique(convergence, p == std::string::npos ? "timestep too small"
                                                     : "timestep too small (" + t.substr(p) + ")");
    } else if (contains(l, "simulation(s) aborted")) {
      add_unique(convergence, t);
    } else if (contains(l, "solution failed") || contains(l, "operating point failed") ||
               contains(l, "transient op failed")) {
      std::string m = t;
      if (m.size() > 2 && m.compare(m.size() - 2, 2, " -") == 0) m.resize(m.size() - 2);
      add_unique(convergence, m);
    } else if (contains(l, "source stepping failed") || contains(l, "transient op started")) {
      // Newton, gmin stepping and source stepping have failed (or were switched off); ngspice
      // falls back to a short transient from zero ("optran") whose end point need not be the
      // DC solution (1e-5 relative off in an exponential-diode test), or any solution at all.
      add_unique(convergence,
                 "no DC operating point from Newton, gmin or source stepping (ngspice's "
                 "transient fallback is not accepted as one)");
    } else if (contains(l, "iteration limit") || contains(l, "no convergence") ||
               contains(l, "non-convergence") || contains(l, "without convergence")) {
      add_unique(convergence, t);
    } else if (contains(l, "no such command")) {
      add_unique(bad, "unknown ngspice command: " + t);
    } else if (contains(l, "circuit not parsed") || contains(l, "aren't any circuits loaded")) {
      add_unique(bad, t);
    } else if (l.rfind("meas", 0) == 0 && contains(l, "failed")) {
      add_unique(other, t + (last_error.empty() ? "" : " (" + last_error + ")"));
    } else if (is_stderr(raw) && l.rfind("error", 0) == 0) {
      last_error = t;
    }
  }
  // "timestep too small" alone when a more specific variant names the node.
  const auto specific = std::any_of(convergence.begin(), convergence.end(), [](const auto& s) {
    return s.rfind("timestep too small (", 0) == 0;
  });
  if (specific) convergence.erase(std::remove(convergence.begin(), convergence.end(),
                                              std::string("timestep too small")),
                                  convergence.end());
  Diagnosis d;
  if (!bad.empty()) {
    d.status = Status::bad_netlist;
    d.message = join(bad, "; ");
  } else if (!convergence.empty()) {
    d.status = Status::sim_failed;
    d.convergence = true;
    d.message = join(convergence, "; ");
  } else if (!other.empty()) {
    d.status = Status::sim_failed;
    d.message = join(other, "; ");
  } else if (!last_error.empty()) {
    d.status = Status::sim_failed;
    d.message = last_error;
  } else if (controlled_exit) {
    d.status = Status::sim_failed;
    d.message = "ngspice stopped (controlled exit)";
  }
  return d;
}

}  // namespace cimchar::spice
