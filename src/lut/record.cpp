#include "lut/record.hpp"

#include <cmath>
#include <cstdio>
#include <iomanip>
#include <map>
#include <sstream>

#include "core/error.hpp"

namespace cimchar::lut {

const char* to_string(Interpolation i) {
  switch (i) {
    case Interpolation::linear: return "linear";
    case Interpolation::monotone: return "monotone";
    case Interpolation::nearest: return "nearest";
    case Interpolation::none: return "none";
  }
  return "none";
}

namespace {

std::string join(std::initializer_list<const char*> dims) {
  std::string s;
  for (const char* d : dims) {
    if (!s.empty()) s += ',';
    s += d;
  }
  return s;
}

class Writing : public Visitor {
 public:
  Writing(H5Writer& out, const Header& h) : out_(out), g_(h.group) {
    out_.group(g_);
    out_.attr(g_, "format_version", kFormatVersion);
    out_.attr(g_, "interpolation", std::string(to_string(h.interpolation)));
    out_.attr(g_, "description", h.description);
  }
  void axis(const char* name, std::vector<double>& v, const char* units,
            const char* description) override {
    const std::string p = path(name);
    out_.write(p, v, {v.size()}, units);
    out_.attr(p, "description", std::string(description));
    out_.make_scale(p, name);
    sizes_[name] = v.size();
    if (!axes_.empty()) axes_ += ',';
    axes_ += name;
  }
  void var(const char* name, std::vector<double>& data, std::initializer_list<const char*> dims,
           const char* units, const char* description) override {
    std::vector<size_t> shape;
    for (const char* d : dims) {
      auto it = sizes_.find(d);
      CIMCHAR_CHECK(it != sizes_.end(), g_ + "/" + name + ": axis '" + d + "' is not declared");
      shape.push_back(it->second);
    }
    const std::string p = path(name);
    out_.write(p, data, shape, units);
    out_.attr(p, "description", std::string(description));
    out_.attr(p, "axes", join(dims));
    unsigned a = 0;
    for (const char* d : dims) out_.attach_scale(p, path(d), a++);
  }
  void scalar(const char* name, double& value, const char* units, const char* description,
              bool* present) override {
    if (present && !*present) return;
    out_.attr(g_, name, value);
    // The unit of a scalar attribute `x` is the attribute `x_units` (a pint/UDUNITS string).
    out_.attr(g_, std::string(name) + "_units", std::string(*units ? units : "1"));
    (void)description;
  }
  void text(const char* name, std::string& value, const char*) override {
    out_.attr(g_, name, value);
  }
  void finish() {
    out_.attr(g_, "axes", axes_);
  }

 private:
  std::string path(const char* name) const { return g_ + "/" + name; }
  H5Writer& out_;
  std::string g_, axes_;
  std::map<std::string, size_t> sizes_;
};

class Reading : public Visitor {
 public:
  Reading(const H5Reader& in, const std::string& group) : in_(in), g_(group) {
    if (in_.has_attr(g_, "format_version")) {
      const double v = in_.attr_double(g_, "format_version");
      if (v > static_cast<double>(kFormatVersion))
        throw InputError(in_.path().string() + ": " + g_ + " has format_version " +
                         std::to_string(static_cast<int64_t>(v)) + "; this cimchar reads up to " +
                         std::to_string(kFormatVersion) + " (a newer cimchar wrote it)");
    }
  }
  void axis(const char* name, std::vector<double>& v, const char*, const char*) override {
    std::vector<size_t> dims;
    v = in_.read(path(name), &dims);
    if (dims.size() != 1 || v.empty())
      fail(name, "must be a non-empty 1-D coordinate");
    for (double x : v)
      if (!std::isfinite(x)) fail(name, "holds a value that is not finite");
    sizes_[name] = v.size();
  }
  void var(const char* name, std::vector<double>& data, std::initializer_list<const char*> dims,
           const char*, const char*) override {
    std::vector<size_t> shape;
    data = in_.read(path(name), &shape);
    bool ok = shape.size() == dims.size();
    size_t k = 0;
    for (const char* d : dims) ok = ok && k < shape.size() && shape[k++] == sizes_[d];
    if (!ok) fail(name, "does not have the shape of its axes (" + join(dims) + ")");
  }
  void scalar(const char* name, double& value, const char*, const char*, bool* present) override {
    const bool has = in_.has_attr(g_, name);
    if (present) *present = has;
    if (!has && present) return;
    if (!has) throw InputError(in_.path().string() + ": " + g_ + " has no attribute '" + name + "'");
    value = in_.attr_double(g_, name);
  }
  void text(const char* name, std::string& value, const char*) override {
    if (in_.has_attr(g_, name)) value = in_.attr_string(g_, name);
  }

 private:
  std::string path(const char* name) const { return g_ + "/" + name; }
  [[noreturn]] void fail(const char* name, const std::string& what) const {
    throw InputError(in_.path().string() + ": " + path(name) + " " + what);
  }
  const H5Reader& in_;
  std::string g_;
  std::map<std::string, size_t> sizes_;
};

class Describing : public Visitor {
 public:
  explicit Describing(std::ostringstream& os) : os_(os) {}
  void axis(const char* name, std::vector<double>&, const char* units,
            const char* description) override {
    row(name, std::string("coordinate (") + name + ")", units, description);
  }
  void var(const char* name, std::vector<double>&, std::initializer_list<const char*> dims,
           const char* units, const char* description) override {
    std::string shape = "(";
    shape += join(dims);
    shape += ')';
    row(name, shape, units, description);
  }
  void scalar(const char* name, double&, const char* units, const char* description,
              bool* present) override {
    row(std::string("@") + name, present ? "attribute, optional" : "attribute", units,
        (std::string(description) + " (unit in `@" + name + "_units`)").c_str());
  }
  void text(const char* name, std::string&, const char* description) override {
    row(std::string("@") + name, "text attribute", nullptr, description);
  }

 private:
  void row(const std::string& name, const std::string& shape, const char* units,
           const char* description) {
    const char* u = units == nullptr ? "" : (*units ? units : "1");
    os_ << "| `" << name << "` | " << shape << " | " << u << " | "
        << description << " |\n";
  }
  std::ostringstream& os_;
};

// JSON numbers with every digit; NaN and infinities as Python's json writes them.
void json_number(std::ostringstream& os, double x) {
  if (std::isnan(x)) os << "NaN";
  else if (std::isinf(x)) os << (x > 0 ? "Infinity" : "-Infinity");
  else os << std::setprecision(17) << x;
}

std::string json_string(const std::string& s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {  // control characters as \u00XX
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      o += buf;
      continue;
    }
    o += c;
  }
  return o + "\"";
}

class Printing : public Visitor {
 public:
  explicit Printing(std::ostringstream& os) : os_(os) { os_ << "{"; }
  void axis(const char* name, std::vector<double>& v, const char*, const char*) override {
    array(name, v);
  }
  void var(const char* name, std::vector<double>& d, std::initializer_list<const char*>,
           const char*, const char*) override {
    array(name, d);
  }
  void scalar(const char* name, double& x, const char*, const char*, bool* present) override {
    if (present && !*present) return;
    key(name);
    json_number(os_, x);
  }
  void text(const char* name, std::string& s, const char*) override {
    key(name);
    os_ << json_string(s);
  }
  void finish() { os_ << "}"; }

 private:
  void key(const char* name) {
    os_ << (first_ ? "" : ", ") << json_string(name) << ": ";
    first_ = false;
  }
  void array(const char* name, const std::vector<double>& v) {
    key(name);
    os_ << "[";
    for (size_t k = 0; k < v.size(); ++k) {
      if (k) os_ << ", ";
      json_number(os_, v[k]);
    }
    os_ << "]";
  }
  std::ostringstream& os_;
  bool first_ = true;
};

}  // namespace

std::string json_fields(const std::function<void(Visitor&)>& fields) {
  std::ostringstream os;
  Printing p(os);
  fields(p);
  p.finish();
  return os.str();
}

void write_fields(H5Writer& out, const Header& h, const std::function<void(Visitor&)>& fields) {
  Writing w(out, h);
  fields(w);
  w.finish();
}

void read_fields(const H5Reader& in, const std::string& group,
                 const std::function<void(Visitor&)>& fields) {
  Reading r(in, group);
  fields(r);
}

std::string describe_fields(const Header& h, const std::function<void(Visitor&)>& fields) {
  std::ostringstream os;
  os << "`" << h.group << "` (interpolation: " << to_string(h.interpolation)
     << ", format_version " << kFormatVersion << "): " << h.description << "\n\n"
     << "| field | shape | units | meaning |\n| --- | --- | --- | --- |\n";
  Describing d(os);
  fields(d);
  return os.str();
}

}  // namespace cimchar::lut
