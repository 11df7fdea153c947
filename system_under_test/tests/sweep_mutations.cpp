// The mutation sweep's cases (sweep_mutations.hpp).

#include "sweep_mutations.hpp"

#include <fmt/format.h>

namespace sweep {

using json = nlohmann::json;

Result result_of(const sut::Executed& r) {
  Result out{r.kind == sut::Executed::Kind::ok, r.kind == sut::Executed::Kind::unknown, "", "", r.attempts, {}};
  if (out.ok) out.values = r.values;
  if (r.kind == sut::Executed::Kind::error) {
    out.code = r.error.code;
    out.message = r.error.message;
  }
  return out;
}

namespace {

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

}  // namespace

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

}  // namespace sweep
