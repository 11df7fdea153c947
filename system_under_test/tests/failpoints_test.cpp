// A crash anywhere inside a mutation leaves no trace (DESIGN §3 step 2): for every declared failpoint
// and every inventory mutation, a mutation that reaches the armed point comes back INTERNAL and the
// tables' checksums are unchanged. Every declared failpoint must be reached by some mutation, or it
// guards nothing.

#include "verdict/failpoints.hpp"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "support.hpp"
#include "verdict/server.hpp"
#include "verdict/system.hpp"

namespace {

namespace fp = verdict::failpoints;
using ::testing::HasSubstr;
using json = nlohmann::json;

// What a mutation came back with.
struct Result {
  bool ok = false;
  bool unknown = false;
  std::string code = sut::codes::internal;
  std::string message;
  int attempts = 0;
};

Result result_of(const sut::Executed& r) {
  Result out{r.kind == sut::Executed::Kind::ok, r.kind == sut::Executed::Kind::unknown, "", "", r.attempts};
  if (r.kind == sut::Executed::Kind::error) {
    out.code = r.error.code;
    out.message = r.error.message;
  }
  return out;
}

// A mutation under test: a registered command, and `prepare`, which builds the state it needs in a
// shop and returns the call.
struct Mutation {
  std::string command;
  std::string name;
  std::function<std::function<Result()>(sut_test::Shop&)> prepare;
};

// SKU-1, WH1 and WH2, and 10 of batch B1 at WH1: enough for every movement below.
void stock(sut_test::Shop& shop) {
  shop.add_product();
  shop.add_location("WH1");
  shop.add_location("WH2");
  shop.receive("B1", "WH1", "10");
}

// Two accounts a manual journal may name (the standard chart's are control accounts).
void manual_accounts(sut_test::Shop& shop) {
  sut_test::must(shop.run("ledger.add_account", {{"code", "6000"}, {"name", "Rent"}, {"type", "expense"}}), "rent");
  sut_test::must(shop.run("ledger.add_account", {{"code", "3100"}, {"name", "Equity"}, {"type", "equity"}}), "equity");
}
json rent_journal() {
  return {{"date", "2026-01-05"},
          {"lines", {{{"account", "6000"}, {"debit", "100"}}, {{"account", "3100"}, {"credit", "100"}}}}};
}

// Fund F1 and investors ANN and BOB (committed 100 and 200 when `committed`).
void fund_with_investors(sut_test::Shop& shop, bool committed) {
  sut_test::must(shop.run("funds.add_fund", {{"code", "F1"}, {"name", "Fund One"}}), "fund");
  for (const char* code : {"ANN", "BOB"})
    sut_test::must(shop.run("funds.add_investor", {{"code", code}, {"name", code}}), code);
  if (!committed) return;
  sut_test::must(shop.run("funds.commit", {{"fund", "F1"}, {"investor", "ANN"}, {"amount", "100"}}), "ANN");
  sut_test::must(shop.run("funds.commit", {{"fund", "F1"}, {"investor", "BOB"}, {"amount", "200"}}), "BOB");
}

// Customer C1; an invoice of 10.00; a payment of 6.00 allocated to I-1.
void customer(sut_test::Shop& shop) {
  sut_test::must(shop.run("receivables.add_customer", {{"code", "C1"}, {"name", "One"}}), "customer");
}
json invoice(const std::string& number) {
  return {{"customer", "C1"},
          {"number", number},
          {"date", "2026-01-05"},
          {"lines", {{{"description", "Service"}, {"qty", "1"}, {"unit_price", "10"}}}}};
}
json allocated_payment() {
  return {{"customer", "C1"},
          {"amount", "6"},
          {"date", "2026-01-05"},
          {"allocations", {{{"invoice", "I-1"}, {"amount", "6"}}}}};
}

// Stock, customer C1 and draft order O-1 of 4 × SKU-1 at a given 2.50 (accepted when `accepted`).
void order(sut_test::Shop& shop, bool accepted) {
  stock(shop);
  customer(shop);
  sut_test::must(shop.run("orders.create", {{"number", "O-1"},
                                            {"customer", "C1"},
                                            {"lines", {{{"sku", "SKU-1"}, {"qty", "4"}, {"unit_price", "2.5"}}}}}),
                 "order");
  if (accepted) sut_test::must(shop.run("orders.accept", {{"number", "O-1"}}), "accept");
}

// SKU-1 and WH1, vendor V1, and a receipt of 4 × B1 at 2.50 (billed as VB-1, 10.00, when `billed`);
// returns the receipt's movement id.
long long vendor_receipt(sut_test::Shop& shop, bool billed) {
  shop.add_product();
  shop.add_location("WH1");
  sut_test::must(shop.run("payables.add_vendor", {{"code", "V1"}, {"name", "Vendor One"}}), "vendor");
  long long receipt = shop.receive("B1", "WH1", "4").movement_id;
  if (billed)
    sut_test::must(
        shop.run(
            "payables.enter_bill",
            {{"vendor", "V1"}, {"number", "VB-1"}, {"date", "2026-01-05"}, {"receipts", {{{"movement", receipt}}}}}),
        "bill");
  return receipt;
}
json vendor_payment() {
  return {{"vendor", "V1"},
          {"amount", "7"},
          {"date", "2026-01-06"},
          {"allocations", {{{"bill", "VB-1"}, {"amount", "6"}}}}};
}

// `command` with `args` after `setup`.
Mutation after(void (*setup)(sut_test::Shop&), const std::string& command, const std::string& name, json args) {
  return {command, name, [setup, command, args](sut_test::Shop& shop) {
            setup(shop);
            return std::function<Result()>([&shop, command, args] { return result_of(shop.run(command, args)); });
          }};
}

// A call of `command` with `args` on a stocked shop (or a bare one).
Mutation call(const std::string& command, const std::string& name, json args, bool stocked = true) {
  return {command, name, [command, args, stocked](sut_test::Shop& shop) {
            if (stocked) stock(shop);
            return std::function<Result()>([&shop, command, args] { return result_of(shop.run(command, args)); });
          }};
}

const std::vector<Mutation>& mutations() {
  static const std::vector<Mutation> all = {
      {"access.create_tenant", "create a tenant",
       [](sut_test::Shop& shop) {
         return std::function<Result()>([&shop] {
           auto c = shop.context();
           c.tenant += "-new";
           return result_of(shop.session().execute("access.create_tenant", c, json::object()));
         });
       }},
      call("access.grant_role", "grant a role", {{"actor", "bob"}, {"role", "viewer"}}, false),
      {"access.revoke_role", "revoke a role",
       [](sut_test::Shop& shop) {
         sut_test::must(shop.run("access.grant_role", {{"actor", "bob"}, {"role", "viewer"}}), "grant");
         return std::function<Result()>([&shop] {
           return result_of(shop.run("access.revoke_role", {{"actor", "bob"}, {"role", "viewer"}}));
         });
       }},
      call("inventory.add_product", "add_product", {{"sku", "SKU-2"}, {"name", "Gadget"}}, false),
      call("inventory.add_location", "add_location", {{"location", "WH9"}}, false),
      call("inventory.receive", "receive a new batch",
           {{"sku", "SKU-1"}, {"batch", "B2"}, {"location", "WH1"}, {"qty", "5"}, {"unit_cost", "3.0000"}}),
      call("inventory.receive", "receive into an existing batch",
           {{"sku", "SKU-1"}, {"batch", "B1"}, {"location", "WH2"}, {"qty", "5"}}),
      call("inventory.fulfill", "fulfill", {{"sku", "SKU-1"}, {"batch", "B1"}, {"location", "WH1"}, {"qty", "4"}}),
      call("inventory.adjust", "adjust",
           {{"sku", "SKU-1"}, {"batch", "B1"}, {"location", "WH1"}, {"delta", "-1"}, {"reason", "stock count"}}),
      call("inventory.transfer", "transfer",
           {{"sku", "SKU-1"}, {"batch", "B1"}, {"from", "WH1"}, {"to", "WH2"}, {"qty", "3"}}),
      {"inventory.reverse", "reverse a movement",
       [](sut_test::Shop& shop) {
         stock(shop);
         long long fulfilment = shop.fulfill("B1", "WH1", "4").movement_id;
         return std::function<Result()>([&shop, fulfilment] {
           return result_of(shop.run("inventory.reverse", {{"movement", fulfilment}}));
         });
       }},
      call("ledger.add_account", "add an account", {{"code", "6000"}, {"name", "Rent"}, {"type", "expense"}}, false),
      {"ledger.post_journal", "post a manual journal",
       [](sut_test::Shop& shop) {
         manual_accounts(shop);
         return std::function<Result()>([&shop] { return result_of(shop.run("ledger.post_journal", rent_journal())); });
       }},
      {"ledger.reverse_journal", "reverse a manual journal",
       [](sut_test::Shop& shop) {
         manual_accounts(shop);
         long long journal = sut_test::must(shop.run("ledger.post_journal", rent_journal()), "post")["journal_id"];
         return std::function<Result()>([&shop, journal] {
           return result_of(shop.run("ledger.reverse_journal", {{"journal_id", journal}}));
         });
       }},
      call("ledger.lock_period", "lock a period", {{"period", "2026-01"}}, false),
      {"ledger.unlock_period", "unlock a period",
       [](sut_test::Shop& shop) {
         sut_test::must(shop.run("ledger.lock_period", {{"period", "2026-01"}}), "lock");
         return std::function<Result()>([&shop] {
           return result_of(shop.run("ledger.unlock_period", {{"period", "2026-01"}}));
         });
       }},
      call("funds.add_fund", "add a fund", {{"code", "F2"}, {"name", "Fund Two"}}, false),
      call("funds.add_investor", "add an investor", {{"code", "ZED"}, {"name", "Zed"}}, false),
      {"funds.commit", "commit to a fund",
       [](sut_test::Shop& shop) {
         fund_with_investors(shop, false);
         return std::function<Result()>([&shop] {
           return result_of(shop.run("funds.commit", {{"fund", "F1"}, {"investor", "ANN"}, {"amount", "100"}}));
         });
       }},
      {"funds.call", "call capital",
       [](sut_test::Shop& shop) {
         fund_with_investors(shop, true);
         return std::function<Result()>([&shop] {
           return result_of(shop.run("funds.call", {{"fund", "F1"}, {"total", "10"}, {"date", "2026-01-10"}}));
         });
       }},
      {"funds.distribute", "distribute",
       [](sut_test::Shop& shop) {
         fund_with_investors(shop, true);
         return std::function<Result()>([&shop] {
           return result_of(shop.run("funds.distribute", {{"fund", "F1"}, {"total", "10"}, {"date", "2026-01-10"}}));
         });
       }},
      call("receivables.add_customer", "add a customer", {{"code", "C9"}, {"name", "Nine"}}, false),
      after(
          [](sut_test::Shop& shop) {
            customer(shop);
            json overdue = invoice("I-1");
            overdue["due_on"] = "2025-12-31";
            sut_test::must(shop.run("receivables.issue_invoice", overdue), "invoice");
          },
          "receivables.charge_late_fee", "charge a late fee", {{"invoice", "I-1"}, {"number", "F-1"}, {"amount", "5"}}),
      after(customer, "receivables.set_credit_limit", "change a credit limit",
            {{"customer", "C1"}, {"credit_limit", "100"}}),
      call("inventory.discontinue", "discontinue a product", {{"sku", "SKU-1"}}),
      after([](sut_test::Shop& shop) { order(shop, false); }, "orders.add_price_rule", "add a price rule",
            {{"sku", "SKU-1"}, {"unit_price", "3"}, {"customer", "C1"}, {"min_qty", "2"}}),
      after(
          [](sut_test::Shop& shop) { order(shop, false); }, "orders.create", "create an order",
          {{"number", "O-2"}, {"customer", "C1"}, {"lines", {{{"sku", "SKU-1"}, {"qty", "1"}, {"unit_price", "1"}}}}}),
      after([](sut_test::Shop& shop) { order(shop, false); }, "orders.accept", "accept an order", {{"number", "O-1"}}),
      after([](sut_test::Shop& shop) { order(shop, true); }, "orders.ship", "ship part of an order",
            {{"number", "O-1"}, {"invoice", "S-1"}, {"lines", {{{"line", 1}, {"qty", "3"}}}}}),
      after([](sut_test::Shop& shop) { order(shop, true); }, "orders.cancel", "cancel an accepted order",
            {{"number", "O-1"}}),
      {"receivables.issue_invoice", "issue an invoice",
       [](sut_test::Shop& shop) {
         customer(shop);
         return std::function<Result()>(
             [&shop] { return result_of(shop.run("receivables.issue_invoice", invoice("I-2"))); });
       }},
      {"receivables.record_payment", "record an allocated payment",
       [](sut_test::Shop& shop) {
         customer(shop);
         sut_test::must(shop.run("receivables.issue_invoice", invoice("I-1")), "invoice");
         return std::function<Result()>(
             [&shop] { return result_of(shop.run("receivables.record_payment", allocated_payment())); });
       }},
      {"receivables.issue_credit_memo", "issue a credit memo",
       [](sut_test::Shop& shop) {
         customer(shop);
         return std::function<Result()>([&shop] {
           return result_of(
               shop.run("receivables.issue_credit_memo",
                        {{"customer", "C1"}, {"number", "CM-1"}, {"amount", "5"}, {"date", "2026-01-05"}}));
         });
       }},
      {"receivables.apply_credit", "apply a payment's credit",
       [](sut_test::Shop& shop) {
         customer(shop);
         sut_test::must(shop.run("receivables.issue_invoice", invoice("I-1")), "invoice");
         long long credit = sut_test::must(
             shop.run("receivables.record_payment", {{"customer", "C1"}, {"amount", "4"}, {"date", "2026-01-05"}}),
             "pay")["payment_id"];
         return std::function<Result()>([&shop, credit] {
           return result_of(
               shop.run("receivables.apply_credit", {{"credit_id", credit}, {"invoice", "I-1"}, {"amount", "4"}}));
         });
       }},
      {"receivables.reverse_payment", "reverse a payment",
       [](sut_test::Shop& shop) {
         customer(shop);
         sut_test::must(shop.run("receivables.issue_invoice", invoice("I-1")), "invoice");
         long long payment =
             sut_test::must(shop.run("receivables.record_payment", allocated_payment()), "pay")["payment_id"];
         return std::function<Result()>([&shop, payment] {
           return result_of(shop.run("receivables.reverse_payment", {{"payment_id", payment}}));
         });
       }},
      {"receivables.write_off", "write off an invoice",
       [](sut_test::Shop& shop) {
         customer(shop);
         sut_test::must(shop.run("receivables.issue_invoice", invoice("I-1")), "invoice");
         return std::function<Result()>([&shop] {
           return result_of(shop.run("receivables.write_off", {{"invoice", "I-1"}, {"date", "2026-01-06"}}));
         });
       }},
      call("payables.add_vendor", "add a vendor", {{"code", "V9"}, {"name", "Nine"}}, false),
      {"payables.enter_bill", "enter a vendor bill",
       [](sut_test::Shop& shop) {
         long long receipt = vendor_receipt(shop, false);
         return std::function<Result()>([&shop, receipt] {
           return result_of(shop.run("payables.enter_bill", {{"vendor", "V1"},
                                                             {"number", "VB-1"},
                                                             {"date", "2026-01-05"},
                                                             {"receipts", {{{"movement", receipt}}}}}));
         });
       }},
      {"payables.pay_vendor", "pay a vendor, allocated",
       [](sut_test::Shop& shop) {
         vendor_receipt(shop, true);
         return std::function<Result()>(
             [&shop] { return result_of(shop.run("payables.pay_vendor", vendor_payment())); });
       }},
      {"payables.apply_advance", "apply a vendor advance",
       [](sut_test::Shop& shop) {
         vendor_receipt(shop, true);
         long long payment = sut_test::must(shop.run("payables.pay_vendor", vendor_payment()), "pay")["payment_id"];
         return std::function<Result()>([&shop, payment] {
           return result_of(
               shop.run("payables.apply_advance", {{"payment_id", payment}, {"bill", "VB-1"}, {"amount", "1"}}));
         });
       }},
      {"payables.reverse_payment", "reverse a vendor payment",
       [](sut_test::Shop& shop) {
         vendor_receipt(shop, true);
         long long payment = sut_test::must(shop.run("payables.pay_vendor", vendor_payment()), "pay")["payment_id"];
         sut_test::must(
             shop.run("payables.apply_advance", {{"payment_id", payment}, {"bill", "VB-1"}, {"amount", "1"}}), "apply");
         return std::function<Result()>([&shop, payment] {
           return result_of(shop.run("payables.reverse_payment", {{"payment_id", payment}}));
         });
       }},
      {"inventory.reverse", "reverse a transfer",
       [](sut_test::Shop& shop) {
         stock(shop);
         long long out_leg = shop.transfer("B1", "WH1", "WH2", "3").out_movement_id;
         return std::function<Result()>([&shop, out_leg] {
           return result_of(shop.run("inventory.reverse", {{"movement", out_leg}}));
         });
       }},
  };
  return all;
}

std::vector<std::string> system_tables() {
  std::vector<std::string> names;
  for (const auto& t : verdict::system_under_test().tables) names.push_back(t.name);
  return names;
}

TEST(FailpointSweep, ReachesEveryRegisteredCommand) {
  // Guard rail: a command added to a module without a case here is a crash nobody has tried.
  std::string missing;
  for (const auto& command : verdict::system_under_test().commands) {
    bool covered = false;
    for (const auto& m : mutations()) covered = covered || m.command == command.name;
    if (!covered) missing += " " + command.name;
  }
  EXPECT_TRUE(missing.empty()) << "registered commands the failpoint sweep never runs:" << missing;
}

// Disarms on every exit, so one failing scenario cannot leave a point armed for the next.
struct Armed {
  explicit Armed(const std::string& name) { fp::arm(name); }
  ~Armed() { fp::disarm_all(); }
  Armed(const Armed&) = delete;
  Armed& operator=(const Armed&) = delete;
};

class Failpoints : public ::testing::Test {
 protected:
  void TearDown() override { fp::disarm_all(); }

  // Each scenario gets a tenant of its own: the shared tables stay, the names never clash.
  std::unique_ptr<sut_test::Shop> new_shop() {
    return std::make_unique<sut_test::Shop>(db_->app_conninfo(), fmt::format("t{}", tenant_count_++));
  }
  std::string fingerprints() const { return verdict::db::table_fingerprints(db_->admin_conninfo(), system_tables()); }

  std::unique_ptr<verdict::db::ScratchDatabase> db_ = sut_test::scratch_database();
  int tenant_count_ = 0;
};

TEST_F(Failpoints, WithNothingArmedEveryMutationSucceedsAndWrites) {
  // The counterpart of the test below: a successful mutation does change the fingerprints, so
  // "unchanged" there is a claim that can fail.
  for (const auto& mutation : mutations()) {
    SCOPED_TRACE(mutation.name);
    auto shop = new_shop();
    auto run = mutation.prepare(*shop);
    std::string before = fingerprints();
    Result r = run();
    EXPECT_TRUE(r.ok) << r.code << " " << r.message;
    EXPECT_NE(fingerprints(), before);
  }
}

TEST_F(Failpoints, EveryFailpointRollsBackEveryMutationThatReachesIt) {
  const auto declared = fp::declared();
  ASSERT_FALSE(declared.empty());
  std::set<std::string> reached;
  for (const auto& mutation : mutations()) {
    // A run with nothing armed says which points the mutation passes (the path up to a point is the
    // same armed or not); only those are armed below, each on a fresh shop.
    std::vector<std::string> passed;
    {
      auto shop = new_shop();
      auto run = mutation.prepare(*shop);
      fp::reset_hit_counts();
      Result r = run();
      EXPECT_TRUE(r.ok) << mutation.name << ": " << r.code << " " << r.message;
      for (const auto& point : declared)
        if (fp::hit_count(point.name) > 0) passed.push_back(point.name);
    }
    for (const auto& point : passed) {
      SCOPED_TRACE(fmt::format("{} armed during {}", point, mutation.name));
      auto shop = new_shop();
      auto run = mutation.prepare(*shop);
      std::string before = fingerprints();
      fp::reset_hit_counts();
      Result r;
      {
        Armed armed(point);
        r = run();
      }
      ASSERT_GT(fp::hit_count(point), 0) << "the armed run did not pass the point the plain run passed";
      reached.insert(point);
      ASSERT_FALSE(r.ok);
      ASSERT_FALSE(r.unknown);
      EXPECT_EQ(r.code, sut::codes::internal) << r.code;
      EXPECT_THAT(r.message, HasSubstr("failpoint triggered: " + point));
      EXPECT_EQ(r.attempts, 1);  // a crash is not a conflict: never retried
      EXPECT_EQ(fingerprints(), before);
    }
  }
  std::string never_reached;
  for (const auto& point : declared) {
    if (!reached.count(point.name)) never_reached += " " + point.name;
  }
  EXPECT_TRUE(never_reached.empty()) << "declared failpoints no mutation reaches:" << never_reached;
}

}  // namespace
