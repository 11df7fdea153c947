// Payables: each invariant catches the corruption it exists for (valid documents through the
// commands, one bad row planted as the superuser with triggers and foreign keys off, and exactly
// that invariant reported with those rows, by the full form and the scoped form of the planted
// keys); and concurrent bills and applications never bill a receipt twice or spend an advance twice.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support.hpp"
#include "verdict/invariants.hpp"
#include "verdict/server.hpp"

namespace {

using json = nlohmann::json;
using sut_test::no_violation;
using sut_test::only_violation;
using sut_test::Row;

const std::set<std::string> covered_invariants = {"INV-AP-001", "INV-AP-002", "INV-AP-003", "INV-AP-004", "INV-AP-005"};

// Vendor V1; receipts r1 (10 × 2.50) and r2 (4 × 2.50); bill VB-1 of r1 (25.00); a payment of 30.00,
// 20.00 of it to VB-1 (5.00 still due, 10.00 an advance).
class Payables : public ::testing::Test {
 protected:
  void SetUp() override {
    SUT_SKIP_UNLESS_PLANTING_POSSIBLE(*db_);
    shop_.add_product();
    shop_.add_location("WH1");
    vendor_ =
        sut_test::must(shop_.run("payables.add_vendor", {{"code", "V1"}, {"name", "One"}}), "vendor")["vendor_id"];
    r1_ = shop_.receive("B1", "WH1", "10").movement_id;
    r2_ = shop_.receive("B2", "WH1", "4").movement_id;
    bill_ = sut_test::must(shop_.run("payables.enter_bill", bill_of("VB-1", r1_)), "bill")["bill_id"];
    payment_ =
        sut_test::must(shop_.run("payables.pay_vendor", {{"vendor", "V1"},
                                                         {"amount", "30"},
                                                         {"date", "2026-01-06"},
                                                         {"allocations", {{{"bill", "VB-1"}, {"amount", "20"}}}}}),
                       "payment")["payment_id"];
  }
  static json bill_of(const std::string& number, long long receipt) {
    return {{"vendor", "V1"}, {"number", number}, {"date", "2026-01-05"}, {"receipts", {{{"movement", receipt}}}}};
  }
  std::vector<verdict::Violation> check_full() { return checker_.check(std::nullopt); }
  std::vector<verdict::Violation> check_scoped(const char* kind, long long id) {
    return checker_.check(json{{kind, {id}}}.dump());
  }
  void planted(const std::string& sql) {
    verdict::db::exec_admin(db_->admin_conninfo(), "SET session_replication_role = replica; " + sql);
  }
  static bool names(const std::vector<verdict::Violation>& found, const std::string& id) {
    for (const auto& v : found)
      if (v.invariant_id == id) return true;
    return false;
  }

  std::unique_ptr<verdict::db::ScratchDatabase> db_ = sut_test::scratch_database();
  sut_test::Shop shop_{db_->app_conninfo()};
  verdict::InvariantChecker checker_{db_->admin_conninfo()};
  long long vendor_ = 0, r1_ = 0, r2_ = 0, bill_ = 0, payment_ = 0;
};

TEST_F(Payables, AnotherTenantsDocumentsAreNotCountedInThisTenantsAccounts) {
  // globex owes its vendor 10.00 and holds a 3.00 advance: each tenant's control accounts equal its
  // own documents only.
  sut_test::Shop globex(db_->app_conninfo(), "globex");
  globex.add_product();
  globex.add_location("GW1");
  sut_test::must(globex.run("payables.add_vendor", {{"code", "V1"}, {"name", "One"}}), "vendor");
  long long receipt = globex.receive("GB", "GW1", "4").movement_id;
  sut_test::must(globex.run("payables.enter_bill", bill_of("VB-1", receipt)), "bill");
  sut_test::must(globex.run("payables.pay_vendor", {{"vendor", "V1"}, {"amount", "3"}, {"date", "2026-01-06"}}),
                 "advance");
  EXPECT_TRUE(no_violation(check_full()));
  EXPECT_TRUE(no_violation(check_scoped("payables.vendor", vendor_)));
}

TEST_F(Payables, ABillWhoseTotalWouldOverflowIsRefusedNamingTheReceipts) {
  // Each receipt is worth 999,000,000,000,000,000.00, within NUMERIC(20,2); the two together are not.
  std::vector<long long> big;
  for (const char* batch : {"B8", "B9"})
    big.push_back(sut_test::Moved::of(sut_test::must(shop_.run("inventory.receive", {{"sku", "SKU-1"},
                                                                                     {"batch", batch},
                                                                                     {"location", "WH1"},
                                                                                     {"qty", "1000000000000000"},
                                                                                     {"unit_cost", "999"}}),
                                                     batch))
                      .movement_id);
  auto r = shop_.run("payables.enter_bill", {{"vendor", "V1"},
                                             {"number", "VB-9"},
                                             {"date", "2026-01-05"},
                                             {"receipts", {{{"movement", big[0]}}, {{"movement", big[1]}}}}});
  ASSERT_EQ(r.kind, sut::Executed::Kind::error);
  EXPECT_EQ(r.error.code, sut::codes::validation_failed);
  EXPECT_EQ(r.error.field, "receipts");
  EXPECT_EQ(r.error.message, "receipts: the bill's total exceeds the largest amount");
}

TEST_F(Payables, CleanDocumentsHaveNoViolation) {
  sut_test::must(shop_.run("payables.apply_advance", {{"payment_id", payment_}, {"bill", "VB-1"}, {"amount", "5"}}),
                 "apply");
  EXPECT_TRUE(no_violation(check_full()));
  sut_test::must(shop_.run("payables.reverse_payment", {{"payment_id", payment_}}), "reverse");
  EXPECT_TRUE(no_violation(check_full()));
  EXPECT_TRUE(no_violation(check_scoped("payables.bill", bill_)));
}

TEST_F(Payables, Ap001ABillDueAmountThatIgnoresAnAllocation) {
  // The bill shows 15.00 due; its allocations say 5.00. (The payables account moves with it, so
  // that the subledger still equals the control account.)
  planted(fmt::format(
      "UPDATE bills SET amount_due = 15 WHERE bill_id = {}; UPDATE account_balances SET balance = balance - 10 "
      "WHERE account_id = (SELECT account_id FROM accounts WHERE tenant_id = 'acme' AND role = 'payables'); "
      "UPDATE account_balances SET balance = balance + 10 WHERE account_id = (SELECT account_id FROM accounts "
      "WHERE tenant_id = 'acme' AND role = 'cash')",
      bill_));
  EXPECT_TRUE(only_violation(check_scoped("payables.bill", bill_), "INV-AP-001",
                             {{"bill_id", std::to_string(bill_)}, {"amount_due", "15.00"}, {"expected_due", "5.00"}}));
  EXPECT_TRUE(names(check_full(), "INV-AP-001"));  // beside the ledger's own view of balances without lines
}

TEST_F(Payables, Ap002APaymentWhoseUnallocatedAmountIsWrong) {
  planted(fmt::format("UPDATE vendor_payments SET unallocated = 4 WHERE payment_id = {}", payment_));
  EXPECT_TRUE(
      only_violation(check_scoped("payables.payment", payment_), "INV-AP-002",
                     {{"payment_id", std::to_string(payment_)}, {"unallocated", "4.00"}, {"allocated", "20.00"}}));
  // The full form also sees the vendor-advance account (10.00) disagree with the subledger (4.00).
  auto found = check_full();
  ASSERT_EQ(found.size(), 2u) << sut_test::describe(found);
  EXPECT_EQ(found[0].invariant_id, "INV-AP-002");
  EXPECT_EQ(found[1].invariant_id, "INV-AP-004");
}

TEST_F(Payables, Ap003ThePayablesAccountDisagreesWithTheBills) {
  // A bill of r2 without its posting: the subledger owes 10.00 the account does not.
  planted(
      fmt::format("WITH b AS (INSERT INTO bills (tenant_id, vendor_id, number, dated, total, amount_due, journal_id) "
                  "  VALUES ('acme', {0}, 'VB-9', '2026-01-07', 10, 10, 0) RETURNING bill_id) "
                  "INSERT INTO bill_lines (tenant_id, bill_id, line_no, movement_id, qty, unit_cost, amount) "
                  "SELECT 'acme', bill_id, 1, {1}, 4, 2.5, 10 FROM b",
                  vendor_, r2_));
  const Row row{{"tenant_id", "acme"}, {"control_account", "5.00"}, {"subledger", "15.00"}};
  EXPECT_TRUE(only_violation(check_full(), "INV-AP-003", row));
  EXPECT_TRUE(only_violation(check_scoped("payables.vendor", vendor_), "INV-AP-003", row));
  EXPECT_TRUE(no_violation(check_scoped("payables.vendor", 999999)));
}

TEST_F(Payables, Ap004TheVendorAdvanceAccountDisagreesWithThePayments) {
  // A payment's document without its posting.
  planted(
      fmt::format("INSERT INTO vendor_payments (tenant_id, vendor_id, amount, unallocated, dated, journal_id) "
                  "VALUES ('acme', {}, 7, 7, '2026-01-07', 0)",
                  vendor_));
  const Row row{{"tenant_id", "acme"}, {"control_account", "10.00"}, {"subledger", "17.00"}};
  EXPECT_TRUE(only_violation(check_full(), "INV-AP-004", row));
  EXPECT_TRUE(only_violation(check_scoped("payables.vendor", vendor_), "INV-AP-004", row));
}

TEST_F(Payables, Ap005ALineAtAnotherCostThanItsReceipt) {
  // The line says 2.60 a unit (26.00, rounded right); the batch cost 2.50. The total and the amount
  // due follow the line, so only the line's tie to its receipt is wrong.
  planted(
      fmt::format("UPDATE bill_lines SET unit_cost = 2.6, amount = 26 WHERE bill_id = {0}; "
                  "UPDATE bills SET total = 26, amount_due = 6 WHERE bill_id = {0}",
                  bill_));
  const Row row{{"bill_id", std::to_string(bill_)}, {"wrong_line", "1"}, {"lines_total", "26.00"}};
  EXPECT_TRUE(only_violation(check_scoped("payables.bill", bill_), "INV-AP-005", row));
  EXPECT_TRUE(names(check_full(), "INV-AP-005"));
}

TEST_F(Payables, Ap005ALineRoundedWrong) {
  planted(
      fmt::format("UPDATE bill_lines SET amount = 25.01 WHERE bill_id = {0}; "
                  "UPDATE bills SET total = 25.01, amount_due = 5.01 WHERE bill_id = {0}",
                  bill_));
  const Row row{{"bill_id", std::to_string(bill_)}, {"wrong_line", "1"}, {"total", "25.01"}};
  EXPECT_TRUE(only_violation(check_scoped("payables.bill", bill_), "INV-AP-005", row));
}

TEST_F(Payables, Ap005ATotalThatIsNotItsLines) {
  planted(fmt::format("UPDATE bills SET total = 26, amount_due = 6 WHERE bill_id = {}", bill_));
  const Row row{{"bill_id", std::to_string(bill_)}, {"total", "26.00"}, {"lines_total", "25.00"}};
  EXPECT_TRUE(only_violation(check_scoped("payables.bill", bill_), "INV-AP-005", row));
}

// Six bills of the same receipt entered at once, each on its own connection: exactly one bills it,
// the others are refused RECEIPT_ALREADY_BILLED (none INTERNAL), whatever the interleaving.
TEST_F(Payables, ConcurrentBillsOfOneReceiptBillItOnce) {
  constexpr int racers = 6;
  std::atomic<int> billed{0}, refused{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < racers; ++i)
    threads.emplace_back([&, i] {
      sut_test::Shop racer(db_->app_conninfo(), "acme");
      auto r = racer.run("payables.enter_bill", bill_of(fmt::format("R-{}", i), r2_));
      if (r.kind == sut::Executed::Kind::ok)
        ++billed;
      else if (r.kind == sut::Executed::Kind::error && r.error.code == "RECEIPT_ALREADY_BILLED")
        ++refused;
      else
        ++other;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(billed.load(), 1);
  EXPECT_EQ(refused.load(), racers - 1);
  EXPECT_EQ(other.load(), 0);
  EXPECT_TRUE(no_violation(check_full()));
}

// Eight applications of 3.00 of the same 10.00 advance at once: exactly three fit.
TEST_F(Payables, ConcurrentApplicationsNeverSpendAnAdvanceTwice) {
  sut_test::must(shop_.run("payables.enter_bill", bill_of("VB-2", r2_)), "bill VB-2");  // 10.00 due
  constexpr int racers = 8;
  std::atomic<int> applied{0}, refused{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < racers; ++i)
    threads.emplace_back([&] {
      sut_test::Shop racer(db_->app_conninfo(), "acme");
      auto r = racer.run("payables.apply_advance", {{"payment_id", payment_}, {"bill", "VB-2"}, {"amount", "3"}});
      if (r.kind == sut::Executed::Kind::ok)
        ++applied;
      else if (r.kind == sut::Executed::Kind::error && r.error.code == "ALLOCATION_EXCEEDS_CREDIT")
        ++refused;
      else
        ++other;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(applied.load(), 3);
  EXPECT_EQ(refused.load(), racers - 3);
  EXPECT_EQ(other.load(), 0);
  EXPECT_TRUE(no_violation(check_full()));
}

// Six payments that each settle the whole of the same 10.00 bill, at once: exactly one does, the
// others are refused ALLOCATION_EXCEEDS_DUE (the bill row is locked before its due amount is read).
TEST_F(Payables, ConcurrentPaymentsNeverSettleABillTwice) {
  sut_test::must(shop_.run("payables.enter_bill", bill_of("VB-2", r2_)), "bill VB-2");  // 10.00 due
  constexpr int racers = 6;
  std::atomic<int> paid{0}, refused{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < racers; ++i)
    threads.emplace_back([&] {
      sut_test::Shop racer(db_->app_conninfo(), "acme");
      auto r = racer.run("payables.pay_vendor", {{"vendor", "V1"},
                                                 {"amount", "10"},
                                                 {"date", "2026-01-06"},
                                                 {"allocations", {{{"bill", "VB-2"}, {"amount", "10"}}}}});
      if (r.kind == sut::Executed::Kind::ok)
        ++paid;
      else if (r.kind == sut::Executed::Kind::error && r.error.code == "ALLOCATION_EXCEEDS_DUE")
        ++refused;
      else
        ++other;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(paid.load(), 1);
  EXPECT_EQ(refused.load(), racers - 1);
  EXPECT_EQ(other.load(), 0);
  EXPECT_TRUE(no_violation(check_full()));
}

TEST(PayablesInvariantRegistry, EveryPayablesInvariantIsTested) {
  int count = 0;
  for (const auto& inv : verdict::invariants()) {
    if (inv.module != "payables") continue;
    ++count;
    EXPECT_TRUE(covered_invariants.count(inv.id)) << "no test plants a violation of " << inv.id;
  }
  EXPECT_EQ(count, static_cast<int>(covered_invariants.size()));
}

}  // namespace
