#include "app/global_options.hpp"

#include <utility>
#include <vector>

#include "core/error.hpp"

namespace cimchar::app {

namespace {

// Every global option: its flag bit (0: honoured everywhere) and CLI11 name.
const std::vector<std::pair<unsigned, std::string>>& global_names() {
  static const std::vector<std::pair<unsigned, std::string>> names = {
      {kJobs, "--jobs"},   {kOutDir, "--out"}, {kSeed, "--seed"},   {kNgspice, "--ngspice"},
      {0, "--quiet"},      {0, "--verbose"},   {kResume, "--resume"}, {kJson, "--json"}};
  return names;
}

const char* kFlowOut =
    "--out DIR: the run's output folder (default results/<flow name>); each stage writes "
    "DIR/<stage>.h5.";

std::string single_file_rule(const std::string& file) {
  return "--out FILE (after the command): the file written; an existing folder ending in / "
         "writes " + file + " inside it. -o/--out before the command is the flow folder of "
         "`run` and is refused here.";
}

// The command path of a (sub)command: "xbar solve".
std::string command_path(const CLI::App* c) {
  std::string p;
  for (; c && c->get_parent(); c = c->get_parent())
    p = c->get_name() + (p.empty() ? "" : " " + p);
  return p;
}

const CLI::App* chosen_leaf(const CLI::App& app) {
  const CLI::App* c = &app;
  while (!c->get_subcommands().empty()) c = c->get_subcommands().front();
  return c;
}

std::string help_lines(const CLI::App& root, unsigned honours) {
  std::string s;
  for (const auto& [bit, name] : global_names()) {
    if (bit && !(honours & bit)) continue;
    const CLI::Option* o = root.get_option_no_throw(name);
    if (!o) continue;
    std::string head = "  " + o->get_name(false, true);
    if (head.size() < 18) head.resize(18, ' ');
    s += head + " " + o->get_description() + "\n";
  }
  return s;
}

}  // namespace

GlobalsTable globals_table(const CLI::App& app) {
  GlobalsTable t;
  for (const auto* c : app.get_subcommands([](const CLI::App*) { return true; }))
    t[c->get_name()] = {kAllGlobals, kFlowOut};  // run and the stage commands
  t["xbar"] = {kJobs, single_file_rule("I.npy")};
  t["xbar solve"] = t["xbar"];
  t["attention"] = {kJobs | kSeed, single_file_rule("attention.h5")};
  t["sweep"] = {kJobs | kSeed | kResume, single_file_rule("sweep.h5")};
  t["ppa"] = {0, single_file_rule("ppa.h5")};
  t["report"] = {0, "--out FILE (or --html FILE, after the command): the report (default "
                    "<run-dir>/report.html); an existing folder ending in / writes report.html "
                    "inside it."};
  return t;
}

void document_globals(CLI::App& app, const GlobalsTable& table) {
  std::vector<CLI::App*> todo = app.get_subcommands([](const CLI::App*) { return true; });
  while (!todo.empty()) {
    CLI::App* c = todo.back();
    todo.pop_back();
    for (auto* s : c->get_subcommands([](const CLI::App*) { return true; })) todo.push_back(s);
    const auto it = table.find(command_path(c));
    if (it == table.end()) continue;
    const std::string own = c->get_footer();
    c->footer((own.empty() ? "" : own + "\n\n") +
              "Global options that work here (before or after the command):\n" +
              help_lines(app, it->second.honours) + "Output: " + it->second.out_rule);
  }
}

void refuse_unused_globals(const CLI::App& app, const GlobalsTable& table) {
  const std::string path = command_path(chosen_leaf(app));
  const auto it = table.find(path);
  if (it == table.end()) return;
  for (const auto& [bit, name] : global_names()) {
    const CLI::Option* o = app.get_option_no_throw(name);
    if (bit == 0 || (it->second.honours & bit) || !o || o->count() == 0) continue;
    throw InputError(name + " has no effect on `cimchar " + path + "`" +
                     (name == "--out" ? " before the command: put --out after it (" +
                                            it->second.out_rule + ")"
                                      : "; `cimchar " + path + " --help` lists what works there"));
  }
}

}  // namespace cimchar::app
