// The module registry. Modules register from static initialisers, in no particular order; the
// registry orders them by dependency so that migrations, docs and listings are the same every run.

#include "sut/module.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>

namespace sut {
namespace {

// Function-local statics: registrars in other translation units run during static initialisation,
// in link order, so a module may register before a module it depends on: the order is made on
// first use, after every registrar has run.
std::vector<Module>& registered() {
  static std::vector<Module> all;
  return all;
}
bool& is_ordered() {
  static bool ordered_yet = false;
  return ordered_yet;
}

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "verdict: module registry: %s\n", message.c_str());
  std::abort();
}

// Dependencies first; among modules whose dependencies are met, by name.
std::vector<Module> ordered(std::vector<Module> all) {
  std::sort(all.begin(), all.end(), [](const Module& a, const Module& b) { return a.name < b.name; });
  std::vector<Module> out;
  std::set<std::string> placed;
  while (!all.empty()) {
    auto ready = std::find_if(all.begin(), all.end(), [&](const Module& m) {
      return std::all_of(m.depends_on.begin(), m.depends_on.end(), [&](const auto& d) { return placed.count(d); });
    });
    if (ready == all.end()) die("a dependency is missing or circular, starting at module " + all.front().name);
    placed.insert(ready->name);
    out.push_back(std::move(*ready));
    all.erase(ready);
  }
  return out;
}

}  // namespace

void register_module(Module module) {
  for (const auto& m : registered()) {
    if (m.name == module.name) die("module " + module.name + " registered twice");
    for (const auto& c : m.commands)
      for (const auto& n : module.commands)
        if (c.decl.name == n.decl.name) die("command " + c.decl.name + " registered twice");
    for (const auto& r : m.reads)
      for (const auto& n : module.reads)
        if (r.decl.name == n.decl.name) die("read " + r.decl.name + " registered twice");
    for (const auto& c : m.codes)
      for (const auto& n : module.codes)
        if (c.name == n.name) die("error code " + c.name + " registered twice");
  }
  for (auto& c : module.commands) {
    c.decl.module = module.name;
    if (c.decl.name.rfind(module.name + ".", 0) != 0)
      die("command " + c.decl.name + " must be named " + module.name + ".<verb>");
    if (!c.apply) die("command " + c.decl.name + " has no body");
  }
  for (auto& r : module.reads) r.decl.module = module.name;
  for (auto& t : module.tables) t.module = module.name;
  for (auto& f : module.failpoints) f.module = module.name;
  for (auto& i : module.invariants) i.module = module.name;
  if (is_ordered()) die("module " + module.name + " registered after the registry was first used");
  registered().push_back(std::move(module));
}

const std::vector<Module>& modules() {
  if (!is_ordered()) {
    registered() = ordered(std::move(registered()));
    is_ordered() = true;
  }
  return registered();
}

const CommandDef* find_command(const std::string& name) {
  for (const auto& m : modules())
    for (const auto& c : m.commands)
      if (c.decl.name == name) return &c;
  return nullptr;
}

const ReadDef* find_read(const std::string& name) {
  for (const auto& m : modules())
    for (const auto& r : m.reads)
      if (r.decl.name == name) return &r;
  return nullptr;
}

void bootstrap_tenant(Tx& tx) {
  for (const auto& m : modules())
    if (m.bootstrap_tenant) m.bootstrap_tenant(tx);
}

std::vector<CodeInfo> all_codes() {
  std::vector<CodeInfo> out = core_codes();
  for (const auto& m : modules()) out.insert(out.end(), m.codes.begin(), m.codes.end());
  return out;
}

std::optional<std::string> code_for_sqlstate(const std::string& sqlstate) {
  static const std::map<std::string, std::string> by_state = [] {
    std::map<std::string, std::string> map;
    for (const auto& c : all_codes())
      for (const auto& s : c.sqlstates) map[s] = c.name;
    return map;
  }();
  auto it = by_state.find(sqlstate);
  if (it == by_state.end()) return std::nullopt;
  return it->second;
}

std::vector<Migration> all_migrations() {
  std::vector<Migration> out;
  for (const auto& m : modules()) out.insert(out.end(), m.migrations.begin(), m.migrations.end());
  return out;
}

}  // namespace sut
