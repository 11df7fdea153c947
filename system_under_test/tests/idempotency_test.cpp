// Idempotency keys (DESIGN §4, issue 5 §3): a key is scoped to (tenant, operation); the same key and
// request replay the stored outcome with no new effect; another request under the key is
// IDEMPOTENCY_KEY_REUSED; a key held by a running transaction is IDEMPOTENCY_IN_FLIGHT and a killed
// session never leaves it stuck; rejections are stored and replayed, malformed requests never
// stored; after the window (business time) the key executes anew.

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <thread>

#include "support.hpp"
#include "verdict/server.hpp"

namespace {
using json = nlohmann::json;
using Kind = sut::Executed::Kind;

json fulfil(const std::string& qty) { return {{"sku", "SKU-1"}, {"batch", "B1"}, {"location", "WH1"}, {"qty", qty}}; }

class Idempotency : public ::testing::Test {
 protected:
  void SetUp() override {
    shop_.add_product();
    shop_.add_location("WH1");
    shop_.receive("B1", "WH1", "10");
  }
  long long count(const std::string& sql) {
    return std::stoll(json::parse(verdict::db::query_rows_json(db_->admin_conninfo(), sql))[0]["n"].get<std::string>());
  }
  long long movements() { return count("SELECT count(*) AS n FROM movements"); }
  long long stored_keys() { return count("SELECT count(*) AS n FROM idempotency_keys"); }
  sut::Executed run_at(const std::string& as_of, const std::string& command, const json& args, const std::string& key,
                       const std::string& tenant = "acme") {
    auto c = sut_test::request(tenant, key);
    c.as_of = as_of;
    return shop_.session().execute(command, c, args);
  }

  std::unique_ptr<verdict::db::ScratchDatabase> db_ = sut_test::scratch_database();
  sut_test::Shop shop_{db_->app_conninfo()};
};

TEST_F(Idempotency, FiveFoldFulfilHasOneEffect) {
  long long before = movements();
  std::vector<sut::Executed> results;
  for (int i = 0; i < 5; ++i) results.push_back(shop_.run("inventory.fulfill", fulfil("3"), "order-42"));
  for (int i = 0; i < 5; ++i) {
    SCOPED_TRACE(i);
    ASSERT_EQ(results[i].kind, Kind::ok) << results[i].error.code << " " << results[i].error.message;
    EXPECT_EQ(results[i].replayed, i > 0);
    EXPECT_EQ(results[i].values, results[0].values);  // the same movement id, the same on-hand
  }
  EXPECT_EQ(movements(), before + 1);
  EXPECT_EQ(shop_.on_hand("B1", "WH1"), "7.0000");
}

TEST_F(Idempotency, TheSameRequestWrittenDifferentlyIsTheSameRequest) {
  // "3" and "3.0000" are one quantity: the fingerprint is of the validated, canonical request.
  ASSERT_EQ(shop_.run("inventory.fulfill", fulfil("3"), "k").kind, Kind::ok);
  auto again = shop_.run("inventory.fulfill", fulfil("3.0000"), "k");
  ASSERT_EQ(again.kind, Kind::ok) << again.error.code;
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(shop_.on_hand("B1", "WH1"), "7.0000");
}

TEST_F(Idempotency, AChangedPayloadUnderTheSameKeyIsRefused) {
  ASSERT_EQ(shop_.run("inventory.fulfill", fulfil("3"), "k").kind, Kind::ok);
  long long before = movements();
  auto changed = shop_.run("inventory.fulfill", fulfil("4"), "k");
  ASSERT_EQ(changed.kind, Kind::error);
  EXPECT_EQ(changed.error.code, sut::codes::idempotency_key_reused);
  EXPECT_EQ(changed.error.field, "idempotency_key");
  EXPECT_EQ(movements(), before);
}

TEST_F(Idempotency, TheKeyIsScopedToTheOperation) {
  // The same key on another operation is another request: it executes.
  ASSERT_EQ(shop_.run("inventory.fulfill", fulfil("1"), "k").kind, Kind::ok);
  auto other =
      shop_.run("inventory.adjust",
                {{"sku", "SKU-1"}, {"batch", "B1"}, {"location", "WH1"}, {"delta", "-1"}, {"reason", "count"}}, "k");
  ASSERT_EQ(other.kind, Kind::ok) << other.error.code;
  EXPECT_FALSE(other.replayed);
  EXPECT_EQ(shop_.on_hand("B1", "WH1"), "8.0000");
}

TEST_F(Idempotency, AnExpiredKeyExecutesAnew) {
  const std::string day0 = "2026-01-01T00:00:00Z";
  ASSERT_EQ(run_at(day0, "inventory.fulfill", fulfil("2"), "k").kind, Kind::ok);
  // One second before the 24 h window ends: a replay.
  auto inside = run_at("2026-01-01T23:59:59Z", "inventory.fulfill", fulfil("2"), "k");
  ASSERT_EQ(inside.kind, Kind::ok);
  EXPECT_TRUE(inside.replayed);
  EXPECT_EQ(shop_.on_hand("B1", "WH1"), "8.0000");
  // At the end of the window the stored outcome no longer stands: the request runs again.
  auto after = run_at("2026-01-02T00:00:00Z", "inventory.fulfill", fulfil("2"), "k");
  ASSERT_EQ(after.kind, Kind::ok) << after.error.code;
  EXPECT_FALSE(after.replayed);
  EXPECT_EQ(shop_.on_hand("B1", "WH1"), "6.0000");
  // ...and is stored again, for a new window.
  auto replay = run_at("2026-01-02T00:00:01Z", "inventory.fulfill", fulfil("2"), "k");
  EXPECT_TRUE(replay.replayed);
  EXPECT_EQ(shop_.on_hand("B1", "WH1"), "6.0000");
}

TEST_F(Idempotency, TheSameKeyInTwoTenantsHasTwoEffects) {
  sut_test::Shop other(db_->app_conninfo(), "globex");
  other.add_product();
  other.add_location("WH1");
  other.receive("B1", "WH1", "10");
  ASSERT_EQ(shop_.run("inventory.fulfill", fulfil("3"), "shared-key").kind, Kind::ok);
  auto theirs = other.run("inventory.fulfill", fulfil("3"), "shared-key");
  ASSERT_EQ(theirs.kind, Kind::ok) << theirs.error.code;
  EXPECT_FALSE(theirs.replayed);
  EXPECT_EQ(shop_.on_hand("B1", "WH1"), "7.0000");
  EXPECT_EQ(other.on_hand("B1", "WH1"), "7.0000");
}

TEST_F(Idempotency, ARejectionIsStoredAndReplayed) {
  auto refused = shop_.run("inventory.fulfill", fulfil("50"), "big-order");
  ASSERT_EQ(refused.kind, Kind::error);
  EXPECT_EQ(refused.error.code, "INSUFFICIENT_STOCK");
  EXPECT_EQ(stored_keys(), 1);
  // Stock arrives; the same request under the same key still gets the stored answer.
  shop_.receive("B1", "WH1", "100");
  auto replay = shop_.run("inventory.fulfill", fulfil("50"), "big-order");
  ASSERT_EQ(replay.kind, Kind::error);
  EXPECT_EQ(replay.error.code, "INSUFFICIENT_STOCK");
  EXPECT_EQ(replay.error.field, refused.error.field);
  EXPECT_TRUE(replay.replayed);
  EXPECT_EQ(shop_.on_hand("B1", "WH1"), "110.0000");
}

TEST_F(Idempotency, AMalformedRequestIsNeverStored) {
  auto malformed = shop_.run("inventory.fulfill", fulfil("NaN"), "k");
  ASSERT_EQ(malformed.kind, Kind::error);
  EXPECT_EQ(malformed.error.code, sut::codes::validation_failed);
  EXPECT_EQ(stored_keys(), 0);
  // The key is free: a well-formed request under it executes.
  auto good = shop_.run("inventory.fulfill", fulfil("1"), "k");
  ASSERT_EQ(good.kind, Kind::ok) << good.error.code;
  EXPECT_FALSE(good.replayed);
}

TEST_F(Idempotency, ARequestOnlyTheDatabaseFindsMalformedIsNotStoredEither) {
  // The first receipt of a new batch needs a unit cost: only the body can tell. Malformed all the
  // same, so the key stays free for the corrected request.
  json new_batch = {{"sku", "SKU-1"}, {"batch", "B9"}, {"location", "WH1"}, {"qty", "2"}};
  auto refused = shop_.run("inventory.receive", new_batch, "receipt-9");
  ASSERT_EQ(refused.kind, Kind::error);
  EXPECT_EQ(refused.error.code, sut::codes::validation_failed);
  EXPECT_EQ(refused.error.field, "unit_cost");
  EXPECT_EQ(stored_keys(), 0);
  new_batch["unit_cost"] = "1";
  auto fixed = shop_.run("inventory.receive", new_batch, "receipt-9");
  ASSERT_EQ(fixed.kind, Kind::ok) << fixed.error.code << " " << fixed.error.message;
  EXPECT_FALSE(fixed.replayed);
}

TEST_F(Idempotency, CreatingATenantTakesNoKey) {
  auto c = sut_test::request("newco", "k");
  auto r = shop_.session().execute("access.create_tenant", c, json::object());
  ASSERT_EQ(r.kind, Kind::error);
  EXPECT_EQ(r.error.code, sut::codes::validation_failed);
  EXPECT_EQ(r.error.field, "idempotency_key");
}

// A raw connection as the application role holding the key's claim, as a running transaction would.
class Holder {
 public:
  Holder(const std::string& conninfo, const std::string& key) : connection_(conninfo), work_(connection_) {
    work_.exec_params("SELECT pg_advisory_xact_lock(idempotency_lock_key('acme', 'inventory.fulfill', $1))", key);
    pid_ = work_.exec1("SELECT pg_backend_pid()")[0].as<long long>();
  }
  long long pid() const { return pid_; }

 private:
  pqxx::connection connection_;
  pqxx::work work_;
  long long pid_ = 0;
};

TEST_F(Idempotency, AKeyHeldByARunningTransactionIsInFlight) {
  long long before = movements();
  {
    Holder holder(db_->app_conninfo(), "busy");
    auto r = shop_.run("inventory.fulfill", fulfil("1"), "busy");
    ASSERT_EQ(r.kind, Kind::error);
    EXPECT_EQ(r.error.code, sut::codes::idempotency_in_flight);
    EXPECT_EQ(r.attempts, 1);  // retry_call: the caller retries, not the wrapper
    EXPECT_EQ(movements(), before);
  }
  // The holder ended (rolled back): the key is free.
  EXPECT_EQ(shop_.run("inventory.fulfill", fulfil("1"), "busy").kind, Kind::ok);
}

TEST_F(Idempotency, AKilledSessionHoldingAKeyLeavesItClaimable) {
  auto holder = std::make_unique<Holder>(db_->app_conninfo(), "orphan");
  ASSERT_EQ(shop_.run("inventory.fulfill", fulfil("1"), "orphan").error.code, sut::codes::idempotency_in_flight);
  verdict::db::exec_admin(db_->admin_conninfo(), fmt::format("SELECT pg_terminate_backend({})", holder->pid()));
  // The server released the dead session's locks; no clean-up of ours was needed.
  sut::Executed r;
  for (int i = 0; i < 50; ++i) {  // the backend's exit is asynchronous: a bounded wait
    r = shop_.run("inventory.fulfill", fulfil("1"), "orphan");
    if (r.error.code != sut::codes::idempotency_in_flight) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(r.kind, Kind::ok) << r.error.code;
  EXPECT_FALSE(r.replayed);
  try {
    holder.reset();  // its connection is gone; closing it may complain
  } catch (...) {
  }
}

}  // namespace
