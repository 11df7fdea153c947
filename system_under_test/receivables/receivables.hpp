#pragma once
// Receivables: customers (with their credit limits), invoices, payments and credit memos (credits
// to a customer), the allocations of credits to invoices, write-offs; each posted to the ledger
// (docs/MONEY.md "Receivables"). An invoice's amount_due and a credit's unallocated amount are
// projections moved with each allocation, in the same transaction.
//
// Lock order: the credit row (a payment or credit memo), then invoices in ascending invoice_id,
// then the ledger's period and accounts (ledger.hpp).

#include <optional>
#include <string>
#include <vector>

#include "sut/decimal.hpp"
#include "sut/errors.hpp"

namespace verdict {
struct FieldDecl;
}
namespace sut {
class Tx;
class Args;
}  // namespace sut

namespace sut::receivables {

namespace codes {
inline constexpr const char* credit_expired = "CREDIT_EXPIRED";
inline constexpr const char* nothing_due = "NOTHING_DUE";
inline constexpr const char* not_overdue = "NOT_OVERDUE";
inline constexpr const char* late_fee_charged = "LATE_FEE_CHARGED";
}  // namespace codes

namespace kinds {
inline constexpr const char* customer = "receivables.customer";
inline constexpr const char* invoice = "receivables.invoice";
inline constexpr const char* credit = "receivables.credit";
}  // namespace kinds

// The API other modules (orders) call inside their own transaction.

// A customer by code: NOT_FOUND naming `field`.
Outcome<long long> find_customer(Tx& tx, const std::string& code, const std::string& field);

struct CustomerCredit {
  long long id = 0;
  std::optional<Money> limit;  // none: no limit; 0: no credit
  Money due;                   // Σ amount due of its invoices
};
// The customer row, locked (FOR UPDATE): a credit decision for the customer is taken under it, and
// a change of its limit waits for it.
Outcome<CustomerCredit> lock_customer(Tx& tx, long long customer_id);

// A line's tax rate, declared and checked alike wherever a line is taxed (an invoice's, an order's):
// scale 4, 0 ≤ rate ≤ 1 (0.0825 is 8.25 %), optional (none: 0). Its tax is round(amount × rate, 2).
verdict::FieldDecl tax_rate_field();
// VALIDATION_FAILED naming "lines[i].tax_rate" when the line's rate is over 1; nothing otherwise.
std::optional<Error> check_tax_rate(const Args& line, std::size_t i);
// The line's rate as validated (0 when absent).
UnitPrice tax_rate_of(const Args& line);

struct InvoiceLine {
  std::string description;
  Quantity qty;
  UnitPrice unit_price;
  UnitPrice tax_rate;  // 0 ≤ rate ≤ 1, scale 4 (0.0825 is 8.25 %)
};
struct Issued {
  long long invoice_id = 0;
  Money total;
};
// Issues an invoice (docs/MONEY.md: each line's amount round(qty × price, 2) and tax round(amount ×
// rate, 2), the total their sum; Dr receivables, Cr revenue and tax payable). DUPLICATE_DOCUMENT_NUMBER naming
// "number"; a line rounding to 0.00 is refused naming `field`; PERIOD_LOCKED naming `date_field`.
Outcome<Issued> issue_invoice(Tx& tx, long long customer_id, const std::string& number, const std::string& date,
                              const std::vector<InvoiceLine>& lines, const char* field, const char* date_field);

}  // namespace sut::receivables
