// A resistive crossbar: N driven rows (word lines) by M sensed columns (bit lines), one cell at
// each crossing, resistive wire segments between neighbouring cells. SI units throughout.
//
// Circuit convention (docs/crossbar.md):
//  - Row r is driven by an ideal source V[r] through r_driver_ohm at its column-0 end; the first
//    wire segment (driver to cell (r,0)) is a full segment. With Drive::both, a second driver with
//    the same V[r] and r_driver_ohm sits at the column-(M-1) end, again one full segment away.
//  - Column c is sensed past row N-1 (Sense::far, default) or before row 0 (Sense::near): one full
//    wire segment from the end cell, then r_sense_ohm into a virtual ground held at v_sense_V.
//    The column current I[c] is the current flowing into that virtual ground.
//  - The other line ends are open.
//  - Cell (r,c) connects row node (r,c) to column node (r,c); G[r*M + c] is its conductance
//    (linear cell) or its reference conductance (nonlinear cell, see cell.hpp).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace cimchar::xbar {

enum class Drive { near, both };  // near: column-0 end only; both: both ends of each row
enum class Sense { far, near };   // far: past row N-1; near: before row 0

struct Wiring {
  double r_wire_row_ohm = 0;  // per word-line segment (0 = ideal line)
  double r_wire_col_ohm = 0;  // per bit-line segment
  double r_driver_ohm = 0;    // each driver's output resistance
  double r_sense_ohm = 0;     // sense resistance into the virtual ground
  double v_sense_V = 0;       // virtual-ground voltage
  Drive drive = Drive::near;
  Sense sense = Sense::far;

  // ConfigError naming the field for a negative or non-finite value.
  void validate() const;
  std::string describe() const;
};

const char* to_string(Drive d);
const char* to_string(Sense s);

// The size and per-cell conductances of a programmed array. G is row-major, G[r*cols + c].
struct Array {
  size_t rows = 0, cols = 0;
  std::vector<double> g_S;

  double g(size_t r, size_t c) const { return g_S[r * cols + c]; }
  // InputError for an empty array, a size mismatch, or a non-positive / non-finite G.
  void validate() const;
};

}  // namespace cimchar::xbar
