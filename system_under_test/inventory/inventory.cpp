// Inventory commands and reads, their SQL (the module's one queries unit) and its module record.
// Arguments arrive validated against the declarations at the bottom of this file.

#include "inventory.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <tuple>
#include <utility>

#include "../ledger/ledger.hpp"
#include "sut/decimal.hpp"
#include "sut/module.hpp"
#include "sut/tx.hpp"
#include "verdict/failpoints.hpp"

namespace sut {
std::vector<Migration> inventory_migrations();           // generated from migrations/
std::vector<verdict::Invariant> inventory_invariants();  // invariants.cpp
}  // namespace sut

namespace sut::inventory {
namespace {

constexpr int code_length_max = 64;
constexpr int name_length_max = 200;
constexpr int reason_length_max = 200;

// A validated decimal field as a Quantity (the declaration has checked its form and sign).
Quantity quantity(const Args& a, const char* field) { return Quantity::parse(a.text(field), field).value(); }

std::optional<long long> find_id(Tx& tx, const char* name, const char* sql, const std::string& a,
                                 const std::string& b) {
  auto r = tx.exec(name, sql, a, b);
  if (r.empty()) return std::nullopt;
  return r[0][0].as<long long>();
}

Outcome<long long> product_id(Tx& tx, const std::string& sku) {
  if (auto id = find_id(tx, "inventory_product_id", "SELECT product_id FROM products WHERE tenant_id = $1 AND sku = $2",
                        tx.tenant(), sku))
    return *id;
  return not_found("sku", fmt::format("sku: no product '{}'", sku));
}

Outcome<long long> location_id(Tx& tx, const std::string& code, const char* field) {
  if (auto id = find_id(tx, "inventory_location_id",
                        "SELECT location_id FROM locations WHERE tenant_id = $1 AND code = $2", tx.tenant(), code))
    return *id;
  return not_found(field, fmt::format("{}: no location '{}'", field, code));
}

// The batch of a product, by codes, in one statement; NOT_FOUND names the first code that is unknown.
Outcome<long long> batch_id(Tx& tx, const std::string& sku, const std::string& batch) {
  auto r = tx.exec("inventory_batch_id",
                   "SELECT p.product_id, b.batch_id FROM products p "
                   "LEFT JOIN batches b ON b.tenant_id = p.tenant_id AND b.product_id = p.product_id AND b.code = $3 "
                   "WHERE p.tenant_id = $1 AND p.sku = $2",
                   tx.tenant(), sku, batch);
  if (r.empty()) return not_found("sku", fmt::format("sku: no product '{}'", sku));
  if (r[0][1].is_null()) return not_found("batch", fmt::format("batch: no batch '{}' of product '{}'", batch, sku));
  return r[0][1].as<long long>();
}

struct Slot {
  long long batch_id = 0;
  long long location_id = 0;
  Quantity qty;
  long long version = 0;
  UnitPrice unit_cost;     // the batch's
  Quantity reserved;       // held for owners (on_hand.reserved); available = qty - reserved
  std::string expires_on;  // the batch's, YYYY-MM-DD, or "" (never)
};

// The business date of the request (YYYY-MM-DD): expiry is judged against it.
std::string business_date(const Tx& tx) { return ledger::date_of(tx.context().as_of); }

bool expired(const Slot& slot, const std::string& today) { return !slot.expires_on.empty() && slot.expires_on < today; }

Error batch_expired(const Slot& slot, const std::string& field) {
  return Error{codes::batch_expired, field,
               fmt::format("{}: batch {} expired on {}", field, slot.batch_id, slot.expires_on)};
}

// Locks the on-hand rows of `keys` in the documented order, creating missing ones at zero. First,
// the rows of their locations that have a capacity, in ascending id: every movement into such a
// location takes turns on it, so the room a check saw is still there at commit.
std::vector<Slot> lock_slots(Tx& tx, std::vector<std::pair<long long, long long>> keys) {
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  json locations = json::array();
  for (const auto& [b, l] : keys) locations.push_back(l);
  tx.exec("inventory_lock_limited_locations",
          "SELECT location_id FROM locations WHERE location_id = ANY (ARRAY(SELECT "
          "jsonb_array_elements_text($1::jsonb)::bigint)) AND capacity IS NOT NULL ORDER BY location_id FOR UPDATE",
          locations.dump());
  std::vector<Slot> slots;
  for (const auto& [b, l] : keys) {
    // Every slot a mutation locks is in the scope of the invariants run after it.
    tx.touch(kinds::batch, b);
    tx.touch(kinds::location, l);
    // One row per statement, in order: the lock order is the loop order. A missing row is created
    // at zero by the same statement (the common case, an existing row, costs one round trip).
    auto r =
        tx.exec("inventory_lock_slot",
                "WITH found AS (SELECT qty, version, reserved FROM on_hand WHERE batch_id = $2 AND location_id = $3 "
                "FOR UPDATE), "
                "created AS (INSERT INTO on_hand (tenant_id, batch_id, location_id, qty, version) "
                "  SELECT $1, $2, $3, 0, 0 WHERE NOT EXISTS (SELECT 1 FROM found) "
                "  ON CONFLICT (batch_id, location_id) DO NOTHING RETURNING qty, version) "
                "SELECT f.qty::text, f.version, f.reserved::text, b.unit_cost::text, coalesce(b.expires_on::text, '') "
                "FROM (SELECT qty, version, reserved FROM found UNION ALL SELECT qty, version, 0 FROM created) f "
                "CROSS JOIN batches b WHERE b.batch_id = $2",
                tx.tenant(), b, l);
    // A concurrent first movement created the row after our snapshot: take it again, now visible.
    if (r.empty()) throw RetryTransaction("on_hand row created concurrently");
    auto qty = Quantity::parse(r[0][0].as<std::string>(), "on_hand");
    if (!qty.ok()) throw std::logic_error("on_hand holds an unparsable quantity: " + r[0][0].as<std::string>());
    auto reserved = Quantity::parse(r[0][2].as<std::string>(), "reserved");
    if (!reserved.ok()) throw std::logic_error("on_hand holds an unparsable reservation: " + r[0][2].as<std::string>());
    auto cost = UnitPrice::parse(r[0][3].as<std::string>(), "unit_cost");
    if (!cost.ok()) throw std::logic_error("batches holds an unparsable unit cost: " + r[0][3].as<std::string>());
    slots.push_back(
        Slot{b, l, qty.value(), r[0][1].as<long long>(), cost.value(), reserved.value(), r[0][4].as<std::string>()});
  }
  return slots;
}

Slot& slot_of(std::vector<Slot>& slots, long long batch, long long location) {
  for (auto& s : slots)
    if (s.batch_id == batch && s.location_id == location) return s;
  throw std::logic_error("slot not locked");
}

// New on-hand after `delta`, or INSUFFICIENT_STOCK / out of range naming `field`. Stock out may
// take only what is available: the slot's reserved quantity stays.
Outcome<Quantity> apply_delta(const Slot& slot, Quantity delta, const char* field) {
  auto next = slot.qty.add(delta);
  if (!next) return validation(field, fmt::format("{}: on-hand would exceed the largest quantity", field));
  if (delta.is_negative() && *next < slot.reserved) {
    if (slot.reserved.is_zero())
      return Error{codes::insufficient_stock, field,
                   fmt::format("{}: on hand is {}, the movement needs {}", field, slot.qty.to_string(),
                               delta.negated().to_string())};
    return Error{codes::insufficient_stock, field,
                 fmt::format("{}: available is {} (on hand {}, reserved {}), the movement needs {}", field,
                             slot.qty.subtract(slot.reserved).value().to_string(), slot.qty.to_string(),
                             slot.reserved.to_string(), delta.negated().to_string())};
  }
  return *next;
}

// LOCATION_CAPACITY_EXCEEDED naming `field` when `delta` more stock would not fit the slot's
// location (its capacity, if any, against the stock of every batch there). Under the location's
// row lock, taken by lock_slots.
std::optional<Error> check_capacity(Tx& tx, const Slot& slot, Quantity delta, const char* field) {
  if (!delta.is_positive()) return std::nullopt;
  auto r = tx.exec("inventory_location_room",
                   "SELECT l.capacity::text, (SELECT coalesce(sum(o.qty), 0)::text FROM on_hand o "
                   "WHERE o.location_id = l.location_id) FROM locations l WHERE l.location_id = $1 "
                   "AND l.capacity IS NOT NULL",
                   slot.location_id);
  if (r.empty()) return std::nullopt;
  auto capacity = Quantity::parse(r[0][0].as<std::string>(), "capacity").value();
  auto held = Quantity::parse(r[0][1].as<std::string>(), "held").value();
  auto after = held.add(delta);
  if (after && *after <= capacity) return std::nullopt;
  return Error{codes::location_capacity_exceeded, field,
               fmt::format("{}: location {} holds {} of its capacity {}; {} more does not fit", field, slot.location_id,
                           held.to_string(), capacity.to_string(), delta.to_string())};
}

// Moves the slot's reserved quantity to `reserved`, under its row lock (version-checked).
void set_reserved(Tx& tx, Slot& slot, Quantity reserved) {
  auto r = tx.exec("inventory_set_reserved",
                   "UPDATE on_hand SET reserved = $3::numeric, version = version + 1 "
                   "WHERE batch_id = $1 AND location_id = $2 AND version = $4",
                   slot.batch_id, slot.location_id, reserved.to_string(), slot.version);
  if (r.affected_rows() != 1) throw RetryTransaction("on_hand version moved under a row lock");
  slot.reserved = reserved;
  ++slot.version;
}

// Appends a movement with the slot's running balance after it, and moves the projection to that
// balance, in one statement. The version check is a second wall behind the row lock.
long long move(Tx& tx, const char* kind, Slot& slot, Quantity qty, Quantity next, const std::string& reason,
               std::optional<long long> transfer_id, std::optional<long long> reverses) {
  auto r =
      tx.exec("inventory_move",
              "WITH m AS (INSERT INTO movements (tenant_id, kind, batch_id, location_id, qty, balance_after, reason, "
              "transfer_id, reverses_movement_id, mutation_id, actor, as_of) "
              "VALUES ($1, $2, $3, $4, $5::numeric, $6::numeric, NULLIF($7, ''), NULLIF($8::bigint, 0), "
              "NULLIF($9::bigint, 0), $10, $11, $12::timestamptz) RETURNING movement_id), "
              "p AS (UPDATE on_hand SET qty = $6::numeric, version = version + 1 "
              "WHERE batch_id = $3 AND location_id = $4 AND version = $13 RETURNING 1) "
              "SELECT (SELECT movement_id FROM m), (SELECT count(*) FROM p)",
              // Ids are positive, so 0 stands for "none" on the wire.
              tx.tenant(), kind, slot.batch_id, slot.location_id, qty.to_string(), next.to_string(), reason,
              transfer_id.value_or(0), reverses.value_or(0), tx.mutation_id(), tx.context().actor, tx.context().as_of,
              slot.version);
  if (r[0][1].as<long long>() != 1) throw RetryTransaction("on_hand version moved under a row lock");
  long long id = r[0][0].as<long long>();
  tx.touch(kinds::movement, id);
  slot.qty = next;
  ++slot.version;
  return id;
}

// The ledger side of a movement (docs/MONEY.md "Inventory postings"): its value, round(|qty| × unit
// cost, 2), from `debit_role` to `credit_role`. A value of 0.00 posts nothing. PERIOD_LOCKED names
// as_of: the posting date is the request's business date.
constexpr const char* posting_source = "inventory.movement";

Outcome<std::optional<long long>> post_movement(Tx& tx, long long movement_id, const Slot& slot, Quantity qty,
                                                const char* debit_role, const char* credit_role) {
  Quantity magnitude = qty.is_negative() ? qty.negated() : qty;
  auto value = multiply_rounded<Money>(magnitude, slot.unit_cost);
  if (!value) return validation("qty", "qty: the movement's value exceeds the largest amount");
  if (value->is_zero()) return std::optional<long long>();
  auto debit = ledger::account_for_role(tx, debit_role, "sku");
  if (!debit.ok()) return debit.error();
  auto credit = ledger::account_for_role(tx, credit_role, "sku");
  if (!credit.ok()) return credit.error();
  ledger::Journal journal{ledger::date_of(tx.context().as_of),
                          "",
                          posting_source,
                          movement_id,
                          std::nullopt,
                          {{debit.value(), *value, Money()}, {credit.value(), Money(), *value}}};
  auto id = ledger::post(tx, journal, "qty", "as_of");
  if (!id.ok()) return id.error();
  return std::optional<long long>(id.value());
}

// A reversal movement posts the reversal of its original's journal, if that posted one.
Outcome<std::optional<long long>> post_reversal(Tx& tx, long long original_id, long long reversal_id) {
  auto original = ledger::journal_of(tx, posting_source, original_id);
  if (!original) return std::optional<long long>();
  auto id = ledger::reverse(tx, *original, ledger::date_of(tx.context().as_of), posting_source, reversal_id, "movement",
                            "as_of");
  if (!id.ok()) return id.error();
  return std::optional<long long>(id.value());
}

json moved_json(long long movement_id, const Slot& slot) {
  return json{{"movement_id", movement_id},
              {"batch_id", slot.batch_id},
              {"location_id", slot.location_id},
              {"on_hand", slot.qty.to_string()}};
}

// fulfill and adjust: one movement at one slot of an existing batch.
Outcome<json> simple_movement(Tx& tx, const Args& a, const char* kind, const char* qty_field, bool negate) {
  Quantity delta = quantity(a, qty_field);
  if (negate) delta = delta.negated();
  auto b = batch_id(tx, a.text("sku"), a.text("batch"));
  if (!b.ok()) return b.error();
  auto l = location_id(tx, a.text("location"), "location");
  if (!l.ok()) return l.error();
  auto slots = lock_slots(tx, {{b.value(), l.value()}});
  auto& slot = slots.front();
  // A sale of an expired batch is refused; an adjustment (writing expired stock off) is not.
  if (negate && expired(slot, business_date(tx))) return batch_expired(slot, "batch");
  auto next = apply_delta(slot, delta, qty_field);
  if (!next.ok()) return next.error();
  if (auto e = check_capacity(tx, slot, delta, qty_field)) return *e;
  long long id = move(tx, kind, slot, delta, next.value(), a.text("reason"), std::nullopt, std::nullopt);
  // fulfil: cost of goods sold out of inventory; adjust: inventory against the adjustments account.
  bool out = delta.is_negative();
  auto posted = post_movement(
      tx, id, slot, delta,
      out ? (negate ? ledger::roles::cogs : ledger::roles::inventory_adjustments) : ledger::roles::inventory,
      out ? ledger::roles::inventory : ledger::roles::inventory_adjustments);
  if (!posted.ok()) return posted.error();
  VERDICT_FAILPOINT("inventory.after_movement");
  return moved_json(id, slot);
}

Outcome<json> add_product(Tx& tx, const Args& a) {
  auto r = tx.sql().exec_params(
      "INSERT INTO products (tenant_id, sku, name, created_at) VALUES ($1, $2, $3, $4::timestamptz) "
      "ON CONFLICT (tenant_id, sku) DO NOTHING RETURNING product_id",
      tx.tenant(), a.text("sku"), a.text("name"), tx.context().as_of);
  if (r.empty())
    return Error{sut::codes::already_exists, "sku", fmt::format("sku: a product '{}' exists already", a.text("sku"))};
  long long id = r[0][0].as<long long>();
  tx.touch(kinds::product, id);
  return json{{"product_id", id}};
}

Outcome<json> add_location(Tx& tx, const Args& a) {
  auto r = tx.sql().exec_params(
      "INSERT INTO locations (tenant_id, code, created_at, capacity) VALUES ($1, $2, $3::timestamptz, "
      "NULLIF($4, '')::numeric) ON CONFLICT (tenant_id, code) DO NOTHING RETURNING location_id",
      tx.tenant(), a.text("location"), tx.context().as_of, a.text("capacity"));
  if (r.empty())
    return Error{sut::codes::already_exists, "location",
                 fmt::format("location: '{}' exists already", a.text("location"))};
  long long id = r[0][0].as<long long>();
  tx.touch(kinds::location, id);
  return json{{"location_id", id}};
}

Outcome<json> receive(Tx& tx, const Args& a) {
  Quantity qty = quantity(a, "qty");
  std::optional<Quantity> unit_cost;
  if (a.has("unit_cost")) unit_cost = quantity(a, "unit_cost");
  const std::string batch = a.text("batch");
  auto product = product_id(tx, a.text("sku"));
  if (!product.ok()) return product.error();
  auto l = location_id(tx, a.text("location"), "location");
  if (!l.ok()) return l.error();
  auto existing = tx.sql().exec_params(
      "SELECT batch_id, unit_cost::text, coalesce(expires_on::text, '') FROM batches "
      "WHERE tenant_id = $1 AND product_id = $2 AND code = $3",
      tx.tenant(), product.value(), batch);
  long long b = 0;
  if (existing.empty()) {
    if (!unit_cost)
      return validation("unit_cost", fmt::format("unit_cost: required for the first receipt of batch '{}'", batch));
    // Two first receipts of one batch may race: the loser waits for the winner's commit, inserts
    // nothing, and then reads the winner's row (a new statement sees it in read committed).
    auto r = tx.sql().exec_params(
        "INSERT INTO batches (tenant_id, product_id, code, unit_cost, created_at, expires_on) "
        "VALUES ($1, $2, $3, $4::numeric, $5::timestamptz, NULLIF($6, '')::date) "
        "ON CONFLICT (tenant_id, product_id, code) DO NOTHING RETURNING batch_id",
        tx.tenant(), product.value(), batch, unit_cost->to_string(), tx.context().as_of, a.text("expires_on"));
    if (r.empty()) throw RetryTransaction("batch created concurrently");
    b = r[0][0].as<long long>();
    VERDICT_FAILPOINT("inventory.after_batch_create");
  } else {
    b = existing[0][0].as<long long>();
    auto stored = Quantity::parse(existing[0][1].as<std::string>(), "unit_cost");
    if (unit_cost && stored.ok() && !(stored.value() == *unit_cost)) {
      return validation("unit_cost", fmt::format("unit_cost: batch '{}' has unit cost {}, not {}", batch,
                                                 stored.value().to_string(), unit_cost->to_string()));
    }
    std::string stored_expiry = existing[0][2].as<std::string>();
    if (a.has("expires_on") && a.text("expires_on") != stored_expiry)
      return validation("expires_on",
                        fmt::format("expires_on: batch '{}' expires on {}, not {}", batch,
                                    stored_expiry.empty() ? "no date" : stored_expiry, a.text("expires_on")));
  }
  auto slots = lock_slots(tx, {{b, l.value()}});
  if (expired(slots.front(), business_date(tx))) return batch_expired(slots.front(), "batch");
  auto next = apply_delta(slots.front(), qty, "qty");
  if (!next.ok()) return next.error();
  if (auto e = check_capacity(tx, slots.front(), qty, "qty")) return *e;
  long long id = move(tx, "receive", slots.front(), qty, next.value(), "", std::nullopt, std::nullopt);
  auto posted = post_movement(tx, id, slots.front(), qty, ledger::roles::inventory, ledger::roles::inventory_clearing);
  if (!posted.ok()) return posted.error();
  VERDICT_FAILPOINT("inventory.after_movement");
  return moved_json(id, slots.front());
}

Outcome<json> fulfill(Tx& tx, const Args& a) { return simple_movement(tx, a, "fulfill", "qty", true); }
Outcome<json> adjust(Tx& tx, const Args& a) { return simple_movement(tx, a, "adjust", "delta", false); }

Outcome<json> transfer(Tx& tx, const Args& a) {
  Quantity qty = quantity(a, "qty");
  auto b = batch_id(tx, a.text("sku"), a.text("batch"));
  if (!b.ok()) return b.error();
  auto from = location_id(tx, a.text("from"), "from");
  if (!from.ok()) return from.error();
  auto to = location_id(tx, a.text("to"), "to");
  if (!to.ok()) return to.error();
  auto slots = lock_slots(tx, {{b.value(), from.value()}, {b.value(), to.value()}});
  auto& source = slot_of(slots, b.value(), from.value());
  auto& target = slot_of(slots, b.value(), to.value());
  auto source_next = apply_delta(source, qty.negated(), "qty");
  if (!source_next.ok()) return source_next.error();
  auto target_next = apply_delta(target, qty, "qty");
  if (!target_next.ok()) return target_next.error();
  if (auto e = check_capacity(tx, target, qty, "qty")) return *e;
  long long transfer_id = tx.sql().exec1("SELECT nextval('transfer_ids')")[0].as<long long>();
  // Both legs in one transaction: the pair is written together or not at all.
  long long out_id =
      move(tx, "transfer_out", source, qty.negated(), source_next.value(), "", transfer_id, std::nullopt);
  VERDICT_FAILPOINT("inventory.between_transfer_legs");
  long long in_id = move(tx, "transfer_in", target, qty, target_next.value(), "", transfer_id, std::nullopt);
  VERDICT_FAILPOINT("inventory.after_movement");
  return json{
      {"transfer_id", transfer_id}, {"out_movement_id", out_id}, {"in_movement_id", in_id}, {"batch_id", b.value()}};
}

Outcome<json> reverse(Tx& tx, const Args& a) {
  long long movement_id = a.id("movement");
  auto original = tx.sql().exec_params(
      "SELECT kind, transfer_id FROM movements WHERE tenant_id = $1 AND movement_id = $2", tx.tenant(), movement_id);
  if (original.empty()) return not_found("movement", fmt::format("movement: no movement {}", movement_id));
  std::string kind = original[0][0].as<std::string>();
  if (kind == "reversal") {
    return Error{codes::not_reversible, "movement",
                 fmt::format("movement: {} is a reversal; a reversal is never reversed", movement_id)};
  }
  // A transfer is reversed as a pair: both legs, whichever was named.
  auto legs = original[0][1].is_null()
                  ? tx.sql().exec_params(
                        "SELECT movement_id, batch_id, location_id, qty::text FROM movements WHERE movement_id = $1",
                        movement_id)
                  : tx.sql().exec_params(
                        "SELECT movement_id, batch_id, location_id, qty::text FROM movements WHERE tenant_id = $1 "
                        "AND transfer_id = $2 ORDER BY movement_id",
                        tx.tenant(), original[0][1].as<long long>());
  std::vector<std::pair<long long, long long>> keys;
  for (const auto& leg : legs) keys.emplace_back(leg[1].as<long long>(), leg[2].as<long long>());
  auto slots = lock_slots(tx, keys);
  // Checked after the locks: a concurrent reversal of the same movement has committed by now.
  for (const auto& leg : legs) {
    auto done = tx.sql().exec_params("SELECT movement_id FROM movements WHERE reverses_movement_id = $1",
                                     leg[0].as<long long>());
    if (!done.empty()) {
      return Error{codes::already_reversed, "movement",
                   fmt::format("movement: {} was reversed already by movement {}", leg[0].as<long long>(),
                               done[0][0].as<long long>())};
    }
  }
  // Every leg is checked before any is written: a refused reversal writes nothing.
  std::vector<std::pair<Slot*, Quantity>> plan;
  for (const auto& leg : legs) {
    auto qty = Quantity::parse(leg[3].as<std::string>(), "qty").value();
    auto& slot = slot_of(slots, leg[1].as<long long>(), leg[2].as<long long>());
    // Invariant: the legs of one movement (a transfer's two) sit in different slots, so each
    // slot's next value is computed from its locked value exactly once.
    for (const auto& [other, ignored] : plan) {
      if (other == &slot) throw std::logic_error("two legs of one movement in one slot");
    }
    auto next = apply_delta(slot, qty.negated(), "movement");
    if (!next.ok()) return next.error();
    // A transfer's legs are checked one at a time: the out leg's room at the source is not counted.
    if (auto e = check_capacity(tx, slot, qty.negated(), "movement")) return *e;
    plan.emplace_back(&slot, qty.negated());
  }
  json ids = json::array();
  for (std::size_t i = 0; i < legs.size(); ++i) {
    auto& [slot, delta] = plan[i];
    auto next = slot->qty.add(delta).value();
    long long original = legs[i][0].as<long long>();
    long long id = move(tx, "reversal", *slot, delta, next, "", std::nullopt, original);
    auto posted = post_reversal(tx, original, id);
    if (!posted.ok()) return posted.error();
    ids.push_back(id);
  }
  VERDICT_FAILPOINT("inventory.after_movement");
  return json{{"movement_id", ids.front()}, {"reversal_movement_ids", ids}};
}

Outcome<json> discontinue(Tx& tx, const Args& a) {
  auto r = tx.sql().exec_params(
      "UPDATE products SET discontinued = true, version = version + 1 WHERE tenant_id = $1 AND sku = $2 "
      "RETURNING product_id",
      tx.tenant(), a.text("sku"));
  if (r.empty()) return not_found("sku", fmt::format("sku: no product '{}'", a.text("sku")));
  tx.touch(kinds::product, r[0][0].as<long long>());
  return json{{"product_id", r[0][0].as<long long>()}, {"discontinued", true}};
}

// Reads (within the tenant). Unknown keys → NOT_FOUND naming the field.
Outcome<json> on_hand(Tx& tx, const Args& a) {
  auto b = batch_id(tx, a.text("sku"), a.text("batch"));
  if (!b.ok()) return b.error();
  auto l = location_id(tx, a.text("location"), "location");
  if (!l.ok()) return l.error();
  auto r = tx.sql().exec_params("SELECT qty::text FROM on_hand WHERE batch_id = $1 AND location_id = $2", b.value(),
                                l.value());
  return json(r.empty() ? Quantity().to_string() : r[0][0].as<std::string>());
}

Outcome<json> available(Tx& tx, const Args& a) {
  auto b = batch_id(tx, a.text("sku"), a.text("batch"));
  if (!b.ok()) return b.error();
  auto l = location_id(tx, a.text("location"), "location");
  if (!l.ok()) return l.error();
  auto r = tx.sql().exec_params(
      "SELECT qty::text, reserved::text, (qty - reserved)::text FROM on_hand WHERE batch_id = $1 AND location_id = $2",
      b.value(), l.value());
  if (r.empty()) return json{{"on_hand", "0.0000"}, {"reserved", "0.0000"}, {"available", "0.0000"}};
  return json{{"on_hand", r[0][0].as<std::string>()},
              {"reserved", r[0][1].as<std::string>()},
              {"available", r[0][2].as<std::string>()}};
}

Outcome<json> product(Tx& tx, const Args& a) {
  auto r =
      tx.sql().exec_params("SELECT sku, name, version, discontinued FROM products WHERE tenant_id = $1 AND sku = $2",
                           tx.tenant(), a.text("sku"));
  if (r.empty()) return not_found("sku", fmt::format("sku: no product '{}'", a.text("sku")));
  return json{{"sku", r[0][0].as<std::string>()},
              {"name", r[0][1].as<std::string>()},
              {"version", r[0][2].as<long long>()},
              {"discontinued", r[0][3].as<bool>()}};
}

Outcome<json> movement(Tx& tx, const Args& a) {
  auto r = tx.sql().exec_params(
      "SELECT kind, qty::text, batch_id, location_id FROM movements WHERE tenant_id = $1 AND movement_id = $2",
      tx.tenant(), a.id("movement"));
  if (r.empty()) return not_found("movement", fmt::format("movement: no movement {}", a.id("movement")));
  return json{{"kind", r[0][0].as<std::string>()},
              {"qty", r[0][1].as<std::string>()},
              {"batch_id", r[0][2].as<long long>()},
              {"location_id", r[0][3].as<long long>()}};
}

// Every on-hand row of the tenant, ordered by sku, batch, location.
Outcome<json> stock(Tx& tx, const Args&) {
  json rows = json::array();
  for (const auto& r :
       tx.sql().exec_params("SELECT p.sku, b.code, l.code, o.qty::text FROM on_hand o "
                            "JOIN batches b ON b.batch_id = o.batch_id JOIN products p ON p.product_id = b.product_id "
                            "JOIN locations l ON l.location_id = o.location_id "
                            "WHERE o.tenant_id = $1 ORDER BY p.sku, b.code, l.code",
                            tx.tenant()))
    rows.push_back({{"sku", r[0].as<std::string>()},
                    {"batch", r[1].as<std::string>()},
                    {"location", r[2].as<std::string>()},
                    {"qty", r[3].as<std::string>()}});
  return rows;
}

verdict::FieldDecl sku() { return field::text("sku", code_length_max, "the product's SKU"); }
verdict::FieldDecl batch() { return field::text("batch", code_length_max, "the batch code (per product)"); }
verdict::FieldDecl location(const char* name = "location", const char* what = "the location code") {
  return field::text(name, code_length_max, what);
}
verdict::FieldDecl positive_qty() { return field::decimal("qty", 4, "positive", "quantity, scale 4, > 0"); }

const struct Registrar {
  Registrar() {
    Module m;
    m.name = "inventory";
    m.depends_on = {"access", "ledger"};
    m.migrations = inventory_migrations();
    m.commands = {
        {command_decl("inventory.add_product", "catalog.manage", "Adds a product to the tenant's catalogue.",
                      {sku(), field::text("name", name_length_max, "what it is called")}),
         nullptr, add_product},
        {command_decl(
             "inventory.add_location", "catalog.manage", "Adds a stock location, with its capacity.",
             {location(), field::decimal("capacity", 4, "non_negative",
                                         "the most stock it holds, all batches together (none: no limit)", false)}),
         nullptr, add_location},
        {command_decl("inventory.receive", "inventory.move",
                      "Receives stock into a batch at a location; the first receipt of a batch code creates the batch "
                      "with its unit cost.",
                      {sku(), batch(), location(), positive_qty(),
                       field::decimal("unit_cost", 4, "non_negative",
                                      "cost per unit, scale 4; required for a batch's first receipt, and equal to the "
                                      "batch's cost afterwards",
                                      false),
                       field::date("expires_on",
                                   "the batch's expiry date, set by its first receipt (none: never expires); equal "
                                   "to it afterwards. An expired batch takes no receipt and no sale",
                                   false)}),
         nullptr, receive},
        {command_decl("inventory.fulfill", "inventory.move",
                      "Takes available stock (on hand minus reserved) of a batch out at a location (a sale, a use); "
                      "an expired batch is refused.",
                      {sku(), batch(), location(), positive_qty()}),
         nullptr, fulfill},
        {command_decl(
             "inventory.adjust", "inventory.adjust", "Corrects stock up or down, with a reason.",
             {sku(), batch(), location(), field::decimal("delta", 4, "non_zero", "signed change, scale 4, ≠ 0"),
              field::text("reason", reason_length_max, "why (a stock count, damage…)")}),
         nullptr, adjust},
        {command_decl("inventory.discontinue", "catalog.manage",
                      "Marks a product discontinued: no order may take it any more (stock already held still moves).",
                      {sku()}),
         nullptr, discontinue},
        {command_decl("inventory.transfer", "inventory.move",
                      "Moves stock of a batch between two locations: two movements, written together.",
                      {sku(), batch(), location("from", "the source location"), location("to", "the target location"),
                       positive_qty()}),
         [](const Args& a) -> std::optional<Error> {
           if (a.text("from") == a.text("to")) return validation("to", "to: a transfer needs two different locations");
           return std::nullopt;
         },
         transfer},
        {command_decl("inventory.reverse", "inventory.reverse",
                      "Reverses a movement exactly, at most once; either leg of a transfer reverses the pair.",
                      {field::id("movement", "the movement to reverse")}),
         nullptr, reverse},
    };
    m.reads = {
        {{"on_hand",
          "",
          "On-hand quantity of a batch at a location (\"0.0000\" when it never moved there).",
          {sku(), batch(), location()}},
         on_hand},
        {{"product", "", "A product: sku, name, version, discontinued.", {sku()}}, product},
        {{"available",
          "",
          "Stock of a batch at a location: on_hand, reserved (held for orders) and available (the difference).",
          {sku(), batch(), location()}},
         available},
        {{"movement", "", "A movement: kind, qty, batch_id, location_id.", {field::id("movement", "its id")}},
         movement},
        {{"stock", "", "Every on-hand row of the tenant, ordered by sku, batch, location.", {}}, stock},
    };
    m.invariants = inventory_invariants();
    m.failpoints = {
        {"inventory.after_batch_create", "", "receive: after a new batch row is inserted"},
        {"inventory.between_transfer_legs", "", "transfer: after the out leg, before the in leg"},
        {"inventory.after_movement", "", "movements: after the journal rows and the projection are written"},
    };
    m.codes = {
        {codes::insufficient_stock,
         422,
         RetryClass::after_state_change,
         "The movement would drive on-hand stock of a batch at a location below zero.",
         {"VR002"}},
        {codes::location_capacity_exceeded,
         422,
         RetryClass::after_state_change,
         "The movement would put more stock at a location than its capacity.",
         {}},
        {codes::batch_expired,
         422,
         RetryClass::never,
         "The batch expired before the business date of the request.",
         {}},
        {codes::product_discontinued, 422, RetryClass::never, "The product is discontinued: no order may take it.", {}},
    };
    m.tables = {{"products", "", true},  {"locations", "", true}, {"batches", "", true},
                {"movements", "", true}, {"on_hand", "", true},   {"reservations", "", true}};
    register_module(std::move(m));
  }
} registrar;

}  // namespace
// The API (inventory.hpp) ------------------------------------------------------------------------

Outcome<ProductRef> find_product(Tx& tx, const std::string& sku, const std::string& field) {
  auto r = tx.exec("inventory_find_product",
                   "SELECT product_id, discontinued FROM products WHERE tenant_id = $1 AND sku = $2", tx.tenant(), sku);
  if (r.empty()) return not_found(field, fmt::format("{}: no product '{}'", field, sku));
  tx.touch(kinds::product, r[0][0].as<long long>());
  return ProductRef{r[0][0].as<long long>(), r[0][1].as<bool>()};
}

Outcome<Receipt> receipt(Tx& tx, long long movement_id, const std::string& field) {
  auto r = tx.exec("inventory_receipt",
                   "SELECT m.qty::text, b.unit_cost::text, EXISTS (SELECT 1 FROM movements v WHERE "
                   "v.reverses_movement_id = m.movement_id) FROM movements m JOIN batches b ON b.batch_id = m.batch_id "
                   "WHERE m.tenant_id = $1 AND m.movement_id = $2 AND m.kind = 'receive'",
                   tx.tenant(), movement_id);
  if (r.empty()) return not_found(field, fmt::format("{}: no receipt {}", field, movement_id));
  return Receipt{movement_id, Quantity::parse(r[0][0].as<std::string>(), "qty").value(),
                 UnitPrice::parse(r[0][1].as<std::string>(), "unit_cost").value(), r[0][2].as<bool>()};
}

namespace {

// Reservations of owners that still hold something, in reservation order.
struct Held {
  long long reservation_id = 0;
  long long owner_id = 0;
  long long batch_id = 0, location_id = 0;
  Quantity remaining;
};

std::string ids_json(const std::vector<long long>& ids) { return json(ids).dump(); }

std::vector<Held> held(Tx& tx, const char* owner, const std::string& ids) {
  std::vector<Held> out;
  for (const auto& r :
       tx.exec("inventory_held",
               "SELECT reservation_id, owner_id, batch_id, location_id, remaining::text FROM reservations "
               "WHERE owner = $1 AND owner_id = ANY (ARRAY(SELECT jsonb_array_elements_text($2::jsonb)::bigint)) "
               "AND remaining > 0 ORDER BY reservation_id",
               owner, ids))
    out.push_back({r[0].as<long long>(), r[1].as<long long>(), r[2].as<long long>(), r[3].as<long long>(),
                   Quantity::parse(r[4].as<std::string>(), "remaining").value()});
  return out;
}

// Locks the slots of the owners' reservations (ascending), then reads the reservations again: a
// reservation row changes only under its slot's lock, so the second read is stable until commit.
std::pair<std::vector<Slot>, std::vector<Held>> lock_held(Tx& tx, const char* owner,
                                                          const std::vector<long long>& owner_ids) {
  std::string ids = ids_json(owner_ids);
  std::vector<std::pair<long long, long long>> keys;
  for (const auto& h : held(tx, owner, ids)) keys.emplace_back(h.batch_id, h.location_id);
  auto slots = lock_slots(tx, keys);
  return {std::move(slots), held(tx, owner, ids)};
}

void set_remaining(Tx& tx, const Held& h, Quantity remaining) {
  tx.exec("inventory_set_remaining", "UPDATE reservations SET remaining = $2::numeric WHERE reservation_id = $1",
          h.reservation_id, remaining.to_string());
  tx.touch(kinds::reservation, h.reservation_id);
}

}  // namespace

std::optional<Error> reserve(Tx& tx, const char* owner, const std::vector<Hold>& holds) {
  const std::string today = business_date(tx);
  std::vector<long long> products;
  for (const auto& h : holds) products.push_back(h.product_id);
  // Candidates unlocked, then locked in the documented order and judged on the locked values.
  std::vector<std::pair<long long, long long>> keys;
  std::map<long long, long long> product_of;  // batch → product
  for (const auto& r : tx.exec(
           "inventory_reserve_candidates",
           "SELECT o.batch_id, o.location_id, b.product_id FROM on_hand o JOIN batches b ON b.batch_id = o.batch_id "
           "WHERE b.tenant_id = $1 AND b.product_id = ANY (ARRAY(SELECT jsonb_array_elements_text($2::jsonb)"
           "::bigint)) AND o.qty > o.reserved AND (b.expires_on IS NULL OR b.expires_on >= $3::date)",
           tx.tenant(), ids_json(products), today)) {
    keys.emplace_back(r[0].as<long long>(), r[1].as<long long>());
    product_of[r[0].as<long long>()] = r[2].as<long long>();
  }
  auto slots = lock_slots(tx, keys);
  std::vector<std::pair<Slot*, long long>> order;  // with each slot's product
  for (auto& s : slots)
    if (!expired(s, today)) order.emplace_back(&s, product_of.at(s.batch_id));
  // First expiry first out (never-expiring last), then the oldest batch, then the location.
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    auto key = [](const Slot* s) {
      return std::make_tuple(s->expires_on.empty(), s->expires_on, s->batch_id, s->location_id);
    };
    return key(a.first) < key(b.first);
  });
  for (const auto& hold : holds) {
    std::vector<std::pair<Slot*, Quantity>> plan;
    Quantity left = hold.qty, available;
    for (const auto& [slot, product] : order) {
      if (product != hold.product_id) continue;
      Quantity free = slot->qty.subtract(slot->reserved).value();
      if (!free.is_positive()) continue;
      available = available.add(free).value();
      if (!left.is_positive()) continue;
      Quantity take = free < left ? free : left;
      plan.emplace_back(slot, take);
      left = left.subtract(take).value();
    }
    if (left.is_positive())
      return Error{codes::insufficient_stock, hold.field,
                   fmt::format("{}: {} available to reserve, {} needed", hold.field, available.to_string(),
                               hold.qty.to_string())};
    for (auto& [slot, take] : plan) {
      auto r = tx.exec("inventory_reserve",
                       "INSERT INTO reservations (tenant_id, batch_id, location_id, owner, owner_id, qty, remaining) "
                       "VALUES ($1, $2, $3, $4, $5, $6::numeric, $6::numeric) RETURNING reservation_id",
                       tx.tenant(), slot->batch_id, slot->location_id, owner, hold.owner_id, take.to_string());
      tx.touch(kinds::reservation, r[0][0].as<long long>());
      set_reserved(tx, *slot, slot->reserved.add(take).value());
    }
  }
  return std::nullopt;
}

std::optional<Error> ship_reserved(Tx& tx, const char* owner, const std::vector<Take>& takes) {
  const std::string today = business_date(tx);
  std::vector<long long> ids;
  for (const auto& t : takes) ids.push_back(t.owner_id);
  auto [slots, holds] = lock_held(tx, owner, ids);
  for (const auto& t : takes) {
    Quantity left = t.qty;
    for (auto& h : holds) {
      if (h.owner_id != t.owner_id || !h.remaining.is_positive() || !left.is_positive()) continue;
      Quantity take = h.remaining < left ? h.remaining : left;
      auto& slot = slot_of(slots, h.batch_id, h.location_id);
      if (expired(slot, today)) return batch_expired(slot, t.field);
      h.remaining = h.remaining.subtract(take).value();
      set_remaining(tx, h, h.remaining);
      set_reserved(tx, slot, slot.reserved.subtract(take).value());
      Quantity delta = take.negated();
      auto next = apply_delta(slot, delta, t.field.c_str());
      if (!next.ok()) return next.error();
      long long id = move(tx, "fulfill", slot, delta, next.value(), owner, std::nullopt, std::nullopt);
      auto posted = post_movement(tx, id, slot, delta, ledger::roles::cogs, ledger::roles::inventory);
      if (!posted.ok()) return posted.error();
      left = left.subtract(take).value();
    }
    if (left.is_positive())
      return validation(t.field, fmt::format("{}: {} more than is reserved", t.field, left.to_string()));
  }
  VERDICT_FAILPOINT("inventory.after_movement");
  return std::nullopt;
}

Quantity release(Tx& tx, const char* owner, const std::vector<long long>& owner_ids) {
  auto [slots, holds] = lock_held(tx, owner, owner_ids);
  Quantity released;
  for (const auto& h : holds) {
    auto& slot = slot_of(slots, h.batch_id, h.location_id);
    set_remaining(tx, h, Quantity());
    set_reserved(tx, slot, slot.reserved.subtract(h.remaining).value());
    released = released.add(h.remaining).value();
  }
  return released;
}

}  // namespace sut::inventory
