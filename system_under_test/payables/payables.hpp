#pragma once
// Payables, the mirror of receivables (docs/MONEY.md "Payables"): vendors, bills built from stock
// receipts (Dr goods received not invoiced, Cr payables; a receipt is billed once), vendor payments
// allocated to bills (Dr payables, and vendor advances for what is not allocated; Cr cash), the
// application of an advance to a bill, and payment reversals. A bill's amount_due and a payment's
// unallocated amount are projections moved with each allocation, in the same transaction.
//
// Lock order: the payment row, then bills in ascending bill_id, then the ledger's period and
// accounts (ledger.hpp).

namespace sut::payables {

namespace codes {
inline constexpr const char* receipt_already_billed = "RECEIPT_ALREADY_BILLED";
inline constexpr const char* receipt_reversed = "RECEIPT_REVERSED";
}  // namespace codes

namespace kinds {
inline constexpr const char* vendor = "payables.vendor";
inline constexpr const char* bill = "payables.bill";
inline constexpr const char* payment = "payables.payment";
}  // namespace kinds

}  // namespace sut::payables
