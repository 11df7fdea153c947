// The system under test as the harness sees it: registers the system (migrations, connection,
// commands as JSON), its invariants, failpoints and error codes. The only unit that adapts JSON
// commands to the typed domain API.

#include <fmt/format.h>

#include <functional>
#include <map>
#include <nlohmann/json.hpp>

#include "sut/inventory.hpp"
#include "sut/inventory_invariants.hpp"
#include "sut/migrator.hpp"
#include "verdict/log.hpp"
#include "verdict/system.hpp"

namespace sut {
namespace {
using json = nlohmann::json;

// Decimals must arrive as strings (or whole numbers): a JSON fraction has already been through a
// double, which is exactly what we refuse.
struct BadArgument : std::exception {
  explicit BadArgument(Error e) : error(std::move(e)) {}
  const char* what() const noexcept override { return error.message.c_str(); }
  Error error;
};

std::string text_arg(const json& args, const char* field, bool decimal = false) {
  if (!args.contains(field) || args[field].is_null()) return "";
  const auto& v = args[field];
  if (v.is_string()) return v.get<std::string>();
  // Whole numbers keep their digits as written (dump, not a cast: 2^64-1 must not wrap to -1).
  if (v.is_number_integer()) return v.dump();
  if (decimal && v.is_number()) {
    throw BadArgument(validation(field, fmt::format("{}: send decimals as strings, not JSON numbers", field)));
  }
  throw BadArgument(validation(field, fmt::format("{}: expected a string", field)));
}

long long id_arg(const json& args, const char* field) {
  if (!args.contains(field)) throw BadArgument(validation(field, fmt::format("{}: is required", field)));
  const auto& v = args[field];
  if (v.is_number_integer()) return v.get<long long>();
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (!s.empty() && s.size() <= 18 && s.find_first_not_of("0123456789") == std::string::npos) return std::stoll(s);
  }
  throw BadArgument(validation(field, fmt::format("{}: expected a positive integer id", field)));
}

json touched_json(const TouchedKeys& touched) {
  json out = json::object();
  for (const auto& [kind, ids] : touched) out[kind] = ids;
  return out;
}

template <typename T>
verdict::StepOutcome to_step(const inventory::Reported<T>& r, const std::function<json(const T&)>& values) {
  verdict::StepOutcome o;
  o.attempts = r.report.attempts;
  o.touched_json = touched_json(r.report.touched).dump();
  if (r.outcome.ok()) {
    o.status = verdict::OutcomeStatus::ok;
    o.values_json = values(r.outcome.value()).dump();
  } else if (r.outcome.is_error()) {
    o.status = verdict::OutcomeStatus::error;
    o.code = to_string(r.outcome.error().code);
    o.field = r.outcome.error().field;
    o.message = r.outcome.error().message;
  } else {
    o.status = verdict::OutcomeStatus::unknown;
    o.message = r.outcome.unknown().message;
  }
  return o;
}

json moved_json(const inventory::Moved& m) {
  return json{
      {"movement_id", m.movement_id}, {"batch_id", m.batch_id}, {"location_id", m.location_id}, {"on_hand", m.on_hand}};
}

class Connection final : public verdict::SystemConnection {
 public:
  explicit Connection(const std::string& conninfo) : session_(conninfo) {}

  verdict::StepOutcome execute(const verdict::Command& command) override {
    RequestContext c{command.tenant, command.actor, command.as_of, command.correlation_id};
    json args;
    try {
      args = json::parse(command.args_json);
      if (!args.is_object()) throw BadArgument(validation("with", "with: the arguments must be an object"));
      return dispatch(command.name, c, args);
    } catch (const BadArgument& bad) {
      verdict::StepOutcome o;
      o.status = verdict::OutcomeStatus::error;
      o.code = to_string(bad.error.code);
      o.field = bad.error.field;
      o.message = bad.error.message;
      return o;
    } catch (const json::exception& e) {
      verdict::StepOutcome o;
      o.code = to_string(Code::validation_failed);
      o.field = "with";
      o.message = std::string("with: ") + e.what();
      return o;
    }
  }

  std::string read(const std::string& what, const std::string& tenant, const std::string& args_json) override {
    RequestContext c{tenant, "reader", "2026-01-01T00:00:00Z", ""};
    json args = json::parse(args_json);
    auto error_json = [](const Error& e) { return json{{"error", to_string(e.code)}, {"field", e.field}}.dump(); };
    try {
      return read_checked(what, c, args, error_json);
    } catch (const BadArgument& bad) {
      return error_json(bad.error);
    }
  }

 private:
  std::string read_checked(const std::string& what, const RequestContext& c, const json& args,
                           const std::function<std::string(const Error&)>& error_json) {
    if (what == "on_hand") {
      auto r =
          inventory::on_hand(session_, c, text_arg(args, "sku"), text_arg(args, "batch"), text_arg(args, "location"));
      return r.ok() ? json(r.value()).dump() : error_json(r.error());
    }
    if (what == "product") {
      auto r = inventory::product(session_, c, text_arg(args, "sku"));
      if (!r.ok()) return error_json(r.error());
      return json{{"sku", r.value().sku}, {"name", r.value().name}, {"version", r.value().version}}.dump();
    }
    if (what == "movement") {
      auto r = inventory::movement(session_, c, id_arg(args, "movement"));
      if (!r.ok()) return error_json(r.error());
      const auto& m = r.value();
      return json{{"kind", m.kind}, {"qty", m.qty}, {"batch_id", m.batch_id}, {"location_id", m.location_id}}.dump();
    }
    if (what == "stock") {
      auto r = inventory::stock_levels(session_, c);
      if (!r.ok()) return error_json(r.error());
      json rows = json::array();
      for (const auto& s : r.value())
        rows.push_back({{"sku", s.sku}, {"batch", s.batch}, {"location", s.location}, {"qty", s.qty}});
      return rows.dump();
    }
    throw std::runtime_error("unknown read '" + what + "' (on_hand, product, movement, stock)");
  }

  verdict::StepOutcome dispatch(const std::string& name, const RequestContext& c, const json& a) {
    using namespace inventory;
    if (name == "catalog.add_product") {
      return to_step<ProductAdded>(add_product(session_, c, {text_arg(a, "sku"), text_arg(a, "name")}),
                                   [](const ProductAdded& p) {
                                     return json{{"product_id", p.product_id}};
                                   });
    }
    if (name == "inventory.add_location") {
      return to_step<LocationAdded>(add_location(session_, c, {text_arg(a, "location")}), [](const LocationAdded& l) {
        return json{{"location_id", l.location_id}};
      });
    }
    if (name == "inventory.receive") {
      return to_step<Moved>(receive(session_, c,
                                    {text_arg(a, "sku"), text_arg(a, "batch"), text_arg(a, "location"),
                                     text_arg(a, "qty", true), text_arg(a, "unit_cost", true)}),
                            moved_json);
    }
    if (name == "inventory.fulfill") {
      return to_step<Moved>(
          fulfill(session_, c,
                  {text_arg(a, "sku"), text_arg(a, "batch"), text_arg(a, "location"), text_arg(a, "qty", true)}),
          moved_json);
    }
    if (name == "inventory.adjust") {
      return to_step<Moved>(adjust(session_, c,
                                   {text_arg(a, "sku"), text_arg(a, "batch"), text_arg(a, "location"),
                                    text_arg(a, "delta", true), text_arg(a, "reason")}),
                            moved_json);
    }
    if (name == "inventory.transfer") {
      return to_step<Transferred>(transfer(session_, c,
                                           {text_arg(a, "sku"), text_arg(a, "batch"), text_arg(a, "from"),
                                            text_arg(a, "to"), text_arg(a, "qty", true)}),
                                  [](const Transferred& t) {
                                    return json{{"transfer_id", t.transfer_id},
                                                {"out_movement_id", t.out_movement_id},
                                                {"in_movement_id", t.in_movement_id},
                                                {"batch_id", t.batch_id}};
                                  });
    }
    if (name == "inventory.reverse") {
      return to_step<Reversed>(reverse(session_, c, {id_arg(a, "movement")}), [](const Reversed& r) {
        return json{{"movement_id", r.reversal_movement_ids.front()},
                    {"reversal_movement_ids", r.reversal_movement_ids}};
      });
    }
    throw BadArgument(validation("do", fmt::format("do: unknown command '{}'", name)));
  }

  Session session_;
};

const struct Registrar {
  Registrar() {
    verdict::SystemUnderTest system;
    system.name = "verdict-erp";
    system.migrate = [](const std::string& owner_conninfo) { sut::migrate(owner_conninfo, builtin_migrations()); };
    system.schema_fingerprint = [] { return migrations_fingerprint(builtin_migrations()); };
    system.connect = [](const std::string& app_conninfo) -> std::unique_ptr<verdict::SystemConnection> {
      return std::make_unique<Connection>(app_conninfo);
    };
    system.tables = {"products", "locations", "batches", "movements", "on_hand"};
    for (const auto& c : all_codes()) system.error_codes.push_back({c.name, c.status, to_string(c.retry), c.meaning});
    verdict::register_system(std::move(system));
    inventory::register_invariants();
    inventory::declare_failpoints();
    set_log_sink([](const std::string& line) { verdict::log::write_line(line); });
  }
} registrar;

}  // namespace
}  // namespace sut
