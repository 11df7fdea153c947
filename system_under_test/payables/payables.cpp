// The payables module: commands, reads and the module record. Arguments arrive validated against
// the declarations at the bottom of this file. docs/MONEY.md "Payables" is the contract.

#include "payables.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "../inventory/inventory.hpp"
#include "../ledger/ledger.hpp"
#include "sut/module.hpp"
#include "sut/tx.hpp"
#include "verdict/failpoints.hpp"

namespace sut {
std::vector<Migration> payables_migrations();           // generated from migrations/
std::vector<verdict::Invariant> payables_invariants();  // invariants.cpp
}  // namespace sut

namespace sut::payables {
namespace {

constexpr int code_length_max = 32;
constexpr int name_length_max = 200;
constexpr int receipts_max = 50;
constexpr int allocations_max = 20;

Money money(const Args& a, const char* field) { return Money::parse(a.text(field), field).value(); }

Outcome<long long> vendor_id(Tx& tx, const std::string& code) {
  auto r =
      tx.exec("ap_vendor_id", "SELECT vendor_id FROM vendors WHERE tenant_id = $1 AND code = $2", tx.tenant(), code);
  if (r.empty()) return not_found("vendor", fmt::format("vendor: no vendor '{}'", code));
  long long id = r[0][0].as<long long>();
  tx.touch(kinds::vendor, id);
  return id;
}

struct Bill {
  long long id = 0;
  Money due;
};

// A bill of the vendor by number, locked; NOT_FOUND naming `field` when the vendor has none.
Outcome<Bill> lock_bill(Tx& tx, long long vendor, const std::string& number, const std::string& field) {
  auto r =
      tx.exec("ap_lock_bill",
              "SELECT bill_id, amount_due::text FROM bills WHERE tenant_id = $1 AND vendor_id = $2 AND number = $3 "
              "FOR UPDATE",
              tx.tenant(), vendor, number);
  if (r.empty()) return not_found(field, fmt::format("{}: the vendor has no bill '{}'", field, number));
  Bill bill{r[0][0].as<long long>(), Money::parse(r[0][1].as<std::string>(), "due").value()};
  tx.touch(kinds::bill, bill.id);
  return bill;
}

// Applies `amount` of payment `payment_id` to a locked bill.
void allocate(Tx& tx, const Bill& bill, long long payment_id, Money amount, std::optional<long long> journal) {
  tx.exec("ap_allocate",
          "WITH a AS (INSERT INTO vendor_allocations (tenant_id, bill_id, payment_id, amount, journal_id) "
          "  VALUES ($1, $2, $3, $4::numeric, NULLIF($5::bigint, 0))) "
          "UPDATE bills SET amount_due = amount_due - $4::numeric, version = version + 1 WHERE bill_id = $2",
          tx.tenant(), bill.id, payment_id, amount.to_string(), journal.value_or(0));
}

struct Payment {
  long long id = 0;
  long long vendor_id = 0;
  Money unallocated;
  bool reversed = false;
  long long journal_id = 0;
};

// A vendor payment, locked; NOT_FOUND naming "payment_id".
Outcome<Payment> lock_payment(Tx& tx, long long id) {
  auto r = tx.exec("ap_lock_payment",
                   "SELECT vendor_id, unallocated::text, reversed, journal_id FROM vendor_payments "
                   "WHERE tenant_id = $1 AND payment_id = $2 FOR UPDATE",
                   tx.tenant(), id);
  if (r.empty()) return not_found("payment_id", fmt::format("payment_id: no vendor payment {}", id));
  tx.touch(kinds::payment, id);
  tx.touch(kinds::vendor, r[0][0].as<long long>());
  return Payment{id, r[0][0].as<long long>(), Money::parse(r[0][1].as<std::string>(), "unallocated").value(),
                 r[0][2].as<bool>(), r[0][3].as<long long>()};
}

// Commands ---------------------------------------------------------------------------------------

Outcome<json> add_vendor(Tx& tx, const Args& a) {
  auto r = tx.sql().exec_params(
      "INSERT INTO vendors (tenant_id, code, name, created_at) VALUES ($1, $2, $3, $4::timestamptz) "
      "ON CONFLICT (tenant_id, code) DO NOTHING RETURNING vendor_id",
      tx.tenant(), a.text("code"), a.text("name"), tx.context().as_of);
  if (r.empty())
    return Error{sut::codes::already_exists, "code", fmt::format("code: a vendor '{}' exists already", a.text("code"))};
  tx.touch(kinds::vendor, r[0][0].as<long long>());
  return json{{"vendor_id", r[0][0].as<long long>()}};
}

std::optional<Error> validate_bill(const Args& a) {
  auto receipts = a.list("receipts");
  for (std::size_t i = 0; i < receipts.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (receipts[j].id("movement") == receipts[i].id("movement"))
        return validation(
            fmt::format("receipts[{}].movement", i),
            fmt::format("receipts[{}].movement: receipt {} is named twice", i, receipts[i].id("movement")));
  return std::nullopt;
}

// A bill of the receipts named: each line round(qty × unit cost, 2), what the receipt put into goods
// received not invoiced; posts Dr goods received not invoiced, Cr payables by the total.
Outcome<json> enter_bill(Tx& tx, const Args& a) {
  if (auto e = ledger::check_currency(tx, a)) return *e;
  auto vendor = vendor_id(tx, a.text("vendor"));
  if (!vendor.ok()) return vendor.error();
  json rows = json::array();
  Money total;
  auto receipts = a.list("receipts");
  for (std::size_t i = 0; i < receipts.size(); ++i) {
    const std::string field = fmt::format("receipts[{}].movement", i);
    auto receipt = inventory::receipt(tx, receipts[i].id("movement"), field);
    if (!receipt.ok()) return receipt.error();
    if (receipt.value().reversed)
      return Error{
          codes::receipt_reversed, field,
          fmt::format("{}: receipt {} was reversed: nothing of it is owed", field, receipts[i].id("movement"))};
    auto amount = multiply_rounded<Money>(receipt.value().qty, receipt.value().unit_cost);
    auto next = amount ? total.add(*amount) : std::nullopt;
    if (!next) return validation("receipts", "receipts: the bill's total exceeds the largest amount");
    total = *next;
    rows.push_back({{"n", i + 1},
                    {"m", receipt.value().movement_id},
                    {"q", receipt.value().qty.to_string()},
                    {"c", receipt.value().unit_cost.to_string()},
                    {"a", amount->to_string()}});
  }
  if (total.is_zero()) return validation("receipts", "receipts: the receipts are worth 0.00: nothing to bill");
  auto journal =
      ledger::post_by_roles(tx, a.text("date"), "payables.enter_bill", {{ledger::roles::inventory_clearing, total}},
                            {{ledger::roles::payables, total}}, "receipts", "date");
  if (!journal.ok()) return journal.error();
  auto r = tx.exec("ap_enter_bill",
                   "INSERT INTO bills (tenant_id, vendor_id, number, dated, total, amount_due, journal_id) "
                   "VALUES ($1, $2, $3, $4::date, $5::numeric, $5::numeric, $6) "
                   "ON CONFLICT ON CONSTRAINT bills_number_unique DO NOTHING RETURNING bill_id",
                   tx.tenant(), vendor.value(), a.text("number"), a.text("date"), total.to_string(), journal.value());
  if (r.empty())
    return Error{ledger::codes::duplicate_document_number, "number",
                 fmt::format("number: the vendor's bill '{}' is entered already", a.text("number"))};
  long long id = r[0][0].as<long long>();
  tx.touch(kinds::bill, id);
  // A receipt is billed once: a receipt another bill holds (even one committed while this one ran)
  // is skipped by the insert, and named.
  auto lines = tx.exec("ap_bill_lines",
                       "INSERT INTO bill_lines (tenant_id, bill_id, line_no, movement_id, qty, unit_cost, amount) "
                       "SELECT $1, $2, t.n, t.m, t.q, t.c, t.a FROM jsonb_to_recordset($3::jsonb) "
                       "  AS t(n integer, m bigint, q numeric, c numeric, a numeric) "
                       "ON CONFLICT ON CONSTRAINT bill_lines_receipt_once DO NOTHING RETURNING line_no",
                       tx.tenant(), id, rows.dump());
  if (lines.size() != rows.size()) {
    std::vector<int> inserted;
    for (const auto& row : lines) inserted.push_back(row[0].as<int>());
    std::size_t i = 0;
    while (std::find(inserted.begin(), inserted.end(), static_cast<int>(i + 1)) != inserted.end()) ++i;
    auto holder = tx.exec("ap_billed_by",
                          "SELECT b.number FROM bill_lines l JOIN bills b ON b.bill_id = l.bill_id "
                          "WHERE l.movement_id = $1",
                          receipts[i].id("movement"));
    return Error{codes::receipt_already_billed, fmt::format("receipts[{}].movement", i),
                 fmt::format("receipts[{}].movement: receipt {} is billed already (bill '{}')", i,
                             receipts[i].id("movement"), holder.empty() ? "?" : holder[0][0].as<std::string>())};
  }
  VERDICT_FAILPOINT("payables.after_document");
  return json{{"bill_id", id}, {"total", total.to_string()}};
}

// A payment to a vendor, allocated to its bills as asked; what is not allocated is an advance the
// vendor holds. Posts Dr payables (allocated) and vendor advances (the rest), Cr cash.
Outcome<json> pay_vendor(Tx& tx, const Args& a) {
  if (auto e = ledger::check_currency(tx, a)) return *e;
  auto vendor = vendor_id(tx, a.text("vendor"));
  if (!vendor.ok()) return vendor.error();
  auto requested = a.list("allocations");
  // The bills, locked in ascending id.
  std::vector<std::pair<long long, std::size_t>> order;
  for (std::size_t i = 0; i < requested.size(); ++i) {
    auto r = tx.exec("ap_bill_id", "SELECT bill_id FROM bills WHERE tenant_id = $1 AND vendor_id = $2 AND number = $3",
                     tx.tenant(), vendor.value(), requested[i].text("bill"));
    order.emplace_back(r.empty() ? 0 : r[0][0].as<long long>(), i);
  }
  std::sort(order.begin(), order.end());
  std::vector<std::pair<Bill, Money>> planned;
  Money allocated;
  for (const auto& [ignored, i] : order) {
    const std::string at = fmt::format("allocations[{}]", i);
    auto bill = lock_bill(tx, vendor.value(), requested[i].text("bill"), at + ".bill");
    if (!bill.ok()) return bill.error();
    Money part = money(requested[i], "amount");
    if (part > bill.value().due)
      return Error{ledger::codes::allocation_exceeds_due, at + ".amount",
                   fmt::format("{}.amount: bill '{}' has {} due, not {}", at, requested[i].text("bill"),
                               bill.value().due.to_string(), part.to_string())};
    allocated = allocated.add(part).value();
    planned.emplace_back(bill.value(), part);
  }
  Money amount = money(a, "amount");
  Money unallocated = amount.subtract(allocated).value();
  auto journal =
      ledger::post_by_roles(tx, a.text("date"), "payables.pay_vendor",
                            {{ledger::roles::payables, allocated}, {ledger::roles::vendor_advances, unallocated}},
                            {{ledger::roles::cash, amount}}, "amount", "date");
  if (!journal.ok()) return journal.error();
  auto r = tx.exec("ap_insert_payment",
                   "INSERT INTO vendor_payments (tenant_id, vendor_id, amount, unallocated, dated, journal_id) "
                   "VALUES ($1, $2, $3::numeric, $4::numeric, $5::date, $6) RETURNING payment_id",
                   tx.tenant(), vendor.value(), amount.to_string(), unallocated.to_string(), a.text("date"),
                   journal.value());
  long long id = r[0][0].as<long long>();
  tx.touch(kinds::payment, id);
  for (const auto& [bill, part] : planned) allocate(tx, bill, id, part, std::nullopt);
  VERDICT_FAILPOINT("payables.after_document");
  return json{{"payment_id", id}, {"unallocated", unallocated.to_string()}};
}

// Applies a payment's unallocated advance to a bill of the same vendor (Dr payables, Cr vendor
// advances), dated the business day.
Outcome<json> apply_advance(Tx& tx, const Args& a) {
  auto payment = lock_payment(tx, a.id("payment_id"));
  if (!payment.ok()) return payment.error();
  Money amount = money(a, "amount");
  if (payment.value().reversed || amount > payment.value().unallocated)
    return Error{
        ledger::codes::allocation_exceeds_credit, "amount",
        fmt::format("amount: the payment has {} unallocated, not {}",
                    payment.value().reversed ? "0.00" : payment.value().unallocated.to_string(), amount.to_string())};
  auto bill = lock_bill(tx, payment.value().vendor_id, a.text("bill"), "bill");
  if (!bill.ok()) return bill.error();
  if (amount > bill.value().due)
    return Error{ledger::codes::allocation_exceeds_due, "amount",
                 fmt::format("amount: bill '{}' has {} due", a.text("bill"), bill.value().due.to_string())};
  auto journal = ledger::post_by_roles(tx, ledger::date_of(tx.context().as_of), "payables.apply_advance",
                                       {{ledger::roles::payables, amount}}, {{ledger::roles::vendor_advances, amount}},
                                       "amount", "as_of");
  if (!journal.ok()) return journal.error();
  tx.exec("ap_take_advance",
          "UPDATE vendor_payments SET unallocated = unallocated - $2::numeric, version = version + 1 "
          "WHERE payment_id = $1",
          payment.value().id, amount.to_string());
  allocate(tx, bill.value(), payment.value().id, amount, journal.value());
  return json{{"bill_due", bill.value().due.subtract(amount).value().to_string()}};
}

// Reverses a vendor payment, once: its journal and its allocations' journals, its allocations (the
// bills are due again), its unallocated amount. Dated the business day.
Outcome<json> reverse_payment(Tx& tx, const Args& a) {
  auto payment = lock_payment(tx, a.id("payment_id"));
  if (!payment.ok()) return payment.error();
  if (payment.value().reversed)
    return Error{sut::codes::already_reversed, "payment_id",
                 fmt::format("payment_id: vendor payment {} was reversed already", payment.value().id)};
  const std::string today = ledger::date_of(tx.context().as_of);
  auto allocations = tx.exec("ap_payment_allocations",
                             "SELECT allocation_id, bill_id, amount::text, coalesce(journal_id, 0) FROM "
                             "vendor_allocations WHERE payment_id = $1 AND NOT reversed ORDER BY bill_id",
                             payment.value().id);
  for (const auto& row : allocations) {
    tx.exec("ap_lock_bill_id", "SELECT 1 FROM bills WHERE bill_id = $1 FOR UPDATE", row[1].as<long long>());
    tx.touch(kinds::bill, row[1].as<long long>());
  }
  // Several journals are reversed: their accounts are locked first, in one ascending pass.
  std::vector<long long> journals{payment.value().journal_id};
  for (const auto& row : allocations)
    if (row[3].as<long long>() != 0) journals.push_back(row[3].as<long long>());
  ledger::lock_accounts_of(tx, journals);
  for (long long journal : journals) {
    auto reversed =
        ledger::reverse(tx, journal, today, "payables.reverse_payment", payment.value().id, "payment_id", "as_of");
    if (!reversed.ok()) return reversed.error();
  }
  for (const auto& row : allocations)
    tx.exec("ap_unallocate",
            "WITH a AS (UPDATE vendor_allocations SET reversed = true WHERE allocation_id = $1) "
            "UPDATE bills SET amount_due = amount_due + $3::numeric, version = version + 1 WHERE bill_id = $2",
            row[0].as<long long>(), row[1].as<long long>(), row[2].as<std::string>());
  tx.exec("ap_reverse_payment",
          "UPDATE vendor_payments SET reversed = true, unallocated = 0, version = version + 1 WHERE payment_id = $1",
          payment.value().id);
  VERDICT_FAILPOINT("payables.after_document");
  return json{{"payment_id", payment.value().id}, {"reversed", true}};
}

// Reads ------------------------------------------------------------------------------------------

Outcome<json> bill(Tx& tx, const Args& a) {
  auto r = tx.sql().exec_params(
      "SELECT b.total::text, b.amount_due::text, b.dated::text, (SELECT count(*) FROM bill_lines l "
      "WHERE l.bill_id = b.bill_id) FROM bills b JOIN vendors v ON v.vendor_id = b.vendor_id "
      "WHERE b.tenant_id = $1 AND v.code = $2 AND b.number = $3",
      tx.tenant(), a.text("vendor"), a.text("number"));
  if (r.empty())
    return not_found("number", fmt::format("number: vendor '{}' has no bill '{}'", a.text("vendor"), a.text("number")));
  return json{{"total", r[0][0].as<std::string>()},
              {"amount_due", r[0][1].as<std::string>()},
              {"date", r[0][2].as<std::string>()},
              {"receipts", r[0][3].as<long long>()}};
}

Outcome<json> vendor_payment(Tx& tx, const Args& a) {
  auto r = tx.sql().exec_params(
      "SELECT amount::text, unallocated::text, reversed FROM vendor_payments WHERE tenant_id = $1 AND payment_id = $2",
      tx.tenant(), a.id("payment_id"));
  if (r.empty()) return not_found("payment_id", fmt::format("payment_id: no vendor payment {}", a.id("payment_id")));
  return json{{"amount", r[0][0].as<std::string>()},
              {"unallocated", r[0][1].as<std::string>()},
              {"reversed", r[0][2].as<bool>()}};
}

Outcome<json> vendor_balance(Tx& tx, const Args& a) {
  auto r = tx.sql().exec_params(
      "SELECT (SELECT coalesce(sum(amount_due), 0)::numeric(20,2)::text FROM bills b WHERE b.vendor_id = v.vendor_id), "
      "(SELECT coalesce(sum(unallocated), 0)::numeric(20,2)::text FROM vendor_payments p "
      "WHERE p.vendor_id = v.vendor_id) FROM vendors v WHERE v.tenant_id = $1 AND v.code = $2",
      tx.tenant(), a.text("vendor"));
  if (r.empty()) return not_found("vendor", fmt::format("vendor: no vendor '{}'", a.text("vendor")));
  return json{{"due", r[0][0].as<std::string>()}, {"advance", r[0][1].as<std::string>()}};
}

verdict::FieldDecl code_field(const char* name, const char* what) { return field::text(name, code_length_max, what); }
verdict::FieldDecl positive_amount(const char* name, const char* what) {
  return field::decimal(name, 2, "positive", what);
}
verdict::FieldDecl currency_field() {
  return field::text("currency", 3, "the document's currency (the tenant's by default; another is refused)", false);
}

const struct Registrar {
  Registrar() {
    Module m;
    m.name = "payables";
    m.depends_on = {"access", "ledger", "inventory"};
    m.migrations = payables_migrations();
    m.commands = {
        {command_decl("payables.add_vendor", "payables.manage", "Adds a vendor.",
                      {code_field("code", "its code"), field::text("name", name_length_max, "what it is called")}),
         nullptr, add_vendor},
        {command_decl("payables.enter_bill", "payables.bill",
                      "Enters a vendor's bill for stock receipts: each line round(qty × unit cost, 2) of a receipt, "
                      "the total their sum; posts Dr goods received not invoiced, Cr payables. The number is unique "
                      "per vendor; a receipt is billed once, and a reversed one not at all.",
                      {code_field("vendor", "the vendor's code"), code_field("number", "the vendor's bill number"),
                       field::date("date", "the posting date (its month must be open)"), currency_field(),
                       field::list("receipts", {field::id("movement", "a receipt (inventory.receive's movement_id)")},
                                   receipts_max, "the receipts billed")}),
         validate_bill, enter_bill},
        {command_decl("payables.pay_vendor", "payables.pay",
                      "Pays a vendor, allocated to its bills as asked; what is not allocated is an advance the "
                      "vendor holds. Posts Dr payables and vendor advances, Cr cash.",
                      {code_field("vendor", "the vendor's code"), positive_amount("amount", "the amount paid"),
                       field::date("date", "the posting date (its month must be open)"), currency_field(),
                       field::list("allocations",
                                   {code_field("bill", "a bill number of the vendor"),
                                    positive_amount("amount", "how much of the payment goes to it")},
                                   allocations_max, "which bills the payment settles (none: all an advance)", false)}),
         [](const Args& a) { return ledger::check_allocations(a, "bill"); }, pay_vendor},
        {command_decl("payables.apply_advance", "payables.pay",
                      "Applies a payment's unallocated advance to a bill of the same vendor (Dr payables, Cr vendor "
                      "advances), dated the business day.",
                      {field::id("payment_id", "the vendor payment"), code_field("bill", "the bill number"),
                       positive_amount("amount", "how much to apply")}),
         nullptr, apply_advance},
        {command_decl("payables.reverse_payment", "payables.pay",
                      "Reverses a vendor payment, once: its journals, and its allocations (the bills are due again).",
                      {field::id("payment_id", "the vendor payment")}),
         nullptr, reverse_payment},
    };
    m.reads = {
        {{"bill",
          "",
          "A vendor's bill: total, amount_due, date, receipts (how many it bills).",
          {code_field("vendor", "the vendor's code"), code_field("number", "the bill number")}},
         bill},
        {{"vendor_payment",
          "",
          "A vendor payment: amount, unallocated, reversed.",
          {field::id("payment_id", "its id")}},
         vendor_payment},
        {{"vendor_balance",
          "",
          "What we owe a vendor (due) and what it holds of ours (advance).",
          {code_field("vendor", "its code")}},
         vendor_balance},
    };
    m.invariants = payables_invariants();
    m.failpoints = {{"payables.after_document", "", "bill, payment, reversal: after the document and its journal"}};
    m.codes = {
        {codes::receipt_already_billed, 409, RetryClass::never, "A receipt named by a bill is billed already.", {}},
        {codes::receipt_reversed, 422, RetryClass::never, "A receipt named by a bill was reversed.", {}},
    };
    m.tables = {{"vendors", "", true},
                {"bills", "", true},
                {"bill_lines", "", true},
                {"vendor_payments", "", true},
                {"vendor_allocations", "", true}};
    register_module(std::move(m));
  }
} registrar;

}  // namespace
}  // namespace sut::payables
