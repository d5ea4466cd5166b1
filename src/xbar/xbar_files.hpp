// `cimchar xbar solve` as a library call: read a conductance matrix and input vectors from
// .npy or HDF5 files, solve natively, write the column currents (and optionally node voltages).
//
// Inputs: G [rows, cols] in siemens (HDF5 dataset "G"); V [vectors, rows] or [rows] in volts
// (HDF5 dataset "V"). Output by extension: .npy (currents only) or .h5/.hdf5 with datasets
// I [A], and with nodes: row_V, col_V [vectors, rows, cols] (and x_V for 1T1R), plus the
// wiring and cell model as attributes and the usual provenance (docs/results-format.md).
// Everything is validated before anything is written; a failed run leaves no output file.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "xbar/cell.hpp"
#include "xbar/crossbar.hpp"
#include "xbar/solver.hpp"

namespace cimchar::xbar {

enum class Method { automatic, iterative, transfer };

struct SolveFilesRequest {
  std::filesystem::path g_file, v_file, out_file;
  // automatic: the transfer matrix (transfer.hpp) for linear cells and at least
  // kTransferMinVectors vectors without node voltages, else the iterative solver.
  Method method = Method::automatic;
  Wiring wiring;
  CellModel cell;
  SolveOptions options;
  bool write_nodes = false;
  std::string command_line;  // recorded in the output's provenance
};

// Reads G (2-D) from .npy or HDF5 dataset "G". InputError on anything malformed.
Array read_conductances(const std::filesystem::path& file);
// Reads V from .npy or HDF5 dataset "V": returns [count][rows] and whether it was 1-D.
std::vector<double> read_inputs(const std::filesystem::path& file, size_t rows, size_t* count,
                                bool* one_d);

// Measured break-even (bench/RESULTS.md): the transfer matrix's build costs about 40 further
// iterative solves at N = 256..1024.
constexpr size_t kTransferMinVectors = 48;

struct SolveFilesSummary {
  size_t rows = 0, cols = 0, vectors = 0;
  double worst_err_est = 0, worst_residual = 0, seconds = 0;
  bool used_transfer = false;
};
SolveFilesSummary solve_files(const SolveFilesRequest& req);

}  // namespace cimchar::xbar
