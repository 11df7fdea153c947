// The orders module's invariants (docs/MONEY.md "Orders and pricing"). Each scoped form starts from
// the touched orders and reaches their lines and reservations through an index: O(rows the step
// changed).

#include "verdict/invariants.hpp"

#include <fmt/format.h>

#include <string>

#include "orders.hpp"
#include "sut/scope.hpp"

namespace sut {

std::vector<verdict::Invariant> orders_invariants() {
  using orders::kinds::order;
  std::vector<verdict::Invariant> all;
  all.push_back({"INV-ORDER-001",
                 "orders",
                 "Every order accepted on credit was within the limit when accepted, by what it stored: exposure + "
                 "value ≤ credit limit unless an override let it past; its value is the sum of its lines, each "
                 "amount round(qty × unit price, 2) plus its tax round(amount × rate, 2).",
                 fmt::format(R"(SELECT o.tenant_id, o.order_id, o.number, o.value, o.exposure, o.credit_limit,
       o.credit_override, s.lines_value
FROM orders o
LEFT JOIN LATERAL (SELECT sum(l.amount + l.tax) AS lines_value,
                          bool_or(l.amount IS DISTINCT FROM round(l.qty * l.unit_price, 2)
                                  OR l.tax IS DISTINCT FROM round(l.amount * l.tax_rate, 2)) AS misrounded
                   FROM order_lines l WHERE l.order_id = o.order_id) s ON true
WHERE o.accepted_on IS NOT NULL AND {}
  AND (o.value IS DISTINCT FROM s.lines_value OR s.misrounded
       OR (o.credit_limit IS NOT NULL AND o.exposure + o.value > o.credit_limit AND NOT o.credit_override)
       OR (o.credit_override AND (o.credit_limit IS NULL OR o.exposure + o.value <= o.credit_limit)))
ORDER BY o.order_id)",
                             in_scope(order, "o.order_id")),
                 "critical",
                 "An order went past its customer's credit limit without an override (or its stored value is not "
                 "its lines'): look for an acceptance that read exposure without holding the customer's row lock.",
                 {order}});
  all.push_back({"INV-ORDER-002",
                 "orders",
                 "Every line of an accepted order holds exactly its open quantity (qty − shipped − cancelled) in "
                 "reservations; a line of a draft, closed or cancelled order holds nothing.",
                 fmt::format(R"(SELECT o.tenant_id, o.order_id, o.number, o.status, l.line_no, l.qty, l.shipped,
       l.cancelled, coalesce(h.held, 0) AS held
FROM orders o
JOIN order_lines l ON l.order_id = o.order_id
LEFT JOIN LATERAL (SELECT sum(r.remaining) AS held FROM reservations r
                   WHERE r.owner = 'orders.line' AND r.owner_id = l.line_id) h ON true
WHERE {} AND coalesce(h.held, 0) <> CASE WHEN o.status = 'accepted' THEN l.qty - l.shipped - l.cancelled ELSE 0 END
ORDER BY o.order_id, l.line_no)",
                             in_scope(order, "o.order_id")),
                 "critical",
                 "Stock held for an order disagrees with what it still has to ship: look for a shipment or a "
                 "cancellation that moved the line without its reservations (or the reverse).",
                 {order}});
  return all;
}

}  // namespace sut
