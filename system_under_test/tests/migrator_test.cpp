// The migrator: applies what is missing, records each migration with the md5 of its text, refuses a
// database whose history this build cannot vouch for, and applies a broken migration not at all.
// Scratch databases are clones of the already-migrated template, so these tests create empty ones.

#include "sut/migrator.hpp"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "support.hpp"
#include "sut/module.hpp"
#include "verdict/server.hpp"

namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

// An empty database (cloned from template0, not from the migrated template) owned by the owner
// role: a scratch database of the harness, so it is named, dropped and cleaned up like the others.
class EmptyDatabase {
 public:
  EmptyDatabase() : db_(sut_test::run_context().server(), "template0", "mig") {}

  std::string owner_conninfo() const { return db_.owner_conninfo(); }
  std::string admin_conninfo() const { return db_.admin_conninfo(); }

  json rows(const std::string& sql) const { return json::parse(verdict::db::query_rows_json(admin_conninfo(), sql)); }
  // In the order they were applied.
  json applied() const {
    return rows("SELECT module, version, name, checksum FROM schema_migrations ORDER BY applied_at, module, version");
  }

 private:
  verdict::db::ScratchDatabase db_;
};

std::string md5_of(const std::string& conninfo, const std::string& text) {
  pqxx::connection c(conninfo);
  pqxx::nontransaction tx(c);
  return tx.exec_params1("SELECT md5($1)", text)[0].as<std::string>();
}

const std::vector<sut::Migration>& builtin() {
  static const std::vector<sut::Migration> all = sut::all_migrations();
  return all;
}

TEST(Migrator, EachModulesMigrationsAreNumberedFromOneAndDependenciesComeFirst) {
  const auto& all = builtin();
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.front().module, "access");  // every other module depends on it
  EXPECT_EQ(all.front().version, 1);
  for (std::size_t i = 1; i < all.size(); ++i) {
    SCOPED_TRACE(all[i].module + "/" + std::to_string(all[i].version));
    if (all[i].module == all[i - 1].module)
      EXPECT_EQ(all[i].version, all[i - 1].version + 1);
    else
      EXPECT_EQ(all[i].version, 1);
  }
}

TEST(Migrator, AppliesEveryBuiltinMigrationAndRecordsItsChecksum) {
  EmptyDatabase db;
  EXPECT_EQ(sut::migrate(db.owner_conninfo(), builtin()), static_cast<int>(builtin().size()));

  json applied = db.applied();
  ASSERT_EQ(applied.size(), builtin().size());
  for (std::size_t i = 0; i < builtin().size(); ++i) {
    const auto& m = builtin()[i];
    SCOPED_TRACE(m.version);
    EXPECT_EQ(applied[i]["module"], m.module);
    EXPECT_EQ(applied[i]["version"], std::to_string(m.version));
    EXPECT_EQ(applied[i]["name"], m.name);
    EXPECT_EQ(applied[i]["checksum"], md5_of(db.admin_conninfo(), m.sql));
  }
  // The schema exists and belongs to the owner role (the application role only gets DML).
  for (const char* table : {"products", "locations", "batches", "movements", "on_hand"}) {
    SCOPED_TRACE(table);
    json owner = db.rows(
        fmt::format("SELECT tableowner FROM pg_tables WHERE schemaname = 'public' AND tablename = '{}'", table));
    ASSERT_EQ(owner.size(), 1u);
    EXPECT_EQ(owner[0]["tableowner"], verdict::db::owner_role);
  }
}

TEST(Migrator, SecondRunAppliesNothing) {
  EmptyDatabase db;
  sut::migrate(db.owner_conninfo(), builtin());
  json first = db.rows("SELECT module, version, checksum, applied_at FROM schema_migrations ORDER BY 1, 2");

  EXPECT_EQ(sut::migrate(db.owner_conninfo(), builtin()), 0);
  EXPECT_EQ(db.rows("SELECT module, version, checksum, applied_at FROM schema_migrations ORDER BY 1, 2"), first);
}

TEST(Migrator, RefusesAnAppliedMigrationWhoseTextChanged) {
  EmptyDatabase db;
  sut::migrate(db.owner_conninfo(), builtin());
  json before = db.applied();

  auto edited = builtin();
  edited.front().sql += "\n-- edited after it was applied\n";
  try {
    sut::migrate(db.owner_conninfo(), edited);
    FAIL() << "an edited migration was accepted";
  } catch (const sut::MigrationError& e) {
    EXPECT_THAT(e.what(), HasSubstr("migration access/1 (access) changed after it was applied"));
  }
  EXPECT_EQ(db.applied(), before);
}

TEST(Migrator, RefusesADatabaseHoldingAnUnknownMigration) {
  EmptyDatabase db;
  sut::migrate(db.owner_conninfo(), builtin());
  // As if a newer build had migrated this database.
  verdict::db::exec_admin(
      db.admin_conninfo(),
      "INSERT INTO schema_migrations (module, version, name, checksum) VALUES ('inventory', 9999, 'from_the_future', "
      "'x')");
  try {
    sut::migrate(db.owner_conninfo(), builtin());
    FAIL() << "a database with an unknown migration was accepted";
  } catch (const sut::MigrationError& e) {
    EXPECT_THAT(e.what(), HasSubstr("migration inventory/9999 (from_the_future)"));
    EXPECT_THAT(e.what(), HasSubstr("unknown to this build"));
  }
}

TEST(Migrator, BrokenMigrationAppliesNothingOfItself) {
  EmptyDatabase db;
  auto migrations = builtin();
  // Its first statement succeeds, its second fails: the first must roll back with it.
  migrations.push_back(
      {"inventory", 9001, "broken", "CREATE TABLE half_done (x integer);\nINSERT INTO no_such_table VALUES (1);"});

  try {
    sut::migrate(db.owner_conninfo(), migrations);
    ADD_FAILURE() << "a broken migration was applied";
  } catch (const sut::MigrationError& e) {
    EXPECT_THAT(e.what(), HasSubstr("migration inventory/9001 (broken) failed and was rolled back"));
    EXPECT_THAT(e.what(), HasSubstr("no_such_table"));
  }

  json applied = db.applied();
  ASSERT_EQ(applied.size(), builtin().size());  // the good ones before it stay applied
  EXPECT_EQ(applied.back()["version"], std::to_string(builtin().back().version));
  EXPECT_EQ(db.rows("SELECT to_regclass('public.half_done') IS NULL AS absent"), json::parse(R"([{"absent":"t"}])"));
  EXPECT_EQ(sut::migrate(db.owner_conninfo(), builtin()), 0);
}

}  // namespace
