// The receivables reference model. See receivables_model.hpp.

#include "receivables_model.hpp"

#include <algorithm>

#include "inventory_model.hpp"

namespace model {

const std::vector<std::string>& ReceivablesModel::setup_customers() {
  static const std::vector<std::string> customers = {"C1", "C2"};
  return customers;
}

ReceivablesModel::ReceivablesModel() { customers_.insert(setup_customers().begin(), setup_customers().end()); }

Expected ReceivablesModel::add_customer(const std::string& actor, const std::string& code) {
  if (actors_.forbidden(actor)) return fail("FORBIDDEN", "actor");
  if (!customers_.insert(code).second) return fail("ALREADY_EXISTS", "code");
  return Expected{};
}

Expected ReceivablesModel::issue_invoice(const std::string& actor, const std::string& customer,
                                         const std::string& number, const std::string& currency,
                                         const std::vector<InvoiceLine>& lines, const std::string& due_on) {
  // The declaration (currency before the lines), then each line's amount, then the actor.
  if (currency.size() > 3) return fail("VALIDATION_FAILED", "currency");
  Cents total = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string at = "lines[" + std::to_string(i) + "].";
    auto q = parse_units(lines[i].qty);
    if (!q || *q <= 0) return fail("VALIDATION_FAILED", at + "qty");
    auto p = parse_units(lines[i].unit_price);
    if (!p || *p <= 0) return fail("VALIDATION_FAILED", at + "unit_price");
  }
  for (std::size_t i = 0; i < lines.size(); ++i) {
    // qty and price in 1/10000: the product in 10^-8, rounded half up to cents.
    Cents amount = (*parse_units(lines[i].qty) * *parse_units(lines[i].unit_price) + 500000) / 1000000;
    if (amount == 0) return fail("VALIDATION_FAILED", "lines[" + std::to_string(i) + "].unit_price");
    total += amount;
  }
  if (actors_.forbidden(actor)) return fail("FORBIDDEN", "actor");
  if (!currency.empty() && currency != "USD") return fail("CURRENCY_MISMATCH", "currency");
  if (!customers_.count(customer)) return fail("NOT_FOUND", "customer");
  if (invoices_.count(number)) return fail("DUPLICATE_DOCUMENT_NUMBER", "number");
  invoices_[number] = ModelInvoice{customer, total, total, due_on, false};
  invoice_order_.push_back(number);
  return Expected{};
}

Expected ReceivablesModel::charge_late_fee(const std::string& actor, const std::string& invoice,
                                           const std::string& number, const std::string& amount) {
  auto fee = parse_amount(amount);
  if (!fee) return fail("VALIDATION_FAILED", "amount");
  if (actors_.forbidden(actor)) return fail("FORBIDDEN", "actor");
  auto inv = invoices_.find(invoice);
  if (inv == invoices_.end()) return fail("NOT_FOUND", "invoice");
  if (inv->second.due_on.empty() || std::string(today) <= inv->second.due_on) return fail("NOT_OVERDUE", "invoice");
  if (inv->second.due == 0) return fail("NOTHING_DUE", "invoice");
  if (inv->second.fee_charged) return fail("LATE_FEE_CHARGED", "invoice");
  if (invoices_.count(number)) return fail("DUPLICATE_DOCUMENT_NUMBER", "number");
  inv->second.fee_charged = true;
  std::string customer = inv->second.customer;
  invoices_[number] = ModelInvoice{customer, *fee, *fee, "", false};
  invoice_order_.push_back(number);
  return Expected{};
}

Expected ReceivablesModel::record_payment(const std::string& actor, const std::string& customer,
                                          const std::string& amount, const std::string& date,
                                          const std::vector<std::pair<std::string, std::string>>& allocations,
                                          bool* possible_duplicate) {
  auto paid = parse_amount(amount);
  if (!paid) return fail("VALIDATION_FAILED", "amount");
  for (std::size_t i = 0; i < allocations.size(); ++i)
    if (!parse_amount(allocations[i].second))
      return fail("VALIDATION_FAILED", "allocations[" + std::to_string(i) + "].amount");
  Cents allocated = 0;
  for (std::size_t i = 0; i < allocations.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j)
      if (allocations[j].first == allocations[i].first)
        return fail("VALIDATION_FAILED", "allocations[" + std::to_string(i) + "].invoice");
    allocated += *parse_amount(allocations[i].second);
  }
  if (allocated > *paid) return fail("ALLOCATION_EXCEEDS_CREDIT", "allocations");
  if (actors_.forbidden(actor)) return fail("FORBIDDEN", "actor");
  if (!customers_.count(customer)) return fail("NOT_FOUND", "customer");
  // The invoices in the system's id order (unknown numbers first: they have no id).
  std::vector<std::pair<int, std::size_t>> order;
  for (std::size_t i = 0; i < allocations.size(); ++i) {
    auto it = std::find(invoice_order_.begin(), invoice_order_.end(), allocations[i].first);
    order.emplace_back(it == invoice_order_.end() ? -1 : static_cast<int>(it - invoice_order_.begin()), i);
  }
  std::sort(order.begin(), order.end());
  for (const auto& [ignored, i] : order) {
    std::string at = "allocations[" + std::to_string(i) + "].";
    auto inv = invoices_.find(allocations[i].first);
    if (inv == invoices_.end() || inv->second.customer != customer) return fail("NOT_FOUND", at + "invoice");
    if (*parse_amount(allocations[i].second) > inv->second.due) return fail("ALLOCATION_EXCEEDS_DUE", at + "amount");
  }
  *possible_duplicate = false;
  for (const auto& c : credits_)
    if (c.kind == "payment" && !c.reversed && c.customer == customer && c.amount == *paid && c.date == date)
      *possible_duplicate = true;
  ModelCredit credit{"payment", customer, "", date, "", *paid, *paid - allocated, false, {}};
  for (const auto& [invoice, part] : allocations) {
    invoices_[invoice].due -= *parse_amount(part);
    credit.allocations.push_back({invoice, *parse_amount(part), true});
  }
  credits_.push_back(credit);
  return Expected{};
}

Expected ReceivablesModel::issue_credit_memo(const std::string& actor, const std::string& customer,
                                             const std::string& number, const std::string& amount,
                                             const std::string& expires_on) {
  auto cents = parse_amount(amount);
  if (!cents) return fail("VALIDATION_FAILED", "amount");
  if (actors_.forbidden(actor)) return fail("FORBIDDEN", "actor");
  if (!customers_.count(customer)) return fail("NOT_FOUND", "customer");
  if (memo_numbers_.count(number)) return fail("DUPLICATE_DOCUMENT_NUMBER", "number");
  memo_numbers_.insert(number);
  credits_.push_back({"credit_memo", customer, number, "2026-01-05", expires_on, *cents, *cents, false, {}});
  return Expected{};
}

Expected ReceivablesModel::apply_credit(const std::string& actor, int index, const std::string& invoice,
                                        const std::string& amount) {
  auto cents = parse_amount(amount);
  if (!cents) return fail("VALIDATION_FAILED", "amount");
  if (actors_.forbidden(actor)) return fail("FORBIDDEN", "actor");
  if (index < 0 || index >= static_cast<int>(credits_.size())) return fail("NOT_FOUND", "credit_id");
  auto& credit = credits_[index];
  if (!credit.expires_on.empty() && credit.expires_on < today) return fail("CREDIT_EXPIRED", "credit_id");
  if (credit.reversed || *cents > credit.unallocated) return fail("ALLOCATION_EXCEEDS_CREDIT", "amount");
  auto inv = invoices_.find(invoice);
  if (inv == invoices_.end() || inv->second.customer != credit.customer) return fail("NOT_FOUND", "invoice");
  if (*cents > inv->second.due) return fail("ALLOCATION_EXCEEDS_DUE", "amount");
  credit.unallocated -= *cents;
  inv->second.due -= *cents;
  credit.allocations.push_back({invoice, *cents, true});
  return Expected{};
}

Expected ReceivablesModel::reverse_payment(const std::string& actor, int index) {
  if (actors_.forbidden(actor)) return fail("FORBIDDEN", "actor");
  if (index < 0 || index >= static_cast<int>(credits_.size()) || credits_[index].kind != "payment")
    return fail("NOT_FOUND", "payment_id");
  auto& credit = credits_[index];
  if (credit.reversed) return fail("ALREADY_REVERSED", "payment_id");
  for (auto& a : credit.allocations) {
    if (!a.standing) continue;
    invoices_[a.invoice].due += a.amount;
    a.standing = false;
  }
  credit.reversed = true;
  credit.unallocated = 0;
  return Expected{};
}

Expected ReceivablesModel::write_off(const std::string& actor, const std::string& invoice) {
  if (actors_.forbidden(actor)) return fail("FORBIDDEN", "actor");
  auto inv = invoices_.find(invoice);
  if (inv == invoices_.end()) return fail("NOT_FOUND", "invoice");
  if (inv->second.due == 0) return fail("NOTHING_DUE", "invoice");
  inv->second.due = 0;
  return Expected{};
}

std::pair<Cents, Cents> ReceivablesModel::balance(const std::string& customer) const {
  Cents due = 0, credit = 0;
  for (const auto& [number, inv] : invoices_)
    if (inv.customer == customer) due += inv.due;
  for (const auto& c : credits_)
    if (c.customer == customer) credit += c.unallocated;
  return {due, credit};
}

}  // namespace model
