// The orders property suite, on the harness's generic stateful runner (verdict/stateful.hpp).
// RapidCheck generates price rules (some tied, some for unknown customers), draft orders (some with
// a given price, some with a bad quantity), acceptances (over the credit limit, overridden by the
// admin or refused for the helper, short of stock), split shipments, cancellations, plain
// fulfilments racing the reservations for available stock, credit-limit changes and a discontinued
// product, with role changes of a second actor; runs each against the system on a fresh database
// and against the reference model (model/orders_model.hpp); and asserts after every command that the
// outcome is the one the model predicts, that every batch's on-hand and reserved stock and every
// customer's amount due equal the model's, and that every invariant holds.

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "orders_model.hpp"
#include "support.hpp"
#include "verdict/suites.hpp"

namespace {
using json = nlohmann::json;
using model::OrdersModel;
using props::Sut;

const std::vector<std::string> numbers = {"O-1", "O-2", "O-3", "O-4", "O-5", "O-6", "O-7", "O-8"};

std::string quantity(int q) { return fmt::format("{}.0000", q); }

void judge(Sut& sut, const verdict::StepRecord& record, const model::Expected& expected, const OrdersModel& after) {
  props::judging(sut, record, [&] {
    props::judge_outcome(sut, record, {expected.ok, expected.code, expected.field});
    for (const auto& b : after.batches())
      props::expect_read(sut, record, "available", {{"sku", "SKU-1"}, {"batch", b.code}, {"location", "WH1"}},
                         {{"on_hand", quantity(b.on_hand)},
                          {"reserved", quantity(b.reserved)},
                          {"available", quantity(b.on_hand - b.reserved)}},
                         b.code);
    for (const auto& customer : OrdersModel::customers())
      props::expect_read(sut, record, "customer_balance", {{"customer", customer}},
                         {{"due", model::format_cents(after.due(customer))}, {"credit", "0.00"}}, customer);
  });
}

template <typename Derived>
using ModelCommand = props::ModelCommand<OrdersModel, judge, Derived>;

// An order number: mostly one the model holds in `status`, else any.
rc::Gen<std::string> gen_number(const OrdersModel& m, const std::string& status) {
  std::vector<std::string> held, fitting;
  for (const auto& [number, o] : m.orders()) {
    held.push_back(number);
    if (o.status == status) fitting.push_back(number);
  }
  if (held.empty()) return rc::gen::elementOf(numbers);
  if (fitting.empty())
    return rc::gen::weightedOneOf<std::string>({{5, rc::gen::elementOf(held)}, {1, rc::gen::elementOf(numbers)}});
  return rc::gen::weightedOneOf<std::string>(
      {{8, rc::gen::elementOf(fitting)}, {2, rc::gen::elementOf(held)}, {1, rc::gen::elementOf(numbers)}});
}

// Whether the model holds an order in `status`: commands on orders run mostly when one fits (else
// the sequence would be mostly NOT_FOUND and ORDER_NOT_OPEN), and one time in five anyway.
bool holds_order(const OrdersModel& m, const std::string& status) {
  for (const auto& [number, o] : m.orders())
    if (o.status == status) return true;
  return false;
}
rc::Gen<bool> gen_wild() { return rc::gen::element(false, false, false, false, true); }

struct AddPriceRule : ModelCommand<AddPriceRule> {
  // Mostly a customer's own or a quantity break; a second rule for everybody from 0 ties the list price.
  std::string customer = *rc::gen::element<std::string>("", "C1", "C1", "C2", "C9");
  int min_qty = *rc::gen::element(0, 5, 5);
  std::string price = *rc::gen::weightedOneOf<std::string>(
      {{6, rc::gen::element<std::string>("3", "6", "4.25")}, {1, rc::gen::just<std::string>("0")}});
  model::Expected on(OrdersModel& m) const {
    return m.add_price_rule(actor, {customer, min_qty, model::parse_amount(price).value_or(0)});
  }
  std::string name() const { return "orders.add_price_rule"; }
  json args(const Sut&) const {
    json out{{"sku", "SKU-1"}, {"unit_price", price}, {"min_qty", std::to_string(min_qty)}};
    if (!customer.empty()) out["customer"] = customer;
    return out;
  }
  void show(std::ostream& os) const override {
    os << fmt::format("{}: price {} from {}{}", actor, price, min_qty, customer.empty() ? "" : " for " + customer);
  }
};

struct Create : ModelCommand<Create> {
  std::string number = *rc::gen::elementOf(numbers);
  std::string customer = *rc::gen::weightedOneOf<std::string>(
      {{8, rc::gen::element<std::string>("C1", "C2")}, {1, rc::gen::just<std::string>("C9")}});
  std::string qty = *rc::gen::weightedOneOf<std::string>(
      {{8, rc::gen::element<std::string>("1", "2", "3", "6")}, {1, rc::gen::element<std::string>("0", "12", "25")}});
  std::string price = *rc::gen::element<std::string>("", "", "", "2.5", "30");
  // Mostly untaxed or a real rate (0.0825 rounds: 2.5 × 0.0825 = 0.20625); one time in eight over 1.
  std::string tax_rate = *rc::gen::weightedOneOf<std::string>(
      {{7, rc::gen::element<std::string>("", "", "0.0825", "0.2")}, {1, rc::gen::just<std::string>("1.5")}});
  model::Expected on(OrdersModel& m) const { return m.create(actor, number, customer, qty, price, tax_rate); }
  std::string name() const { return "orders.create"; }
  json args(const Sut&) const {
    json line{{"sku", "SKU-1"}, {"qty", qty}};
    if (!price.empty()) line["unit_price"] = price;
    if (!tax_rate.empty()) line["tax_rate"] = tax_rate;
    return {{"number", number}, {"customer", customer}, {"lines", json::array({line})}};
  }
  void show(std::ostream& os) const override {
    os << fmt::format("{}: order {} for {}: {}{}{}", actor, number, customer, qty, price.empty() ? "" : " at " + price,
                      tax_rate.empty() ? "" : " taxed " + tax_rate);
  }
};

struct Accept : ModelCommand<Accept> {
  std::string number;
  bool override_limit = *rc::gen::element(false, false, true);
  bool wild = *gen_wild();
  explicit Accept(const OrdersModel& m) : number(*gen_number(m, "draft")) {}
  void checkPreconditions(const OrdersModel& m) const override { RC_PRE(wild || holds_order(m, "draft")); }
  model::Expected on(OrdersModel& m) const { return m.accept(actor, number, override_limit); }
  std::string name() const { return "orders.accept"; }
  json args(const Sut&) const {
    json out{{"number", number}};
    if (override_limit) out["override_credit_limit"] = true;
    return out;
  }
  void show(std::ostream& os) const override {
    os << fmt::format("{}: accept {}{}", actor, number, override_limit ? " (override)" : "");
  }
};

struct Ship : ModelCommand<Ship> {
  std::string number;
  std::string invoice = *rc::gen::element<std::string>("S-1", "S-2", "S-3", "S-4", "S-5", "S-6", "S-7", "S-8");
  int qty = 0;
  bool wild = *gen_wild();
  void checkPreconditions(const OrdersModel& m) const override { RC_PRE(wild || holds_order(m, "accepted")); }
  // Mostly at most what is open: all of it, or one.
  explicit Ship(const OrdersModel& m) : number(*gen_number(m, "accepted")) {
    auto it = m.orders().find(number);
    int open = it == m.orders().end() ? 0 : it->second.open();
    qty = open > 0 ? *rc::gen::element(open, open, 1, open + 1) : *rc::gen::element(1, 5);
  }
  model::Expected on(OrdersModel& m) const { return m.ship(actor, number, invoice, qty); }
  std::string name() const { return "orders.ship"; }
  json args(const Sut&) const {
    return {{"number", number}, {"invoice", invoice}, {"lines", {{{"line", 1}, {"qty", std::to_string(qty)}}}}};
  }
  void show(std::ostream& os) const override {
    os << fmt::format("{}: ship {} of {} invoiced as {}", actor, qty, number, invoice);
  }
};

struct Cancel : ModelCommand<Cancel> {
  std::string number;
  bool wild = *gen_wild();
  explicit Cancel(const OrdersModel& m) : number(*gen_number(m, "accepted")) {}
  void checkPreconditions(const OrdersModel& m) const override { RC_PRE(wild || holds_order(m, "accepted")); }
  model::Expected on(OrdersModel& m) const { return m.cancel(actor, number); }
  std::string name() const { return "orders.cancel"; }
  json args(const Sut&) const { return {{"number", number}}; }
  void show(std::ostream& os) const override { os << fmt::format("{}: cancel {}", actor, number); }
};

struct Fulfill : ModelCommand<Fulfill> {
  int batch = *rc::gen::inRange(0, 2);
  int qty = *rc::gen::element(1, 3, 8);
  model::Expected on(OrdersModel& m) const { return m.fulfill(actor, batch, qty); }
  std::string name() const { return "inventory.fulfill"; }
  json args(const Sut&) const {
    return {{"sku", "SKU-1"},
            {"batch", OrdersModel::batch_codes()[batch]},
            {"location", "WH1"},
            {"qty", std::to_string(qty)}};
  }
  void show(std::ostream& os) const override {
    os << fmt::format("{}: fulfil {} of {}", actor, qty, OrdersModel::batch_codes()[batch]);
  }
};

// As the admin (receivables.manage): the limit of C1 or C2 changes, or goes (no limit).
struct SetCreditLimit : ModelCommand<SetCreditLimit> {
  std::string customer = *rc::gen::element<std::string>("C1", "C2");
  std::string limit = *rc::gen::element<std::string>("", "0", "50", "100", "200");
  model::Expected on(OrdersModel& m) const {
    // parse_amount takes positive amounts only: a limit of 0 is written here.
    std::optional<model::Cents> cents;
    if (!limit.empty()) cents = limit == "0" ? 0 : model::parse_amount(limit).value();
    return m.set_credit_limit(customer, cents);
  }
  std::string name() const { return "receivables.set_credit_limit"; }
  json args(const Sut&) const {
    json out{{"customer", customer}};
    if (!limit.empty()) out["credit_limit"] = limit;
    return out;
  }
  std::string actor_of() const { return OrdersModel::admin; }
  void show(std::ostream& os) const override {
    os << fmt::format("limit of {}: {}", customer, limit.empty() ? "none" : limit);
  }
};

// Late in a sequence only: after it, no order is accepted.
struct Discontinue : ModelCommand<Discontinue> {
  void checkPreconditions(const OrdersModel& m) const override { RC_PRE(m.orders().size() >= 2); }
  model::Expected on(OrdersModel& m) const { return m.discontinue(); }
  std::string name() const { return "inventory.discontinue"; }
  json args(const Sut&) const { return {{"sku", "SKU-1"}}; }
  std::string actor_of() const { return OrdersModel::admin; }
  void show(std::ostream& os) const override { os << "discontinue SKU-1"; }
};

verdict::SuiteResult run_orders(const verdict::RunContext& context, const verdict::PropertyParams& params) {
  verdict::stateful::Suite<OrdersModel, Sut> suite;
  suite.name = "orders";
  suite.commands = {"access.grant_role",    "access.revoke_role", "orders.add_price_rule",
                    "orders.create",        "orders.accept",      "orders.ship",
                    "orders.cancel",        "inventory.fulfill",  "receivables.set_credit_limit",
                    "inventory.discontinue"};
  suite.initial_model = [] { return OrdersModel(); };
  suite.generate = [](const OrdersModel& initial) {
    return rc::state::gen::commands(
        initial, rc::state::gen::execOneOfWithArgs<
                     AddPriceRule, Create, Create, Create, Accept, Accept, Accept, Ship, Ship, Ship, Cancel, Fulfill,
                     SetCreditLimit, props::RoleChange<OrdersModel, judge, true>,
                     props::RoleChange<OrdersModel, judge, false>, Create, Accept, Ship, Discontinue>());
  };
  std::vector<std::pair<std::string, json>> setup = {
      {"access.create_tenant", json::object()},
      {"inventory.add_product", {{"sku", "SKU-1"}, {"name", "Widget"}}},
      {"inventory.add_location", {{"location", "WH1"}}},
      {"inventory.receive",
       {{"sku", "SKU-1"},
        {"batch", "B-LATE"},
        {"location", "WH1"},
        {"qty", "10"},
        {"unit_cost", "2"}}},  // received first, never expires: reserved last
      {"inventory.receive",
       {{"sku", "SKU-1"},
        {"batch", "B-SOON"},
        {"location", "WH1"},
        {"qty", "10"},
        {"unit_cost", "1"},
        {"expires_on", "2026-06-30"}}},
      {"receivables.add_customer", {{"code", "C1"}, {"name", "Customer C1"}, {"credit_limit", "100"}}},
      {"receivables.add_customer", {{"code", "C2"}, {"name", "Customer C2"}}},
      {"orders.add_price_rule", {{"sku", "SKU-1"}, {"unit_price", "5"}}},
  };
  return props::run_suite(context, params, std::move(suite), std::move(setup));
}

const struct Registrar {
  Registrar() {
    verdict::register_property_suite(
        {"orders",
         "price rules, drafts, acceptances against credit limits and stock (first expiry first out), split "
         "shipments, cancellations and plain fulfilments, as two actors whose roles change, against the reference "
         "model's stock, reservations and amounts due",
         run_orders,
         {"access.create_tenant", "access.grant_role", "access.revoke_role", "orders.add_price_rule", "orders.create",
          "orders.accept", "orders.ship", "orders.cancel", "inventory.fulfill", "receivables.set_credit_limit",
          "inventory.discontinue", "inventory.add_product", "inventory.add_location", "inventory.receive",
          "receivables.add_customer"}});
  }
} registrar;

}  // namespace
