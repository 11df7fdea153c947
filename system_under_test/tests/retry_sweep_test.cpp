// The retry sweep (issue 8), beside the failpoint sweep: every mutation of the sweep
// (sweep_mutations.hpp), forced to retry once at each of its write statements by a real
// serialization failure (SQLSTATE 40001, raised by a statement trigger at the k-th write), ends with
// exactly the result and the rows of a run without the retry; and a non-retryable database error is
// never retried (attempts = 1) and writes nothing.
//
// Rows are compared between two tenants of one database (a plain run, a retried run), so columns
// that differ between tenants or runs by construction are left out: the tenant, generated ids and
// counters (every integer column: sequences are not rolled back, so a retried insert takes the next
// id), transaction ids, mutation and correlation ids, request fingerprints and hashes (they cover ids), and JSON
// outcomes (they name ids). What stays is every amount, quantity, date, code, name, status and flag.
// Result values are compared with their integers (ids) blanked for the same reason; in rows and
// values the tenant's name is replaced by "~" and an id named in text ("reversal of journal 147")
// by "#".

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "support.hpp"
#include "sweep_mutations.hpp"
#include "verdict/server.hpp"
#include "verdict/system.hpp"

namespace {

using json = nlohmann::json;
using sweep::mutations;
using sweep::Result;

constexpr int positions_max = 200;  // a mutation with more writes than this is a bug of its own

// Integers (ids) blanked and the tenant's name replaced by "~", everything else kept.
json without_ids(const json& j, const std::string& tenant) {
  if (j.is_number_integer()) return 0;
  if (j.is_string()) {
    std::string text = j.get<std::string>();
    for (auto at = text.find(tenant); at != std::string::npos; at = text.find(tenant, at + 1))
      text.replace(at, tenant.size(), "~");
    static const std::regex id_in_text("([a-z]) [0-9]+");
    return std::regex_replace(text, id_in_text, "$1 #");
  }
  if (j.is_object() || j.is_array()) {
    json out = j;
    for (auto& [k, v] : out.items()) v = without_ids(v, tenant);
    return out;
  }
  return j;
}

class RetrySweep : public ::testing::Test {
 protected:
  void SetUp() override {
    // The k-th write statement (counted by `injections` while `at` > 0) raises `sqlstate`.
    std::string sql = R"(
      CREATE TABLE verdict_inject_control (at integer NOT NULL, sqlstate text NOT NULL);
      INSERT INTO verdict_inject_control VALUES (0, '40001');
      CREATE SEQUENCE verdict_injections;
      CREATE FUNCTION verdict_inject() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
      DECLARE c verdict_inject_control;
      BEGIN
        SELECT * INTO c FROM verdict_inject_control;
        IF c.at > 0 AND nextval('verdict_injections') = c.at THEN
          RAISE EXCEPTION 'injected at write %', c.at USING ERRCODE = c.sqlstate;
        END IF;
        RETURN NULL;
      END $$;)";
    for (const auto& t : verdict::system_under_test().tables)
      sql += fmt::format(
          "CREATE TRIGGER verdict_inject BEFORE INSERT OR UPDATE OR DELETE ON {} FOR EACH STATEMENT EXECUTE FUNCTION "
          "verdict_inject();",
          t.name);
    verdict::db::exec_admin(db_->admin_conninfo(), sql);
    // What the snapshot leaves out, per tenant table (see the file's comment).
    for (const auto& t : verdict::system_under_test().tables) {
      if (!t.tenant_scoped) continue;
      auto rows = json::parse(verdict::db::query_rows_json(
          db_->admin_conninfo(),
          fmt::format("SELECT coalesce(string_agg(quote_literal(column_name), ', '), '') AS cols FROM "
                      "information_schema.columns WHERE table_schema = current_schema() AND table_name = '{}' AND "
                      "(data_type IN ('bigint', 'integer', 'smallint', 'bytea', 'json', 'jsonb', 'xid', 'xid8') OR "
                      "column_name IN "
                      "('tenant_id', 'mutation_id', 'correlation_id', 'fingerprint') OR column_name LIKE '%hash%')",
                      t.name)));
      left_out_[t.name] = rows[0]["cols"].get<std::string>();
    }
  }

  // Arms the k-th write (0: none) with `sqlstate`, counting from now.
  void arm(int at, const char* sqlstate = "40001") {
    verdict::db::exec_admin(db_->admin_conninfo(),
                            fmt::format("UPDATE verdict_inject_control SET at = {}, sqlstate = '{}'; SELECT "
                                        "setval('verdict_injections', 1, false)",
                                        at, sqlstate));
  }
  long long writes_counted() {
    auto rows = json::parse(
        verdict::db::query_rows_json(db_->admin_conninfo(), "SELECT last_value, is_called FROM verdict_injections"));
    return rows[0]["is_called"] == "t" ? std::stoll(rows[0]["last_value"].get<std::string>()) : 0;
  }

  // The tenant's rows (and those of the tenant it creates, "<tenant>-new"), table by table.
  std::map<std::string, std::string> rows_of(const std::string& tenant) {
    // One statement: a column per table.
    std::string sql = "SELECT ";
    for (const auto& [table, left_out] : left_out_)
      sql += fmt::format(
          "(SELECT coalesce(string_agg(x, E'\\n' ORDER BY x), '') FROM (SELECT regexp_replace(replace((to_jsonb(t) "
          "- ARRAY[{0}]::text[])::text, '{1}', '~'), '([a-z]) [0-9]+', '\\1 #', 'g') AS x FROM {2} t WHERE "
          "tenant_id IN ('{1}', '{1}-new')) s) AS {2}, ",
          left_out.empty() ? "''" : left_out, tenant, table);
    sql.resize(sql.size() - 2);
    auto row = json::parse(verdict::db::query_rows_json(db_->admin_conninfo(), sql))[0];
    std::map<std::string, std::string> out;
    for (const auto& [table, left_out] : left_out_) out[table] = row[table].get<std::string>();
    return out;
  }

  std::string next_tenant() { return fmt::format("retry-sweep-{}", tenants_++); }
  void sweep(const std::function<std::vector<long long>(long long)>& positions);

  std::unique_ptr<verdict::db::ScratchDatabase> db_ = sut_test::scratch_database();
  std::map<std::string, std::string> left_out_;
  int tenants_ = 0;
};

// Every mutation, retried once at each write position `positions(writes)` picks from the number
// of writes of its plain run: the result and the rows must be the plain run's.
void RetrySweep::sweep(const std::function<std::vector<long long>(long long)>& positions) {
  int retried_runs = 0;
  for (const auto& mutation : mutations()) {
    SCOPED_TRACE(mutation.name);
    // The plain run, counting its writes without failing any: its result and rows are what every
    // retried run must end with.
    std::string plain_tenant = next_tenant();
    sut_test::Shop plain(db_->app_conninfo(), plain_tenant);
    auto plain_call = mutation.prepare(plain);
    arm(1000000000);
    Result expected = plain_call();
    const long long writes = writes_counted();
    arm(0);
    ASSERT_TRUE(expected.ok) << expected.code << " " << expected.message;
    ASSERT_EQ(expected.attempts, 1);
    ASSERT_GT(writes, 0) << "the mutation wrote nothing the trigger could count";
    ASSERT_LE(writes, positions_max) << "more writes than the sweep means to try";
    const auto expected_rows = rows_of(plain_tenant);

    for (long long at : positions(writes)) {
      SCOPED_TRACE(fmt::format("serialization failure at write {} of {}", at, writes));
      std::string tenant = next_tenant();
      sut_test::Shop shop(db_->app_conninfo(), tenant);
      auto call = mutation.prepare(shop);
      arm(at);
      Result r = call();
      arm(0);
      ++retried_runs;
      ASSERT_TRUE(r.ok) << r.code << " " << r.message;
      EXPECT_EQ(r.attempts, 2);
      EXPECT_EQ(without_ids(r.values, tenant), without_ids(expected.values, plain_tenant));
      for (const auto& [table, rows] : rows_of(tenant)) EXPECT_EQ(rows, expected_rows.at(table)) << table;
    }
  }
  EXPECT_GE(retried_runs, static_cast<int>(mutations().size()));
}

TEST_F(RetrySweep, ARetryAtEveryWriteEndsWithTheResultAndRowsOfARunWithoutIt) {
  sweep([](long long writes) {
    std::vector<long long> all;
    for (long long at = 1; at <= writes; ++at) all.push_back(at);
    return all;
  });
}

TEST_F(RetrySweep, ARetryAtTheFirstAMiddleAndTheLastWriteEndsAsWithoutIt) {
  sweep([](long long writes) {
    std::set<long long> picked{1, (writes + 1) / 2, writes};
    return std::vector<long long>(picked.begin(), picked.end());
  });
}

TEST_F(RetrySweep, ANonRetryableDatabaseErrorIsNeverRetriedAndWritesNothing) {
  for (const auto& mutation : mutations()) {
    SCOPED_TRACE(mutation.name);
    arm(0);
    std::string tenant = next_tenant();
    sut_test::Shop shop(db_->app_conninfo(), tenant);
    auto call = mutation.prepare(shop);
    const auto before = rows_of(tenant);
    arm(1, "XX001");  // data_corrupted: a database error no retry can mend
    Result r = call();
    arm(0);
    EXPECT_FALSE(r.ok);
    EXPECT_FALSE(r.unknown);
    EXPECT_EQ(r.code, sut::codes::internal) << r.message;
    EXPECT_EQ(r.attempts, 1);
    EXPECT_EQ(rows_of(tenant), before);
  }
}

}  // namespace
