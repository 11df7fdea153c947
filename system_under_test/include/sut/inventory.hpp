#pragma once
// Inventory: products, locations, batches, the append-only movement journal (the truth) and the
// on-hand projection per (batch, location) (derived; updated in the same transaction).
//
// Commands take their quantities as strings (the wire form) and validate them here, so every caller
// (an API, the harness, a script) gets the same typed errors naming the field.
//
// Lock order (every multi-row mutation): on_hand rows in ascending (batch_id, location_id), taken in
// one statement before any check or write. Two mutations therefore never wait on each other in a
// cycle; the wrapper's deadlock retry is for what this design cannot foresee.

#include <string>
#include <vector>

#include "sut/errors.hpp"
#include "sut/session.hpp"

namespace sut::inventory {

template <typename T>
struct Reported {
  Outcome<T> outcome;
  MutationReport report;
};

struct AddProduct {
  std::string sku, name;
};
struct ProductAdded {
  long long product_id = 0;
};

struct AddLocation {
  std::string location;
};
struct LocationAdded {
  long long location_id = 0;
};

// The first receipt of a batch code for a product creates the batch with its unit cost.
struct Receive {
  std::string sku, batch, location, qty, unit_cost;
};
struct Fulfill {
  std::string sku, batch, location, qty;
};
struct Adjust {
  std::string sku, batch, location, delta, reason;
};
struct Transfer {
  std::string sku, batch, from, to, qty;
};
// Reverses a movement exactly, at most once; either leg of a transfer reverses the pair.
struct Reverse {
  long long movement_id = 0;
};

struct Moved {
  long long movement_id = 0;
  long long batch_id = 0;
  long long location_id = 0;
  std::string on_hand;  // after the movement
};
struct Transferred {
  long long transfer_id = 0;
  long long out_movement_id = 0;
  long long in_movement_id = 0;
  long long batch_id = 0;
};
struct Reversed {
  std::vector<long long> reversal_movement_ids;  // one, or two for a transfer
};

Reported<ProductAdded> add_product(Session& s, const RequestContext& c, const AddProduct& cmd);
Reported<LocationAdded> add_location(Session& s, const RequestContext& c, const AddLocation& cmd);
Reported<Moved> receive(Session& s, const RequestContext& c, const Receive& cmd);
Reported<Moved> fulfill(Session& s, const RequestContext& c, const Fulfill& cmd);
Reported<Moved> adjust(Session& s, const RequestContext& c, const Adjust& cmd);
Reported<Transferred> transfer(Session& s, const RequestContext& c, const Transfer& cmd);
Reported<Reversed> reverse(Session& s, const RequestContext& c, const Reverse& cmd);

// Reads (within the tenant). Unknown keys → NOT_FOUND naming the field.
Outcome<std::string> on_hand(Session& s, const RequestContext& c, const std::string& sku, const std::string& batch,
                             const std::string& location);
struct ProductView {
  std::string sku, name;
  long long version = 0;
};
Outcome<ProductView> product(Session& s, const RequestContext& c, const std::string& sku);
struct MovementView {
  std::string kind, qty;
  long long batch_id = 0, location_id = 0;
};
Outcome<MovementView> movement(Session& s, const RequestContext& c, long long movement_id);

struct StockLevel {
  std::string sku, batch, location, qty;
};
// Every on-hand row of the tenant, ordered by sku, batch, location.
Outcome<std::vector<StockLevel>> stock_levels(Session& s, const RequestContext& c);

void declare_failpoints();

}  // namespace sut::inventory
