#pragma once
// Inventory: products, locations, batches, the append-only movement journal (the truth) and the
// on-hand projection per (batch, location) (derived; updated in the same transaction).
//
// The module registers itself (inventory.cpp); callers reach its commands through
// sut::Session::execute("inventory.receive", …) and its reads through Session::read. This header
// names what callers may match on: its error codes and the kinds of keys it touches.
//
// Lock order (every multi-row mutation): the rows of the capacity-limited locations involved, in
// ascending location_id, then on_hand rows in ascending (batch_id, location_id), taken one statement
// each before any check or write, then the ledger's (ledger.hpp). Two mutations
// therefore never wait on each other in a cycle; the wrapper's deadlock retry is for what this
// design cannot foresee. A reservation row changes only under the lock of its slot.
//
// Available stock is on hand minus reserved: every movement that takes stock out (fulfil, adjust
// down, transfer out, a reversal) may take only what is available; a reserved quantity leaves only
// through ship_reserved (or goes back to available through release).

#include <optional>
#include <string>
#include <vector>

#include "sut/decimal.hpp"
#include "sut/errors.hpp"

namespace sut::inventory {

namespace codes {
inline constexpr const char* insufficient_stock = "INSUFFICIENT_STOCK";
inline constexpr const char* already_reversed = sut::codes::already_reversed;  // shared with the ledger
inline constexpr const char* not_reversible = sut::codes::not_reversible;
inline constexpr const char* batch_expired = "BATCH_EXPIRED";
inline constexpr const char* location_capacity_exceeded = "LOCATION_CAPACITY_EXCEEDED";
inline constexpr const char* product_discontinued = "PRODUCT_DISCONTINUED";
}  // namespace codes

namespace kinds {
inline constexpr const char* product = "inventory.product";
inline constexpr const char* location = "inventory.location";
inline constexpr const char* batch = "inventory.batch";
inline constexpr const char* movement = "inventory.movement";
inline constexpr const char* reservation = "inventory.reservation";
}  // namespace kinds

}  // namespace sut::inventory

namespace sut {
class Tx;
}

// The API other modules (orders) call inside their own transaction. Owners are module-qualified
// names ("orders.line") with the owner's id; errors name `field`.
namespace sut::inventory {

struct ProductRef {
  long long id = 0;
  bool discontinued = false;
};
// A product by SKU: NOT_FOUND naming `field` when the tenant has none.
Outcome<ProductRef> find_product(Tx& tx, const std::string& sku, const std::string& field);

// What an owner asks to hold: `qty` of a product, errors naming `field`.
struct Hold {
  long long owner_id = 0;
  long long product_id = 0;
  Quantity qty;
  std::string field;
};
// Reserves each hold, in the order given, first-expiry-first-out (never-expiring batches last), then
// the oldest batch (its first receipt), then the location; batches expired before the business date
// are skipped. Every candidate slot is locked first, in the documented order. INSUFFICIENT_STOCK
// naming the hold's field when less is available: the caller's transaction then rolls back.
std::optional<Error> reserve(Tx& tx, const char* owner, const std::vector<Hold>& holds);

// What an owner ships of what it holds.
struct Take {
  long long owner_id = 0;
  Quantity qty;
  std::string field;
};
// Ships each take out of the owner's reservations, in reservation order: a fulfil movement per slot,
// each posting its cost (Dr COGS, Cr inventory) at the business date. Slots locked first, in order.
// BATCH_EXPIRED naming the take's field if a reserved batch expired since; VALIDATION_FAILED if the
// owner holds less than asked.
std::optional<Error> ship_reserved(Tx& tx, const char* owner, const std::vector<Take>& takes);

// Releases everything the owners still hold; returns the quantity released.
Quantity release(Tx& tx, const char* owner, const std::vector<long long>& owner_ids);

// A receipt movement of the tenant (what a vendor bill is built from): what came in, at what unit
// cost, and whether it was reversed. NOT_FOUND naming `field` when `movement_id` is not a receipt
// of the tenant.
struct Receipt {
  long long movement_id = 0;
  Quantity qty;
  UnitPrice unit_cost;
  bool reversed = false;
};
Outcome<Receipt> receipt(Tx& tx, long long movement_id, const std::string& field);

}  // namespace sut::inventory
