// Exact transfer matrix of a programmed array of linear cells: I = M (V - v_sense), so that every
// further input vector costs one matrix-vector product (a batch: one matrix-matrix product).
//
// Built by nested dissection with dense Schur complements (George, SIAM J. Numer. Anal. 10(2),
// 1973; the multifrontal form of Duff & Reid, ACM TOMS 9(3), 1983): the array is split in halves
// recursively down to 4x4-cell leaves; each block is reduced to the nodes on its edges (its
// Dirichlet-to-Neumann map, a dense symmetric matrix) and two neighbours merge by adding the wire
// segments between them and eliminating the now-inner edge nodes (Cholesky, triangular solve,
// symmetric rank-k update through BLAS). The whole array reduces to its drive-end and sense-end
// nodes; with the driver and sense conductances g_d, g_s,
//     M[c][r] = g_s g_d [K^{-1}]_{sense node c, drive node r}
// where K is that reduced matrix plus the port conductances. Needs resistive word and bit lines;
// arrays with an ideal (zero-ohm) line family fall back to one solve per row input.
#pragma once

#include <vector>

#include "xbar/crossbar.hpp"

namespace cimchar::xbar {

struct TransferMatrix {
  size_t rows = 0, cols = 0;
  double v_sense_V = 0;
  std::vector<double> m_S;  // [cols][rows], row-major: dI[c]/dV[r]

  std::vector<double> apply(const std::vector<double>& v_in_V) const;
  // v: [count][rows] -> I: [count][cols]
  std::vector<double> apply_batch(const std::vector<double>& v_in_V, size_t count) const;
};

// Linear cells (G in siemens). Throws InputError/ConfigError for bad arrays or wiring.
TransferMatrix transfer_matrix(const Array& a, const Wiring& w);

}  // namespace cimchar::xbar
