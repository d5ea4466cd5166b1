// lut_dump FILE GROUP: the LUT record at GROUP read by the C++ reader (src/lut), printed as one
// JSON object of its fields. lut_dump FILE /lut/read_current --at STATE V: the read current
// there by the record's bilinear interpolation, in A. tests/flows/check_default_flow.py
// compares xarray's view of every record of the default flow with these.
#include <cstdio>
#include <iostream>
#include <string>

#include "core/h5.hpp"
#include "lut/catalog.hpp"
#include "lut/cell_records.hpp"

int main(int argc, char** argv) {
  const bool at = argc == 6 && std::string(argv[3]) == "--at";
  if (argc != 3 && !at) {
    std::cerr << "usage: lut_dump FILE GROUP | lut_dump cell.h5 /lut/read_current --at STATE V\n";
    return 2;
  }
  try {
    const std::string file = argv[1], group = argv[2];
    const cimchar::H5Reader in(file);
    if (!at) {
      std::cout << cimchar::lut::read_json(in, group) << "\n";
      return 0;
    }
    const auto lut = cimchar::lut::read<cimchar::lut::ReadCurrentLut>(in, group);
    std::printf("%.17g\n", lut.current_A(std::stod(argv[4]), std::stod(argv[5]), file));
  } catch (const std::exception& e) {
    std::cerr << "lut_dump: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
