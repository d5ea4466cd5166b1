#include "flows/mosfet_tables.hpp"

#include "core/units.hpp"

namespace cimchar::flows {

std::shared_ptr<const device::MosfetTable> build_mosfet_table(spice::WorkerPool& pool,
                                                              const device::MosfetTableSpec& spec,
                                                              const std::string& devices_dir) {
  spec.validate();
  std::vector<spice::Job> jobs;
  for (double vg : spec.v_gate_V) {
    spice::Job j;
    j.name = spec.mod_path(devices_dir) + " (" + spec.model_name() + ", vg=" +
             netlist_number(vg) + " V)";
    j.netlist = spec.dc_netlist(devices_dir, vg);
    j.commands = {spec.dc_command()};
    j.vectors = {"i(vd)", "i(vs)"};
    // A BSIM4 point costs milliseconds here: a 201 x 201 sweep took minutes on a loaded machine,
    // so each point counts 5x in the job's limit (spice::job_timeout).
    j.cost = 5;
    jobs.push_back(std::move(j));
  }
  auto res = pool.run(jobs);
  std::vector<std::vector<double>> i_vd, i_vs;
  for (size_t k = 0; k < jobs.size(); ++k) {
    res[k].throw_if_failed(jobs[k].name);
    i_vd.push_back(res[k].vec(jobs[k].name, "i(vd)"));
    i_vs.push_back(res[k].vec(jobs[k].name, "i(vs)"));
  }
  return std::make_shared<const device::MosfetTable>(
      device::MosfetTable::from_sweeps(spec, i_vd, i_vs));
}

}  // namespace cimchar::flows
