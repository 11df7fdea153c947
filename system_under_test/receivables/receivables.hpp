#pragma once
// Receivables: customers (with their credit limits), invoices, payments and credit memos (credits
// to a customer), the allocations of credits to invoices, write-offs; each posted to the ledger
// (docs/MONEY.md "Receivables"). An invoice's amount_due and a credit's unallocated amount are
// projections moved with each allocation, in the same transaction.
//
// Lock order: the credit row (a payment or credit memo), then invoices in ascending invoice_id,
// then the ledger's period and accounts (ledger.hpp).

namespace sut::receivables {

namespace codes {
inline constexpr const char* duplicate_document_number = "DUPLICATE_DOCUMENT_NUMBER";
inline constexpr const char* allocation_exceeds_due = "ALLOCATION_EXCEEDS_DUE";
inline constexpr const char* allocation_exceeds_credit = "ALLOCATION_EXCEEDS_CREDIT";
inline constexpr const char* credit_expired = "CREDIT_EXPIRED";
inline constexpr const char* nothing_due = "NOTHING_DUE";
}  // namespace codes

namespace kinds {
inline constexpr const char* customer = "receivables.customer";
inline constexpr const char* invoice = "receivables.invoice";
inline constexpr const char* credit = "receivables.credit";
}  // namespace kinds

}  // namespace sut::receivables
