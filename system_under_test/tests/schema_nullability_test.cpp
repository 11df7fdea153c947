// Found by `./verdict mutants --module ledger` (issue 8): a NOT NULL dropped from a column the domain
// always writes (journal_lines.line_no, periods.status, accounts.created_at, books.currency) passed
// every test, because no path writes a NULL there today, and the next path might. Guard rail: the
// columns that may hold NULL are exactly the ones listed here, each on purpose; a NOT NULL lost or a
// nullable column added fails by name, and the list is where its reason goes.

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "support.hpp"
#include "verdict/server.hpp"

namespace {

// table.column → why it may be NULL.
const std::map<std::string, std::string>& nullable_on_purpose() {
  static const std::map<std::string, std::string> columns = {
      {"accounts.role", "only an account the chart gives a role (cash, receivables, …) has one"},
      {"batches.expires_on", "a batch that never expires"},
      {"invoices.due_on", "an invoice without a due date (never late)"},
      {"invoices.fee_for", "only a late fee's invoice names the invoice it charges"},
      {"locations.capacity", "NULL: no limit"},
      {"order_lines.amount", "fixed at acceptance: NULL while the order is a draft"},
      {"order_lines.tax", "fixed at acceptance: NULL while the order is a draft"},
      {"order_lines.given_price", "a line priced by the rules, not given"},
      {"order_lines.price_rule_id", "a line with a given price, or a draft"},
      {"order_lines.unit_price", "fixed at acceptance: NULL while the order is a draft"},
      {"orders.accepted_on", "a draft (CHECK: draft ⇔ accepted_on NULL, but for a cancelled draft)"},
      {"orders.credit_limit", "no limit when accepted, or a draft"},
      {"orders.exposure", "what acceptance saw: NULL while a draft"},
      {"orders.value", "what acceptance fixed: NULL while a draft"},
      {"price_rules.customer_id", "a rule for every customer"},
      {"price_rules.valid_from", "a rule with an open start"},
      {"price_rules.valid_to", "a rule with an open end"},
      {"allocations.credit_id", "only a credit allocation has a credit (CHECK: kind = 'credit' ⇔ credit_id)"},
      {"allocations.journal_id", "an allocation that posts nothing to the ledger has no journal"},
      {"vendor_allocations.journal_id", "an allocation made by its payment posts no journal of its own"},
      {"credits.expires_on", "a credit without an expiry date"},
      {"credits.number", "a credit given no number by its client"},
      {"customers.credit_limit", "NULL: no limit (0: no credit)"},
      {"journals.memo", "a journal without a memo"},
      {"journals.reverses_journal_id", "only a reversal reverses a journal"},
      {"journals.source_id", "a manual journal has no source row"},
      {"movements.reason", "only an adjustment gives a reason"},
      {"movements.reverses_movement_id", "only a reversal reverses a movement"},
      {"movements.transfer_id", "only a transfer's two legs belong to a transfer"},
      {"periods.changed_at", "a period never locked or unlocked"},
      {"periods.changed_by", "a period never locked or unlocked"},
      {"periods.lock_seq", "only a locked period has one (CHECK: locked ⇔ lock_seq)"},
  };
  return columns;
}

TEST(SchemaNullability, OnlyTheColumnsListedOnPurposeMayHoldNull) {
  auto db = sut_test::scratch_database();
  auto rows = sut_test::json::parse(verdict::db::query_rows_json(db->admin_conninfo(), R"(
    SELECT c.table_name || '.' || c.column_name AS name FROM information_schema.columns c
    JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
    WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' AND c.is_nullable = 'YES'
    ORDER BY 1)"));
  std::set<std::string> nullable;
  for (const auto& row : rows) nullable.insert(row["name"].get<std::string>());
  for (const auto& column : nullable)
    EXPECT_TRUE(nullable_on_purpose().count(column)) << column << " may hold NULL: add NOT NULL, or list it here";
  for (const auto& [column, reason] : nullable_on_purpose())
    EXPECT_TRUE(nullable.count(column)) << column << " is listed as nullable but is NOT NULL (or gone)";
}

}  // namespace
