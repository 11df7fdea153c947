// Inventory commands and their SQL (the module's one queries unit).

#include "sut/inventory.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "sut/decimal.hpp"
#include "tx.hpp"
#include "verdict/failpoints.hpp"

namespace sut::inventory {
namespace {

constexpr std::size_t code_length_max = 64;
constexpr std::size_t name_length_max = 200;
constexpr std::size_t reason_length_max = 200;

template <typename T>
Reported<T> finish(const MutationReport& report, T value) {
  switch (report.kind) {
    case MutationReport::Kind::ok:
      return {Outcome<T>(std::move(value)), report};
    case MutationReport::Kind::error:
      return {Outcome<T>(report.error), report};
    case MutationReport::Kind::unknown:
      break;
  }
  return {Outcome<T>(Unknown{report.message}), report};
}

std::optional<Error> check_text(const std::string& value, const char* field, std::size_t length_max) {
  if (value.empty()) return validation(field, fmt::format("{}: is required", field));
  if (value.size() > length_max)
    return validation(field, fmt::format("{}: longer than {} characters", field, length_max));
  for (unsigned char c : value) {
    if (c < 0x20 || c == 0x7f) return validation(field, fmt::format("{}: control characters are not allowed", field));
  }
  return std::nullopt;
}

// A strictly positive quantity.
Outcome<Quantity> positive_quantity(const std::string& text, const char* field) {
  auto q = Quantity::parse(text, field);
  if (!q.ok()) return q.error();
  if (!q.value().is_positive())
    return validation(field, fmt::format("{}: must be greater than zero, got {}", field, text));
  return q;
}

std::string tenant_of(Tx& tx) { return tx.context().tenant; }

std::optional<long long> find_id(Tx& tx, const char* sql, const std::string& a, const std::string& b) {
  auto r = tx.sql().exec_params(sql, a, b);
  if (r.empty()) return std::nullopt;
  return r[0][0].as<long long>();
}

Outcome<long long> product_id(Tx& tx, const std::string& sku) {
  if (auto id = find_id(tx, "SELECT product_id FROM products WHERE tenant_id = $1 AND sku = $2", tenant_of(tx), sku))
    return *id;
  return not_found("sku", fmt::format("sku: no product '{}'", sku));
}

Outcome<long long> location_id(Tx& tx, const std::string& code, const char* field) {
  if (auto id =
          find_id(tx, "SELECT location_id FROM locations WHERE tenant_id = $1 AND code = $2", tenant_of(tx), code))
    return *id;
  return not_found(field, fmt::format("{}: no location '{}'", field, code));
}

Outcome<long long> batch_id(Tx& tx, const std::string& sku, const std::string& batch) {
  auto product = product_id(tx, sku);
  if (!product.ok()) return product.error();
  auto r = tx.sql().exec_params("SELECT batch_id FROM batches WHERE tenant_id = $1 AND product_id = $2 AND code = $3",
                                tenant_of(tx), product.value(), batch);
  if (r.empty()) return not_found("batch", fmt::format("batch: no batch '{}' of product '{}'", batch, sku));
  return r[0][0].as<long long>();
}

struct Slot {
  long long batch_id = 0;
  long long location_id = 0;
  Quantity qty;
  long long version = 0;
};

// Locks the on-hand rows of `keys` in the documented order, creating missing ones at zero.
std::vector<Slot> lock_slots(Tx& tx, std::vector<std::pair<long long, long long>> keys) {
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  for (const auto& [b, l] : keys) {
    tx.sql().exec_params(
        "INSERT INTO on_hand (tenant_id, batch_id, location_id, qty, version) VALUES ($1, $2, $3, 0, 0) "
        "ON CONFLICT (batch_id, location_id) DO NOTHING",
        tenant_of(tx), b, l);
  }
  std::vector<Slot> slots;
  for (const auto& [b, l] : keys) {
    // Every slot a mutation locks is in the scope of the invariants run after it.
    tx.touch("batch", b);
    tx.touch("location", l);
    // One row per statement, in order: the lock order is the loop order.
    auto r = tx.sql().exec_params1(
        "SELECT qty::text, version FROM on_hand WHERE batch_id = $1 AND location_id = $2 FOR UPDATE", b, l);
    auto qty = Quantity::parse(r[0].as<std::string>(), "on_hand");
    if (!qty.ok()) throw std::logic_error("on_hand holds an unparsable quantity: " + r[0].as<std::string>());
    slots.push_back(Slot{b, l, qty.value(), r[1].as<long long>()});
  }
  return slots;
}

Slot& slot_of(std::vector<Slot>& slots, long long batch, long long location) {
  for (auto& s : slots)
    if (s.batch_id == batch && s.location_id == location) return s;
  throw std::logic_error("slot not locked");
}

// New on-hand after `delta`, or INSUFFICIENT_STOCK / out of range naming `field`.
Outcome<Quantity> apply_delta(const Slot& slot, Quantity delta, const char* field) {
  auto next = slot.qty.add(delta);
  if (!next) return validation(field, fmt::format("{}: on-hand would exceed the largest quantity", field));
  if (next->is_negative()) {
    return Error{Code::insufficient_stock, field,
                 fmt::format("{}: on hand is {}, the movement needs {}", field, slot.qty.to_string(),
                             delta.negated().to_string())};
  }
  return *next;
}

long long insert_movement(Tx& tx, const char* kind, long long batch, long long location, Quantity qty,
                          const std::string& reason, std::optional<long long> transfer_id,
                          std::optional<long long> reverses) {
  auto r = tx.sql().exec_params1(
      "INSERT INTO movements (tenant_id, kind, batch_id, location_id, qty, reason, transfer_id, "
      "reverses_movement_id, mutation_id, actor, as_of) "
      "VALUES ($1, $2, $3, $4, $5::numeric, NULLIF($6, ''), NULLIF($7::bigint, 0), NULLIF($8::bigint, 0), $9, $10, "
      "$11::timestamptz) "
      "RETURNING movement_id",
      // Ids are positive, so 0 stands for "none" on the wire.
      tenant_of(tx), kind, batch, location, qty.to_string(), reason, transfer_id.value_or(0), reverses.value_or(0),
      tx.mutation_id(), tx.context().actor, tx.context().as_of);
  long long id = r[0].as<long long>();
  tx.touch("movement", id);
  tx.touch("batch", batch);
  tx.touch("location", location);
  return id;
}

void write_slot(Tx& tx, Slot& slot, Quantity next) {
  // The version check is a second wall behind the row lock: it must always match.
  auto r = tx.sql().exec_params(
      "UPDATE on_hand SET qty = $1::numeric, version = version + 1 WHERE batch_id = $2 AND location_id = $3 AND "
      "version = $4",
      next.to_string(), slot.batch_id, slot.location_id, slot.version);
  if (r.affected_rows() != 1) throw RetryTransaction("on_hand version moved under a row lock");
  slot.qty = next;
  ++slot.version;
}

Reported<Moved> simple_movement(Session& s, const RequestContext& c, const char* operation, const char* kind,
                                const std::string& sku, const std::string& batch, const std::string& location,
                                const std::string& qty_text, const char* qty_field, bool signed_delta,
                                const std::string& reason) {
  Moved out;
  auto report = s.mutate(operation, c, [&](Tx& tx) -> std::optional<Error> {
    out = {};  // a retried attempt starts from nothing: no ids of a rolled-back attempt survive
    if (auto e = check_text(sku, "sku", code_length_max)) return e;
    if (auto e = check_text(batch, "batch", code_length_max)) return e;
    if (auto e = check_text(location, "location", code_length_max)) return e;
    Quantity delta;
    if (signed_delta) {
      auto d = Quantity::parse(qty_text, qty_field);
      if (!d.ok()) return d.error();
      if (d.value().is_zero()) return validation(qty_field, fmt::format("{}: must not be zero", qty_field));
      if (auto e = check_text(reason, "reason", reason_length_max)) return e;
      delta = d.value();
    } else {
      auto q = positive_quantity(qty_text, qty_field);
      if (!q.ok()) return q.error();
      delta = std::string(kind) == "fulfill" ? q.value().negated() : q.value();
    }
    auto b = batch_id(tx, sku, batch);
    if (!b.ok()) return b.error();
    auto l = location_id(tx, location, "location");
    if (!l.ok()) return l.error();
    auto slots = lock_slots(tx, {{b.value(), l.value()}});
    auto& slot = slots.front();
    auto next = apply_delta(slot, delta, qty_field);
    if (!next.ok()) return next.error();
    out.movement_id = insert_movement(tx, kind, b.value(), l.value(), delta, reason, std::nullopt, std::nullopt);
    VERDICT_FAILPOINT("inventory.after_journal_insert");
    write_slot(tx, slot, next.value());
    VERDICT_FAILPOINT("inventory.after_projection_update");
    out.batch_id = b.value();
    out.location_id = l.value();
    out.on_hand = next.value().to_string();
    return std::nullopt;
  });
  return finish(report, out);
}

}  // namespace

void declare_failpoints() {
  using verdict::failpoints::declare;
  declare("mutation.after_begin", "wrapper: after BEGIN and SET LOCAL, before the domain logic");
  declare("mutation.before_commit", "wrapper: after the domain logic, before COMMIT");
  declare("inventory.after_batch_create", "receive: after a new batch row is inserted");
  declare("inventory.after_journal_insert", "movements: after the journal rows are inserted, before the projection");
  declare("inventory.after_projection_update", "movements: after the on-hand projection is updated");
}

Reported<ProductAdded> add_product(Session& s, const RequestContext& c, const AddProduct& cmd) {
  ProductAdded out;
  auto report = s.mutate("catalog.add_product", c, [&](Tx& tx) -> std::optional<Error> {
    out = {};  // a retried attempt starts from nothing: no ids of a rolled-back attempt survive
    if (auto e = check_text(cmd.sku, "sku", code_length_max)) return e;
    if (auto e = check_text(cmd.name, "name", name_length_max)) return e;
    auto r = tx.sql().exec_params(
        "INSERT INTO products (tenant_id, sku, name, created_at) VALUES ($1, $2, $3, $4::timestamptz) "
        "ON CONFLICT (tenant_id, sku) DO NOTHING RETURNING product_id",
        c.tenant, cmd.sku, cmd.name, c.as_of);
    if (r.empty())
      return Error{Code::already_exists, "sku", fmt::format("sku: a product '{}' exists already", cmd.sku)};
    out.product_id = r[0][0].as<long long>();
    tx.touch("product", out.product_id);
    return std::nullopt;
  });
  return finish(report, out);
}

Reported<LocationAdded> add_location(Session& s, const RequestContext& c, const AddLocation& cmd) {
  LocationAdded out;
  auto report = s.mutate("inventory.add_location", c, [&](Tx& tx) -> std::optional<Error> {
    out = {};  // a retried attempt starts from nothing: no ids of a rolled-back attempt survive
    if (auto e = check_text(cmd.location, "location", code_length_max)) return e;
    auto r = tx.sql().exec_params(
        "INSERT INTO locations (tenant_id, code, created_at) VALUES ($1, $2, $3::timestamptz) "
        "ON CONFLICT (tenant_id, code) DO NOTHING RETURNING location_id",
        c.tenant, cmd.location, c.as_of);
    if (r.empty())
      return Error{Code::already_exists, "location", fmt::format("location: '{}' exists already", cmd.location)};
    out.location_id = r[0][0].as<long long>();
    tx.touch("location", out.location_id);
    return std::nullopt;
  });
  return finish(report, out);
}

Reported<Moved> receive(Session& s, const RequestContext& c, const Receive& cmd) {
  Moved out;
  auto report = s.mutate("inventory.receive", c, [&](Tx& tx) -> std::optional<Error> {
    out = {};  // a retried attempt starts from nothing: no ids of a rolled-back attempt survive
    if (auto e = check_text(cmd.sku, "sku", code_length_max)) return e;
    if (auto e = check_text(cmd.batch, "batch", code_length_max)) return e;
    if (auto e = check_text(cmd.location, "location", code_length_max)) return e;
    auto qty = positive_quantity(cmd.qty, "qty");
    if (!qty.ok()) return qty.error();
    std::optional<Quantity> unit_cost;
    if (!cmd.unit_cost.empty()) {
      auto cost = Quantity::parse(cmd.unit_cost, "unit_cost");
      if (!cost.ok()) return cost.error();
      if (cost.value().is_negative()) return validation("unit_cost", "unit_cost: must not be negative");
      unit_cost = cost.value();
    }
    auto product = product_id(tx, cmd.sku);
    if (!product.ok()) return product.error();
    auto l = location_id(tx, cmd.location, "location");
    if (!l.ok()) return l.error();
    auto existing = tx.sql().exec_params(
        "SELECT batch_id, unit_cost::text FROM batches WHERE tenant_id = $1 AND product_id = $2 AND code = $3",
        c.tenant, product.value(), cmd.batch);
    long long b = 0;
    if (existing.empty()) {
      if (!unit_cost)
        return validation("unit_cost",
                          fmt::format("unit_cost: required for the first receipt of batch '{}'", cmd.batch));
      // Two first receipts of one batch may race: the loser waits for the winner's commit, inserts
      // nothing, and then reads the winner's row (a new statement sees it in read committed).
      auto r = tx.sql().exec_params(
          "INSERT INTO batches (tenant_id, product_id, code, unit_cost, created_at) "
          "VALUES ($1, $2, $3, $4::numeric, $5::timestamptz) "
          "ON CONFLICT (tenant_id, product_id, code) DO NOTHING RETURNING batch_id",
          c.tenant, product.value(), cmd.batch, unit_cost->to_string(), c.as_of);
      if (r.empty()) throw RetryTransaction("batch created concurrently");
      b = r[0][0].as<long long>();
      VERDICT_FAILPOINT("inventory.after_batch_create");
    } else {
      b = existing[0][0].as<long long>();
      auto stored = Quantity::parse(existing[0][1].as<std::string>(), "unit_cost");
      if (unit_cost && stored.ok() && !(stored.value() == *unit_cost)) {
        return validation("unit_cost", fmt::format("unit_cost: batch '{}' has unit cost {}, not {}", cmd.batch,
                                                   stored.value().to_string(), unit_cost->to_string()));
      }
    }
    auto slots = lock_slots(tx, {{b, l.value()}});
    auto next = apply_delta(slots.front(), qty.value(), "qty");
    if (!next.ok()) return next.error();
    out.movement_id = insert_movement(tx, "receive", b, l.value(), qty.value(), "", std::nullopt, std::nullopt);
    VERDICT_FAILPOINT("inventory.after_journal_insert");
    write_slot(tx, slots.front(), next.value());
    VERDICT_FAILPOINT("inventory.after_projection_update");
    out.batch_id = b;
    out.location_id = l.value();
    out.on_hand = next.value().to_string();
    return std::nullopt;
  });
  return finish(report, out);
}

Reported<Moved> fulfill(Session& s, const RequestContext& c, const Fulfill& cmd) {
  return simple_movement(s, c, "inventory.fulfill", "fulfill", cmd.sku, cmd.batch, cmd.location, cmd.qty, "qty", false,
                         "");
}

Reported<Moved> adjust(Session& s, const RequestContext& c, const Adjust& cmd) {
  return simple_movement(s, c, "inventory.adjust", "adjust", cmd.sku, cmd.batch, cmd.location, cmd.delta, "delta", true,
                         cmd.reason);
}

Reported<Transferred> transfer(Session& s, const RequestContext& c, const Transfer& cmd) {
  Transferred out;
  auto report = s.mutate("inventory.transfer", c, [&](Tx& tx) -> std::optional<Error> {
    out = {};  // a retried attempt starts from nothing: no ids of a rolled-back attempt survive
    if (auto e = check_text(cmd.sku, "sku", code_length_max)) return e;
    if (auto e = check_text(cmd.batch, "batch", code_length_max)) return e;
    if (auto e = check_text(cmd.from, "from", code_length_max)) return e;
    if (auto e = check_text(cmd.to, "to", code_length_max)) return e;
    if (cmd.from == cmd.to) return validation("to", "to: a transfer needs two different locations");
    auto qty = positive_quantity(cmd.qty, "qty");
    if (!qty.ok()) return qty.error();
    auto b = batch_id(tx, cmd.sku, cmd.batch);
    if (!b.ok()) return b.error();
    auto from = location_id(tx, cmd.from, "from");
    if (!from.ok()) return from.error();
    auto to = location_id(tx, cmd.to, "to");
    if (!to.ok()) return to.error();
    auto slots = lock_slots(tx, {{b.value(), from.value()}, {b.value(), to.value()}});
    auto& source = slot_of(slots, b.value(), from.value());
    auto& target = slot_of(slots, b.value(), to.value());
    auto source_next = apply_delta(source, qty.value().negated(), "qty");
    if (!source_next.ok()) return source_next.error();
    auto target_next = apply_delta(target, qty.value(), "qty");
    if (!target_next.ok()) return target_next.error();
    out.transfer_id = tx.sql().exec1("SELECT nextval('transfer_ids')")[0].as<long long>();
    // Both legs in one transaction: the pair is written together or not at all.
    out.out_movement_id = insert_movement(tx, "transfer_out", b.value(), from.value(), qty.value().negated(), "",
                                          out.transfer_id, std::nullopt);
    out.in_movement_id =
        insert_movement(tx, "transfer_in", b.value(), to.value(), qty.value(), "", out.transfer_id, std::nullopt);
    VERDICT_FAILPOINT("inventory.after_journal_insert");
    write_slot(tx, source, source_next.value());
    write_slot(tx, target, target_next.value());
    VERDICT_FAILPOINT("inventory.after_projection_update");
    out.batch_id = b.value();
    return std::nullopt;
  });
  return finish(report, out);
}

Reported<Reversed> reverse(Session& s, const RequestContext& c, const Reverse& cmd) {
  Reversed out;
  auto report = s.mutate("inventory.reverse", c, [&](Tx& tx) -> std::optional<Error> {
    out = {};  // a retried attempt starts from nothing: no ids of a rolled-back attempt survive
    if (cmd.movement_id <= 0) return validation("movement", "movement: must be a positive movement id");
    auto original = tx.sql().exec_params(
        "SELECT kind, transfer_id FROM movements WHERE tenant_id = $1 AND movement_id = $2", c.tenant, cmd.movement_id);
    if (original.empty()) return not_found("movement", fmt::format("movement: no movement {}", cmd.movement_id));
    std::string kind = original[0][0].as<std::string>();
    if (kind == "reversal") {
      return Error{Code::not_reversible, "movement",
                   fmt::format("movement: {} is a reversal; a reversal is never reversed", cmd.movement_id)};
    }
    // A transfer is reversed as a pair: both legs, whichever was named.
    auto legs = original[0][1].is_null()
                    ? tx.sql().exec_params(
                          "SELECT movement_id, batch_id, location_id, qty::text FROM movements WHERE movement_id = $1",
                          cmd.movement_id)
                    : tx.sql().exec_params(
                          "SELECT movement_id, batch_id, location_id, qty::text FROM movements WHERE tenant_id = $1 "
                          "AND transfer_id = $2 ORDER BY movement_id",
                          c.tenant, original[0][1].as<long long>());
    std::vector<std::pair<long long, long long>> keys;
    for (const auto& leg : legs) keys.emplace_back(leg[1].as<long long>(), leg[2].as<long long>());
    auto slots = lock_slots(tx, keys);
    // Checked after the locks: a concurrent reversal of the same movement has committed by now.
    for (const auto& leg : legs) {
      auto done = tx.sql().exec_params("SELECT movement_id FROM movements WHERE reverses_movement_id = $1",
                                       leg[0].as<long long>());
      if (!done.empty()) {
        return Error{Code::already_reversed, "movement",
                     fmt::format("movement: {} was reversed already by movement {}", leg[0].as<long long>(),
                                 done[0][0].as<long long>())};
      }
    }
    std::vector<std::pair<Slot*, Quantity>> writes;
    for (const auto& leg : legs) {
      auto qty = Quantity::parse(leg[3].as<std::string>(), "qty");
      auto& slot = slot_of(slots, leg[1].as<long long>(), leg[2].as<long long>());
      // Invariant: the legs of one movement (a transfer's two) sit in different slots, so each
      // slot's next value is computed from its locked value exactly once.
      for (const auto& [other, ignored] : writes) {
        if (other == &slot) throw std::logic_error("two legs of one movement in one slot");
      }
      auto next = apply_delta(slot, qty.value().negated(), "movement");
      if (!next.ok()) return next.error();
      writes.emplace_back(&slot, next.value());
      out.reversal_movement_ids.push_back(insert_movement(tx, "reversal", leg[1].as<long long>(),
                                                          leg[2].as<long long>(), qty.value().negated(), "",
                                                          std::nullopt, leg[0].as<long long>()));
    }
    VERDICT_FAILPOINT("inventory.after_journal_insert");
    for (auto& [slot, next] : writes) write_slot(tx, *slot, next);
    VERDICT_FAILPOINT("inventory.after_projection_update");
    return std::nullopt;
  });
  return finish(report, out);
}

Outcome<std::string> on_hand(Session& s, const RequestContext& c, const std::string& sku, const std::string& batch,
                             const std::string& location) {
  std::optional<Outcome<std::string>> result;
  s.read(c, [&](Tx& tx) {
    auto b = batch_id(tx, sku, batch);
    if (!b.ok()) return void(result = b.error());
    auto l = location_id(tx, location, "location");
    if (!l.ok()) return void(result = l.error());
    auto r = tx.sql().exec_params("SELECT qty::text FROM on_hand WHERE batch_id = $1 AND location_id = $2", b.value(),
                                  l.value());
    result = r.empty() ? Quantity().to_string() : r[0][0].as<std::string>();
  });
  return *result;
}

Outcome<ProductView> product(Session& s, const RequestContext& c, const std::string& sku) {
  std::optional<Outcome<ProductView>> result;
  s.read(c, [&](Tx& tx) {
    auto r = tx.sql().exec_params("SELECT sku, name, version FROM products WHERE tenant_id = $1 AND sku = $2", c.tenant,
                                  sku);
    if (r.empty()) return void(result = not_found("sku", fmt::format("sku: no product '{}'", sku)));
    result = ProductView{r[0][0].as<std::string>(), r[0][1].as<std::string>(), r[0][2].as<long long>()};
  });
  return *result;
}

Outcome<MovementView> movement(Session& s, const RequestContext& c, long long movement_id) {
  std::optional<Outcome<MovementView>> result;
  s.read(c, [&](Tx& tx) {
    auto r = tx.sql().exec_params(
        "SELECT kind, qty::text, batch_id, location_id FROM movements WHERE tenant_id = $1 AND movement_id = $2",
        c.tenant, movement_id);
    if (r.empty()) return void(result = not_found("movement", fmt::format("movement: no movement {}", movement_id)));
    result = MovementView{r[0][0].as<std::string>(), r[0][1].as<std::string>(), r[0][2].as<long long>(),
                          r[0][3].as<long long>()};
  });
  return *result;
}

Outcome<std::vector<StockLevel>> stock_levels(Session& s, const RequestContext& c) {
  std::vector<StockLevel> out;
  s.read(c, [&](Tx& tx) {
    auto rows = tx.sql().exec_params(
        "SELECT p.sku, b.code, l.code, o.qty::text FROM on_hand o "
        "JOIN batches b ON b.batch_id = o.batch_id JOIN products p ON p.product_id = b.product_id "
        "JOIN locations l ON l.location_id = o.location_id "
        "WHERE o.tenant_id = $1 ORDER BY p.sku, b.code, l.code",
        c.tenant);
    for (const auto& r : rows)
      out.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(), r[3].as<std::string>()});
  });
  return out;
}

}  // namespace sut::inventory
