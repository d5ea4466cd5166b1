#include "xbar/xbar_files.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "core/error.hpp"
#include "core/h5.hpp"
#include "core/npy.hpp"
#include "core/paths.hpp"
#include "core/provenance.hpp"
#include "xbar/transfer.hpp"

namespace cimchar::xbar {

namespace {
enum class Kind { npy, h5 };

Kind kind_of(const std::filesystem::path& p, const std::string& what) {
  std::string e = p.extension().string();
  if (e == ".npy") return Kind::npy;
  if (e == ".h5" || e == ".hdf5") return Kind::h5;
  throw ConfigError(what + " '" + p.string() + "': unknown extension '" + e +
                    "' (use .npy, .h5 or .hdf5)");
}

std::vector<double> read_any(const std::filesystem::path& file, const std::string& dataset,
                             std::vector<size_t>* dims) {
  if (kind_of(file, "input file") == Kind::npy) return read_npy(file, dims);
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) throw InputError(file.string() + ": no such file");
  H5Reader in(file);
  return in.read(dataset, dims);
}

std::string shape(const std::vector<size_t>& d) {
  std::string s = "(";
  for (size_t i = 0; i < d.size(); ++i) s += (i ? ", " : "") + std::to_string(d[i]);
  return s + ")";
}
}  // namespace

Array read_conductances(const std::filesystem::path& file) {
  std::vector<size_t> dims;
  std::vector<double> g = read_any(file, "G", &dims);
  if (dims.size() != 2)
    throw InputError(file.string() + ": G must be 2-D [rows, cols], got shape " + shape(dims));
  Array a{dims[0], dims[1], std::move(g)};
  try {
    a.validate();
  } catch (const InputError& e) {
    throw InputError(file.string() + ": " + e.what());
  }
  return a;
}

std::vector<double> read_inputs(const std::filesystem::path& file, size_t rows, size_t* count,
                                bool* one_d) {
  std::vector<size_t> dims;
  std::vector<double> v = read_any(file, "V", &dims);
  if (dims.size() == 1) {
    *one_d = true;
    *count = 1;
    if (dims[0] != rows)
      throw InputError(file.string() + ": V has " + std::to_string(dims[0]) +
                       " values but G has " + std::to_string(rows) + " rows");
  } else if (dims.size() == 2) {
    *one_d = false;
    *count = dims[0];
    if (dims[1] != rows)
      throw InputError(file.string() + ": V has shape " + shape(dims) + "; expected [vectors, " +
                       std::to_string(rows) + "] to match G's rows");
  } else {
    throw InputError(file.string() + ": V must be 1-D [rows] or 2-D [vectors, rows], got shape " +
                     shape(dims));
  }
  if (*count == 0) throw InputError(file.string() + ": V holds no input vectors");
  for (size_t i = 0; i < v.size(); ++i)
    if (!std::isfinite(v[i]))
      throw InputError(file.string() + ": V[" + std::to_string(i / rows) + "," +
                       std::to_string(i % rows) + "] is not finite");
  return v;
}

namespace {
std::vector<double> solve_iteratively(const Array& a, const SolveFilesRequest& req,
                                      const std::vector<double>& v, size_t count,
                                      SolveFilesSummary* sum, std::vector<double>* row_V,
                                      std::vector<double>* col_V, std::vector<double>* x_V);
void write_output(const SolveFilesRequest& req, const SolveFilesSummary& sum, bool one_d,
                  const std::vector<double>& I, const std::vector<double>& row_V,
                  const std::vector<double>& col_V, const std::vector<double>& x_V);
}  // namespace

SolveFilesSummary solve_files(const SolveFilesRequest& req) {
  refuse_directory({"--g", req.g_file});
  refuse_directory({"--v", req.v_file});
  refuse_directory({"--out", req.out_file});
  refuse_output_over_input({"--out", req.out_file}, {{"--g", req.g_file}, {"--v", req.v_file}});
  if (req.write_nodes && kind_of(req.out_file, "output file") != Kind::h5)
    throw ConfigError("--nodes needs an HDF5 output (.h5/.hdf5), not '" + req.out_file.string() + "'");
  req.wiring.validate();
  Array a = read_conductances(req.g_file);
  req.cell.validate(a.rows);
  size_t count = 0;
  bool one_d = false;
  std::vector<double> v = read_inputs(req.v_file, a.rows, &count, &one_d);
  std::vector<double> row_V, col_V, x_V;

  if (req.method == Method::transfer && (!req.cell.linear() || req.write_nodes))
    throw ConfigError("--method transfer: needs linear cells and no --nodes");
  auto t0 = std::chrono::steady_clock::now();
  SolveFilesSummary sum{a.rows, a.cols, count, 0, 0, 0, false};
  sum.used_transfer = req.method == Method::transfer ||
                      (req.method == Method::automatic && req.cell.linear() && !req.write_nodes &&
                       count >= kTransferMinVectors);
  std::vector<double> I;
  if (sum.used_transfer) {
    I = transfer_matrix(a, req.wiring).apply_batch(v, count);
  } else {
    I = solve_iteratively(a, req, v, count, &sum, &row_V, &col_V, &x_V);
  }
  sum.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  write_output(req, sum, one_d, I, row_V, col_V, x_V);
  return sum;
}

namespace {
std::vector<double> solve_iteratively(const Array& a, const SolveFilesRequest& req,
                                      const std::vector<double>& v, size_t count,
                                      SolveFilesSummary* sum, std::vector<double>* row_V,
                                      std::vector<double>* col_V, std::vector<double>* x_V) {
  const size_t N = a.rows, M = a.cols;
  Solver solver(a, req.wiring, req.cell, req.options);
  std::vector<double> I(count * M);
  if (req.write_nodes) {
    row_V->resize(count * N * M), col_V->resize(count * N * M);
    if (req.cell.transistor) x_V->resize(count * N * M);
  }
  std::vector<double> vk(N);
  for (size_t k = 0; k < count; ++k) {
    std::copy_n(v.begin() + k * N, N, vk.begin());
    SolveReport rep;
    NodeVoltages nv;
    std::vector<double> Ik = solver.solve(vk, &rep, req.write_nodes ? &nv : nullptr);
    std::copy(Ik.begin(), Ik.end(), I.begin() + k * M);
    sum->worst_err_est = std::max(sum->worst_err_est, rep.current_err_est);
    sum->worst_residual = std::max(sum->worst_residual, rep.residual_rel);
    if (req.write_nodes) {
      std::copy(nv.row_V.begin(), nv.row_V.end(), row_V->begin() + k * N * M);
      std::copy(nv.col_V.begin(), nv.col_V.end(), col_V->begin() + k * N * M);
      if (!x_V->empty()) std::copy(nv.x_V.begin(), nv.x_V.end(), x_V->begin() + k * N * M);
    }
  }
  return I;
}

void write_output(const SolveFilesRequest& req, const SolveFilesSummary& sum, bool one_d,
                  const std::vector<double>& I, const std::vector<double>& row_V,
                  const std::vector<double>& col_V, const std::vector<double>& x_V) {
  const size_t N = sum.rows, M = sum.cols, count = sum.vectors;
  const Kind out_kind = kind_of(req.out_file, "output file");
  std::vector<size_t> idims = one_d ? std::vector<size_t>{M} : std::vector<size_t>{count, M};
  if (out_kind == Kind::npy) {
    write_npy(req.out_file, I, idims);
    return;
  }
  H5Writer out(req.out_file);
  Provenance prov;
  prov.config_text = req.command_line;
  write_provenance(out, prov);
  out.write("/I", I, idims, "A");
  out.attr("/I", "description", std::string("column currents into the virtual ground"));
  out.attr("/", "wiring", req.wiring.describe());
  out.attr("/", "cell", req.cell.describe());
  out.attr("/", "r_wire_row_ohm", req.wiring.r_wire_row_ohm);
  out.attr("/", "r_wire_col_ohm", req.wiring.r_wire_col_ohm);
  out.attr("/", "r_driver_ohm", req.wiring.r_driver_ohm);
  out.attr("/", "r_sense_ohm", req.wiring.r_sense_ohm);
  out.attr("/", "v_sense_V", req.wiring.v_sense_V);
  out.attr("/", "method", std::string(sum.used_transfer ? "transfer matrix" : "iterative"));
  out.attr("/", "max_current_err_est", sum.worst_err_est);
  out.attr("/", "max_residual_rel", sum.worst_residual);
  if (req.write_nodes) {
    std::vector<size_t> nd = one_d ? std::vector<size_t>{N, M} : std::vector<size_t>{count, N, M};
    out.write("/row_V", row_V, nd, "V");
    out.write("/col_V", col_V, nd, "V");
    if (!x_V.empty()) out.write("/x_V", x_V, nd, "V");
  }
  out.commit();
}
}  // namespace

}  // namespace cimchar::xbar
