#pragma once
// Inventory: products, locations, batches, the append-only movement journal (the truth) and the
// on-hand projection per (batch, location) (derived; updated in the same transaction).
//
// The module registers itself (inventory.cpp); callers reach its commands through
// sut::Session::execute("inventory.receive", …) and its reads through Session::read. This header
// names what callers may match on: its error codes and the kinds of keys it touches.
//
// Lock order (every multi-row mutation): on_hand rows in ascending (batch_id, location_id), taken
// one statement each before any check or write. Two mutations therefore never wait on each other in
// a cycle; the wrapper's deadlock retry is for what this design cannot foresee.

#include "sut/errors.hpp"

namespace sut::inventory {

namespace codes {
inline constexpr const char* insufficient_stock = "INSUFFICIENT_STOCK";
inline constexpr const char* already_reversed = sut::codes::already_reversed;  // shared with the ledger
inline constexpr const char* not_reversible = sut::codes::not_reversible;
}  // namespace codes

namespace kinds {
inline constexpr const char* product = "inventory.product";
inline constexpr const char* location = "inventory.location";
inline constexpr const char* batch = "inventory.batch";
inline constexpr const char* movement = "inventory.movement";
}  // namespace kinds

}  // namespace sut::inventory
