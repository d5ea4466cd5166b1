// The read model of a device known only as a netlist: its state range from the card, its read
// I-V from the ngspice-tabulated table twin.
#include <cmath>

#include "core/error.hpp"
#include "device/card_check.hpp"
#include "device/model.hpp"
#include "device/tabulate.hpp"
#include "spice/pool.hpp"

namespace cimchar::device {

namespace {

class TabulatedModel : public ReadModel {
 public:
  TabulatedModel(const ParamTable& card, std::shared_ptr<const TableTwin> t, std::string unit)
      : name_(card.model_name()), unit_(std::move(unit)), lo_(card.state_min()),
        hi_(card.state_max()), lrs_max_(card.lrs_at_max()), table_(std::move(t)) {}
  std::string name() const override { return name_; }
  double current_A(double v, double state) const override { return table_->eval(v, state).i_A; }
  double state_min() const override { return lo_; }
  double state_max() const override { return hi_; }
  std::string state_unit() const override { return unit_; }
  // The subcircuit's state node carries the state itself (devices/README.md).
  double node_scale() const override { return 1.0; }
  double state_lrs() const override { return lrs_max_ ? hi_ : lo_; }

 private:
  std::string name_, unit_;
  double lo_, hi_;
  bool lrs_max_;
  std::shared_ptr<const TableTwin> table_;
};

}  // namespace

std::unique_ptr<ReadModel> make_read_model(const ParamTable& card, const ReadModelOptions& o) {
  if (has_twin(card)) return make_model(card);
  check_card_against_lib(card);
  spice::PoolOptions po;
  po.workers = o.jobs;
  po.library = o.ngspice_library;
  po.progress = false;
  spice::WorkerPool pool(po);
  check_card_with_ngspice(card, pool);
  TabulateOptions to;
  to.v_max_V = o.v_max_V;
  to.v_points = o.v_points;
  const Tabulated t = tabulate_read_iv(card, pool, to);
  return std::make_unique<TabulatedModel>(card, t.twin, card.state_unit());
}

}  // namespace cimchar::device
