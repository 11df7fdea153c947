// Funds (docs/MONEY.md "Funds"): the pro rata split is exact (Σ parts = total, each part within one
// cent of its exact share, the left-over cents by largest remainder then investor code), and each
// funds invariant catches the corruption it exists for, planted as the superuser, in the full form
// and the scoped form of the planted event.

#include "../funds/funds.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "support.hpp"
#include "verdict/invariants.hpp"
#include "verdict/server.hpp"

namespace {

using json = nlohmann::json;
using sut::Money;
using sut_test::no_violation;
using sut_test::only_violation;
using sut_test::Row;

Money money(const std::string& text) { return Money::parse(text, "amount").value(); }

std::vector<std::string> split(const std::string& total, const std::vector<std::pair<std::string, std::string>>& c) {
  std::vector<sut::funds::Share> commitments;
  for (const auto& [investor, amount] : c) commitments.push_back({investor, money(amount), {}});
  auto shares = sut::funds::split(money(total), commitments);
  std::vector<std::string> out;
  if (!shares) return {"overflow"};
  for (const auto& s : *shares) out.push_back(s.investor + "=" + s.amount.to_string());
  return out;
}

TEST(FundsSplit, TheLeftOverCentsGoToTheLargestRemaindersThenByInvestorCode) {
  EXPECT_EQ(split("100", {{"ANN", "1"}, {"BOB", "1"}, {"CAT", "1"}}),
            (std::vector<std::string>{"ANN=33.34", "BOB=33.33", "CAT=33.33"}));
  // 10.00 by 1:2: exact 3.333… and 6.666…: the larger remainder (BOB's) takes the cent.
  EXPECT_EQ(split("10", {{"ANN", "1"}, {"BOB", "2"}}), (std::vector<std::string>{"ANN=3.33", "BOB=6.67"}));
  EXPECT_EQ(split("0.01", {{"BOB", "5"}, {"ANN", "5"}}), (std::vector<std::string>{"BOB=0.00", "ANN=0.01"}));
  EXPECT_EQ(split("123.45", {{"SOLO", "7"}}), (std::vector<std::string>{"SOLO=123.45"}));
  EXPECT_EQ(split("999999999999999999.99", {{"A", "999999999999999999.99"}, {"B", "1"}}),
            (std::vector<std::string>{"overflow"}));
}

TEST(FundsSplit, PartsSumToTheTotalAndStayWithinACentOfTheirShares) {
  const std::vector<std::pair<std::string, std::string>> commitments = {
      {"A", "333.33"}, {"B", "0.07"}, {"C", "1000"}, {"D", "12.5"}, {"E", "0.01"}, {"F", "777.77"}, {"G", "3"}};
  for (const std::string total : {"0.01", "0.06", "1", "99.99", "1000000", "12345.67", "7.77"}) {
    SCOPED_TRACE(total);
    std::vector<sut::funds::Share> in;
    sut::int128 sum = 0;
    for (const auto& [investor, amount] : commitments) {
      in.push_back({investor, money(amount), {}});
      sum += money(amount).units();
    }
    auto shares = sut::funds::split(money(total), in);
    ASSERT_TRUE(shares);
    sut::int128 parts = 0;
    for (const auto& s : *shares) {
      parts += s.amount.units();
      // |part − total × c / Σc| < 1 cent, in integers: |part × Σc − total × c| < Σc.
      sut::int128 gap = s.amount.units() * sum - money(total).units() * s.commitment.units();
      EXPECT_LT(gap < 0 ? -gap : gap, sum) << s.investor;
    }
    EXPECT_TRUE(parts == money(total).units());
  }
}

const std::set<std::string> covered_invariants = {"INV-FUND-001", "INV-FUND-002", "INV-FUND-003"};

// acme's fund F1 (ANN 100, BOB 200) and a call of 30.00: ANN 10.00, BOB 20.00.
class FundsInvariants : public ::testing::Test {
 protected:
  void SetUp() override {
    SUT_SKIP_UNLESS_PLANTING_POSSIBLE(*db_);
    sut_test::must(shop_.run("funds.add_fund", {{"code", "F1"}, {"name", "Fund One"}}), "fund");
    for (const char* code : {"ANN", "BOB"})
      sut_test::must(shop_.run("funds.add_investor", {{"code", code}, {"name", code}}), code);
    sut_test::must(shop_.run("funds.commit", {{"fund", "F1"}, {"investor", "ANN"}, {"amount", "100"}}), "ANN");
    sut_test::must(shop_.run("funds.commit", {{"fund", "F1"}, {"investor", "BOB"}, {"amount", "200"}}), "BOB");
    event_ = sut_test::must(shop_.run("funds.call", {{"fund", "F1"}, {"total", "30"}, {"date", "2026-01-10"}}),
                            "call")["event_id"];
  }
  std::vector<verdict::Violation> check_full() { return checker_.check(std::nullopt); }
  std::vector<verdict::Violation> check_event(long long id) {
    return checker_.check(json{{"funds.event", {id}}}.dump());
  }
  void planted(const std::string& sql) {
    verdict::db::exec_admin(db_->admin_conninfo(), "SET session_replication_role = replica; " + sql);
  }

  std::unique_ptr<verdict::db::ScratchDatabase> db_ = sut_test::scratch_database();
  sut_test::Shop shop_{db_->app_conninfo()};
  verdict::InvariantChecker checker_{db_->admin_conninfo()};
  long long event_ = 0;
};

TEST_F(FundsInvariants, CleanCallsHaveNoViolation) {
  sut_test::must(shop_.run("funds.distribute", {{"fund", "F1"}, {"total", "0.01"}, {"date", "2026-01-11"}}), "dist");
  EXPECT_TRUE(no_violation(check_full()));
  EXPECT_TRUE(no_violation(check_event(event_)));
}

TEST_F(FundsInvariants, Fund001PartsThatDoNotSumToTheTotal) {
  // 0.02 over three equal commitments: 0.01, 0.01, 0.00. A third cent (CAT's part 0.01) is within a
  // cent of every exact share (0.00667), so only the sum shows it.
  sut_test::must(shop_.run("funds.add_fund", {{"code", "F3"}, {"name", "Fund Three"}}), "fund");
  sut_test::must(shop_.run("funds.add_investor", {{"code", "CAT"}, {"name", "CAT"}}), "CAT");
  for (const char* code : {"ANN", "BOB", "CAT"})
    sut_test::must(shop_.run("funds.commit", {{"fund", "F3"}, {"investor", code}, {"amount", "1"}}), code);
  long long two_cents = sut_test::must(
      shop_.run("funds.distribute", {{"fund", "F3"}, {"total", "0.02"}, {"date", "2026-01-10"}}), "dist")["event_id"];
  planted(fmt::format("UPDATE fund_event_parts SET amount = 0.01 WHERE event_id = {} AND amount = 0", two_cents));
  const Row row{{"event_id", std::to_string(two_cents)}, {"total", "0.02"}, {"parts_sum", "0.03"}};
  EXPECT_TRUE(only_violation(check_full(), "INV-FUND-001", row));
  EXPECT_TRUE(only_violation(check_event(two_cents), "INV-FUND-001", row));
  EXPECT_TRUE(no_violation(check_event(event_)));
}

TEST_F(FundsInvariants, Fund001AnEventWithoutParts) {
  planted(fmt::format("DELETE FROM fund_event_parts WHERE event_id = {}", event_));
  const Row row{{"event_id", std::to_string(event_)}, {"parts", "0"}};
  EXPECT_TRUE(only_violation(check_full(), "INV-FUND-001", row));
  EXPECT_TRUE(only_violation(check_event(event_), "INV-FUND-001", row));
  EXPECT_TRUE(no_violation(check_event(999999)));
}

TEST_F(FundsInvariants, Fund002APartFarFromItsShare) {
  // Σ still 30.00, but ANN has 12.00 for a share of 10.00.
  planted(
      fmt::format("UPDATE fund_event_parts SET amount = amount + 2 WHERE event_id = {} AND investor_id = "
                  "(SELECT investor_id FROM investors WHERE code = 'ANN'); "
                  "UPDATE fund_event_parts SET amount = amount - 2 WHERE event_id = {} AND investor_id = "
                  "(SELECT investor_id FROM investors WHERE code = 'BOB')",
                  event_, event_));
  for (const auto& found : {check_full(), check_event(event_)}) {
    ASSERT_EQ(found.size(), 1u) << sut_test::describe(found);
    EXPECT_EQ(found.front().invariant_id, "INV-FUND-002");
    EXPECT_EQ(found.front().row_count, 2u) << sut_test::describe(found);  // both parts stray
    EXPECT_EQ(json::parse(found.front().rows_json)[0]["amount"], "12.00");
  }
  EXPECT_TRUE(no_violation(check_event(999999)));
}

TEST_F(FundsInvariants, Fund003AnEventWhoseJournalDoesNotMoveFundCapital) {
  // The event points at another journal (a fresh balanced one on other accounts).
  auto journal = sut_test::must(
      shop_.run("ledger.add_account", {{"code", "6000"}, {"name", "Rent"}, {"type", "expense"}}), "rent");
  sut_test::must(shop_.run("ledger.add_account", {{"code", "3100"}, {"name", "Equity"}, {"type", "equity"}}), "eq");
  long long other = sut_test::must(
      shop_.run("ledger.post_journal",
                {{"date", "2026-01-05"},
                 {"lines", {{{"account", "6000"}, {"debit", "1"}}, {{"account", "3100"}, {"credit", "1"}}}}}),
      "post")["journal_id"];
  planted(fmt::format("UPDATE fund_events SET journal_id = {} WHERE event_id = {}", other, event_));
  const Row row{{"event_id", std::to_string(event_)}, {"capital_credited", "0"}, {"journal_id", std::to_string(other)}};
  EXPECT_TRUE(only_violation(check_full(), "INV-FUND-003", row));
  EXPECT_TRUE(only_violation(check_event(event_), "INV-FUND-003", row));
}

TEST(FundsInvariantRegistry, EveryFundsInvariantIsTested) {
  int count = 0;
  for (const auto& inv : verdict::invariants()) {
    if (inv.module != "funds") continue;
    ++count;
    EXPECT_TRUE(covered_invariants.count(inv.id)) << "no test plants a violation of " << inv.id;
  }
  EXPECT_EQ(count, static_cast<int>(covered_invariants.size()));
}

}  // namespace
