// Tenancy in the database (issue 5 §4): every tenant table has tenant_id and a FORCEd row-level
// policy on the transaction's tenant. Every registered command and read, given another tenant's keys,
// answers NOT_FOUND and writes nothing; raw SQL as the application role under tenant A sees and
// changes none of tenant B's rows; a connection reused for B after A sees only B.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <set>
#include <tuple>

#include "support.hpp"
#include "verdict/server.hpp"
#include "verdict/system.hpp"

namespace {
using json = nlohmann::json;
using Kind = sut::Executed::Kind;

std::vector<std::string> table_names() {
  std::vector<std::string> names;
  for (const auto& t : verdict::system_under_test().tables) names.push_back(t.name);
  return names;
}

// globex owns SKU-G, batch GB at GW1 (and GW2), and movements; acme has an empty catalogue.
class Tenancy : public ::testing::Test {
 protected:
  void SetUp() override {
    globex_.add_product("SKU-G");
    globex_.add_location("GW1");
    globex_.add_location("GW2");
    sut_test::must(globex_.run("access.grant_role", {{"actor", "gina"}, {"role", "viewer"}}), "grant");
    receipt_ = sut_test::Moved::of(sut_test::must(
        globex_.run("inventory.receive",
                    {{"sku", "SKU-G"}, {"batch", "GB"}, {"location", "GW1"}, {"qty", "5"}, {"unit_cost", "1"}}),
        "receive"));
    // A manual journal on accounts only globex has, and a locked month.
    sut_test::must(globex_.run("ledger.add_account", {{"code", "6000"}, {"name", "Rent"}, {"type", "expense"}}),
                   "rent");
    sut_test::must(globex_.run("ledger.add_account", {{"code", "3100"}, {"name", "Equity"}, {"type", "equity"}}),
                   "equity");
    journal_ = sut_test::must(globex_.run("ledger.post_journal", their_journal()), "journal")["journal_id"];
    sut_test::must(globex_.run("ledger.lock_period", {{"period", "2026-03"}}), "lock");
    // A fund with an investor, and a call.
    sut_test::must(globex_.run("funds.add_fund", {{"code", "GF"}, {"name", "Globex Fund"}}), "fund");
    sut_test::must(globex_.run("funds.add_investor", {{"code", "GI"}, {"name", "Globex Investor"}}), "investor");
    sut_test::must(globex_.run("funds.commit", {{"fund", "GF"}, {"investor", "GI"}, {"amount", "10"}}), "commit");
    // A customer with an invoice and a payment.
    sut_test::must(globex_.run("receivables.add_customer", {{"code", "GC"}, {"name", "Globex Customer"}}), "customer");
    sut_test::must(globex_.run("receivables.issue_invoice",
                               {{"customer", "GC"},
                                {"number", "G-1"},
                                {"date", "2026-01-05"},
                                {"lines", {{{"description", "x"}, {"qty", "1"}, {"unit_price", "10"}}}}}),
                   "invoice");
    payment_ = sut_test::must(
        globex_.run("receivables.record_payment", {{"customer", "GC"}, {"amount", "4"}, {"date", "2026-01-05"}}),
        "payment")["payment_id"];
    // A draft order.
    sut_test::must(globex_.run("orders.create", {{"number", "GO-1"},
                                                 {"customer", "GC"},
                                                 {"lines", {{{"sku", "SKU-G"}, {"qty", "1"}, {"unit_price", "1"}}}}}),
                   "order");
    event_ = sut_test::must(globex_.run("funds.call", {{"fund", "GF"}, {"total", "5"}, {"date", "2026-01-05"}}),
                            "call")["event_id"];
    // A vendor with a bill for the receipt, and a payment of part of it.
    sut_test::must(globex_.run("payables.add_vendor", {{"code", "GV"}, {"name", "Globex Vendor"}}), "vendor");
    sut_test::must(globex_.run("payables.enter_bill", {{"vendor", "GV"},
                                                       {"number", "GB-1"},
                                                       {"date", "2026-01-05"},
                                                       {"receipts", {{{"movement", receipt_.movement_id}}}}}),
                   "bill");
    vendor_payment_ =
        sut_test::must(globex_.run("payables.pay_vendor", {{"vendor", "GV"},
                                                           {"amount", "3"},
                                                           {"date", "2026-01-05"},
                                                           {"allocations", {{{"bill", "GB-1"}, {"amount", "1"}}}}}),
                       "pay vendor")["payment_id"];
  }
  static json their_journal() {
    return {{"date", "2026-01-05"},
            {"lines", {{{"account", "6000"}, {"debit", "10"}}, {{"account", "3100"}, {"credit", "10"}}}}};
  }
  std::string fingerprints() { return verdict::db::table_fingerprints(db_->admin_conninfo(), table_names()); }

  std::unique_ptr<verdict::db::ScratchDatabase> db_ = sut_test::scratch_database();
  sut_test::Shop globex_{db_->app_conninfo(), "globex"};
  sut_test::Shop acme_{db_->app_conninfo(), "acme"};
  sut_test::Moved receipt_;
  long long journal_ = 0;
  long long event_ = 0;
  long long payment_ = 0;
  long long vendor_payment_ = 0;
};

// Another tenant's keys for every command that names existing rows. Commands that only create rows
// in the caller's own tenant (or name none) are listed apart, so that a new command must be placed.
struct CrossTenant {
  std::string command;
  json args;
  std::string field;  // the field NOT_FOUND names
};

std::vector<CrossTenant> cross_tenant_calls(long long their_movement, long long their_journal, long long their_payment,
                                            long long their_vendor_payment) {
  return {
      {"payables.enter_bill",
       {{"vendor", "GV"}, {"number", "A-1"}, {"date", "2026-01-05"}, {"receipts", {{{"movement", their_movement}}}}},
       "vendor"},
      {"payables.pay_vendor", {{"vendor", "GV"}, {"amount", "1"}, {"date", "2026-01-05"}}, "vendor"},
      {"payables.apply_advance",
       {{"payment_id", their_vendor_payment}, {"bill", "GB-1"}, {"amount", "1"}},
       "payment_id"},
      {"payables.reverse_payment", {{"payment_id", their_vendor_payment}}, "payment_id"},
      {"receivables.issue_invoice",
       {{"customer", "GC"},
        {"number", "A-1"},
        {"date", "2026-01-05"},
        {"lines", {{{"description", "x"}, {"qty", "1"}, {"unit_price", "1"}}}}},
       "customer"},
      {"receivables.record_payment", {{"customer", "GC"}, {"amount", "1"}, {"date", "2026-01-05"}}, "customer"},
      {"receivables.issue_credit_memo",
       {{"customer", "GC"}, {"number", "CM"}, {"amount", "1"}, {"date", "2026-01-05"}},
       "customer"},
      {"receivables.apply_credit", {{"credit_id", their_payment}, {"invoice", "G-1"}, {"amount", "1"}}, "credit_id"},
      {"receivables.reverse_payment", {{"payment_id", their_payment}}, "payment_id"},
      {"receivables.write_off", {{"invoice", "G-1"}, {"date", "2026-01-05"}}, "invoice"},
      {"ledger.post_journal",
       {{"date", "2026-01-05"},
        {"lines", {{{"account", "6000"}, {"debit", "1"}}, {{"account", "3100"}, {"credit", "1"}}}}},
       "lines[0].account"},
      {"ledger.reverse_journal", {{"journal_id", their_journal}}, "journal_id"},
      {"funds.commit", {{"fund", "GF"}, {"investor", "GI"}, {"amount", "1"}}, "fund"},
      {"funds.call", {{"fund", "GF"}, {"total", "1"}, {"date", "2026-01-05"}}, "fund"},
      {"funds.distribute", {{"fund", "GF"}, {"total", "1"}, {"date", "2026-01-05"}}, "fund"},
      {"inventory.receive",
       {{"sku", "SKU-G"}, {"batch", "GB"}, {"location", "GW1"}, {"qty", "1"}, {"unit_cost", "1"}},
       "sku"},
      {"inventory.fulfill", {{"sku", "SKU-G"}, {"batch", "GB"}, {"location", "GW1"}, {"qty", "1"}}, "sku"},
      {"inventory.adjust",
       {{"sku", "SKU-G"}, {"batch", "GB"}, {"location", "GW1"}, {"delta", "1"}, {"reason", "theft"}},
       "sku"},
      {"inventory.transfer", {{"sku", "SKU-G"}, {"batch", "GB"}, {"from", "GW1"}, {"to", "GW2"}, {"qty", "1"}}, "sku"},
      {"inventory.reverse", {{"movement", their_movement}}, "movement"},
      {"access.revoke_role", {{"actor", "gina"}, {"role", "viewer"}}, "role"},  // gina is globex's viewer
      {"inventory.discontinue", {{"sku", "SKU-G"}}, "sku"},
      {"receivables.set_credit_limit", {{"customer", "GC"}, {"credit_limit", "1"}}, "customer"},
      {"receivables.charge_late_fee", {{"invoice", "G-1"}, {"number", "AF-1"}, {"amount", "1"}}, "invoice"},
      {"orders.add_price_rule", {{"sku", "SKU-G"}, {"unit_price", "1"}}, "sku"},
      {"orders.create",
       {{"number", "AO-1"}, {"customer", "GC"}, {"lines", {{{"sku", "SKU-G"}, {"qty", "1"}}}}},
       "customer"},
      {"orders.accept", {{"number", "GO-1"}}, "number"},
      {"orders.ship", {{"number", "GO-1"}, {"invoice", "AS-1"}, {"lines", {{{"line", 1}, {"qty", "1"}}}}}, "number"},
      {"orders.cancel", {{"number", "GO-1"}}, "number"},
  };
}
// (A period is the caller's own: acme's lock of 2026-03 is acme's, whatever globex did.)
const std::set<std::string> names_no_existing_rows = {
    "access.create_tenant", "access.grant_role",        "inventory.add_product", "inventory.add_location",
    "ledger.add_account",   "ledger.lock_period",       "ledger.unlock_period",  "funds.add_fund",
    "funds.add_investor",   "receivables.add_customer", "payables.add_vendor"};

TEST_F(Tenancy, EveryCommandGivenAnotherTenantsKeysIsNotFoundAndWritesNothing) {
  auto calls = cross_tenant_calls(receipt_.movement_id, journal_, payment_, vendor_payment_);
  for (const auto& command : verdict::system_under_test().commands) {
    bool placed = names_no_existing_rows.count(command.name) > 0;
    for (const auto& c : calls) placed = placed || c.command == command.name;
    EXPECT_TRUE(placed) << command.name << " is in neither list: say which keys of another tenant it could name";
  }
  // acme needs a product of the same SKU for the check to reach the batch: with it, batch is not found.
  for (const auto& c : calls) {
    SCOPED_TRACE(c.command);
    std::string before = fingerprints();
    auto r = acme_.run(c.command, c.args);
    ASSERT_EQ(r.kind, Kind::error) << r.values.dump();
    EXPECT_EQ(r.error.code, sut::codes::not_found) << r.error.message;
    EXPECT_EQ(r.error.field, c.field);
    EXPECT_EQ(fingerprints(), before);
  }
}

// acme's trial balance: its own standard chart, nothing posted (none of globex's totals or accounts).
json acme_untouched_trial_balance() {
  json accounts = json::array();
  for (const auto& [code, name, type] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"1000", "Cash", "asset"},
           {"1100", "Accounts receivable", "asset"},
           {"1200", "Inventory", "asset"},
           {"1400", "Vendor advances", "asset"},
           {"2000", "Accounts payable", "liability"},
           {"2100", "Goods received not invoiced", "liability"},
           {"2200", "Customer credit", "liability"},
           {"2300", "Sales tax payable", "liability"},
           {"3000", "Fund capital", "equity"},
           {"4000", "Revenue", "revenue"},
           {"5000", "Cost of goods sold", "expense"},
           {"5100", "Inventory adjustments", "expense"},
           {"6900", "Bad debts", "expense"}})
    accounts.push_back({{"code", code}, {"name", name}, {"type", type}, {"debit", "0.00"}, {"credit", "0.00"}});
  return {{"accounts", accounts}, {"debit", "0.00"}, {"credit", "0.00"}};
}

TEST_F(Tenancy, EveryReadGivenAnotherTenantsKeysFindsNothingOfTheirs) {
  std::map<std::string, std::pair<json, json>> reads = {
      // read -> (args naming globex's rows, what acme gets)
      {"on_hand",
       {{{"sku", "SKU-G"}, {"batch", "GB"}, {"location", "GW1"}}, {{"error", "NOT_FOUND"}, {"field", "sku"}}}},
      {"product", {{{"sku", "SKU-G"}}, {{"error", "NOT_FOUND"}, {"field", "sku"}}}},
      {"movement", {{{"movement", receipt_.movement_id}}, {{"error", "NOT_FOUND"}, {"field", "movement"}}}},
      {"stock", {json::object(), json::array()}},
      {"roles", {{{"actor", "clerk"}}, json::parse(R"(["admin"])")}},  // acme's own clerk, not globex's
      {"audit_head", {json::object(), {{"seq", 1}}}},                  // acme's chain: its creation only
      {"journal", {{{"journal_id", journal_}}, {{"error", "NOT_FOUND"}, {"field", "journal_id"}}}},
      {"account_balance", {{{"account", "6000"}}, {{"error", "NOT_FOUND"}, {"field", "account"}}}},
      {"period", {{{"period", "2026-03"}}, "open"}},  // globex locked its March, not acme's
      {"trial_balance", {json::object(), acme_untouched_trial_balance()}},
      {"fund_event", {{{"event_id", event_}}, {{"error", "NOT_FOUND"}, {"field", "event_id"}}}},
      {"invoice", {{{"number", "G-1"}}, {{"error", "NOT_FOUND"}, {"field", "number"}}}},
      {"credit", {{{"credit_id", payment_}}, {{"error", "NOT_FOUND"}, {"field", "credit_id"}}}},
      {"customer_balance", {{{"customer", "GC"}}, {{"error", "NOT_FOUND"}, {"field", "customer"}}}},
      {"available",
       {{{"sku", "SKU-G"}, {"batch", "GB"}, {"location", "GW1"}}, {{"error", "NOT_FOUND"}, {"field", "sku"}}}},
      {"order", {{{"number", "GO-1"}}, {{"error", "NOT_FOUND"}, {"field", "number"}}}},
      {"bill", {{{"vendor", "GV"}, {"number", "GB-1"}}, {{"error", "NOT_FOUND"}, {"field", "number"}}}},
      {"vendor_payment", {{{"payment_id", vendor_payment_}}, {{"error", "NOT_FOUND"}, {"field", "payment_id"}}}},
      {"vendor_balance", {{{"vendor", "GV"}}, {{"error", "NOT_FOUND"}, {"field", "vendor"}}}},
      {"price",
       {{{"sku", "SKU-G"}, {"customer", "GC"}, {"qty", "1"}, {"date", "2026-01-01"}},
        {{"error", "NOT_FOUND"}, {"field", "sku"}}}},
  };
  auto connection = verdict::system_under_test().connect(db_->app_conninfo());
  for (const auto& r : verdict::system_under_test().reads) {
    SCOPED_TRACE(r.name);
    ASSERT_TRUE(reads.count(r.name)) << "read " << r.name << " has no cross-tenant case";
    auto [args, expected] = reads[r.name];
    EXPECT_EQ(json::parse(connection->read(r.name, "acme", args.dump())), expected);
  }
}

TEST_F(Tenancy, RawSqlAsTheApplicationRoleSeesAndChangesNoOtherTenantsRows) {
  pqxx::connection c(db_->app_conninfo());
  pqxx::work w(c);
  w.exec("SET LOCAL verdict.tenant = 'acme'");
  for (const auto& table : verdict::system_under_test().tables) {
    if (!table.tenant_scoped) continue;
    SCOPED_TRACE(table.name);
    EXPECT_EQ(w.exec1("SELECT count(*) FROM " + w.quote_name(table.name) + " WHERE tenant_id = 'globex'")[0].as<int>(),
              0);
    try {
      // Where the role may update at all, the policy must leave globex's rows out of reach.
      pqxx::subtransaction probe(w, "probe");
      auto r =
          probe.exec("UPDATE " + w.quote_name(table.name) + " SET tenant_id = tenant_id WHERE tenant_id = 'globex'");
      EXPECT_EQ(r.affected_rows(), 0u);
      probe.abort();
    } catch (const pqxx::sql_error& e) {
      // No UPDATE privilege (42501), or an append-only table's trigger (VR001): refused before the
      // policy is even asked. Anything else is a surprise.
      std::string state = e.sqlstate();
      bool walled = state == "42501" || state == "VR001" || dynamic_cast<const pqxx::insufficient_privilege*>(&e);
      EXPECT_TRUE(walled) << e.what();
    }
  }
  // Writing a row into another tenant is refused by the policy's WITH CHECK.
  EXPECT_THROW(w.exec("INSERT INTO locations (tenant_id, code, created_at) VALUES ('globex', 'X', now())"),
               pqxx::sql_error);
}

TEST_F(Tenancy, WithoutATenantTheApplicationRoleSeesNothing) {
  pqxx::connection c(db_->app_conninfo());
  pqxx::work w(c);
  EXPECT_EQ(w.exec1("SELECT count(*) FROM products")[0].as<int>(), 0);
  EXPECT_EQ(w.exec1("SELECT count(*) FROM movements")[0].as<int>(), 0);
}

TEST_F(Tenancy, AConnectionReusedForAnotherTenantSeesOnlyThatTenant) {
  acme_.add_product("SKU-A");
  // One session (one connection), used for acme, then globex, then acme again.
  sut::Session session(db_->app_conninfo());
  auto skus = [&](const std::string& tenant) {
    auto r = session.read("product", sut_test::request(tenant), {{"sku", tenant == "acme" ? "SKU-A" : "SKU-G"}});
    return r.ok() ? r.value()["sku"].get<std::string>() : r.error().code;
  };
  EXPECT_EQ(skus("acme"), "SKU-A");
  EXPECT_EQ(skus("globex"), "SKU-G");
  EXPECT_EQ(skus("acme"), "SKU-A");
  // And raw: the setting is transaction-local, so the next transaction starts with no tenant.
  pqxx::connection c(db_->app_conninfo());
  for (const char* tenant : {"acme", "globex"}) {
    pqxx::work w(c);
    w.exec_params("SELECT set_config('verdict.tenant', $1, true)", std::string(tenant));
    auto rows = w.exec("SELECT DISTINCT tenant_id FROM products");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0][0].as<std::string>(), tenant);
    w.commit();
  }
  pqxx::work after(c);
  EXPECT_EQ(after.exec1("SELECT count(*) FROM products")[0].as<int>(), 0);
}

TEST_F(Tenancy, EveryTableIsDeclaredAndEveryTenantTableIsBehindTheWall) {
  // Guard rail: a table a migration adds without declaring it, or declares tenant-scoped without
  // tenant_id (NOT NULL: every row has a tenant; a row without one is invisible to every tenant and
  // escapes every per-tenant invariant) and its FORCEd policy, fails here by name.
  auto tables = json::parse(verdict::db::query_rows_json(db_->admin_conninfo(), R"(
    SELECT c.relname AS name, c.relrowsecurity AS rls, c.relforcerowsecurity AS forced,
           EXISTS (SELECT 1 FROM information_schema.columns k
                   WHERE k.table_schema = 'public' AND k.table_name = c.relname AND k.column_name = 'tenant_id')
             AS has_tenant_id,
           EXISTS (SELECT 1 FROM information_schema.columns k
                   WHERE k.table_schema = 'public' AND k.table_name = c.relname AND k.column_name = 'tenant_id'
                     AND k.is_nullable = 'NO') AS tenant_id_not_null,
           EXISTS (SELECT 1 FROM pg_policies p WHERE p.schemaname = 'public' AND p.tablename = c.relname
                   AND 'verdict_app' = ANY (p.roles) AND p.qual LIKE '%verdict.tenant%'
                   AND p.with_check LIKE '%verdict.tenant%') AS app_policy
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname <> 'schema_migrations'
    ORDER BY 1)"));
  std::map<std::string, bool> declared;
  for (const auto& t : verdict::system_under_test().tables) declared[t.name] = t.tenant_scoped;
  ASSERT_FALSE(tables.empty());
  for (const auto& t : tables) {
    std::string name = t["name"];
    SCOPED_TRACE(name);
    ASSERT_TRUE(declared.count(name)) << "table " << name << " is declared by no module";
    if (!declared[name]) {
      EXPECT_EQ(t["has_tenant_id"], "f") << "table " << name << " has tenant_id but is declared global";
      continue;
    }
    EXPECT_EQ(t["has_tenant_id"], "t") << "table " << name << " has no tenant_id";
    EXPECT_EQ(t["tenant_id_not_null"], "t") << "table " << name << ": tenant_id may be NULL";
    EXPECT_EQ(t["rls"], "t") << "table " << name << " has no row-level security";
    EXPECT_EQ(t["forced"], "t") << "table " << name << " does not FORCE row-level security";
    EXPECT_EQ(t["app_policy"], "t") << "table " << name << " has no policy on verdict.tenant for verdict_app";
  }
  for (const auto& [name, scoped] : declared) {
    bool exists = false;
    for (const auto& t : tables) exists = exists || t["name"] == name;
    EXPECT_TRUE(exists) << "declared table " << name << " does not exist";
  }
}

}  // namespace
