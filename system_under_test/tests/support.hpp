#pragma once
// Shared by the system_under_test tests: the run context (one per test process) and a small shop that
// drives the domain through the registered commands, so that test bodies read like the scenario they
// set up.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "sut/errors.hpp"
#include "sut/session.hpp"
#include "verdict/invariants.hpp"
#include "verdict/runtime.hpp"
#include "verdict/server.hpp"

namespace sut_test {
using json = nlohmann::json;

// Attaches to the CTest fixture's cluster (VERDICT_SERVER_STATE), else DATABASE_URL, else starts
// one. Lazily: tests that need no database (decimal) never connect.
inline verdict::RunContext& run_context() {
  static verdict::RunContext context("");
  return context;
}

// A database of its own for the running test, cloned from the migrated template.
inline std::unique_ptr<verdict::db::ScratchDatabase> scratch_database() {
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  return run_context().new_database(test ? test->name() : "test");
}

// Why `db` cannot have corrupt rows planted in it, or nothing when it can. Planting writes behind
// every wall (session_replication_role = replica: no triggers, no foreign keys), which only a
// superuser may; ctest's embedded cluster always can, a DATABASE_URL of a lesser role cannot.
inline std::optional<std::string> cannot_plant(const verdict::db::ScratchDatabase& db) {
  auto me = json::parse(verdict::db::query_rows_json(
      db.admin_conninfo(),
      "SELECT current_user AS role, rolsuper::text AS super FROM pg_roles WHERE rolname = current_user"));
  if (me.at(0).at("super") == "true") return std::nullopt;
  return fmt::format(
      "skipped: this test plants corrupt rows, which needs a superuser, and DATABASE_URL's role '{}' is not one "
      "(ctest runs it on its own embedded cluster; or give DATABASE_URL a superuser)",
      me.at(0).at("role").get<std::string>());
}
// In a planting fixture's SetUp: skip, saying why, where planting is impossible (never fail, never pass).
#define SUT_SKIP_UNLESS_PLANTING_POSSIBLE(db)                                  \
  do {                                                                         \
    if (auto why_not = ::sut_test::cannot_plant(db)) GTEST_SKIP() << *why_not; \
  } while (0)

inline sut::RequestContext request(const std::string& tenant = "acme", const std::string& key = "") {
  return {tenant, "clerk", "2026-01-01T00:00:00Z", "", key};
}

// The values of a movement-shaped result.
struct Moved {
  long long movement_id = 0, batch_id = 0, location_id = 0;
  long long transfer_id = 0, out_movement_id = 0, in_movement_id = 0;
  std::string on_hand;
  std::vector<long long> reversal_movement_ids;
  static Moved of(const json& v) {
    Moved m;
    m.movement_id = v.value("movement_id", 0LL);
    m.batch_id = v.value("batch_id", 0LL);
    m.location_id = v.value("location_id", 0LL);
    m.transfer_id = v.value("transfer_id", 0LL);
    m.out_movement_id = v.value("out_movement_id", 0LL);
    m.in_movement_id = v.value("in_movement_id", 0LL);
    m.on_hand = v.value("on_hand", "");
    if (v.contains("reversal_movement_ids"))
      m.reversal_movement_ids = v["reversal_movement_ids"].get<std::vector<long long>>();
    return m;
  }
};

// The values of a set-up step that must succeed. Throws otherwise, which fails the test with the
// step, the code and the message.
inline json must(const sut::Executed& e, const std::string& step) {
  if (e.kind == sut::Executed::Kind::ok) return e.values;
  if (e.kind == sut::Executed::Kind::error)
    throw std::runtime_error(fmt::format("set-up step '{}' failed: {} {}", step, e.error.code, e.error.message));
  throw std::runtime_error(fmt::format("set-up step '{}' has an unknown outcome: {}", step, e.message));
}

// One tenant's shop on one database, driven through the registered commands as the application
// role. The tenant is created first (its clerk is its admin). Every product is SKU-1 unless named;
// batches and locations are named by code.
class Shop {
 public:
  explicit Shop(const std::string& app_conninfo, const std::string& tenant = "acme", bool create_tenant = true)
      : session_(app_conninfo), context_(request(tenant)) {
    if (!create_tenant) return;
    auto created = run("access.create_tenant", json::object());
    // A second shop on the same tenant finds it created already.
    if (created.kind == sut::Executed::Kind::error && created.error.code == sut::codes::already_exists) return;
    must(created, "create tenant " + tenant);
  }

  sut::Session& session() { return session_; }
  const sut::RequestContext& context() const { return context_; }

  sut::Executed run(const std::string& command, const json& args, const std::string& key = "") {
    auto c = context_;
    c.idempotency_key = key;
    return session_.execute(command, c, args);
  }
  sut::Outcome<json> read(const std::string& what, const json& args) { return session_.read(what, context_, args); }

  long long add_product(const std::string& sku = "SKU-1") {
    return must(run("inventory.add_product", {{"sku", sku}, {"name", "Widget"}}), "add_product " + sku)["product_id"];
  }
  long long add_location(const std::string& code) {
    return must(run("inventory.add_location", {{"location", code}}), "add_location " + code)["location_id"];
  }
  Moved receive(const std::string& batch, const std::string& location, const std::string& qty) {
    return Moved::of(
        must(run("inventory.receive",
                 {{"sku", "SKU-1"}, {"batch", batch}, {"location", location}, {"qty", qty}, {"unit_cost", "2.5000"}}),
             fmt::format("receive {} {} at {}", qty, batch, location)));
  }
  Moved fulfill(const std::string& batch, const std::string& location, const std::string& qty) {
    return Moved::of(
        must(run("inventory.fulfill", {{"sku", "SKU-1"}, {"batch", batch}, {"location", location}, {"qty", qty}}),
             fmt::format("fulfill {} {} at {}", qty, batch, location)));
  }
  Moved adjust(const std::string& batch, const std::string& location, const std::string& delta) {
    return Moved::of(must(
        run("inventory.adjust",
            {{"sku", "SKU-1"}, {"batch", batch}, {"location", location}, {"delta", delta}, {"reason", "stock count"}}),
        fmt::format("adjust {} {} at {}", delta, batch, location)));
  }
  Moved transfer(const std::string& batch, const std::string& from, const std::string& to, const std::string& qty) {
    return Moved::of(
        must(run("inventory.transfer", {{"sku", "SKU-1"}, {"batch", batch}, {"from", from}, {"to", to}, {"qty", qty}}),
             fmt::format("transfer {} {} from {} to {}", qty, batch, from, to)));
  }
  Moved reverse(long long movement_id) {
    return Moved::of(
        must(run("inventory.reverse", {{"movement", movement_id}}), fmt::format("reverse {}", movement_id)));
  }
  // On-hand of SKU-1's batch at a location, as text.
  std::string on_hand(const std::string& batch, const std::string& location) {
    auto r = read("on_hand", {{"sku", "SKU-1"}, {"batch", batch}, {"location", location}});
    if (!r.ok()) throw std::runtime_error("on_hand read failed: " + r.error().message);
    return r.value().get<std::string>();
  }

 private:
  sut::Session session_;
  sut::RequestContext context_;
};

// What the invariant tests compare: a violating row's columns (values as text, as the checker reports).
using Row = std::map<std::string, std::string>;

inline std::string describe(const std::vector<verdict::Violation>& found) {
  std::string out;
  for (const auto& v : found) out += fmt::format("\n  {}: {}", v.invariant_id, v.rows_json);
  return found.empty() ? " none" : out;
}

// Exactly one violation, of `id`, with exactly one row carrying `expected` (a subset of its columns).
inline ::testing::AssertionResult only_violation(const std::vector<verdict::Violation>& found, const std::string& id,
                                                 const Row& expected) {
  if (found.size() != 1 || found.front().invariant_id != id) {
    return ::testing::AssertionFailure() << "expected exactly " << id << ", got:" << describe(found);
  }
  json rows = json::parse(found.front().rows_json);
  if (rows.size() != 1 || found.front().row_count != 1) {
    return ::testing::AssertionFailure() << "expected one violating row, got:" << describe(found);
  }
  for (const auto& [column, value] : expected) {
    if (!rows[0].contains(column) || rows[0][column] != value) {
      return ::testing::AssertionFailure() << "expected " << column << " = " << value << ", got:" << describe(found);
    }
  }
  return ::testing::AssertionSuccess();
}

inline ::testing::AssertionResult no_violation(const std::vector<verdict::Violation>& found) {
  if (found.empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "expected no violation, got:" << describe(found);
}

}  // namespace sut_test
