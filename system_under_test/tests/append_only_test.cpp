// The movement journal is append-only, enforced by the database itself (DESIGN §4 "Database roles"):
// the application role lacks the privileges, and even the owner is stopped by a trigger (VR001).

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

struct Refusal {
  bool refused = false;
  bool insufficient_privilege = false;  // libpqxx's exception type for 42501
  std::string sqlstate;                 // as libpqxx reports it
  std::string message;
};

// Runs `sql` in a transaction that is never committed, and says how the database refused it.
Refusal attempt(const std::string& conninfo, const std::string& sql) {
  pqxx::connection c(conninfo);
  pqxx::work w(c);
  try {
    w.exec(sql);
  } catch (const pqxx::sql_error& e) {
    return {true, dynamic_cast<const pqxx::insufficient_privilege*>(&e) != nullptr, e.sqlstate(), e.what()};
  }
  return {};
}

class AppendOnly : public ::testing::Test {
 protected:
  void SetUp() override {
    sut_test::Shop shop(db_->app_conninfo());
    shop.add_product();
    shop.add_location("WH1");
    movement_id_ = shop.receive("B1", "WH1", "10").movement_id;
    journal_before_ = journal();
  }

  std::string journal() const {
    return verdict::db::query_rows_json(db_->admin_conninfo(),
                                        "SELECT movement_id, kind, qty FROM movements ORDER BY 1");
  }
  std::string update_sql() const {
    return fmt::format("UPDATE movements SET qty = 99 WHERE movement_id = {}", movement_id_);
  }
  std::string delete_sql() const { return fmt::format("DELETE FROM movements WHERE movement_id = {}", movement_id_); }

  std::unique_ptr<verdict::db::ScratchDatabase> db_ = sut_test::scratch_database();
  long long movement_id_ = 0;
  std::string journal_before_;
};

TEST_F(AppendOnly, ApplicationRoleLacksThePrivileges) {
  for (const std::string& sql : {update_sql(), delete_sql(), std::string("TRUNCATE movements")}) {
    SCOPED_TRACE(sql);
    Refusal r = attempt(db_->app_conninfo(), sql);
    ASSERT_TRUE(r.refused);
    // libpqxx throws insufficient_privilege for SQLSTATE 42501 and nothing else (libpqxx 6 leaves
    // sqlstate() empty on its typed exceptions, so the type is the evidence).
    EXPECT_TRUE(r.insufficient_privilege) << r.sqlstate << " " << r.message;
    EXPECT_THAT(r.message, HasSubstr("permission denied for table movements"));
  }
  EXPECT_EQ(journal(), journal_before_);
}

TEST_F(AppendOnly, OwnerIsStoppedByTheTrigger) {
  // The owner has every privilege on its tables: only the trigger stands in the way.
  for (const auto& [sql, operation] : {std::pair{update_sql(), "UPDATE"}, std::pair{delete_sql(), "DELETE"},
                                       std::pair{std::string("TRUNCATE movements CASCADE"), "TRUNCATE"}}) {
    // (CASCADE: the tables that reference the journal, vendor bills' lines, would refuse a plain
    // TRUNCATE before the trigger is asked.)
    SCOPED_TRACE(sql);
    Refusal r = attempt(db_->owner_conninfo(), sql);
    ASSERT_TRUE(r.refused);
    EXPECT_EQ(r.sqlstate, "VR001") << r.message;
    EXPECT_THAT(r.message, HasSubstr(fmt::format("movements is append-only: {} refused", operation)));
  }
  EXPECT_EQ(journal(), journal_before_);
}

TEST_F(AppendOnly, ADatabaseRefusalReachesTheCallerAsForbidden) {
  // Take away the application role's right to append: the wall is now the database's alone, and
  // the mutation wrapper must report its refusal as FORBIDDEN (42501), not as an internal error.
  verdict::db::exec_admin(db_->admin_conninfo(),
                          fmt::format("REVOKE INSERT ON movements FROM {}", verdict::db::app_role));
  sut_test::Shop shop(db_->app_conninfo());
  auto r = shop.run("inventory.fulfill", {{"sku", "SKU-1"}, {"batch", "B1"}, {"location", "WH1"}, {"qty", "4"}});
  ASSERT_EQ(r.kind, sut::Executed::Kind::error);
  EXPECT_EQ(r.error.code, "FORBIDDEN") << r.error.message;
  EXPECT_THAT(r.error.message, HasSubstr("permission denied for table movements"));
  EXPECT_EQ(journal(), journal_before_);
}

TEST_F(AppendOnly, TheJournalStillTakesNewRows) {
  // The walls above must not stop the system's own appends.
  sut_test::Shop shop(db_->app_conninfo());
  shop.fulfill("B1", "WH1", "4");
  EXPECT_NE(journal(), journal_before_);
  EXPECT_EQ(verdict::db::query_rows_json(db_->admin_conninfo(), "SELECT count(*) AS n FROM movements"),
            R"([{"n":"2"}])");
}

}  // namespace
