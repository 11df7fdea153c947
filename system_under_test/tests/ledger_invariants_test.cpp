// Each ledger invariant catches the corruption it exists for: a test builds valid books through the
// commands, plants one bad row as the superuser (triggers and foreign keys off), and asserts that
// the invariant fires with those rows, in the full form and in the scoped form of the planted keys,
// and that a scope of unrelated keys sees nothing. Planted journals are otherwise well formed
// (balanced, hashed, with true running balances), so that only the rule under test breaks.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "support.hpp"
#include "verdict/invariants.hpp"
#include "verdict/server.hpp"

namespace {

using json = nlohmann::json;
using sut_test::describe;
using sut_test::no_violation;
using sut_test::only_violation;
using sut_test::Row;

const std::set<std::string> covered_invariants = {"INV-LEDGER-001", "INV-LEDGER-002", "INV-LEDGER-003",
                                                  "INV-LEDGER-004", "INV-LEDGER-005", "INV-LEDGER-006",
                                                  "INV-LEDGER-007"};
constexpr long long unrelated_id = 999999;

struct Line {
  long long account_id;
  std::string debit, credit;  // "0" for the empty side
};

std::string text(long long id) { return std::to_string(id); }

// acme's books: Rent (6000), Travel (6100), Equity (3100), Petty cash (1050, never negative), and
// January's rent, 100.00, posted through the command.
class LedgerInvariants : public ::testing::Test {
 protected:
  void SetUp() override {
    SUT_SKIP_UNLESS_PLANTING_POSSIBLE(*db_);
    rent_ = add_account("6000", "expense");
    travel_ = add_account("6100", "expense");
    equity_ = add_account("3100", "equity");
    petty_ = add_account("1050", "asset", true);
    journal_ = sut_test::must(
        shop_.run("ledger.post_journal",
                  {{"date", "2026-01-05"},
                   {"lines", {{{"account", "6000"}, {"debit", "100"}}, {{"account", "3100"}, {"credit", "100"}}}}}),
        "post")["journal_id"];
  }
  long long add_account(const std::string& code, const std::string& type, bool never_negative = false) {
    return sut_test::must(
        shop_.run("ledger.add_account",
                  {{"code", code}, {"name", "Account " + code}, {"type", type}, {"forbid_negative", never_negative}}),
        "add account " + code)["account_id"];
  }

  std::vector<verdict::Violation> check_full() { return checker_.check(std::nullopt); }
  std::vector<verdict::Violation> check_scoped(const json& scope) { return checker_.check(scope.dump()); }
  std::vector<verdict::Violation> check_unrelated() {
    return check_scoped({{"ledger.journal", {unrelated_id}},
                         {"ledger.line", {unrelated_id}},
                         {"ledger.account", {unrelated_id}},
                         {"ledger.period", {unrelated_id}}});
  }
  void admin_sql(const std::string& sql) { verdict::db::exec_admin(db_->admin_conninfo(), sql); }

  // A journal written behind the system's back, dated `date`: hashed, numbered after everything
  // before it, each line's running balance its account's true one and the balances moved with it.
  long long plant(const std::string& date, const std::vector<Line>& lines, std::optional<long long> reverses = {}) {
    pqxx::connection c(db_->admin_conninfo());
    pqxx::work w(c);
    w.exec("SET LOCAL session_replication_role = replica");
    std::string accounts, debits, credits;
    for (const auto& l : lines) {
      accounts += (accounts.empty() ? "" : ",") + text(l.account_id);
      debits += (debits.empty() ? "" : ",") + l.debit;
      credits += (credits.empty() ? "" : ",") + l.credit;
    }
    long long journal =
        w.exec_params1(
             "INSERT INTO journals (tenant_id, posted_on, period, source, reverses_journal_id, posting_seq, "
             "content_hash, created_xact, mutation_id, actor, as_of) VALUES ('acme', $1::date, "
             "to_char($1::date, 'YYYY-MM'), 'planted', NULLIF($2::bigint, 0), nextval('posting_seq'), "
             "ledger_content_hash($1::date, NULLIF($2::bigint, 0), ('{' || $3 || '}')::bigint[], "
             "('{' || $4 || '}')::numeric(20,2)[], ('{' || $5 || '}')::numeric(20,2)[]), pg_current_xact_id(), "
             "'planted', 'planter', '2026-01-01T00:00:00Z') RETURNING journal_id",
             date, reverses.value_or(0), accounts, debits, credits)[0]
            .as<long long>();
    int line_no = 0;
    for (const auto& l : lines) {
      w.exec_params(
          "INSERT INTO journal_lines (tenant_id, journal_id, line_no, account_id, debit, credit, balance_after) "
          "VALUES ('acme', $1, $2, $3, $4::numeric, $5::numeric, coalesce((SELECT balance_after FROM journal_lines "
          "WHERE account_id = $3 ORDER BY line_id DESC LIMIT 1), 0) + $4::numeric - $5::numeric)",
          journal, ++line_no, l.account_id, l.debit, l.credit);
      w.exec_params("UPDATE account_balances SET balance = balance + $2::numeric - $3::numeric WHERE account_id = $1",
                    l.account_id, l.debit, l.credit);
    }
    w.commit();
    return journal;
  }
  json line_ids(long long journal) {
    pqxx::connection c(db_->admin_conninfo());
    pqxx::nontransaction n(c);
    json ids = json::array();
    for (const auto& r : n.exec_params("SELECT line_id FROM journal_lines WHERE journal_id = $1", journal))
      ids.push_back(r[0].as<long long>());
    return ids;
  }
  json journal_scope(long long journal) { return {{"ledger.journal", {journal}}, {"ledger.line", line_ids(journal)}}; }

  std::unique_ptr<verdict::db::ScratchDatabase> db_ = sut_test::scratch_database();
  sut_test::Shop shop_{db_->app_conninfo()};
  verdict::InvariantChecker checker_{db_->admin_conninfo()};
  long long rent_ = 0, travel_ = 0, equity_ = 0, petty_ = 0, journal_ = 0;
};

TEST_F(LedgerInvariants, CleanBooksHaveNoViolation) {
  auto reversal = sut_test::must(shop_.run("ledger.reverse_journal", {{"journal_id", journal_}}), "reverse");
  sut_test::must(shop_.run("ledger.lock_period", {{"period", "2026-01"}}), "lock");
  EXPECT_TRUE(no_violation(check_full()));
  EXPECT_TRUE(no_violation(check_scoped(journal_scope(reversal["journal_id"]))));
}

TEST_F(LedgerInvariants, Ledger001AJournalOfOneLine) {
  // Two one-line journals that offset each other: the trial balance still sums to zero.
  long long debit_only = plant("2026-01-06", {{rent_, "10", "0"}});
  long long credit_only = plant("2026-01-06", {{equity_, "0", "10"}});
  EXPECT_TRUE(only_violation(check_scoped(journal_scope(debit_only)), "INV-LEDGER-001",
                             {{"journal_id", text(debit_only)}, {"lines", "1"}, {"debits", "10.00"}}));
  auto found = check_full();
  ASSERT_EQ(found.size(), 1u) << describe(found);
  EXPECT_EQ(found.front().invariant_id, "INV-LEDGER-001");
  EXPECT_EQ(found.front().row_count, 2u) << describe(found);
  auto rows = json::parse(found.front().rows_json);
  EXPECT_EQ(rows[0]["journal_id"], text(debit_only));
  EXPECT_EQ(rows[1]["journal_id"], text(credit_only));
  EXPECT_TRUE(no_violation(check_unrelated()));
}

TEST_F(LedgerInvariants, Ledger002TheTrialBalanceDoesNotSumToZero) {
  // A balance moved without a line: the books are out by 1.00 (the projection drift is INV-LEDGER-006's too).
  admin_sql(fmt::format("UPDATE account_balances SET balance = balance + 1 WHERE account_id = {}", rent_));
  for (const auto& found : {check_full(), check_scoped({{"ledger.account", {rent_}}})}) {
    ASSERT_EQ(found.size(), 2u) << describe(found);
    EXPECT_EQ(found[0].invariant_id, "INV-LEDGER-002");
    auto row = json::parse(found[0].rows_json)[0];
    EXPECT_EQ(row["tenant_id"], "acme");
    EXPECT_EQ(row["out_of_balance"], "1.00");
    EXPECT_EQ(row["source"], "account_balances");
    EXPECT_EQ(found[1].invariant_id, "INV-LEDGER-006");
  }
  EXPECT_TRUE(no_violation(check_unrelated()));
}

TEST_F(LedgerInvariants, Ledger003AJournalPostedIntoALockedPeriod) {
  sut_test::must(shop_.run("ledger.lock_period", {{"period", "2026-01"}}), "lock");
  long long late = plant("2026-01-20", {{rent_, "5", "0"}, {equity_, "0", "5"}});
  const Row row{{"journal_id", text(late)}, {"period", "2026-01"}};
  EXPECT_TRUE(only_violation(check_full(), "INV-LEDGER-003", row));
  EXPECT_TRUE(only_violation(check_scoped(journal_scope(late)), "INV-LEDGER-003", row));
  // A lock's scope (the period) finds it too: what was posted after it, through an index.
  pqxx::connection c(db_->admin_conninfo());
  pqxx::nontransaction n(c);
  long long period =
      n.exec1("SELECT period_id FROM periods WHERE tenant_id = 'acme' AND period = '2026-01'")[0].as<long long>();
  EXPECT_TRUE(only_violation(check_scoped({{"ledger.period", {period}}}), "INV-LEDGER-003", row));
  EXPECT_TRUE(no_violation(check_unrelated()));
}

TEST_F(LedgerInvariants, Ledger004APostedJournalChangedInPlace) {
  admin_sql(fmt::format(
      "SET session_replication_role = replica; UPDATE journals SET posted_on = '2026-01-06' WHERE journal_id = {}",
      journal_));
  const Row row{{"journal_id", text(journal_)}};
  EXPECT_TRUE(only_violation(check_full(), "INV-LEDGER-004", row));
  EXPECT_TRUE(only_violation(check_scoped(journal_scope(journal_)), "INV-LEDGER-004", row));
  EXPECT_TRUE(no_violation(check_unrelated()));
}

TEST_F(LedgerInvariants, Ledger005AReversalThatDoesNotMirrorItsOriginal) {
  // Balanced, but it takes the rent back from Travel instead of Rent.
  long long wrong = plant("2026-01-07", {{travel_, "0", "100"}, {equity_, "100", "0"}}, journal_);
  const Row row{{"journal_id", text(wrong)}, {"reverses_journal_id", text(journal_)}, {"line_no", "1"}};
  EXPECT_TRUE(only_violation(check_full(), "INV-LEDGER-005", row));
  EXPECT_TRUE(only_violation(check_scoped(journal_scope(wrong)), "INV-LEDGER-005", row));
  EXPECT_TRUE(no_violation(check_unrelated()));
}

TEST_F(LedgerInvariants, Ledger006ABalanceDriftsFromItsLines) {
  // Two balances moved in opposite directions: the trial balance still sums to zero.
  admin_sql(fmt::format("UPDATE account_balances SET balance = balance + 1 WHERE account_id = {}", rent_));
  admin_sql(fmt::format("UPDATE account_balances SET balance = balance - 1 WHERE account_id = {}", equity_));
  EXPECT_TRUE(only_violation(check_scoped({{"ledger.account", {rent_}}}), "INV-LEDGER-006",
                             {{"account_id", text(rent_)}, {"balance", "101.00"}, {"lines_balance", "100.00"}}));
  auto found = check_full();
  ASSERT_EQ(found.size(), 1u) << describe(found);
  EXPECT_EQ(found.front().invariant_id, "INV-LEDGER-006");
  EXPECT_EQ(found.front().row_count, 2u) << describe(found);
  EXPECT_TRUE(no_violation(check_unrelated()));
}

TEST_F(LedgerInvariants, Ledger006ALineWhoseRunningBalanceIgnoresItsPredecessor) {
  long long journal = plant("2026-01-08", {{rent_, "5", "0"}, {equity_, "0", "5"}});
  auto lines = line_ids(journal);
  admin_sql(
      fmt::format("SET session_replication_role = replica; UPDATE journal_lines SET balance_after = 5 "
                  "WHERE line_id = {}; UPDATE account_balances SET balance = 5 WHERE account_id = {}",
                  lines[0].get<long long>(), rent_));
  // Σ balances is off by −100 now: INV-LEDGER-002 sees that too; the line is INV-LEDGER-006's.
  auto found = check_scoped({{"ledger.line", {lines[0]}}});
  ASSERT_EQ(found.size(), 1u) << describe(found);
  EXPECT_EQ(found.front().invariant_id, "INV-LEDGER-006");
  auto row = json::parse(found.front().rows_json)[0];
  EXPECT_EQ(row["line_id"], text(lines[0]));
  EXPECT_EQ(row["balance_after"], "5.00");
  EXPECT_EQ(row["expected"], "105.00");
}

TEST_F(LedgerInvariants, Ledger007AnAccountThatMayNotGoNegativeWent) {
  plant("2026-01-09", {{rent_, "10", "0"}, {petty_, "0", "10"}});
  const Row row{{"account_id", text(petty_)}, {"code", "1050"}, {"balance", "-10.00"}};
  EXPECT_TRUE(only_violation(check_full(), "INV-LEDGER-007", row));
  EXPECT_TRUE(only_violation(check_scoped({{"ledger.account", {petty_}}}), "INV-LEDGER-007", row));
  EXPECT_TRUE(no_violation(check_unrelated()));
}

TEST(LedgerInvariantRegistry, EveryLedgerInvariantIsTested) {
  int ledger = 0;
  for (const auto& inv : verdict::invariants()) {
    if (inv.module != "ledger") continue;
    ++ledger;
    EXPECT_TRUE(covered_invariants.count(inv.id)) << "no test plants a violation of " << inv.id;
  }
  EXPECT_EQ(ledger, static_cast<int>(covered_invariants.size()));
}

}  // namespace
