// lut_docs FILE: rewrites the LUT record blocks of FILE (docs/results-format.md) in place from
// the records themselves (src/lut/catalog.cpp). Run after changing a record; tests/lut fails
// until the docs match.
#include <fstream>
#include <iostream>
#include <sstream>

#include "lut/catalog.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: lut_docs docs/results-format.md\n";
    return 2;
  }
  std::ifstream in(argv[1]);
  if (!in) {
    std::cerr << "lut_docs: cannot read " << argv[1] << "\n";
    return 2;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    const std::string doc = cimchar::lut::rewrite_docs(ss.str());
    std::ofstream(argv[1]) << doc;
  } catch (const std::exception& e) {
    std::cerr << "lut_docs: " << argv[1] << ": " << e.what() << "\n";
    return 1;
  }
  return 0;
}
