// The orders module: commands, reads and the module record. Arguments arrive validated against the
// declarations at the bottom of this file. docs/MONEY.md "Orders and pricing" is the contract.

#include "orders.hpp"

#include <fmt/format.h>

#include "../inventory/inventory.hpp"
#include "../ledger/ledger.hpp"
#include "../receivables/receivables.hpp"
#include "sut/module.hpp"
#include "sut/tx.hpp"
#include "verdict/failpoints.hpp"

namespace sut {
std::vector<Migration> orders_migrations();           // generated from migrations/
std::vector<verdict::Invariant> orders_invariants();  // invariants.cpp
}  // namespace sut

namespace sut::orders {
namespace {

constexpr int code_length_max = 32;
constexpr int sku_length_max = 64;
constexpr int lines_max = 50;
constexpr const char* override_permission = "orders.override_credit";

std::string today(const Tx& tx) { return ledger::date_of(tx.context().as_of); }

std::string line_field(long long line_no, const char* name) { return fmt::format("lines[{}].{}", line_no - 1, name); }

struct Price {
  UnitPrice unit_price;
  long long rule_id = 0;  // 0: the price given on the line
};

// The price rule for a product, customer, quantity and date (docs/MONEY.md "Price rules"): of the
// rules that apply, a customer's own before one for everybody, then the largest quantity break, then
// the latest start (an open start is the earliest). Two rules tied on all three: AMBIGUOUS_PRICE;
// none: NO_PRICE. Both name `field`.
Outcome<Price> resolve_price(Tx& tx, long long product, long long customer, Quantity qty, const std::string& date,
                             const std::string& field) {
  auto r = tx.exec("orders_price_candidates",
                   "SELECT rule_id, unit_price::text, customer_id IS NOT NULL, min_qty::text, "
                   "coalesce(valid_from::text, '') FROM price_rules WHERE tenant_id = $1 AND product_id = $2 "
                   "AND (customer_id IS NULL OR customer_id = $3) AND min_qty <= $4::numeric "
                   "AND (valid_from IS NULL OR valid_from <= $5::date) AND (valid_to IS NULL OR valid_to >= $5::date) "
                   "ORDER BY customer_id IS NOT NULL DESC, min_qty DESC, valid_from DESC NULLS LAST, rule_id LIMIT 2",
                   tx.tenant(), product, customer, qty.to_string(), date);
  if (r.empty())
    return Error{codes::no_price, field,
                 fmt::format("{}: no price rule applies on {} for quantity {}, and no price was given", field, date,
                             qty.to_string())};
  if (r.size() == 2 && r[0][2].as<bool>() == r[1][2].as<bool>() &&
      r[0][3].as<std::string>() == r[1][3].as<std::string>() && r[0][4].as<std::string>() == r[1][4].as<std::string>())
    return Error{codes::ambiguous_price, field,
                 fmt::format("{}: price rules {} and {} apply with equal priority", field, r[0][0].as<long long>(),
                             r[1][0].as<long long>())};
  tx.touch(kinds::price_rule, r[0][0].as<long long>());
  return Price{UnitPrice::parse(r[0][1].as<std::string>(), "unit_price").value(), r[0][0].as<long long>()};
}

struct Order {
  long long id = 0;
  long long customer_id = 0;
  std::string status;
};

Outcome<Order> find_order(Tx& tx, const std::string& number, bool lock) {
  auto r = lock ? tx.exec("orders_lock_order",
                          "SELECT order_id, customer_id, status FROM orders WHERE tenant_id = $1 AND number = $2 "
                          "FOR UPDATE",
                          tx.tenant(), number)
                : tx.exec("orders_find_order",
                          "SELECT order_id, customer_id, status FROM orders WHERE tenant_id = $1 AND number = $2",
                          tx.tenant(), number);
  if (r.empty()) return not_found("number", fmt::format("number: no order '{}'", number));
  tx.touch(kinds::order, r[0][0].as<long long>());
  return Order{r[0][0].as<long long>(), r[0][1].as<long long>(), r[0][2].as<std::string>()};
}

Error not_open(const std::string& number, const Order& order, const char* wanted) {
  return Error{codes::order_not_open, "number",
               fmt::format("number: order '{}' is {}; this needs it {}", number, order.status, wanted)};
}

// The value of what the customer's accepted orders have not shipped or cancelled yet, line by line
// a = round(open qty × unit price, 2) plus its tax round(a × rate, 2): what those lines would invoice
// now, the "accepted, not yet invoiced" part of its exposure.
Money uninvoiced(Tx& tx, long long customer) {
  auto r = tx.exec("orders_uninvoiced",
                   "SELECT coalesce(sum(a + round(a * tax_rate, 2)), 0)::text FROM (SELECT "
                   "round((l.qty - l.shipped - l.cancelled) * l.unit_price, 2) AS a, l.tax_rate "
                   "FROM orders o JOIN order_lines l ON l.order_id = o.order_id "
                   "WHERE o.customer_id = $1 AND o.status = 'accepted') open_lines",
                   customer);
  return Money::parse(r[0][0].as<std::string>(), "uninvoiced").value();
}

// Commands ---------------------------------------------------------------------------------------

Outcome<json> add_price_rule(Tx& tx, const Args& a) {
  auto product = inventory::find_product(tx, a.text("sku"), "sku");
  if (!product.ok()) return product.error();
  long long customer = 0;
  if (a.has("customer")) {
    auto c = receivables::find_customer(tx, a.text("customer"), "customer");
    if (!c.ok()) return c.error();
    customer = c.value();
  }
  auto r = tx.exec("orders_add_price_rule",
                   "INSERT INTO price_rules (tenant_id, product_id, customer_id, min_qty, valid_from, valid_to, "
                   "unit_price, created_at) VALUES ($1, $2, NULLIF($3::bigint, 0), coalesce(NULLIF($4, '')::numeric, "
                   "0), NULLIF($5, '')::date, NULLIF($6, '')::date, $7::numeric, $8::timestamptz) RETURNING rule_id",
                   tx.tenant(), product.value().id, customer, a.text("min_qty"), a.text("valid_from"),
                   a.text("valid_to"), a.text("unit_price"), tx.context().as_of);
  tx.touch(kinds::price_rule, r[0][0].as<long long>());
  return json{{"rule_id", r[0][0].as<long long>()}};
}

Outcome<json> create(Tx& tx, const Args& a) {
  auto customer = receivables::find_customer(tx, a.text("customer"), "customer");
  if (!customer.ok()) return customer.error();
  auto lines = a.list("lines");
  json rows = json::array();
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string field = line_field(static_cast<long long>(i + 1), "sku");
    auto product = inventory::find_product(tx, lines[i].text("sku"), field);
    if (!product.ok()) return product.error();
    if (product.value().discontinued)
      return Error{inventory::codes::product_discontinued, field,
                   fmt::format("{}: product '{}' is discontinued", field, lines[i].text("sku"))};
    rows.push_back({{"n", i + 1},
                    {"p", product.value().id},
                    {"q", lines[i].text("qty")},
                    {"g", lines[i].has("unit_price") ? json(lines[i].text("unit_price")) : json(nullptr)},
                    {"t", receivables::tax_rate_of(lines[i]).to_string()}});
  }
  auto r =
      tx.exec("orders_create",
              "WITH o AS (INSERT INTO orders (tenant_id, number, customer_id, ordered_on) "
              "  VALUES ($1, $2, $3, $4::date) ON CONFLICT ON CONSTRAINT orders_number_unique DO NOTHING "
              "  RETURNING order_id), "
              "l AS (INSERT INTO order_lines (tenant_id, order_id, line_no, product_id, qty, given_price, tax_rate) "
              "  SELECT $1, o.order_id, t.n, t.p, t.q, t.g, t.t FROM o, "
              "  jsonb_to_recordset($5::jsonb) AS t(n integer, p bigint, q numeric, g numeric, t numeric)) "
              "SELECT order_id FROM o",
              tx.tenant(), a.text("number"), customer.value(), today(tx), rows.dump());
  if (r.empty())
    return Error{ledger::codes::duplicate_document_number, "number",
                 fmt::format("number: order '{}' exists already", a.text("number"))};
  tx.touch(kinds::order, r[0][0].as<long long>());
  return json{{"order_id", r[0][0].as<long long>()}, {"status", "draft"}};
}

struct Line {
  long long id = 0, line_no = 0, product_id = 0;
  std::string sku;
  bool discontinued = false;
  Quantity qty, open;
  std::string given_price, unit_price;  // "" when none
  UnitPrice tax_rate;
};

std::vector<Line> lines_of(Tx& tx, long long order) {
  std::vector<Line> out;
  for (const auto& r :
       tx.exec("orders_lines",
               "SELECT l.line_id, l.line_no, l.product_id, p.sku, p.discontinued, l.qty::text, "
               "(l.qty - l.shipped - l.cancelled)::text, coalesce(l.given_price::text, ''), "
               "coalesce(l.unit_price::text, ''), l.tax_rate::text FROM order_lines l "
               "JOIN products p ON p.product_id = l.product_id WHERE l.order_id = $1 ORDER BY l.line_no",
               order))
    out.push_back({r[0].as<long long>(), r[1].as<long long>(), r[2].as<long long>(), r[3].as<std::string>(),
                   r[4].as<bool>(), Quantity::parse(r[5].as<std::string>(), "qty").value(),
                   Quantity::parse(r[6].as<std::string>(), "open").value(), r[7].as<std::string>(),
                   r[8].as<std::string>(), UnitPrice::parse(r[9].as<std::string>(), "tax_rate").value()});
  return out;
}

Outcome<json> accept(Tx& tx, const Args& a) {
  const std::string number = a.text("number");
  auto head = find_order(tx, number, false);
  if (!head.ok()) return head.error();
  // The customer first (the lock order): a credit decision is taken under its row lock.
  auto credit = receivables::lock_customer(tx, head.value().customer_id);
  if (!credit.ok()) return credit.error();
  auto order = find_order(tx, number, true);
  if (!order.ok()) return order.error();
  if (order.value().status != "draft") return not_open(number, order.value(), "a draft");
  const std::string date = today(tx);
  auto lines = lines_of(tx, order.value().id);
  Money value;
  json priced = json::array();
  std::vector<inventory::Hold> holds;
  for (const auto& line : lines) {
    if (line.discontinued)
      return Error{inventory::codes::product_discontinued, line_field(line.line_no, "sku"),
                   fmt::format("{}: product '{}' was discontinued", line_field(line.line_no, "sku"), line.sku)};
    Price price;
    if (!line.given_price.empty()) {
      price.unit_price = UnitPrice::parse(line.given_price, "unit_price").value();
    } else {
      auto found = resolve_price(tx, line.product_id, order.value().customer_id, line.qty, date,
                                 line_field(line.line_no, "unit_price"));
      if (!found.ok()) return found.error();
      price = found.value();
    }
    // The line's value is what its shipments will invoice: amount and tax, each rounded once
    // (docs/MONEY.md "Tax").
    auto amount = multiply_rounded<Money>(line.qty, price.unit_price);
    auto tax = amount ? multiply_rounded<Money>(*amount, line.tax_rate) : std::nullopt;
    auto gross = tax ? amount->add(*tax) : std::nullopt;
    auto next = gross ? value.add(*gross) : std::nullopt;
    if (!next) return validation("lines", "lines: the order's value exceeds the largest amount");
    value = *next;
    priced.push_back({{"id", line.id},
                      {"p", price.unit_price.to_string()},
                      {"r", price.rule_id == 0 ? json(nullptr) : json(price.rule_id)},
                      {"a", amount->to_string()},
                      {"t", tax->to_string()}});
    holds.push_back({line.id, line.product_id, line.qty, line_field(line.line_no, "qty")});
  }
  // Exposure: what the customer owes on invoices plus what its accepted orders will invoice.
  Money exposure = credit.value().due.add(uninvoiced(tx, order.value().customer_id)).value();
  const auto& limit = credit.value().limit;
  bool over = limit && exposure.add(value).value() > *limit;
  if (over && !a.flag("override_credit_limit"))
    return Error{codes::credit_limit_exceeded, "number",
                 fmt::format("number: exposure {} plus this order's {} exceeds the customer's credit limit {}",
                             exposure.to_string(), value.to_string(), limit->to_string())};
  if (over && !holds_permission(tx, override_permission))
    return Error{sut::codes::forbidden, "override_credit_limit",
                 fmt::format("override_credit_limit: actor '{}' lacks permission '{}'", tx.context().actor,
                             override_permission)};
  if (auto e = inventory::reserve(tx, line_owner, holds)) return *e;
  tx.exec("orders_price_lines",
          "UPDATE order_lines l SET unit_price = t.p, price_rule_id = t.r, amount = t.a, tax = t.t "
          "FROM jsonb_to_recordset($1::jsonb) AS t(id bigint, p numeric, r bigint, a numeric, t numeric) "
          "WHERE l.line_id = t.id",
          priced.dump());
  tx.exec("orders_accept",
          "UPDATE orders SET status = 'accepted', accepted_on = $2::date, value = $3::numeric, "
          "credit_limit = NULLIF($4, '')::numeric, exposure = $5::numeric, credit_override = $6, version = version + 1 "
          "WHERE order_id = $1",
          order.value().id, date, value.to_string(), limit ? limit->to_string() : std::string(), exposure.to_string(),
          over);
  VERDICT_FAILPOINT("orders.after_order");
  return json{{"order_id", order.value().id},
              {"value", value.to_string()},
              {"exposure", exposure.to_string()},
              {"credit_override", over}};
}

Outcome<json> ship(Tx& tx, const Args& a) {
  const std::string number = a.text("number");
  auto order = find_order(tx, number, true);
  if (!order.ok()) return order.error();
  if (order.value().status != "accepted") return not_open(number, order.value(), "accepted");
  auto lines = lines_of(tx, order.value().id);
  auto requested = a.list("lines");
  std::vector<inventory::Take> takes;
  std::vector<receivables::InvoiceLine> invoiced;
  json shipped = json::array();
  for (std::size_t i = 0; i < requested.size(); ++i) {
    long long line_no = requested[i].id("line");
    const Line* line = nullptr;
    for (const auto& l : lines)
      if (l.line_no == line_no) line = &l;
    std::string at = fmt::format("lines[{}]", i);
    if (!line) return not_found(at + ".line", fmt::format("{}.line: order '{}' has no line {}", at, number, line_no));
    Quantity qty = Quantity::parse(requested[i].text("qty"), "qty").value();
    if (qty > line->open)
      return Error{
          codes::exceeds_open_quantity, at + ".qty",
          fmt::format("{}.qty: line {} has {} open, not {}", at, line_no, line->open.to_string(), qty.to_string())};
    takes.push_back({line->id, qty, at + ".qty"});
    invoiced.push_back({line->sku, qty, UnitPrice::parse(line->unit_price, "unit_price").value(), line->tax_rate});
    shipped.push_back({{"id", line->id}, {"q", qty.to_string()}});
  }
  if (auto e = inventory::ship_reserved(tx, line_owner, takes)) return *e;
  tx.exec("orders_ship_lines",
          "UPDATE order_lines l SET shipped = shipped + t.q FROM jsonb_to_recordset($1::jsonb) AS t(id bigint, q "
          "numeric) WHERE l.line_id = t.id",
          shipped.dump());
  auto invoice = receivables::issue_invoice(tx, order.value().customer_id, a.text("invoice"), today(tx), invoiced,
                                            "lines", "as_of");
  if (!invoice.ok()) {
    Error e = invoice.error();
    if (e.code == ledger::codes::duplicate_document_number) {
      e.field = "invoice";
      e.message = fmt::format("invoice: invoice '{}' exists already", a.text("invoice"));
    }
    return e;
  }
  auto r = tx.exec("orders_shipment",
                   "WITH s AS (INSERT INTO shipments (tenant_id, order_id, invoice_id, shipped_on) "
                   "  VALUES ($1, $2, $3, $4::date) RETURNING shipment_id), "
                   "c AS (UPDATE orders SET status = CASE WHEN (SELECT bool_and(shipped + cancelled = qty) FROM "
                   "  order_lines WHERE order_id = $2) THEN 'closed' ELSE status END, version = version + 1 "
                   "  WHERE order_id = $2 RETURNING status) "
                   "SELECT (SELECT shipment_id FROM s), (SELECT status FROM c)",
                   tx.tenant(), order.value().id, invoice.value().invoice_id, today(tx));
  VERDICT_FAILPOINT("orders.after_order");
  return json{{"shipment_id", r[0][0].as<long long>()},
              {"invoice_id", invoice.value().invoice_id},
              {"total", invoice.value().total.to_string()},
              {"status", r[0][1].as<std::string>()}};
}

Outcome<json> cancel(Tx& tx, const Args& a) {
  const std::string number = a.text("number");
  auto order = find_order(tx, number, true);
  if (!order.ok()) return order.error();
  if (order.value().status != "draft" && order.value().status != "accepted")
    return not_open(number, order.value(), "a draft or accepted");
  std::vector<long long> ids;
  for (const auto& line : lines_of(tx, order.value().id)) ids.push_back(line.id);
  Quantity released = inventory::release(tx, line_owner, ids);
  tx.exec("orders_cancel",
          "WITH l AS (UPDATE order_lines SET cancelled = qty - shipped WHERE order_id = $1) "
          "UPDATE orders SET status = 'cancelled', version = version + 1 WHERE order_id = $1",
          order.value().id);
  VERDICT_FAILPOINT("orders.after_order");
  return json{{"order_id", order.value().id}, {"status", "cancelled"}, {"released", released.to_string()}};
}

// Reads ------------------------------------------------------------------------------------------

json json_or_null(const pqxx::field& f) { return f.is_null() ? json(nullptr) : json(f.as<std::string>()); }

Outcome<json> order(Tx& tx, const Args& a) {
  auto r = tx.sql().exec_params(
      "SELECT o.order_id, c.code, o.status, o.value::text, o.credit_limit::text, o.exposure::text, "
      "o.credit_override FROM orders o JOIN customers c ON c.customer_id = o.customer_id "
      "WHERE o.tenant_id = $1 AND o.number = $2",
      tx.tenant(), a.text("number"));
  if (r.empty()) return not_found("number", fmt::format("number: no order '{}'", a.text("number")));
  json lines = json::array();
  for (const auto& l : tx.sql().exec_params("SELECT l.line_no, p.sku, l.qty::text, l.unit_price::text, l.amount::text, "
                                            "l.shipped::text, l.cancelled::text, l.tax_rate::text, l.tax::text FROM "
                                            "order_lines l JOIN products p ON p.product_id = "
                                            "l.product_id WHERE l.order_id = $1 ORDER BY l.line_no",
                                            r[0][0].as<long long>()))
    lines.push_back({{"line", l[0].as<long long>()},
                     {"sku", l[1].as<std::string>()},
                     {"qty", l[2].as<std::string>()},
                     {"unit_price", json_or_null(l[3])},
                     {"amount", json_or_null(l[4])},
                     {"shipped", l[5].as<std::string>()},
                     {"cancelled", l[6].as<std::string>()},
                     {"tax_rate", l[7].as<std::string>()},
                     {"tax", json_or_null(l[8])}});
  return json{{"customer", r[0][1].as<std::string>()},
              {"status", r[0][2].as<std::string>()},
              {"value", json_or_null(r[0][3])},
              {"credit_limit", json_or_null(r[0][4])},
              {"exposure", json_or_null(r[0][5])},
              {"credit_override", r[0][6].as<bool>()},
              {"lines", lines}};
}

Outcome<json> price(Tx& tx, const Args& a) {
  auto product = inventory::find_product(tx, a.text("sku"), "sku");
  if (!product.ok()) return product.error();
  auto customer = receivables::find_customer(tx, a.text("customer"), "customer");
  if (!customer.ok()) return customer.error();
  auto found = resolve_price(tx, product.value().id, customer.value(), Quantity::parse(a.text("qty"), "qty").value(),
                             a.text("date"), "sku");
  if (!found.ok()) return found.error();
  return json{{"unit_price", found.value().unit_price.to_string()}, {"rule_id", found.value().rule_id}};
}

verdict::FieldDecl number_field() { return field::text("number", code_length_max, "the order number"); }
verdict::FieldDecl customer_field(bool required = true) {
  return field::text("customer", code_length_max, "the customer's code", required);
}
verdict::FieldDecl sku_field() { return field::text("sku", sku_length_max, "the product's SKU"); }

const struct Registrar {
  Registrar() {
    Module m;
    m.name = "orders";
    m.depends_on = {"access", "ledger", "inventory", "receivables"};
    m.migrations = orders_migrations();
    m.commands = {
        {command_decl(
             "orders.add_price_rule", "orders.price",
             "Adds a price rule for a product: for one customer or all, from a quantity up, within dates. Which rule "
             "applies: docs/MONEY.md \"Price rules\".",
             {sku_field(), field::decimal("unit_price", 4, "positive", "the price per unit, scale 4, > 0"),
              customer_field(false),
              field::decimal("min_qty", 4, "non_negative", "the smallest quantity it applies to (default 0)", false),
              field::date("valid_from", "the first day it applies (none: always has)", false),
              field::date("valid_to", "the last day it applies (none: never ends)", false)}),
         [](const Args& a) -> std::optional<Error> {
           if (a.has("valid_from") && a.has("valid_to") && a.text("valid_to") < a.text("valid_from"))
             return validation("valid_to", "valid_to: before valid_from");
           return std::nullopt;
         },
         add_price_rule},
        {command_decl("orders.create", "orders.manage",
                      "Creates a draft order: lines of SKU and quantity, each with a given price or priced by the "
                      "rules when accepted, and a tax rate its shipments invoice. The number is unique per tenant.",
                      {number_field(), customer_field(),
                       field::list("lines",
                                   {sku_field(), field::decimal("qty", 4, "positive", "quantity, scale 4, > 0"),
                                    field::decimal("unit_price", 4, "positive",
                                                   "a given price per unit (none: the price rules')", false),
                                    receivables::tax_rate_field()},
                                   lines_max, "the order's lines")}),
         [](const Args& a) -> std::optional<Error> {
           auto lines = a.list("lines");
           for (std::size_t i = 0; i < lines.size(); ++i)
             if (auto e = receivables::check_tax_rate(lines[i], i)) return e;
           return std::nullopt;
         },
         create},
        {command_decl(
             "orders.accept", "orders.manage",
             "Accepts a draft: fixes each line's price and tax, checks the customer's credit under its row lock "
             "(exposure + this order's value with tax ≤ limit), and reserves the stock first-expiry-first-out.",
             {number_field(), field::boolean("override_credit_limit",
                                             "accept past the credit limit (needs orders.override_credit; recorded)")}),
         nullptr, accept},
        {command_decl("orders.ship", "orders.manage",
                      "Ships part or all of an accepted order's open lines out of its reservations (COGS to the "
                      "ledger) and invoices what shipped; the order closes when nothing is open.",
                      {number_field(), field::text("invoice", code_length_max, "the invoice number for this shipment"),
                       field::list("lines",
                                   {field::id("line", "the order line's number"),
                                    field::decimal("qty", 4, "positive", "how much of it ships now")},
                                   lines_max, "what ships")}),
         [](const Args& a) -> std::optional<Error> {
           auto lines = a.list("lines");
           for (std::size_t i = 0; i < lines.size(); ++i)
             for (std::size_t j = 0; j < i; ++j)
               if (lines[i].id("line") == lines[j].id("line"))
                 return validation(fmt::format("lines[{}].line", i),
                                   fmt::format("lines[{}].line: line {} is named twice", i, lines[i].id("line")));
           return std::nullopt;
         },
         ship},
        {command_decl("orders.cancel", "orders.manage",
                      "Cancels a draft or accepted order: what is not shipped is cancelled and its stock released.",
                      {number_field()}),
         nullptr, cancel},
    };
    m.reads = {
        {{"order",
          "",
          "An order: customer, status, value, what its credit check saw, and its lines (qty, unit price, amount, "
          "tax rate and tax, shipped, cancelled).",
          {number_field()}},
         order},
        {{"price",
          "",
          "The price the rules give a customer for a quantity of a product on a date.",
          {sku_field(), customer_field(), field::decimal("qty", 4, "positive", "the quantity"),
           field::date("date", "the day to price on")}},
         price},
    };
    m.invariants = orders_invariants();
    m.failpoints = {{"orders.after_order", "", "accept, ship, cancel: after every row of the order is written"}};
    m.codes = {
        {codes::credit_limit_exceeded,
         422,
         RetryClass::after_state_change,
         "The customer's exposure plus the order would exceed its credit limit.",
         {}},
        {codes::no_price, 422, RetryClass::never, "No price rule applies to an order line, and none was given.", {}},
        {codes::ambiguous_price,
         422,
         RetryClass::never,
         "Two price rules of equal priority apply to an order line.",
         {}},
        {codes::order_not_open, 409, RetryClass::never, "The order is not in a state that allows this.", {}},
        {codes::exceeds_open_quantity,
         422,
         RetryClass::never,
         "A shipment asks for more of a line than is still open.",
         {}},
    };
    m.tables = {{"price_rules", "", true}, {"orders", "", true}, {"order_lines", "", true}, {"shipments", "", true}};
    register_module(std::move(m));
  }
} registrar;

}  // namespace
}  // namespace sut::orders
