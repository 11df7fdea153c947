// The payables module's invariants (docs/MONEY.md "Payables"), the mirror of receivables'. The
// per-document forms start from the touched bills and payments and reach their allocations and
// lines through an index: O(rows the step changed). The subledger-against-control forms sum the
// touched tenants' open documents: O(documents of the tenant).

#include "verdict/invariants.hpp"

#include <fmt/format.h>

#include <string>

#include "../ledger/ledger.hpp"
#include "payables.hpp"
#include "sut/scope.hpp"

namespace sut {
namespace {

// The tenants of the touched vendors (full form: every tenant).
std::string vendor_tenant_in_scope(const char* column) {
  return tenant_of_touched(column, "vendors", "vendor_id", payables::kinds::vendor);
}

}  // namespace

std::vector<verdict::Invariant> payables_invariants() {
  using payables::kinds::bill;
  using payables::kinds::payment;
  using payables::kinds::vendor;
  std::vector<verdict::Invariant> all;
  all.push_back({"INV-AP-001",
                 "payables",
                 "Per vendor bill, amount due = total − the allocations that stand (payments not reversed).",
                 fmt::format(R"(SELECT b.tenant_id, b.bill_id, b.number, b.total, b.amount_due,
       b.total - coalesce(s.allocated, 0) AS expected_due
FROM bills b
LEFT JOIN LATERAL (SELECT sum(a.amount) AS allocated FROM vendor_allocations a
                   WHERE a.bill_id = b.bill_id AND NOT a.reversed) s ON true
WHERE {} AND b.amount_due <> b.total - coalesce(s.allocated, 0)
ORDER BY b.bill_id)",
                             in_scope(bill, "b.bill_id")),
                 "critical",
                 "A bill's due amount drifted from its allocations: find the allocation written without moving "
                 "the bill (or the reverse).",
                 {bill}});
  all.push_back({"INV-AP-002",
                 "payables",
                 "Per vendor payment, the allocations that stand never exceed its amount, and unallocated = amount − "
                 "them (0 once reversed, with none of its allocations standing).",
                 fmt::format(R"(SELECT p.tenant_id, p.payment_id, p.amount, p.unallocated, p.reversed,
       coalesce(s.allocated, 0) AS allocated
FROM vendor_payments p
LEFT JOIN LATERAL (SELECT sum(a.amount) AS allocated FROM vendor_allocations a
                   WHERE a.payment_id = p.payment_id AND NOT a.reversed) s ON true
WHERE {} AND (coalesce(s.allocated, 0) > p.amount
  OR p.unallocated <> CASE WHEN p.reversed THEN 0 ELSE p.amount - coalesce(s.allocated, 0) END
  OR (p.reversed AND coalesce(s.allocated, 0) <> 0))
ORDER BY p.payment_id)",
                             in_scope(payment, "p.payment_id")),
                 "critical",
                 "A vendor payment lost or invented an advance: compare its allocations with it.",
                 {payment}});
  all.push_back(
      {"INV-AP-003",
       "payables",
       "The payables subledger equals the payables control account: per tenant, Σ amount due of its bills = the "
       "account's balance (credit side).",
       ledger::control_account_differs("payables", -1,
                                       "SELECT sum(x.amount_due) FROM bills x WHERE x.tenant_id = b.tenant_id",
                                       vendor_tenant_in_scope("a.tenant_id")),
       "critical",
       "Payables were posted without a bill, or a bill moved without its posting: compare the tenant's payables "
       "journals with its bills and allocations.",
       {vendor}});
  all.push_back(
      {"INV-AP-004",
       "payables",
       "The vendor-advance subledger equals its control account: per tenant, Σ unallocated of vendor "
       "payments = the vendor advances account's balance (debit side).",
       ledger::control_account_differs(
           "vendor_advances", 1, "SELECT sum(x.unallocated) FROM vendor_payments x WHERE x.tenant_id = b.tenant_id",
           vendor_tenant_in_scope("a.tenant_id")),
       "critical",
       "An advance to a vendor was lost or invented: compare the tenant's vendor-advance journals with its "
       "vendor payments.",
       {vendor}});
  all.push_back({"INV-AP-005",
                 "payables",
                 "Per vendor bill, each line is its receipt (the same quantity, its batch's unit cost) at round(qty × "
                 "unit cost, 2), and the total is the sum of the lines.",
                 fmt::format(R"(SELECT b.tenant_id, b.bill_id, b.number, b.total, s.lines_total, s.wrong_line
FROM bills b
CROSS JOIN LATERAL (SELECT sum(l.amount) AS lines_total,
                           min(l.line_no) FILTER (WHERE l.amount <> round(l.qty * l.unit_cost, 2)
                                                  OR l.qty <> m.qty OR l.unit_cost <> k.unit_cost) AS wrong_line
                    FROM bill_lines l JOIN movements m ON m.movement_id = l.movement_id
                    JOIN batches k ON k.batch_id = m.batch_id
                    WHERE l.bill_id = b.bill_id) s
WHERE {} AND (b.total IS DISTINCT FROM s.lines_total OR s.wrong_line IS NOT NULL)
ORDER BY b.bill_id)",
                             in_scope(bill, "b.bill_id")),
                 "critical",
                 "A bill charges other than what was received: the vendor is paid for goods that did not arrive, or "
                 "at another cost than the stock was valued at.",
                 {bill}});
  return all;
}

}  // namespace sut
