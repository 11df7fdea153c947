#pragma once
// Orders: price rules, orders with lines, acceptance (prices fixed, credit checked under the
// customer's row lock, stock reserved first-expiry-first-out), shipments (reserved stock out through
// the inventory journal, its cost to the ledger, what shipped invoiced) and cancellation (what is
// still reserved goes back to available). docs/MONEY.md "Orders and pricing" is the contract.
//
// Lock order: the customer row (receivables), then the order row, then the on_hand rows of the
// stock it reserves or ships in ascending (batch_id, location_id) (inventory.hpp), then the ledger's
// (ledger.hpp).

namespace sut::orders {

namespace codes {
inline constexpr const char* credit_limit_exceeded = "CREDIT_LIMIT_EXCEEDED";
inline constexpr const char* no_price = "NO_PRICE";
inline constexpr const char* ambiguous_price = "AMBIGUOUS_PRICE";
inline constexpr const char* order_not_open = "ORDER_NOT_OPEN";
inline constexpr const char* exceeds_open_quantity = "EXCEEDS_OPEN_QUANTITY";
}  // namespace codes

namespace kinds {
inline constexpr const char* order = "orders.order";
inline constexpr const char* price_rule = "orders.price_rule";
}  // namespace kinds

// The owner name of an order line's reservations (inventory.hpp).
inline constexpr const char* line_owner = "orders.line";

}  // namespace sut::orders
