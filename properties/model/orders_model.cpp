#include "orders_model.hpp"

#include <algorithm>

#include "inventory_model.hpp"

namespace model {
namespace {

// A whole positive quantity as sent, or nothing (the system refuses it: not positive, or not a
// decimal the declaration accepts).
std::optional<int> parse_qty(const std::string& text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos || text.size() > 6) return std::nullopt;
  int q = std::stoi(text);
  if (q <= 0) return std::nullopt;
  return q;
}

// What `cents` invoices with its tax at `rate` (1/10000): cents + round(cents × rate / 10000), half
// away from zero (cents are never negative here).
Cents with_tax(Cents cents, long long rate) { return cents + (cents * rate + 5000) / 10000; }

}  // namespace

const std::vector<std::string>& OrdersModel::batch_codes() {
  static const std::vector<std::string> codes = {"B-SOON", "B-LATE"};
  return codes;
}
const std::vector<std::string>& OrdersModel::customers() {
  static const std::vector<std::string> codes = {"C1", "C2"};
  return codes;
}

OrdersModel::OrdersModel() {
  for (const auto& code : batch_codes()) batches_.push_back({code, 10, 0});
  limits_["C1"] = 10000;
  limits_["C2"] = std::nullopt;
  rules_.push_back({"", 0, 500});  // the set-up's list price, 5.00
}

Expected OrdersModel::add_price_rule(const std::string& actor, const ModelRule& rule) {
  if (rule.price <= 0) return fail("VALIDATION_FAILED", "unit_price");
  if (actors_.forbidden(actor)) return fail("FORBIDDEN", "actor");
  if (!rule.customer.empty() && !limits_.count(rule.customer)) return fail("NOT_FOUND", "customer");
  rules_.push_back(rule);
  return Expected{};
}

Expected OrdersModel::create(const std::string& actor, const std::string& number, const std::string& customer,
                             const std::string& qty, const std::string& price, const std::string& tax_rate) {
  auto q = parse_qty(qty);
  if (!q) return fail("VALIDATION_FAILED", "lines[0].qty");
  std::optional<Cents> given;
  if (!price.empty()) {
    given = parse_amount(price);
    if (!given || *given <= 0) return fail("VALIDATION_FAILED", "lines[0].unit_price");
  }
  std::optional<Units> rate = Units{0};
  if (!tax_rate.empty()) rate = parse_units(tax_rate);
  if (!rate || *rate < 0 || *rate > units_per_one) return fail("VALIDATION_FAILED", "lines[0].tax_rate");
  if (actors_.forbidden(actor)) return fail("FORBIDDEN", "actor");
  if (!limits_.count(customer)) return fail("NOT_FOUND", "customer");
  if (discontinued_) return fail("PRODUCT_DISCONTINUED", "lines[0].sku");
  if (orders_.count(number)) return fail("DUPLICATE_DOCUMENT_NUMBER", "number");
  ModelOrder o;
  o.customer = customer;
  o.qty = *q;
  o.given_price = given;
  o.tax_rate = static_cast<long long>(*rate);
  orders_[number] = o;
  return Expected{};
}

// The rule that prices the order: the customer's own before everybody's, then the largest quantity
// break (no dates in this suite). A tie on both is ambiguous.
Expected OrdersModel::price_of(const ModelOrder& order, Cents* price) const {
  if (order.given_price) {
    *price = *order.given_price;
    return Expected{};
  }
  const ModelRule* best = nullptr;
  bool tied = false;
  for (const auto& r : rules_) {
    if ((!r.customer.empty() && r.customer != order.customer) || r.min_qty > order.qty) continue;
    auto rank = [](const ModelRule& x) { return std::make_pair(!x.customer.empty(), x.min_qty); };
    if (!best || rank(r) > rank(*best)) {
      best = &r;
      tied = false;
    } else if (rank(r) == rank(*best)) {
      tied = true;
    }
  }
  if (!best) return fail("NO_PRICE", "lines[0].unit_price");
  if (tied) return fail("AMBIGUOUS_PRICE", "lines[0].unit_price");
  *price = best->price;
  return Expected{};
}

Expected OrdersModel::accept(const std::string& actor, const std::string& number, bool override_limit) {
  if (actors_.forbidden(actor)) return fail("FORBIDDEN", "actor");
  auto it = orders_.find(number);
  if (it == orders_.end()) return fail("NOT_FOUND", "number");
  ModelOrder& o = it->second;
  if (o.status != "draft") return fail("ORDER_NOT_OPEN", "number");
  if (discontinued_) return fail("PRODUCT_DISCONTINUED", "lines[0].sku");
  Cents price = 0;
  if (auto e = price_of(o, &price); !e.ok) return e;
  Cents value = with_tax(price * o.qty, o.tax_rate);
  Cents exposure = due(o.customer);
  for (const auto& [n, other] : orders_)
    if (other.customer == o.customer && other.status == "accepted")
      exposure += with_tax(other.price * other.open(), other.tax_rate);
  const auto& limit = limits_.at(o.customer);
  bool over = limit && exposure + value > *limit;
  if (over && !override_limit) return fail("CREDIT_LIMIT_EXCEEDED", "number");
  if (over && actor != admin) return fail("FORBIDDEN", "override_credit_limit");
  int available = 0;
  for (const auto& b : batches_) available += b.on_hand - b.reserved;
  if (available < o.qty) return fail("INSUFFICIENT_STOCK", "lines[0].qty");
  int left = o.qty;
  for (int i = 0; i < static_cast<int>(batches_.size()) && left > 0; ++i) {
    int take = std::min(left, batches_[i].on_hand - batches_[i].reserved);
    if (take <= 0) continue;
    batches_[i].reserved += take;
    o.holds.emplace_back(i, take);
    left -= take;
  }
  o.price = price;
  o.status = "accepted";
  return Expected{};
}

Expected OrdersModel::ship(const std::string& actor, const std::string& number, const std::string& invoice, int qty) {
  if (actors_.forbidden(actor)) return fail("FORBIDDEN", "actor");
  auto it = orders_.find(number);
  if (it == orders_.end()) return fail("NOT_FOUND", "number");
  ModelOrder& o = it->second;
  if (o.status != "accepted") return fail("ORDER_NOT_OPEN", "number");
  if (qty > o.open()) return fail("EXCEEDS_OPEN_QUANTITY", "lines[0].qty");
  if (std::find(invoices_.begin(), invoices_.end(), invoice) != invoices_.end())
    return fail("DUPLICATE_DOCUMENT_NUMBER", "invoice");
  int left = qty;
  for (auto& [batch, remaining] : o.holds) {
    int take = std::min(left, remaining);
    remaining -= take;
    batches_[batch].reserved -= take;
    batches_[batch].on_hand -= take;
    left -= take;
  }
  o.shipped += qty;
  due_[o.customer] += with_tax(o.price * qty, o.tax_rate);
  invoices_.push_back(invoice);
  if (o.open() == 0) o.status = "closed";
  return Expected{};
}

Expected OrdersModel::cancel(const std::string& actor, const std::string& number) {
  if (actors_.forbidden(actor)) return fail("FORBIDDEN", "actor");
  auto it = orders_.find(number);
  if (it == orders_.end()) return fail("NOT_FOUND", "number");
  ModelOrder& o = it->second;
  if (o.status != "draft" && o.status != "accepted") return fail("ORDER_NOT_OPEN", "number");
  for (auto& [batch, remaining] : o.holds) {
    batches_[batch].reserved -= remaining;
    remaining = 0;
  }
  o.cancelled = o.qty - o.shipped;
  o.status = "cancelled";
  return Expected{};
}

Expected OrdersModel::fulfill(const std::string& actor, int batch, int qty) {
  if (actor != admin) return fail("FORBIDDEN", "actor");  // inventory.move: admin and clerk, never sales
  ModelBatch& b = batches_.at(batch);
  if (qty > b.on_hand - b.reserved) return fail("INSUFFICIENT_STOCK", "qty");
  b.on_hand -= qty;
  return Expected{};
}

Expected OrdersModel::set_credit_limit(const std::string& customer, std::optional<Cents> limit) {
  if (!limits_.count(customer)) return fail("NOT_FOUND", "customer");
  limits_[customer] = limit;
  return Expected{};
}

Expected OrdersModel::discontinue() {
  discontinued_ = true;
  return Expected{};
}

Cents OrdersModel::due(const std::string& customer) const {
  auto it = due_.find(customer);
  return it == due_.end() ? 0 : it->second;
}

}  // namespace model
