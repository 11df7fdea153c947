// The ledger module's invariants (docs/MONEY.md). Each query returns the violating rows; $1 is NULL
// (full form) or the touched keys (scoped form).
//
// Cost: every scoped form starts from the touched journals, lines, accounts or periods and reaches
// other rows through an index (a line's predecessor on its account, a reversal's original, a locked
// period's journals numbered after its lock), so it costs O(rows the step changed). INV-LEDGER-002's
// scoped form sums the balances of the touched tenants' accounts: O(accounts in the chart). The full
// forms re-sum the lines, independently of the running balances the scoped forms trust.

#include "verdict/invariants.hpp"

#include <fmt/format.h>

#include <string>

#include "ledger.hpp"
#include "sut/scope.hpp"

namespace sut {

std::string ledger::control_account_differs(const char* role, int sign, const std::string& subledger_sum,
                                            const std::string& tenant_scope) {
  return fmt::format(R"(SELECT b.tenant_id, {0}b.balance AS control_account, coalesce(({2}), 0) AS subledger
FROM accounts a JOIN account_balances b ON b.account_id = a.account_id
WHERE a.role = '{1}' AND {3}
  AND {0}b.balance <> coalesce(({2}), 0)
ORDER BY b.tenant_id)",
                     sign < 0 ? "-" : "", role, subledger_sum, tenant_scope);
}

std::vector<verdict::Invariant> ledger_invariants() {
  using ledger::kinds::account;
  using ledger::kinds::journal;
  using ledger::kinds::line;
  using ledger::kinds::period;
  std::vector<verdict::Invariant> all;
  all.push_back({"INV-LEDGER-001",
                 "ledger",
                 "Every journal has at least two lines and its debits equal its credits.",
                 fmt::format(R"(SELECT j.tenant_id, j.journal_id, count(l.line_no) AS lines,
       coalesce(sum(l.debit), 0) AS debits, coalesce(sum(l.credit), 0) AS credits
FROM journals j LEFT JOIN journal_lines l ON l.journal_id = j.journal_id
WHERE {}
GROUP BY j.tenant_id, j.journal_id
HAVING count(l.line_no) < 2 OR coalesce(sum(l.debit), 0) <> coalesce(sum(l.credit), 0)
ORDER BY j.journal_id)",
                             in_scope(journal, "j.journal_id")),
                 "critical",
                 "An unbalanced journal got past the posting code and the commit-time trigger: find the path that "
                 "wrote it (the rows name the journal) and the trigger that did not fire.",
                 {journal, line}});
  all.push_back({"INV-LEDGER-002",
                 "ledger",
                 "Each tenant's trial balance sums to zero: the account balances (scoped) and all its lines' debits "
                 "minus credits (full) add up to 0.",
                 fmt::format(R"(SELECT b.tenant_id, sum(b.balance) AS out_of_balance, 'account_balances' AS source
FROM account_balances b
WHERE $1::jsonb IS NOT NULL
  AND b.tenant_id = ANY (ARRAY(SELECT t.tenant_id FROM account_balances t WHERE {}))
GROUP BY b.tenant_id HAVING sum(b.balance) <> 0
UNION ALL
SELECT tenant_id, sum(debit) - sum(credit), 'journal_lines' FROM journal_lines
WHERE $1::jsonb IS NULL GROUP BY tenant_id HAVING sum(debit) <> sum(credit)
UNION ALL
SELECT tenant_id, sum(balance), 'account_balances' FROM account_balances
WHERE $1::jsonb IS NULL GROUP BY tenant_id HAVING sum(balance) <> 0
ORDER BY 1, 3)",
                             touched(account, "t.account_id")),
                 "critical",
                 "The books do not balance: compare the journals (INV-LEDGER-001) and the balances "
                 "(INV-LEDGER-006) of the tenant named.",
                 {account}});
  all.push_back({"INV-LEDGER-003",
                 "ledger",
                 "No journal dated in a locked period was posted after the lock (its posting number is below the "
                 "period's lock number).",
                 fmt::format(R"(SELECT j.tenant_id, j.journal_id, j.period, j.posting_seq, p.lock_seq
FROM journals j JOIN periods p ON p.tenant_id = j.tenant_id AND p.period = j.period
WHERE p.status = 'locked' AND j.posting_seq > p.lock_seq AND ($1::jsonb IS NULL OR {})
UNION
SELECT j.tenant_id, j.journal_id, j.period, j.posting_seq, p.lock_seq
FROM periods p JOIN journals j ON j.tenant_id = p.tenant_id AND j.period = p.period AND j.posting_seq > p.lock_seq
WHERE p.status = 'locked' AND $1::jsonb IS NOT NULL AND {}
ORDER BY 2)",
                             touched(journal, "j.journal_id"), touched(period, "p.period_id")),
                 "critical",
                 "A posting got into a locked period: check that every posting path takes the period's share lock "
                 "before it writes, and that the lock takes it exclusively.",
                 {journal, period}});
  all.push_back({"INV-LEDGER-004",
                 "ledger",
                 "Posted lines never change: each journal's content hash equals the hash of its date, what it "
                 "reverses and its lines.",
                 fmt::format(R"(SELECT j.tenant_id, j.journal_id, encode(j.content_hash, 'hex') AS stored_hash,
       encode(c.hash, 'hex') AS recomputed_hash
FROM journals j
CROSS JOIN LATERAL (
  SELECT ledger_content_hash(j.posted_on, j.reverses_journal_id, array_agg(l.account_id ORDER BY l.line_no),
                             array_agg(l.debit ORDER BY l.line_no), array_agg(l.credit ORDER BY l.line_no)) AS hash
  FROM journal_lines l WHERE l.journal_id = j.journal_id) c
WHERE {} AND c.hash IS DISTINCT FROM j.content_hash
ORDER BY j.journal_id)",
                             in_scope(journal, "j.journal_id")),
                 "critical",
                 "A posted journal or its lines were changed in place: corrections are reversals. Find who wrote "
                 "(the append-only triggers should have refused it).",
                 {journal, line}});
  all.push_back({"INV-LEDGER-005",
                 "ledger",
                 "Every reversal negates its original exactly (same accounts line for line, debit and credit "
                 "swapped), and no reversal is itself reversed.",
                 fmt::format(R"(WITH r AS (
  SELECT j.tenant_id, j.journal_id, j.reverses_journal_id FROM journals j
  WHERE j.reverses_journal_id IS NOT NULL AND {})
SELECT r.tenant_id, r.journal_id, r.reverses_journal_id, d.line_no, d.problem
FROM r CROSS JOIN LATERAL (
  SELECT coalesce(x.line_no, o.line_no) AS line_no, 'lines differ' AS problem
  FROM (SELECT * FROM journal_lines WHERE journal_id = r.journal_id) x
  FULL JOIN (SELECT * FROM journal_lines WHERE journal_id = r.reverses_journal_id) o ON o.line_no = x.line_no
  WHERE x.line_no IS NULL OR o.line_no IS NULL OR x.account_id <> o.account_id OR x.debit <> o.credit
     OR x.credit <> o.debit) d
UNION ALL
SELECT r.tenant_id, r.journal_id, r.reverses_journal_id, NULL, 'reverses a reversal'
FROM r JOIN journals o ON o.journal_id = r.reverses_journal_id WHERE o.reverses_journal_id IS NOT NULL
ORDER BY 2, 4)",
                             in_scope(journal, "j.journal_id")),
                 "critical",
                 "A reversal did not mirror its original: compare the two journals named.",
                 {journal, line}});
  all.push_back(
      {"INV-LEDGER-006",
       "ledger",
       "Each account's balance equals the sum of its lines: every line's running balance is its predecessor's plus "
       "its debit minus its credit, and the balance row equals the latest line's.",
       fmt::format(R"(WITH touched_lines AS (
  SELECT l.* FROM journal_lines l WHERE $1::jsonb IS NOT NULL AND {0}),
chain AS (  -- scoped: each touched line against its predecessor on the account, and its successor against it
  SELECT l.tenant_id, l.account_id, l.line_id, l.balance_after,
         coalesce((SELECT p.balance_after FROM journal_lines p WHERE p.account_id = l.account_id
                   AND p.line_id < l.line_id ORDER BY p.line_id DESC LIMIT 1), 0) + l.debit - l.credit AS expected
  FROM touched_lines l
  UNION ALL
  SELECT n.tenant_id, n.account_id, n.line_id, n.balance_after, l.balance_after + n.debit - n.credit
  FROM touched_lines l
  CROSS JOIN LATERAL (SELECT * FROM journal_lines x WHERE x.account_id = l.account_id AND x.line_id > l.line_id
                      ORDER BY x.line_id LIMIT 1) n),
latest AS (  -- scoped: the balance row against the account's latest running balance
  SELECT b.tenant_id, b.account_id, b.balance,
         coalesce((SELECT x.balance_after FROM journal_lines x WHERE x.account_id = b.account_id
                   ORDER BY x.line_id DESC LIMIT 1), 0) AS lines_balance
  FROM account_balances b WHERE $1::jsonb IS NOT NULL AND {1}),
full_sum AS (  -- full: re-summed, independent of the running balances
  SELECT b.tenant_id, b.account_id, b.balance, coalesce(s.total, 0) AS lines_balance
  FROM account_balances b
  LEFT JOIN (SELECT account_id, sum(debit - credit) AS total FROM journal_lines WHERE $1::jsonb IS NULL
             GROUP BY account_id) s ON s.account_id = b.account_id
  WHERE $1::jsonb IS NULL),
full_chain AS (
  SELECT tenant_id, account_id, line_id, balance_after, expected FROM (
    SELECT tenant_id, account_id, line_id, balance_after,
           sum(debit - credit) OVER (PARTITION BY account_id ORDER BY line_id) AS expected
    FROM journal_lines WHERE $1::jsonb IS NULL) r
  WHERE balance_after <> expected)
SELECT tenant_id, account_id, NULL::bigint AS line_id, balance, lines_balance, NULL::numeric AS balance_after,
       NULL::numeric AS expected
FROM latest WHERE balance <> lines_balance
UNION ALL
SELECT tenant_id, account_id, line_id, NULL, NULL, balance_after, expected FROM chain WHERE balance_after <> expected
UNION ALL
SELECT tenant_id, account_id, NULL, balance, lines_balance, NULL, NULL FROM full_sum WHERE balance <> lines_balance
UNION ALL
SELECT tenant_id, account_id, line_id, NULL, NULL, balance_after, expected FROM full_chain
ORDER BY 2, 3)",
                   touched(line, "l.line_id"), touched(account, "b.account_id")),
       "critical",
       "The balance projection drifted from the lines: find the posting that moved one without the other.",
       {line, account}});
  all.push_back({"INV-LEDGER-007",
                 "ledger",
                 "An account that forbids a negative balance is not below zero on its normal side.",
                 fmt::format(R"(SELECT a.tenant_id, a.account_id, a.code, a.type, b.balance
FROM accounts a JOIN account_balances b ON b.account_id = a.account_id
WHERE a.forbid_negative AND CASE WHEN a.type IN ('asset', 'expense') THEN b.balance < 0 ELSE b.balance > 0 END
  AND {}
ORDER BY a.account_id)",
                             in_scope(account, "a.account_id")),
                 "major",
                 "A posting skipped the negative-balance check: see which journal took the account below zero.",
                 {account}});
  return all;
}

}  // namespace sut
