// The payables reference model. See payables_model.hpp.

#include "payables_model.hpp"

#include <algorithm>

#include "inventory_model.hpp"

namespace model {

const std::vector<std::string>& PayablesModel::setup_vendors() {
  static const std::vector<std::string> vendors = {"V1", "V2"};
  return vendors;
}

const std::vector<ModelReceipt>& PayablesModel::setup_receipts() {
  static const std::vector<ModelReceipt> receipts = {{"B1", "10", "2.3333", false}, {"B2", "3", "0.005", false},
                                                     {"B3", "5", "4", false},       {"B4", "2", "1.5", false},
                                                     {"B5", "1", "12.5", false},    {"B6", "7", "0.3333", false}};
  return receipts;
}

PayablesModel::PayablesModel() { vendors_.insert(setup_vendors().begin(), setup_vendors().end()); }

Expected PayablesModel::add_vendor(const std::string& actor, const std::string& code) {
  if (actors_.forbidden(actor)) return fail("FORBIDDEN", "actor");
  if (!vendors_.insert(code).second) return fail("ALREADY_EXISTS", "code");
  return Expected{};
}

namespace {
// round(qty × unit cost, 2), half up: qty and cost in 1/10000, their product in 10^-8.
Cents receipt_value(const ModelReceipt& r) {
  return (*parse_units(r.qty) * *parse_units(r.unit_cost) + 500000) / 1000000;
}
std::string at(const char* list, std::size_t i, const char* field) {
  return std::string(list) + "[" + std::to_string(i) + "]." + field;
}
}  // namespace

Expected PayablesModel::enter_bill(const std::string& actor, const std::string& vendor, const std::string& number,
                                   const std::string& currency, const std::vector<int>& receipts) {
  // The declaration and the duplicate check, then the actor, then the body's order.
  for (std::size_t i = 0; i < receipts.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (receipts[j] == receipts[i]) return fail("VALIDATION_FAILED", at("receipts", i, "movement"));
  if (actors_.forbidden(actor)) return fail("FORBIDDEN", "actor");
  if (!currency.empty() && currency != "USD") return fail("CURRENCY_MISMATCH", "currency");
  if (!vendors_.count(vendor)) return fail("NOT_FOUND", "vendor");
  Cents total = 0;
  for (std::size_t i = 0; i < receipts.size(); ++i) {
    if (receipts[i] < 0) return fail("NOT_FOUND", at("receipts", i, "movement"));
    const auto& r = receipts_.at(receipts[i]);
    if (r.reversed) return fail("RECEIPT_REVERSED", at("receipts", i, "movement"));
    total += receipt_value(r);
  }
  if (bills_.count({vendor, number})) return fail("DUPLICATE_DOCUMENT_NUMBER", "number");
  for (std::size_t i = 0; i < receipts.size(); ++i)
    if (billed_.count(receipts[i])) return fail("RECEIPT_ALREADY_BILLED", at("receipts", i, "movement"));
  billed_.insert(receipts.begin(), receipts.end());
  bills_[{vendor, number}] = ModelBill{total, total};
  bill_order_.emplace_back(vendor, number);
  return Expected{};
}

Expected PayablesModel::pay_vendor(const std::string& actor, const std::string& vendor, const std::string& amount,
                                   const std::vector<std::pair<std::string, std::string>>& allocations) {
  auto paid = parse_amount(amount);
  if (!paid) return fail("VALIDATION_FAILED", "amount");
  for (std::size_t i = 0; i < allocations.size(); ++i)
    if (!parse_amount(allocations[i].second)) return fail("VALIDATION_FAILED", at("allocations", i, "amount"));
  Cents allocated = 0;
  for (std::size_t i = 0; i < allocations.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j)
      if (allocations[j].first == allocations[i].first) return fail("VALIDATION_FAILED", at("allocations", i, "bill"));
    allocated += *parse_amount(allocations[i].second);
  }
  if (allocated > *paid) return fail("ALLOCATION_EXCEEDS_CREDIT", "allocations");
  if (actors_.forbidden(actor)) return fail("FORBIDDEN", "actor");
  if (!vendors_.count(vendor)) return fail("NOT_FOUND", "vendor");
  // The vendor's bills in the system's id order (unknown numbers first: they have no id).
  std::vector<std::pair<int, std::size_t>> order;
  for (std::size_t i = 0; i < allocations.size(); ++i) {
    auto it = std::find(bill_order_.begin(), bill_order_.end(), std::make_pair(vendor, allocations[i].first));
    order.emplace_back(it == bill_order_.end() ? -1 : static_cast<int>(it - bill_order_.begin()), i);
  }
  std::sort(order.begin(), order.end());
  for (const auto& [ignored, i] : order) {
    auto bill = bills_.find({vendor, allocations[i].first});
    if (bill == bills_.end()) return fail("NOT_FOUND", at("allocations", i, "bill"));
    if (*parse_amount(allocations[i].second) > bill->second.due)
      return fail("ALLOCATION_EXCEEDS_DUE", at("allocations", i, "amount"));
  }
  ModelVendorPayment payment{vendor, *paid, *paid - allocated, false, {}};
  for (const auto& [number, part] : allocations) {
    bills_[{vendor, number}].due -= *parse_amount(part);
    payment.allocations.push_back({{vendor, number}, *parse_amount(part)});
  }
  payments_.push_back(payment);
  return Expected{};
}

Expected PayablesModel::apply_advance(const std::string& actor, int index, const std::string& bill,
                                      const std::string& amount) {
  auto cents = parse_amount(amount);
  if (!cents) return fail("VALIDATION_FAILED", "amount");
  if (actors_.forbidden(actor)) return fail("FORBIDDEN", "actor");
  if (index < 0 || index >= static_cast<int>(payments_.size())) return fail("NOT_FOUND", "payment_id");
  auto& payment = payments_[index];
  if (payment.reversed || *cents > payment.unallocated) return fail("ALLOCATION_EXCEEDS_CREDIT", "amount");
  auto it = bills_.find({payment.vendor, bill});
  if (it == bills_.end()) return fail("NOT_FOUND", "bill");
  if (*cents > it->second.due) return fail("ALLOCATION_EXCEEDS_DUE", "amount");
  payment.unallocated -= *cents;
  it->second.due -= *cents;
  payment.allocations.push_back({{payment.vendor, bill}, *cents});
  return Expected{};
}

Expected PayablesModel::reverse_payment(const std::string& actor, int index) {
  if (actors_.forbidden(actor)) return fail("FORBIDDEN", "actor");
  if (index < 0 || index >= static_cast<int>(payments_.size())) return fail("NOT_FOUND", "payment_id");
  auto& payment = payments_[index];
  if (payment.reversed) return fail("ALREADY_REVERSED", "payment_id");
  for (const auto& [bill, part] : payment.allocations) bills_[bill].due += part;
  payment.allocations.clear();
  payment.reversed = true;
  payment.unallocated = 0;
  return Expected{};
}

Expected PayablesModel::reverse_receipt(int receipt) {
  if (receipts_.at(receipt).reversed) return fail("ALREADY_REVERSED", "movement");
  receipts_.at(receipt).reversed = true;
  return Expected{};
}

std::pair<Cents, Cents> PayablesModel::balance(const std::string& vendor) const {
  Cents due = 0, advance = 0;
  for (const auto& [key, bill] : bills_)
    if (key.first == vendor) due += bill.due;
  for (const auto& p : payments_)
    if (p.vendor == vendor) advance += p.unallocated;
  return {due, advance};
}

}  // namespace model
