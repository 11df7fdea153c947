// The inventory module's invariants (DESIGN §4). Each query returns the violating rows with their
// causality columns; $1 is NULL (full form) or the touched keys (scoped form).
//
// Cost: every scoped form starts from the touched movements or slots and reaches other rows only
// through an index (a movement's predecessor in its slot, its transfer's legs, its reversal), so it
// costs O(rows the step changed) whatever the length of the journal. The full forms re-sum
// independently of the running balances the scoped forms trust.

#include "verdict/invariants.hpp"

#include <fmt/format.h>

#include <string>

#include "inventory.hpp"
#include "sut/scope.hpp"

namespace sut {
namespace {

// A function, not a namespace-scope constant: the registry is filled during static initialisation,
// possibly before this unit's constants are constructed.
std::vector<std::string> reads_movements() { return {inventory::kinds::movement}; }

}  // namespace

std::vector<verdict::Invariant> inventory_invariants() {
  using inventory::kinds::batch;
  using inventory::kinds::location;
  using inventory::kinds::movement;
  std::vector<verdict::Invariant> all;
  all.push_back(
      {"INV-STOCK-001",
       "inventory",
       "On-hand per (batch, location) equals the sum of that slot's movements in the journal: each movement's "
       "running balance is its predecessor's plus its quantity, and the projection equals the latest balance.",
       fmt::format(R"(WITH scoped_slots AS (
  SELECT o.tenant_id, o.batch_id, o.location_id, o.qty FROM on_hand o
  WHERE $1::jsonb IS NOT NULL AND {0} AND {1}),
touched_movements AS (
  SELECT m.* FROM movements m WHERE $1::jsonb IS NOT NULL AND {2}),
chain AS (  -- scoped: each touched movement against its predecessor in the slot (one index probe)...
  SELECT m.tenant_id, m.batch_id, m.location_id, m.movement_id, m.qty, m.balance_after,
         coalesce((SELECT p.balance_after FROM movements p
                   WHERE p.batch_id = m.batch_id AND p.location_id = m.location_id AND p.movement_id < m.movement_id
                   ORDER BY p.movement_id DESC LIMIT 1), 0) + m.qty AS expected_balance
  FROM touched_movements m
  UNION ALL  -- ...and its successor against it (one more): a movement that commits before an older id
  SELECT n.tenant_id, n.batch_id, n.location_id, n.movement_id, n.qty, n.balance_after,
         m.balance_after + n.qty AS expected_balance
  FROM touched_movements m
  CROSS JOIN LATERAL (SELECT * FROM movements x
                      WHERE x.batch_id = m.batch_id AND x.location_id = m.location_id AND x.movement_id > m.movement_id
                      ORDER BY x.movement_id LIMIT 1) n),
latest AS (  -- scoped: the projection against the slot's latest running balance
  SELECT s.tenant_id, s.batch_id, s.location_id, s.qty AS on_hand_qty,
         coalesce((SELECT l.balance_after FROM movements l WHERE l.batch_id = s.batch_id AND l.location_id = s.location_id
                   ORDER BY l.movement_id DESC LIMIT 1), 0) AS journal_qty
  FROM scoped_slots s),
journal AS (  -- full: re-summed, independent of the running balances
  SELECT tenant_id, batch_id, location_id, sum(qty) AS journal_qty
  FROM movements WHERE $1::jsonb IS NULL GROUP BY tenant_id, batch_id, location_id),
projection AS (
  SELECT tenant_id, batch_id, location_id, qty FROM on_hand WHERE $1::jsonb IS NULL),
full_diff AS (
  SELECT coalesce(p.tenant_id, j.tenant_id) AS tenant_id, coalesce(p.batch_id, j.batch_id) AS batch_id,
         coalesce(p.location_id, j.location_id) AS location_id, p.qty AS on_hand_qty,
         coalesce(j.journal_qty, 0) AS journal_qty
  FROM projection p
  FULL JOIN journal j ON j.tenant_id = p.tenant_id AND j.batch_id = p.batch_id AND j.location_id = p.location_id
  WHERE coalesce(p.qty, 0) <> coalesce(j.journal_qty, 0)),
full_chain AS (  -- full: every running balance against the re-summed history
  SELECT tenant_id, batch_id, location_id, movement_id, qty, balance_after, expected_balance FROM (
    SELECT tenant_id, batch_id, location_id, movement_id, qty, balance_after,
           sum(qty) OVER (PARTITION BY batch_id, location_id ORDER BY movement_id) AS expected_balance
    FROM movements WHERE $1::jsonb IS NULL) r
  WHERE balance_after <> expected_balance)
SELECT tenant_id, batch_id, location_id, NULL::bigint AS movement_id, on_hand_qty, journal_qty,
       NULL::numeric AS balance_after, NULL::numeric AS expected_balance
FROM latest WHERE on_hand_qty <> journal_qty
UNION ALL
SELECT tenant_id, batch_id, location_id, movement_id, NULL, NULL, balance_after, expected_balance
FROM chain WHERE balance_after <> expected_balance
UNION ALL
SELECT tenant_id, batch_id, location_id, NULL, on_hand_qty, journal_qty, NULL, NULL FROM full_diff
UNION ALL
SELECT tenant_id, batch_id, location_id, movement_id, NULL, NULL, balance_after, expected_balance FROM full_chain
ORDER BY 2, 3, 4)",
                   touched(batch, "o.batch_id"), touched(location, "o.location_id"),
                   touched(movement, "m.movement_id")),
       "critical",
       "A projection update was skipped or doubled, or a movement's running balance was computed from a stale "
       "value. Find the movements of the slot after its last correct state (mutation_id ties them to the log); "
       "rebuild on_hand from the journal, never the other way round.",
       {batch, location, movement}});

  all.push_back({"INV-STOCK-002",
                 "inventory",
                 "No on-hand quantity is negative.",
                 fmt::format(R"(SELECT tenant_id, batch_id, location_id, qty AS on_hand_qty
FROM on_hand WHERE qty < 0 AND ($1::jsonb IS NULL OR ({} AND {}))
ORDER BY batch_id, location_id)",
                             touched(batch, "batch_id"), touched(location, "location_id")),
                 "critical",
                 "Stock was sold or moved that was not there (oversell). Look for a mutation that checked stock "
                 "without holding the on_hand row lock.",
                 {batch, location}});

  all.push_back(
      {"INV-STOCK-003", "inventory",
       "Every reversal references an existing movement of the same tenant, batch and location, and negates it exactly; "
       "only reversals reference a movement, and no reversal reverses a reversal.",
       fmt::format(R"(SELECT r.tenant_id, r.movement_id, r.batch_id, r.location_id, r.kind, r.qty,
       r.reverses_movement_id AS original_movement_id, o.kind AS original_kind,
       o.batch_id AS original_batch_id, o.location_id AS original_location_id, o.qty AS original_qty
FROM movements r
LEFT JOIN movements o ON o.movement_id = r.reverses_movement_id
WHERE (r.kind = 'reversal' OR r.reverses_movement_id IS NOT NULL)
  AND (r.kind <> 'reversal' OR o.movement_id IS NULL OR o.tenant_id <> r.tenant_id
       OR o.batch_id <> r.batch_id OR o.location_id <> r.location_id
       OR o.qty <> -r.qty OR o.kind = 'reversal')
  AND {}
ORDER BY r.movement_id)",
                   in_scope(movement, "r.movement_id")),
       "critical",
       "A correction does not mirror what it corrects. Reversing the bad reversal is not allowed: post an "
       "adjustment with a reason and fix the code that built the reversal.",
       reads_movements()});

  all.push_back({"INV-STOCK-004", "inventory", "No movement is reversed more than once.",
                 fmt::format(R"(SELECT m.tenant_id, m.reverses_movement_id AS movement_id, min(m.batch_id) AS batch_id,
       min(m.location_id) AS location_id, count(*) AS reversal_count,
       string_agg(m.movement_id::text, ',' ORDER BY m.movement_id) AS reversal_movement_ids
FROM movements m
WHERE m.reverses_movement_id IS NOT NULL
  AND ($1::jsonb IS NULL OR m.reverses_movement_id = ANY (ARRAY(
         SELECT t.reverses_movement_id FROM movements t WHERE {})))
GROUP BY m.tenant_id, m.reverses_movement_id
HAVING count(*) > 1
ORDER BY 2)",
                             touched(movement, "t.movement_id")),
                 "critical",
                 "A double reversal creates stock from nothing. Check the unique constraint movements_reversed_once "
                 "and the ALREADY_REVERSED check under the on_hand lock.",
                 reads_movements()});

  all.push_back(
      {"INV-STOCK-005", "inventory",
       "Every transfer is exactly one out leg and one in leg of the same batch between two different locations, "
       "and the legs balance.",
       fmt::format(R"(SELECT min(m.tenant_id) AS tenant_id, m.transfer_id, min(m.batch_id) AS batch_id,
       count(*) AS legs, sum(m.qty) AS net_qty,
       string_agg(m.movement_id::text, ',' ORDER BY m.movement_id) AS movement_ids,
       string_agg(m.location_id::text, ',' ORDER BY m.movement_id) AS location_ids
FROM movements m
WHERE (m.transfer_id IS NOT NULL OR m.kind IN ('transfer_out', 'transfer_in'))
  AND ($1::jsonb IS NULL OR m.transfer_id = ANY (ARRAY(SELECT t.transfer_id FROM movements t WHERE {0}))
       OR (m.transfer_id IS NULL AND {1}))
GROUP BY m.transfer_id, CASE WHEN m.transfer_id IS NULL THEN m.movement_id END
HAVING (m.transfer_id IS NULL OR count(*) <> 2 OR sum(m.qty) <> 0
        OR count(*) FILTER (WHERE m.kind = 'transfer_out') <> 1
        OR count(*) FILTER (WHERE m.kind = 'transfer_in') <> 1
        OR min(m.batch_id) <> max(m.batch_id) OR min(m.location_id) = max(m.location_id)
        OR min(m.tenant_id) <> max(m.tenant_id))
ORDER BY 2)",
                   touched(movement, "t.movement_id"), touched(movement, "m.movement_id")),
       "critical",
       "Stock appeared or vanished in transit. Both legs must be written in one transaction; find the "
       "mutation_id of the legs and the code path that wrote only one.",
       reads_movements()});

  all.push_back({"INV-STOCK-006", "inventory",
                 "Every movement references a known batch, location and product of its own tenant.",
                 fmt::format(R"(SELECT m.tenant_id, m.movement_id, m.batch_id, m.location_id,
       b.batch_id IS NULL AS unknown_batch, l.location_id IS NULL AS unknown_location,
       p.product_id IS NULL AS unknown_product
FROM movements m
LEFT JOIN batches b ON b.batch_id = m.batch_id AND b.tenant_id = m.tenant_id
LEFT JOIN locations l ON l.location_id = m.location_id AND l.tenant_id = m.tenant_id
LEFT JOIN products p ON p.product_id = b.product_id AND p.tenant_id = b.tenant_id
WHERE (b.batch_id IS NULL OR l.location_id IS NULL OR p.product_id IS NULL)
  AND {}
ORDER BY m.movement_id)",
                             in_scope(movement, "m.movement_id")),
                 "critical",
                 "A movement points at nothing, or across tenants. Foreign keys should make this impossible: check "
                 "for disabled triggers (session_replication_role) or a bulk load that bypassed them.",
                 reads_movements()});

  all.push_back(
      {"INV-STOCK-007", "inventory",
       "Every movement's sign matches its kind (receive and transfer_in add, fulfill and transfer_out remove), "
       "and every adjustment states a reason.",
       fmt::format(R"(SELECT m.tenant_id, m.movement_id, m.batch_id, m.location_id, m.kind, m.qty, m.reason
FROM movements m
WHERE ((m.kind IN ('receive', 'transfer_in') AND m.qty <= 0)
    OR (m.kind IN ('fulfill', 'transfer_out') AND m.qty >= 0)
    OR (m.kind = 'adjust' AND (m.reason IS NULL OR m.reason = '')))
  AND {}
ORDER BY m.movement_id)",
                   in_scope(movement, "m.movement_id")),
       "major", "A command wrote a quantity with the wrong sign. Fix the command; correct the stock with a reversal.",
       reads_movements()});

  all.push_back(
      {"INV-STOCK-008", "inventory",
       "A transfer is reversed as a pair or not at all: either none or both of its legs have a reversal.",
       fmt::format(R"(SELECT min(t.tenant_id) AS tenant_id, t.transfer_id, min(t.batch_id) AS batch_id,
       count(r.movement_id) AS reversed_legs,
       string_agg(t.movement_id::text, ',' ORDER BY t.movement_id) AS movement_ids,
       string_agg(r.movement_id::text, ',' ORDER BY r.movement_id) AS reversal_movement_ids
FROM movements t
LEFT JOIN movements r ON r.reverses_movement_id = t.movement_id
WHERE t.transfer_id IS NOT NULL
  AND ($1::jsonb IS NULL OR t.transfer_id = ANY (ARRAY(
         SELECT coalesce(x.transfer_id, o.transfer_id) FROM movements x
         LEFT JOIN movements o ON o.movement_id = x.reverses_movement_id WHERE {})))
GROUP BY t.transfer_id
HAVING count(r.movement_id) NOT IN (0, count(*))
ORDER BY 2)",
                   touched(movement, "x.movement_id")),
       "critical",
       "Half a transfer was undone: stock sits in one location twice or in none. Reverse the other leg "
       "(or post an adjustment with a reason) and fix the reversal path to take both legs in one transaction.",
       reads_movements()});

  all.push_back(
      {"INV-STOCK-009", "inventory",
       "Stock never went below zero in the past: every movement's running balance, before the slot's latest "
       "movement, is at or above zero (the current balance is INV-STOCK-002's; the full form replays each slot's "
       "journal in movement order; ids are taken under the slot's row lock, so id order is commit order).",
       fmt::format(R"(SELECT tenant_id, movement_id, batch_id, location_id, qty, running_qty FROM (
  SELECT tenant_id, movement_id, batch_id, location_id, qty, balance_after AS running_qty,
         EXISTS (SELECT 1 FROM movements n WHERE n.batch_id = m.batch_id AND n.location_id = m.location_id
                 AND n.movement_id > m.movement_id) AS superseded
  FROM movements m WHERE $1::jsonb IS NOT NULL AND {}
  UNION ALL
  SELECT tenant_id, movement_id, batch_id, location_id, qty,
         sum(qty) OVER (PARTITION BY batch_id, location_id ORDER BY movement_id) AS running_qty,
         movement_id < max(movement_id) OVER (PARTITION BY batch_id, location_id) AS superseded
  FROM movements WHERE $1::jsonb IS NULL) replay
WHERE running_qty < 0 AND superseded
ORDER BY movement_id)",
                   touched(movement, "m.movement_id")),
       "critical",
       "Something was sold or moved before it was there, even if later receipts hid it. Look for a "
       "mutation that checked stock without holding the on_hand row lock, or a movement inserted out of order.",
       reads_movements()});
  all.push_back(
      {"INV-STOCK-010", "inventory",
       "The inventory account equals the stock's value (docs/MONEY.md): every movement but a transfer's posted one "
       "journal moving the inventory account by its value, round(|qty| × unit cost, 2), signed as its qty (none "
       "when that is 0.00); the full form also checks each tenant's inventory account against the sum of them all.",
       fmt::format(R"(WITH m AS (
  SELECT m.tenant_id, m.movement_id, m.kind, m.qty, b.unit_cost, round(abs(m.qty) * b.unit_cost, 2) AS value,
         (m.transfer_id IS NOT NULL OR EXISTS (SELECT 1 FROM movements o WHERE o.movement_id = m.reverses_movement_id
                                               AND o.transfer_id IS NOT NULL)) AS is_transfer
  FROM movements m JOIN batches b ON b.batch_id = m.batch_id
  WHERE {0}),
postings AS (  -- each movement's journals and what they moved the inventory account by (one pass)
  SELECT j.source_id, count(DISTINCT j.journal_id) AS journals,
         coalesce(sum(l.debit - l.credit) FILTER (WHERE a.role = 'inventory'), 0) AS inventory_posted
  FROM journals j
  JOIN journal_lines l ON l.journal_id = j.journal_id
  JOIN accounts a ON a.account_id = l.account_id
  WHERE j.source = 'inventory.movement' AND {1}
  GROUP BY j.source_id),
posted AS (
  SELECT m.*, coalesce(p.journals, 0) AS journals, coalesce(p.inventory_posted, 0) AS inventory_posted
  FROM m LEFT JOIN postings p ON p.source_id = m.movement_id),
valuation AS (  -- full: each tenant's inventory account against the value of every movement
  SELECT a.tenant_id, b.balance AS inventory_account,
         coalesce((SELECT sum(sign(v.qty) * v.value) FROM m v WHERE v.tenant_id = a.tenant_id AND NOT v.is_transfer), 0)
           AS stock_value
  FROM accounts a JOIN account_balances b ON b.account_id = a.account_id
  WHERE $1::jsonb IS NULL AND a.role = 'inventory')
SELECT tenant_id, movement_id, kind, qty, unit_cost, sign(qty) * value AS expected, inventory_posted, journals
FROM posted
WHERE CASE WHEN is_transfer THEN journals <> 0
           ELSE journals <> (CASE WHEN value > 0 THEN 1 ELSE 0 END) OR inventory_posted <> sign(qty) * value END
UNION ALL
SELECT tenant_id, NULL, 'valuation', NULL, NULL, stock_value, inventory_account, NULL
FROM valuation WHERE inventory_account <> stock_value
ORDER BY 1, 2)",
                   in_scope(movement, "m.movement_id"), in_scope(movement, "j.source_id")),
       "critical",
       "Stock and its value in the ledger disagree: a movement posted nothing, twice, or the wrong amount, or a "
       "journal moved the inventory account without a movement. The rows name the movement.",
       reads_movements()});
  all.push_back({"INV-STOCK-011",
                 "inventory",
                 "Reserved stock is never negative, and a (batch, location) holding reservations has at least that "
                 "much on hand (a negative on-hand with nothing reserved is INV-STOCK-002's).",
                 fmt::format(R"(SELECT tenant_id, batch_id, location_id, qty AS on_hand_qty, reserved
FROM on_hand WHERE (reserved < 0 OR (reserved > 0 AND reserved > qty)) AND ($1::jsonb IS NULL OR ({} AND {}))
ORDER BY batch_id, location_id)",
                             touched(batch, "batch_id"), touched(location, "location_id")),
                 "critical",
                 "Stock promised to an order was taken by something else (or a reservation went below zero): look "
                 "for a movement that checked on-hand instead of available, or a release that ran twice.",
                 {batch, location}});
  all.push_back({"INV-STOCK-012",
                 "inventory",
                 "Per (batch, location), the reserved quantity equals the sum of what its reservations still hold.",
                 fmt::format(R"(SELECT o.tenant_id, o.batch_id, o.location_id, o.reserved,
       coalesce(s.held, 0) AS held_by_reservations
FROM on_hand o
LEFT JOIN LATERAL (SELECT sum(r.remaining) AS held FROM reservations r
                   WHERE r.batch_id = o.batch_id AND r.location_id = o.location_id) s ON true
WHERE o.reserved <> coalesce(s.held, 0) AND ($1::jsonb IS NULL OR ({} AND {}))
ORDER BY o.batch_id, o.location_id)",
                             touched(batch, "o.batch_id"), touched(location, "o.location_id")),
                 "critical",
                 "The reserved projection drifted from the reservations: find the mutation that moved one without "
                 "the other.",
                 {batch, location}});
  all.push_back({"INV-STOCK-013",
                 "inventory",
                 "A location with a capacity holds at most that much stock, all batches together.",
                 fmt::format(R"(SELECT l.tenant_id, l.location_id, l.code, l.capacity, s.held
FROM locations l
CROSS JOIN LATERAL (SELECT coalesce(sum(o.qty), 0) AS held FROM on_hand o WHERE o.location_id = l.location_id) s
WHERE l.capacity IS NOT NULL AND s.held > l.capacity AND {}
ORDER BY l.location_id)",
                             in_scope(location, "l.location_id")),
                 "major",
                 "More stock sits at a location than it can hold: look for a movement in that checked the room "
                 "without the location's row lock.",
                 {location}});
  return all;
}

}  // namespace sut
