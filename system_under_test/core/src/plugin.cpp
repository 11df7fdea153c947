// The system under test as the harness sees it: registers the system built from every registered
// module (migrations, commands, reads, invariants, failpoints, error codes, tables). Nothing here
// names a module: it loops over the registry.

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "sut/migrator.hpp"
#include "sut/module.hpp"
#include "sut/session.hpp"
#include "verdict/failpoints.hpp"
#include "verdict/log.hpp"
#include "verdict/system.hpp"

namespace sut {
namespace {
using json = nlohmann::json;

json touched_json(const TouchedKeys& touched) {
  json out = json::object();
  for (const auto& [kind, ids] : touched) out[kind] = ids;
  return out;
}

verdict::StepOutcome to_step(const Executed& e) {
  verdict::StepOutcome o;
  o.attempts = e.attempts;
  o.touched_json = touched_json(e.touched).dump();
  o.replayed = e.replayed;
  switch (e.kind) {
    case Executed::Kind::ok:
      o.status = verdict::OutcomeStatus::ok;
      o.values_json = e.values.dump();
      break;
    case Executed::Kind::error:
      o.status = verdict::OutcomeStatus::error;
      o.code = e.error.code;
      o.field = e.error.field;
      o.message = e.error.message;
      break;
    case Executed::Kind::unknown:
      o.status = verdict::OutcomeStatus::unknown;
      o.message = e.message;
      break;
  }
  return o;
}

class Connection final : public verdict::SystemConnection {
 public:
  explicit Connection(const std::string& conninfo) : session_(conninfo) {}

  verdict::StepOutcome execute(const verdict::Command& command) override {
    RequestContext c{command.tenant, command.actor, command.as_of, command.correlation_id, command.idempotency_key};
    json args;
    try {
      args = json::parse(command.args_json);
    } catch (const json::exception& e) {
      verdict::StepOutcome o;
      o.code = codes::validation_failed;
      o.field = "with";
      o.message = std::string("with: not JSON: ") + e.what();
      return o;
    }
    return to_step(session_.execute(command.name, c, args));
  }

  std::string read(const std::string& what, const std::string& tenant, const std::string& args_json) override {
    if (!find_read(what)) {
      std::string names;
      for (const auto& m : modules())
        for (const auto& r : m.reads) names += (names.empty() ? "" : ", ") + r.decl.name;
      throw std::runtime_error(fmt::format("unknown read '{}' ({})", what, names));
    }
    RequestContext c{tenant, "reader", "2026-01-01T00:00:00Z", "", ""};
    auto r = session_.read(what, c, json::parse(args_json));
    if (r.ok()) return r.value().dump();
    return json{{"error", r.error().code}, {"field", r.error().field}}.dump();
  }

 private:
  Session session_;
};

verdict::ErrorCodeInfo to_info(const CodeInfo& c, const std::string& module) {
  return {c.name, c.status, to_string(c.retry), c.meaning, module, c.sqlstates};
}

const struct Registrar {
  Registrar() {
    // Modules register from their own static initialisers; this one may run first. The system is
    // assembled lazily, on the harness's first look (verdict::system_under_test()).
    verdict::SystemUnderTest system;
    system.name = "verdict-erp";
    system.migrate = [](const std::string& owner_conninfo) { sut::migrate(owner_conninfo, all_migrations()); };
    system.schema_fingerprint = [] { return migrations_fingerprint(all_migrations()); };
    system.connect = [](const std::string& app_conninfo) -> std::unique_ptr<verdict::SystemConnection> {
      return std::make_unique<Connection>(app_conninfo);
    };
    system.describe = [](verdict::SystemUnderTest& s) {
      for (const auto& c : core_codes()) s.error_codes.push_back(to_info(c, "core"));
      for (const auto& m : modules()) {
        s.modules.push_back(m.name);
        for (const auto& c : m.codes) s.error_codes.push_back(to_info(c, m.name));
        for (const auto& c : m.commands) s.commands.push_back(c.decl);
        for (const auto& r : m.reads) s.reads.push_back(r.decl);
        s.tables.insert(s.tables.end(), m.tables.begin(), m.tables.end());
        s.verifiers.insert(s.verifiers.end(), m.verifiers.begin(), m.verifiers.end());
        for (const auto& f : m.failpoints) {
          s.failpoints.push_back(f);
          verdict::failpoints::declare(f.name, f.description);
        }
        for (const auto& i : m.invariants) verdict::register_invariant(i);
      }
    };
    verdict::register_system(std::move(system));
    set_log_sink([](const std::string& line) { verdict::log::write_line(line); });
  }
} registrar;

}  // namespace
}  // namespace sut
