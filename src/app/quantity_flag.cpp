#include "app/quantity_flag.hpp"

#include "core/units.hpp"

namespace cimchar::app {

CLI::Validator quantity(const std::string& unit) {
  return CLI::Validator(
      [unit](std::string& text) -> std::string {
        std::string why;
        auto v = parse_quantity(text, "", &why);  // a bare number is already in `unit`
        if (!v || text.find_first_not_of("0123456789+-.eE ") != std::string::npos)
          v = parse_quantity(text, unit, &why);
        if (!v) return why;
        text = netlist_number(*v);
        return {};
      },
      unit.empty() ? "NUMBER" : "NUMBER[" + unit + "]");
}

}  // namespace cimchar::app
