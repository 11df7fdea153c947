// The receivables module's invariants (docs/MONEY.md "Receivables"). The per-document forms start
// from the touched invoices and credits and reach their allocations through an index: O(rows the
// step changed). The subledger-against-control forms sum the touched tenants' open documents:
// O(documents of the tenant), not of the whole history of every tenant.

#include "verdict/invariants.hpp"

#include <fmt/format.h>

#include <string>

#include "../ledger/ledger.hpp"
#include "receivables.hpp"
#include "sut/scope.hpp"

namespace sut {
namespace {

// The tenants of the touched customers (full form: every tenant).
std::string tenant_in_scope(const char* column) {
  return tenant_of_touched(column, "customers", "customer_id", receivables::kinds::customer);
}

}  // namespace

std::vector<verdict::Invariant> receivables_invariants() {
  using receivables::kinds::credit;
  using receivables::kinds::customer;
  using receivables::kinds::invoice;
  std::vector<verdict::Invariant> all;
  all.push_back({"INV-AR-001",
                 "receivables",
                 "Per invoice, amount due = total − the allocations that stand (payments, credits, write-offs not "
                 "reversed).",
                 fmt::format(R"(SELECT i.tenant_id, i.invoice_id, i.number, i.total, i.amount_due,
       i.total - coalesce(s.allocated, 0) AS expected_due
FROM invoices i
LEFT JOIN LATERAL (SELECT sum(a.amount) AS allocated FROM allocations a
                   WHERE a.invoice_id = i.invoice_id AND NOT a.reversed) s ON true
WHERE {} AND i.amount_due <> i.total - coalesce(s.allocated, 0)
ORDER BY i.invoice_id)",
                             in_scope(invoice, "i.invoice_id")),
                 "critical",
                 "An invoice's due amount drifted from its allocations: find the allocation written "
                 "without moving the invoice (or the reverse).",
                 {invoice}});
  all.push_back({"INV-AR-002",
                 "receivables",
                 "Per payment or credit memo, the allocations that stand never exceed its amount, and unallocated = "
                 "amount − them (0 once a payment is reversed, with none of its allocations standing).",
                 fmt::format(R"(SELECT k.tenant_id, k.credit_id, k.kind, k.amount, k.unallocated, k.reversed,
       coalesce(s.allocated, 0) AS allocated
FROM credits k
LEFT JOIN LATERAL (SELECT sum(a.amount) AS allocated FROM allocations a
                   WHERE a.credit_id = k.credit_id AND NOT a.reversed) s ON true
WHERE {} AND (coalesce(s.allocated, 0) > k.amount
  OR k.unallocated <> CASE WHEN k.reversed THEN 0 ELSE k.amount - coalesce(s.allocated, 0) END
  OR (k.reversed AND coalesce(s.allocated, 0) <> 0))
ORDER BY k.credit_id)",
                             in_scope(credit, "k.credit_id")),
                 "critical",
                 "A payment or credit memo lost or invented credit: compare its allocations with it.",
                 {credit}});
  all.push_back({"INV-AR-003",
                 "receivables",
                 "The receivables subledger equals the receivables control account: per tenant, Σ amount due of its "
                 "invoices = the account's balance.",
                 ledger::control_account_differs(
                     "receivables", 1, "SELECT sum(i.amount_due) FROM invoices i WHERE i.tenant_id = b.tenant_id",
                     tenant_in_scope("a.tenant_id")),
                 "critical",
                 "Receivables were posted without a document, or a document moved without its posting: compare the "
                 "tenant's receivables journals with its invoices and allocations.",
                 {customer}});
  all.push_back({"INV-AR-004",
                 "receivables",
                 "The customer-credit subledger equals its control account: per tenant, Σ unallocated of payments "
                 "and credit memos = the customer credit account's balance (credit side).",
                 ledger::control_account_differs(
                     "customer_credit", -1, "SELECT sum(k.unallocated) FROM credits k WHERE k.tenant_id = b.tenant_id",
                     tenant_in_scope("a.tenant_id")),
                 "critical",
                 "Unapplied credit was lost or invented: compare the tenant's customer-credit journals with its "
                 "payments and credit memos.",
                 {customer}});
  all.push_back({"INV-AR-005",
                 "receivables",
                 "Per invoice, each line's amount is round(qty × unit price, 2) and its tax round(amount × tax rate, "
                 "2), and the total is the sum of the lines' amounts and taxes (docs/MONEY.md \"Tax\").",
                 fmt::format(R"(SELECT i.tenant_id, i.invoice_id, i.number, i.total, s.lines_total, s.misrounded_line
FROM invoices i
CROSS JOIN LATERAL (SELECT sum(l.amount + l.tax) AS lines_total,
                           min(l.line_no) FILTER (WHERE l.amount <> round(l.qty * l.unit_price, 2)
                                                  OR l.tax <> round(l.amount * l.tax_rate, 2)) AS misrounded_line
                    FROM invoice_lines l WHERE l.invoice_id = i.invoice_id) s
WHERE {} AND (i.total IS DISTINCT FROM s.lines_total OR s.misrounded_line IS NOT NULL)
ORDER BY i.invoice_id)",
                             in_scope(invoice, "i.invoice_id")),
                 "critical",
                 "An invoice's total is not what its lines say, or a line was rounded twice or not at all: the "
                 "customer is billed a different amount than the lines show.",
                 {invoice}});
  return all;
}

}  // namespace sut
