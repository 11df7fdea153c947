// The funds module's invariants (docs/MONEY.md "Funds"). Scoped forms start from the touched events
// and reach their parts and journal by key: O(rows the step changed).

#include "verdict/invariants.hpp"

#include <fmt/format.h>

#include <string>

#include "funds.hpp"
#include "sut/scope.hpp"

namespace sut {

std::vector<verdict::Invariant> funds_invariants() {
  using funds::kinds::event;
  std::vector<verdict::Invariant> all;
  all.push_back(
      {"INV-FUND-001",
       "funds",
       "Every capital call's and distribution's parts sum to its total, and it has at least one part.",
       fmt::format(R"(SELECT e.tenant_id, e.event_id, e.kind, e.total, coalesce(sum(p.amount), 0) AS parts_sum,
       count(p.investor_id) AS parts
FROM fund_events e LEFT JOIN fund_event_parts p ON p.event_id = e.event_id
WHERE {}
GROUP BY e.tenant_id, e.event_id
HAVING count(p.investor_id) = 0 OR coalesce(sum(p.amount), 0) <> e.total
ORDER BY e.event_id)",
                   in_scope(event, "e.event_id")),
       "critical",
       "The split lost or invented money: compare the parts of the event named with its total.",
       {event}});
  all.push_back({"INV-FUND-002",
                 "funds",
                 "Each part of a call or distribution is within one cent of its exact pro rata share, total × its "
                 "commitment / Σ commitments.",
                 fmt::format(R"(SELECT e.tenant_id, e.event_id, p.investor_id, p.commitment, p.amount,
       round(e.total * p.commitment / s.commitments, 6) AS exact_share
FROM fund_events e
CROSS JOIN LATERAL (SELECT sum(x.commitment) AS commitments FROM fund_event_parts x WHERE x.event_id = e.event_id) s
JOIN fund_event_parts p ON p.event_id = e.event_id
WHERE {} AND abs(p.amount * s.commitments - e.total * p.commitment) >= 0.01 * s.commitments
ORDER BY e.event_id, p.investor_id)",
                             in_scope(event, "e.event_id")),
                 "critical",
                 "A part strays from its share by a cent or more: the split's rounding rule (docs/MONEY.md) was not "
                 "followed.",
                 {event}});
  all.push_back({"INV-FUND-003",
                 "funds",
                 "Every call credits fund capital with its total and every distribution debits it, in its own "
                 "journal.",
                 fmt::format(R"(SELECT e.tenant_id, e.event_id, e.kind, e.total, e.journal_id,
       coalesce(sum(l.credit - l.debit), 0) AS capital_credited
FROM fund_events e
LEFT JOIN journal_lines l ON l.journal_id = e.journal_id
  AND l.account_id IN (SELECT a.account_id FROM accounts a WHERE a.tenant_id = e.tenant_id AND a.role = 'fund_capital')
WHERE {}
GROUP BY e.tenant_id, e.event_id
HAVING coalesce(sum(l.credit - l.debit), 0) <> CASE WHEN e.kind = 'call' THEN e.total ELSE -e.total END
ORDER BY e.event_id)",
                             in_scope(event, "e.event_id")),
                 "critical",
                 "The event and the ledger disagree: see the journal named.",
                 {event}});
  return all;
}

}  // namespace sut
