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
      {"allocations.credit_id", "only a credit allocation has a credit (CHECK: kind = 'credit' ⇔ credit_id)"},
      {"allocations.journal_id", "an allocation that posts nothing to the ledger has no journal"},
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
