// The ledger's walls in the database itself (docs/MONEY.md), for paths that bypass the C++ checks:
// raw SQL through the application role cannot commit an unbalanced journal (VR010), a journal in a
// locked period (VR011) or a line added to an earlier journal (VR001); posted journals and lines
// are refused UPDATE, DELETE and TRUNCATE, by privilege for the application role and by trigger
// for the owner. A balanced journal written the same raw way commits (the control).

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <pqxx/pqxx>
#include <string>

#include "support.hpp"
#include "verdict/server.hpp"

namespace {

using ::testing::HasSubstr;

struct Attempt {
  bool committed = false;
  bool insufficient_privilege = false;
  std::string sqlstate;
  std::string message;
};

// Runs `sql` as `conninfo` in tenant acme and commits; says whether it committed or how it was refused.
Attempt run(const std::string& conninfo, const std::string& sql) {
  pqxx::connection c(conninfo);
  pqxx::work w(c);
  try {
    w.exec("SET LOCAL verdict.tenant = 'acme'");
    w.exec(sql);
    w.commit();
    return {true};
  } catch (const pqxx::sql_error& e) {
    return {false, dynamic_cast<const pqxx::insufficient_privilege*>(&e) != nullptr, e.sqlstate(), e.what()};
  }
}

class LedgerWalls : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const auto& [code, type] : {std::pair{"6000", "expense"}, std::pair{"3100", "equity"}})
      sut_test::must(shop_.run("ledger.add_account", {{"code", code}, {"name", code}, {"type", type}}), code);
    journal_ = sut_test::must(
        shop_.run("ledger.post_journal",
                  {{"date", "2026-01-05"},
                   {"lines", {{{"account", "6000"}, {"debit", "100"}}, {{"account", "3100"}, {"credit", "100"}}}}}),
        "post")["journal_id"];
    pqxx::connection c(db_->admin_conninfo());
    pqxx::nontransaction n(c);
    rent_ = n.exec1("SELECT account_id FROM accounts WHERE tenant_id = 'acme' AND code = '6000'")[0].as<long long>();
    equity_ = n.exec1("SELECT account_id FROM accounts WHERE tenant_id = 'acme' AND code = '3100'")[0].as<long long>();
  }
  // A journal dated `date` with lines (account, debit, credit), as raw SQL.
  std::string journal_sql(const std::string& date, const std::vector<std::tuple<long long, int, int>>& lines) const {
    std::string sql = fmt::format(
        "WITH j AS (INSERT INTO journals (tenant_id, posted_on, period, source, posting_seq, content_hash, "
        "created_xact, mutation_id, actor, as_of) VALUES ('acme', '{0}', to_char('{0}'::date, 'YYYY-MM'), 'raw', 0, "
        "'\\x00', '0', 'raw', 'raw', '{0}') RETURNING journal_id) "
        "INSERT INTO journal_lines (tenant_id, journal_id, line_no, account_id, debit, credit, balance_after) "
        "SELECT 'acme', j.journal_id, l.n, l.a, l.d, l.c, 0 FROM j, (VALUES ",
        date);
    int n = 0;
    for (const auto& [account, debit, credit] : lines) {
      const char* separator = n == 0 ? "" : ", ";
      ++n;
      sql += fmt::format("{}({}, {}::bigint, {}::numeric, {}::numeric)", separator, n, account, debit, credit);
    }
    return sql + ") AS l(n, a, d, c)";
  }
  std::string books() const {
    return verdict::db::query_rows_json(db_->admin_conninfo(),
                                        "SELECT journal_id, line_no, account_id, debit, credit FROM journal_lines "
                                        "ORDER BY 1, 2");
  }

  std::unique_ptr<verdict::db::ScratchDatabase> db_ = sut_test::scratch_database();
  sut_test::Shop shop_{db_->app_conninfo()};
  long long journal_ = 0, rent_ = 0, equity_ = 0;
};

TEST_F(LedgerWalls, ABalancedJournalInRawSqlCommits) {
  auto r = run(db_->app_conninfo(), journal_sql("2026-01-06", {{rent_, 5, 0}, {equity_, 0, 5}}));
  EXPECT_TRUE(r.committed) << r.sqlstate << " " << r.message;
}

TEST_F(LedgerWalls, AnUnbalancedJournalThroughTheApplicationRoleIsRefusedAtCommit) {
  std::string before = books();
  for (const auto& lines : {std::vector<std::tuple<long long, int, int>>{{rent_, 5, 0}, {equity_, 0, 4}},
                            std::vector<std::tuple<long long, int, int>>{{rent_, 5, 0}}}) {
    auto r = run(db_->app_conninfo(), journal_sql("2026-01-06", lines));
    EXPECT_FALSE(r.committed);
    EXPECT_EQ(r.sqlstate, "VR010") << r.message;
    EXPECT_THAT(r.message, HasSubstr("does not balance"));
  }
  EXPECT_EQ(books(), before);
}

TEST_F(LedgerWalls, AJournalInALockedPeriodIsRefusedByTheDatabase) {
  sut_test::must(shop_.run("ledger.lock_period", {{"period", "2026-01"}}), "lock");
  auto r = run(db_->app_conninfo(), journal_sql("2026-01-06", {{rent_, 5, 0}, {equity_, 0, 5}}));
  EXPECT_FALSE(r.committed);
  EXPECT_EQ(r.sqlstate, "VR011") << r.message;
  EXPECT_THAT(r.message, HasSubstr("period 2026-01 is locked"));
}

TEST_F(LedgerWalls, ALineCannotJoinAJournalOfAnotherTransaction) {
  std::string before = books();
  // Two lines that balance each other would keep the journal balanced: the wall is the transaction.
  auto r = run(db_->app_conninfo(),
               fmt::format("INSERT INTO journal_lines (tenant_id, journal_id, line_no, account_id, debit, credit, "
                           "balance_after) VALUES ('acme', {0}, 3, {1}, 1, 0, 0), ('acme', {0}, 4, {2}, 0, 1, 0)",
                           journal_, rent_, equity_));
  EXPECT_FALSE(r.committed);
  EXPECT_EQ(r.sqlstate, "VR001") << r.message;
  EXPECT_EQ(books(), before);
}

TEST_F(LedgerWalls, PostedJournalsAndLinesAreNeverChanged) {
  std::string before = books();
  for (const std::string table : {"journals", "journal_lines"}) {
    for (const std::string& sql :
         {fmt::format("UPDATE {} SET tenant_id = tenant_id WHERE journal_id = {}", table, journal_),
          fmt::format("DELETE FROM {} WHERE journal_id = {}", table, journal_), "TRUNCATE " + table + " CASCADE"}) {
      SCOPED_TRACE(sql);
      auto app = run(db_->app_conninfo(), sql);
      EXPECT_FALSE(app.committed);
      EXPECT_TRUE(app.insufficient_privilege) << app.sqlstate << " " << app.message;
      auto owner = run(db_->owner_conninfo(), sql);
      EXPECT_FALSE(owner.committed);
      EXPECT_EQ(owner.sqlstate, "VR001") << owner.message;
    }
  }
  EXPECT_EQ(books(), before);
}

}  // namespace
