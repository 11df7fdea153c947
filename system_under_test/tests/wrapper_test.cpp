// The critical mutation wrapper under real database faults. Each test installs, as the superuser and
// only in its own scratch database, a trigger that makes PostgreSQL itself fail the way production
// does: SQLSTATE 40001 / 40P01 (also at COMMIT, from a deferred constraint trigger), and the
// server ending the session (pg_terminate_backend) before and during COMMIT. A sequence counts the
// injections: nextval() is not rolled back, so "fail the first N attempts" survives the retries.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support.hpp"
#include "verdict/system.hpp"

namespace {
using sut_test::Shop;
using Kind = sut::Executed::Kind;

std::vector<std::string> table_names() {
  std::vector<std::string> names;
  for (const auto& t : verdict::system_under_test().tables) names.push_back(t.name);
  return names;
}

struct WrapperTest : ::testing::Test {
  std::unique_ptr<verdict::db::ScratchDatabase> db = sut_test::scratch_database();
  Shop shop{db->app_conninfo()};

  void SetUp() override {
    shop.add_product();
    shop.add_location("WH1");
  }

  // Before (or, deferred, at commit of) every movement insert, run `action` while the injection
  // counter is at most `times`.
  void inject(const std::string& action, int times, bool at_commit) {
    std::string function = fmt::format(R"(
      CREATE SEQUENCE injections;
      CREATE FUNCTION inject() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
      BEGIN
        IF nextval('injections') <= {} THEN {}; END IF;
        RETURN NEW;
      END $$;)",
                                       times, action);
    std::string trigger =
        at_commit ? "CREATE CONSTRAINT TRIGGER inject AFTER INSERT ON movements DEFERRABLE INITIALLY DEFERRED FOR EACH "
                    "ROW EXECUTE FUNCTION inject();"
                  : "CREATE TRIGGER inject BEFORE INSERT ON movements FOR EACH ROW EXECUTE FUNCTION inject();";
    verdict::db::exec_admin(db->admin_conninfo(), function + trigger);
  }

  long long injections_used() {
    auto rows = nlohmann::json::parse(
        verdict::db::query_rows_json(db->admin_conninfo(), "SELECT last_value, is_called FROM injections"));
    return rows[0]["is_called"] == "t" ? std::stoll(rows[0]["last_value"].get<std::string>()) : 0;
  }

  std::string on_hand() {
    auto r = shop.read("on_hand", {{"sku", "SKU-1"}, {"batch", "B1"}, {"location", "WH1"}});
    return r.ok() ? r.value().get<std::string>() : "error " + r.error().code;
  }

  sut::Executed receive(const std::string& qty) {
    return shop.run("inventory.receive",
                    {{"sku", "SKU-1"}, {"batch", "B1"}, {"location", "WH1"}, {"qty", qty}, {"unit_cost", "1"}});
  }
};

constexpr const char* serialization_failure = "RAISE EXCEPTION 'injected' USING ERRCODE = '40001'";
constexpr const char* deadlock = "RAISE EXCEPTION 'injected' USING ERRCODE = '40P01'";
constexpr const char* kill_session = "PERFORM pg_terminate_backend(pg_backend_pid())";

TEST_F(WrapperTest, SerializationFailureRetriesTheWholeTransaction) {
  inject(serialization_failure, 2, false);
  auto r = receive("10");
  ASSERT_EQ(r.kind, Kind::ok) << r.error.message;
  EXPECT_EQ(r.attempts, 3);
  EXPECT_EQ(on_hand(), "10.0000");  // applied once, not three times
}

TEST_F(WrapperTest, DeadlockRetriesTheWholeTransaction) {
  inject(deadlock, 1, false);
  auto r = receive("4");
  ASSERT_EQ(r.kind, Kind::ok) << r.error.message;
  EXPECT_EQ(r.attempts, 2);
  EXPECT_EQ(on_hand(), "4.0000");
}

TEST_F(WrapperTest, SerializationFailureAtCommitIsRetriedToo) {
  inject(serialization_failure, 2, true);
  auto r = receive("7");
  ASSERT_EQ(r.kind, Kind::ok) << r.error.message;
  EXPECT_EQ(r.attempts, 3);
  EXPECT_EQ(injections_used(), 3);  // two failed commits, then the third commit passed its check
  EXPECT_EQ(on_hand(), "7.0000");
}

TEST_F(WrapperTest, RetriesAreBoundedAndWriteNothing) {
  inject(serialization_failure, 1000, false);
  auto before = verdict::db::table_fingerprints(db->admin_conninfo(), table_names());
  auto r = receive("1");
  ASSERT_EQ(r.kind, Kind::error);
  EXPECT_EQ(r.error.code, sut::codes::too_much_contention);
  EXPECT_EQ(r.attempts, sut::Session::attempts_max);
  EXPECT_EQ(verdict::db::table_fingerprints(db->admin_conninfo(), table_names()), before);
}

TEST_F(WrapperTest, SessionEndedBeforeCommitRetriesOnAFreshConnection) {
  inject(kill_session, 1, false);
  auto r = receive("3");
  ASSERT_EQ(r.kind, Kind::ok) << r.error.message;
  EXPECT_EQ(r.attempts, 2);
  EXPECT_EQ(on_hand(), "3.0000");
}

TEST_F(WrapperTest, SessionEndedDuringCommitIsUnknownAndNotRetried) {
  inject(kill_session, 1, true);
  auto r = receive("5");
  ASSERT_EQ(r.kind, Kind::unknown) << r.error.message;
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(injections_used(), 1);
  // The fate is resolved by lookup: here the server died before the commit record, so nothing.
  EXPECT_EQ(on_hand(), "error NOT_FOUND");
  // The session recovers on a fresh connection.
  auto again = receive("5");
  ASSERT_EQ(again.kind, Kind::ok);
  EXPECT_EQ(on_hand(), "5.0000");
}

TEST_F(WrapperTest, TriggerSqlstatesMapToOurCodes) {
  // VR002 is reserved for stock guards raised by the database; a trigger raising it must read as
  // INSUFFICIENT_STOCK, not as an internal error.
  inject("RAISE EXCEPTION 'no stock' USING ERRCODE = 'VR002'", 1, false);
  auto r = receive("1");
  ASSERT_EQ(r.kind, Kind::error);
  EXPECT_EQ(r.error.code, "INSUFFICIENT_STOCK");
  EXPECT_EQ(r.attempts, 1);
}

}  // namespace
