// Each receivables invariant catches the corruption it exists for: valid documents through the
// commands, one bad row planted as the superuser (triggers and foreign keys off), and exactly that
// invariant reported with those rows, by the full form and the scoped form of the planted keys.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "support.hpp"
#include "verdict/invariants.hpp"
#include "verdict/server.hpp"

namespace {

using json = nlohmann::json;
using sut_test::no_violation;
using sut_test::only_violation;
using sut_test::Row;

const std::set<std::string> covered_invariants = {"INV-AR-001", "INV-AR-002", "INV-AR-003", "INV-AR-004", "INV-AR-005"};

// Customer C1; invoice I-1 of 100.00; a payment of 130.00, 100.00 of it to I-1 (30.00 unallocated).
class ReceivablesInvariants : public ::testing::Test {
 protected:
  void SetUp() override {
    SUT_SKIP_UNLESS_PLANTING_POSSIBLE(*db_);
    customer_ = sut_test::must(shop_.run("receivables.add_customer", {{"code", "C1"}, {"name", "One"}}),
                               "customer")["customer_id"];
    invoice_ = sut_test::must(shop_.run("receivables.issue_invoice",
                                        {{"customer", "C1"},
                                         {"number", "I-1"},
                                         {"date", "2026-01-05"},
                                         {"lines", {{{"description", "x"}, {"qty", "1"}, {"unit_price", "100"}}}}}),
                              "invoice")["invoice_id"];
    payment_ = sut_test::must(
        shop_.run("receivables.record_payment", {{"customer", "C1"},
                                                 {"amount", "130"},
                                                 {"date", "2026-01-06"},
                                                 {"allocations", {{{"invoice", "I-1"}, {"amount", "100"}}}}}),
        "payment")["payment_id"];
  }
  std::vector<verdict::Violation> check_full() { return checker_.check(std::nullopt); }
  std::vector<verdict::Violation> check_scoped(const char* kind, long long id) {
    return checker_.check(json{{kind, {id}}}.dump());
  }
  void planted(const std::string& sql) {
    verdict::db::exec_admin(db_->admin_conninfo(), "SET session_replication_role = replica; " + sql);
  }

  std::unique_ptr<verdict::db::ScratchDatabase> db_ = sut_test::scratch_database();
  sut_test::Shop shop_{db_->app_conninfo()};
  verdict::InvariantChecker checker_{db_->admin_conninfo()};
  long long customer_ = 0, invoice_ = 0, payment_ = 0;
};

TEST_F(ReceivablesInvariants, CleanDocumentsHaveNoViolation) {
  sut_test::must(shop_.run("receivables.reverse_payment", {{"payment_id", payment_}}), "reverse");
  EXPECT_TRUE(no_violation(check_full()));
  EXPECT_TRUE(no_violation(check_scoped("receivables.invoice", invoice_)));
}

TEST_F(ReceivablesInvariants, AnotherTenantsDocumentsAreNotCountedInThisTenantsAccounts) {
  // globex is owed 10.00 and holds 5.00 of its customer's credit: each tenant's control accounts
  // equal its own documents only.
  sut_test::Shop globex(db_->app_conninfo(), "globex");
  sut_test::must(globex.run("receivables.add_customer", {{"code", "C1"}, {"name", "One"}}), "customer");
  sut_test::must(globex.run("receivables.issue_invoice",
                            {{"customer", "C1"},
                             {"number", "I-1"},
                             {"date", "2026-01-05"},
                             {"lines", {{{"description", "x"}, {"qty", "1"}, {"unit_price", "10"}}}}}),
                 "invoice");
  sut_test::must(
      globex.run("receivables.record_payment", {{"customer", "C1"}, {"amount", "5"}, {"date", "2026-01-06"}}),
      "credit");
  EXPECT_TRUE(no_violation(check_full()));
  EXPECT_TRUE(no_violation(check_scoped("receivables.customer", customer_)));
}

TEST_F(ReceivablesInvariants, Ar001AnInvoiceDueAmountThatIgnoresAnAllocation) {
  // The invoice shows 10.00 due; its allocations say 0.00. (The receivables account moves with it,
  // so that the subledger still equals the control account.)
  planted(
      fmt::format("UPDATE invoices SET amount_due = 10 WHERE invoice_id = {}; UPDATE account_balances SET balance "
                  "= balance + 10 WHERE account_id = (SELECT account_id FROM accounts WHERE tenant_id = 'acme' "
                  "AND role = 'receivables'); UPDATE account_balances SET balance = balance - 10 WHERE "
                  "account_id = (SELECT account_id FROM accounts WHERE tenant_id = 'acme' AND role = 'cash')",
                  invoice_));
  // The balances moved without lines: INV-LEDGER-006 sees that; the invoice is INV-AR-001's.
  for (const auto& found : {check_full(), check_scoped("receivables.invoice", invoice_)}) {
    bool named = false;
    for (const auto& v : found)
      if (v.invariant_id == "INV-AR-001")
        named = json::parse(v.rows_json)[0]["amount_due"] == "10.00" &&
                json::parse(v.rows_json)[0]["expected_due"] == "0.00";
    EXPECT_TRUE(named) << sut_test::describe(found);
  }
  EXPECT_TRUE(only_violation(check_scoped("receivables.invoice", invoice_), "INV-AR-001",
                             {{"invoice_id", std::to_string(invoice_)}, {"amount_due", "10.00"}}));
}

TEST_F(ReceivablesInvariants, Ar002ACreditWhoseUnallocatedAmountIsWrong) {
  planted(fmt::format("UPDATE credits SET unallocated = 20 WHERE credit_id = {}", payment_));
  const Row row{{"credit_id", std::to_string(payment_)}, {"unallocated", "20.00"}, {"allocated", "100.00"}};
  EXPECT_TRUE(only_violation(check_scoped("receivables.credit", payment_), "INV-AR-002", row));
  // The full form also sees the customer-credit account (30.00) disagree with the subledger (20.00).
  auto found = check_full();
  ASSERT_EQ(found.size(), 2u) << sut_test::describe(found);
  EXPECT_EQ(found[0].invariant_id, "INV-AR-002");
  EXPECT_EQ(found[1].invariant_id, "INV-AR-004");
}

TEST_F(ReceivablesInvariants, Ar003TheReceivablesAccountDisagreesWithTheInvoices) {
  // A second invoice's document without its posting: the subledger has 5.00 the account has not.
  planted(
      "WITH i AS (INSERT INTO invoices (tenant_id, customer_id, number, issued_on, total, amount_due, journal_id) "
      "  SELECT 'acme', customer_id, 'I-9', '2026-01-07', 5, 5, 0 FROM customers WHERE code = 'C1' "
      "  RETURNING invoice_id) "
      "INSERT INTO invoice_lines (tenant_id, invoice_id, line_no, description, qty, unit_price, amount) "
      "SELECT 'acme', invoice_id, 1, 'x', 1, 5, 5 FROM i");
  const Row row{{"tenant_id", "acme"}, {"control_account", "0.00"}, {"subledger", "5.00"}};
  EXPECT_TRUE(only_violation(check_full(), "INV-AR-003", row));
  EXPECT_TRUE(only_violation(check_scoped("receivables.customer", customer_), "INV-AR-003", row));
  EXPECT_TRUE(no_violation(check_scoped("receivables.customer", 999999)));
}

TEST_F(ReceivablesInvariants, Ar004TheCustomerCreditAccountDisagreesWithTheCredits) {
  // A credit memo's document without its posting.
  planted(
      "INSERT INTO credits (tenant_id, kind, customer_id, number, amount, unallocated, dated, journal_id) "
      "SELECT 'acme', 'credit_memo', customer_id, 'CM-9', 7, 7, '2026-01-07', 0 FROM customers WHERE code = 'C1'");
  const Row row{{"tenant_id", "acme"}, {"control_account", "30.00"}, {"subledger", "37.00"}};
  EXPECT_TRUE(only_violation(check_full(), "INV-AR-004", row));
  EXPECT_TRUE(only_violation(check_scoped("receivables.customer", customer_), "INV-AR-004", row));
}

TEST_F(ReceivablesInvariants, Ar005ALineTaxRoundedTwice) {
  // 100.00 at 8.25 % is 8.25 tax; the planted line says 8.30, and the total and the amount due follow
  // it (so only the rounding of the line is wrong).
  planted(
      fmt::format("UPDATE invoice_lines SET tax_rate = 0.0825, tax = 8.30 WHERE invoice_id = {0}; "
                  "UPDATE invoices SET total = 108.30, amount_due = 8.30 WHERE invoice_id = {0}",
                  invoice_));
  const Row row{{"invoice_id", std::to_string(invoice_)}, {"misrounded_line", "1"}, {"lines_total", "108.30"}};
  EXPECT_TRUE(only_violation(check_scoped("receivables.invoice", invoice_), "INV-AR-005", row));
  bool named = false;
  for (const auto& v : check_full()) named = named || v.invariant_id == "INV-AR-005";
  EXPECT_TRUE(named);
}

TEST_F(ReceivablesInvariants, Ar005ATotalThatIsNotItsLines) {
  planted(fmt::format("UPDATE invoices SET total = 100.01, amount_due = 0.01 WHERE invoice_id = {}", invoice_));
  const Row row{{"invoice_id", std::to_string(invoice_)}, {"total", "100.01"}, {"lines_total", "100.00"}};
  EXPECT_TRUE(only_violation(check_scoped("receivables.invoice", invoice_), "INV-AR-005", row));
}

TEST(ReceivablesInvariantRegistry, EveryReceivablesInvariantIsTested) {
  int count = 0;
  for (const auto& inv : verdict::invariants()) {
    if (inv.module != "receivables") continue;
    ++count;
    EXPECT_TRUE(covered_invariants.count(inv.id)) << "no test plants a violation of " << inv.id;
  }
  EXPECT_EQ(count, static_cast<int>(covered_invariants.size()));
}

}  // namespace
