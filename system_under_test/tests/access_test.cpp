// Permissions and declared commands (issue 5 §2, §3): every command declares its fields and the
// permission it needs; a request is validated against the declaration before any transaction, and
// an actor without a role granting the permission is FORBIDDEN. Neither writes anything.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support.hpp"
#include "verdict/server.hpp"
#include "verdict/system.hpp"

namespace {
using json = nlohmann::json;
using Kind = sut::Executed::Kind;
using ::testing::HasSubstr;

std::vector<std::string> table_names() {
  std::vector<std::string> names;
  for (const auto& t : verdict::system_under_test().tables) names.push_back(t.name);
  return names;
}

json receipt() { return {{"sku", "SKU-1"}, {"batch", "B1"}, {"location", "WH1"}, {"qty", "5"}, {"unit_cost", "1"}}; }

class Access : public ::testing::Test {
 protected:
  void SetUp() override {
    admin_.add_product();
    admin_.add_location("WH1");
  }
  sut::Executed as(const std::string& actor, const std::string& command, const json& args) {
    auto c = admin_.context();
    c.actor = actor;
    return admin_.session().execute(command, c, args);
  }
  std::string fingerprints() { return verdict::db::table_fingerprints(db_->admin_conninfo(), table_names()); }

  std::unique_ptr<verdict::db::ScratchDatabase> db_ = sut_test::scratch_database();
  sut_test::Shop admin_{db_->app_conninfo()};  // "clerk" created the tenant: its admin
};

TEST_F(Access, AnActorWithoutARoleIsForbiddenAndWritesNothing) {
  std::string before = fingerprints();
  auto r = as("stranger", "inventory.receive", receipt());
  ASSERT_EQ(r.kind, Kind::error);
  EXPECT_EQ(r.error.code, sut::codes::forbidden);
  EXPECT_EQ(r.error.field, "actor");
  EXPECT_THAT(r.error.message, HasSubstr("inventory.move"));
  EXPECT_EQ(fingerprints(), before);
}

TEST_F(Access, RolesGrantTheirPermissionsUntilRevoked) {
  ASSERT_EQ(admin_.run("access.grant_role", {{"actor", "viewer-1"}, {"role", "viewer"}}).kind, Kind::ok);
  EXPECT_EQ(as("viewer-1", "inventory.receive", receipt()).error.code, sut::codes::forbidden);

  ASSERT_EQ(admin_.run("access.grant_role", {{"actor", "viewer-1"}, {"role", "clerk"}}).kind, Kind::ok);
  auto r = as("viewer-1", "inventory.receive", receipt());
  EXPECT_EQ(r.kind, Kind::ok) << r.error.code << " " << r.error.message;
  // A clerk may not hand out roles.
  EXPECT_EQ(as("viewer-1", "access.grant_role", {{"actor", "viewer-1"}, {"role", "admin"}}).error.code,
            sut::codes::forbidden);
  auto roles = admin_.read("roles", {{"actor", "viewer-1"}});
  ASSERT_TRUE(roles.ok());
  EXPECT_EQ(roles.value(), json::parse(R"(["clerk","viewer"])"));

  ASSERT_EQ(admin_.run("access.revoke_role", {{"actor", "viewer-1"}, {"role", "clerk"}}).kind, Kind::ok);
  EXPECT_EQ(as("viewer-1", "inventory.receive", receipt()).error.code, sut::codes::forbidden);
}

TEST_F(Access, AnUnknownRoleIsNotFound) {
  auto r = admin_.run("access.grant_role", {{"actor", "x"}, {"role", "superhero"}});
  ASSERT_EQ(r.kind, Kind::error);
  EXPECT_EQ(r.error.code, sut::codes::not_found);
  EXPECT_EQ(r.error.field, "role");
}

TEST_F(Access, ATenantIsCreatedOnce) {
  auto again = admin_.run("access.create_tenant", json::object());
  ASSERT_EQ(again.kind, Kind::error);
  EXPECT_EQ(again.error.code, sut::codes::already_exists);
  EXPECT_EQ(again.error.field, "tenant");
}

TEST_F(Access, EveryDeclaredPermissionIsDefinedInTheDatabase) {
  // The declared list and the role definitions (data, from migrations) must agree: a permission a
  // command needs but no table defines could never be granted.
  auto defined = json::parse(verdict::db::query_rows_json(db_->admin_conninfo(), "SELECT permission FROM permissions"));
  std::set<std::string> names;
  for (const auto& row : defined) names.insert(row["permission"].get<std::string>());
  for (const auto& c : verdict::system_under_test().commands) {
    if (c.permission.empty()) continue;
    EXPECT_TRUE(names.count(c.permission)) << c.name << " needs '" << c.permission << "', which no migration defines";
  }
}

// Declared fields: every way a request can be malformed is refused before any transaction.
struct Malformed {
  std::string what;
  json args;
  std::string field;
};

class Declarations : public Access, public ::testing::WithParamInterface<Malformed> {};

TEST_P(Declarations, AMalformedRequestIsRefusedNamingTheFieldAndWritesNothing) {
  std::string before = fingerprints();
  auto r = admin_.run("inventory.receive", GetParam().args, "key-" + GetParam().what);
  ASSERT_EQ(r.kind, Kind::error);
  EXPECT_EQ(r.error.code, sut::codes::validation_failed);
  EXPECT_EQ(r.error.field, GetParam().field);
  EXPECT_THAT(r.error.message, HasSubstr(GetParam().field + ":"));
  EXPECT_EQ(r.attempts, 0);  // no transaction was begun
  EXPECT_EQ(fingerprints(), before);
}

json with(json base, const std::string& key, json value) {
  if (value.is_null())
    base.erase(key);
  else
    base[key] = value;
  return base;
}

INSTANTIATE_TEST_SUITE_P(
    Receive, Declarations,
    ::testing::Values(Malformed{"unknown_field", with(receipt(), "colour", "red"), "colour"},
                      Malformed{"misspelt_field", with(with(receipt(), "unit_cost", nullptr), "unit_csot", "1"),
                                "unit_csot"},
                      Malformed{"missing_required", with(receipt(), "sku", nullptr), "sku"},
                      Malformed{"text_as_number", with(receipt(), "sku", 42), "sku"},
                      Malformed{"decimal_as_fraction", with(receipt(), "qty", 2.5), "qty"},
                      Malformed{"decimal_as_bool", with(receipt(), "qty", true), "qty"},
                      Malformed{"too_many_places", with(receipt(), "qty", "1.00001"), "qty"},
                      Malformed{"not_positive", with(receipt(), "qty", "0"), "qty"},
                      Malformed{"negative_cost", with(receipt(), "unit_cost", "-1"), "unit_cost"},
                      Malformed{"text_too_long", with(receipt(), "batch", std::string(65, 'b')), "batch"},
                      Malformed{"control_character", with(receipt(), "location", "WH\n1"), "location"},
                      Malformed{"invalid_utf8", with(receipt(), "batch", "B\xff"), "batch"},
                      Malformed{"overlong_utf8", with(receipt(), "batch", "B\xc0\xaf"), "batch"}),
    [](const auto& info) { return info.param.what; });

TEST_F(Access, TheRequestContextIsValidatedToo) {
  auto c = admin_.context();
  c.as_of = "2026-02-30T00:00:00Z";  // the right shape, no such day
  auto r = admin_.session().execute("inventory.receive", c, receipt());
  EXPECT_EQ(r.error.code, sut::codes::validation_failed);
  EXPECT_EQ(r.error.field, "as_of");
  c = admin_.context();
  c.actor = "cl\xe9rk";  // Latin-1, not UTF-8
  r = admin_.session().execute("inventory.receive", c, receipt());
  EXPECT_EQ(r.error.code, sut::codes::validation_failed);
  EXPECT_EQ(r.error.field, "actor");
  EXPECT_EQ(r.attempts, 0);
}

TEST_F(Access, AnUnknownCommandIsRefusedBeforeAnyTransaction) {
  auto r = admin_.run("inventory.teleport", json::object());
  ASSERT_EQ(r.kind, Kind::error);
  EXPECT_EQ(r.error.code, sut::codes::validation_failed);
  EXPECT_EQ(r.error.field, "command");
  EXPECT_EQ(r.attempts, 0);
}

TEST_F(Access, ReadsAreStrictToo) {
  auto r = admin_.read("on_hand", {{"sku", "SKU-1"}, {"batch", "B1"}, {"locaton", "WH1"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, sut::codes::validation_failed);
  EXPECT_EQ(r.error().field, "locaton");
}

}  // namespace
