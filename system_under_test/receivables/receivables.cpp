// The receivables module: commands, reads and the module record. Arguments arrive validated against
// the declarations at the bottom of this file. docs/MONEY.md "Receivables" is the contract.

#include "receivables.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "../ledger/ledger.hpp"
#include "sut/module.hpp"
#include "sut/tx.hpp"
#include "verdict/failpoints.hpp"

namespace sut {
std::vector<Migration> receivables_migrations();           // generated from migrations/
std::vector<verdict::Invariant> receivables_invariants();  // invariants.cpp
}  // namespace sut

namespace sut::receivables {
namespace {

constexpr int code_length_max = 32;
constexpr int name_length_max = 200;
constexpr int lines_max = 50;
constexpr int allocations_max = 20;

Money money(const Args& a, const char* field) { return Money::parse(a.text(field), field).value(); }

Outcome<long long> customer_id(Tx& tx, const std::string& code) {
  auto r = tx.exec("ar_customer_id", "SELECT customer_id FROM customers WHERE tenant_id = $1 AND code = $2",
                   tx.tenant(), code);
  if (r.empty()) return not_found("customer", fmt::format("customer: no customer '{}'", code));
  long long id = r[0][0].as<long long>();
  tx.touch(kinds::customer, id);
  return id;
}

struct Invoice {
  long long id = 0;
  long long customer_id = 0;
  Money due;
};

// An invoice by number, locked. NOT_FOUND naming `field` when unknown (or another customer's, when
// `customer` is given).
Outcome<Invoice> lock_invoice(Tx& tx, const std::string& number, const std::string& field,
                              std::optional<long long> customer) {
  auto r =
      tx.exec("ar_lock_invoice",
              "SELECT invoice_id, customer_id, amount_due::text FROM invoices WHERE tenant_id = $1 AND number = $2 "
              "FOR UPDATE",
              tx.tenant(), number);
  if (r.empty() || (customer && r[0][1].as<long long>() != *customer))
    return not_found(field, fmt::format("{}: no invoice '{}'{}", field, number, customer ? " of this customer" : ""));
  Invoice inv{r[0][0].as<long long>(), r[0][1].as<long long>(), Money::parse(r[0][2].as<std::string>(), "due").value()};
  tx.touch(kinds::invoice, inv.id);
  return inv;
}

// Applies `amount` of credit `credit_id` (0: a write-off) to a locked invoice.
void allocate(Tx& tx, const Invoice& invoice, long long credit_id, Money amount, std::optional<long long> journal) {
  tx.exec("ar_allocate",
          "WITH a AS (INSERT INTO allocations (tenant_id, invoice_id, credit_id, kind, amount, journal_id) "
          "  VALUES ($1, $2, NULLIF($3::bigint, 0), CASE WHEN $3::bigint = 0 THEN 'write_off' ELSE 'credit' END, "
          "  $4::numeric, NULLIF($5::bigint, 0))) "
          "UPDATE invoices SET amount_due = amount_due - $4::numeric, version = version + 1 WHERE invoice_id = $2",
          tx.tenant(), invoice.id, credit_id, amount.to_string(), journal.value_or(0));
}

// A journal of two or three lines: `debit` by total, and credits by role (zero lines left out).
Outcome<long long> post(Tx& tx, const std::string& date, const std::string& source, const char* debit_role, Money total,
                        const std::vector<ledger::RoleAmount>& credits, const char* field, const char* date_field) {
  return ledger::post_by_roles(tx, date, source, {{debit_role, total}}, credits, field, date_field);
}

// Commands ---------------------------------------------------------------------------------------

Outcome<json> add_customer(Tx& tx, const Args& a) {
  auto r = tx.sql().exec_params(
      "INSERT INTO customers (tenant_id, code, name, credit_limit, created_at) VALUES ($1, $2, $3, "
      "NULLIF($4, '')::numeric, $5::timestamptz) ON CONFLICT (tenant_id, code) DO NOTHING RETURNING customer_id",
      tx.tenant(), a.text("code"), a.text("name"), a.text("credit_limit"), tx.context().as_of);
  if (r.empty())
    return Error{sut::codes::already_exists, "code",
                 fmt::format("code: a customer '{}' exists already", a.text("code"))};
  tx.touch(kinds::customer, r[0][0].as<long long>());
  return json{{"customer_id", r[0][0].as<long long>()}};
}

// Each line's amount is round(qty × unit price, 2), the total their sum (docs/MONEY.md).
Outcome<std::vector<Money>> line_amounts(const Args& a) {
  std::vector<Money> out;
  auto lines = a.list("lines");
  Money total;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    auto amount = multiply_rounded<Money>(Quantity::parse(lines[i].text("qty"), "qty").value(),
                                          UnitPrice::parse(lines[i].text("unit_price"), "unit_price").value());
    auto next = amount ? total.add(*amount) : std::nullopt;
    if (!next) return validation("lines", "lines: the invoice's total exceeds the largest amount");
    if (amount->is_zero())
      return validation(fmt::format("lines[{}].unit_price", i),
                        fmt::format("lines[{}].unit_price: the line's amount rounds to 0.00", i));
    if (auto e = check_tax_rate(lines[i], i)) return *e;
    total = *next;
    out.push_back(*amount);
  }
  return out;
}

Outcome<json> issue_invoice(Tx& tx, const Args& a) {
  if (auto e = ledger::check_currency(tx, a)) return *e;
  auto customer = customer_id(tx, a.text("customer"));
  if (!customer.ok()) return customer.error();
  std::vector<InvoiceLine> lines;
  for (const auto& line : a.list("lines"))
    lines.push_back({line.text("description"), Quantity::parse(line.text("qty"), "qty").value(),
                     UnitPrice::parse(line.text("unit_price"), "unit_price").value(), tax_rate_of(line)});
  auto issued =
      receivables::issue_invoice(tx, customer.value(), a.text("number"), a.text("date"), lines, "customer", "date");
  if (!issued.ok()) return issued.error();
  if (a.has("due_on"))
    tx.exec("ar_set_due_on", "UPDATE invoices SET due_on = $2::date WHERE invoice_id = $1", issued.value().invoice_id,
            a.text("due_on"));
  return json{{"invoice_id", issued.value().invoice_id}, {"total", issued.value().total.to_string()}};
}

// A late fee on an overdue invoice (its due date before the business day, something still due):
// a new invoice of the fee to the same customer, dated the business day, at most one per invoice.
Outcome<json> charge_late_fee(Tx& tx, const Args& a) {
  auto invoice = lock_invoice(tx, a.text("invoice"), "invoice", std::nullopt);
  if (!invoice.ok()) return invoice.error();
  const std::string today = ledger::date_of(tx.context().as_of);
  auto r = tx.exec("ar_fee_state",
                   "SELECT coalesce(due_on::text, ''), (SELECT number FROM invoices f WHERE f.fee_for = i.invoice_id) "
                   "FROM invoices i WHERE invoice_id = $1",
                   invoice.value().id);
  std::string due_on = r[0][0].as<std::string>();
  if (due_on.empty() || today <= due_on)
    return Error{codes::not_overdue, "invoice",
                 fmt::format("invoice: '{}' is not overdue on {} (due {})", a.text("invoice"), today,
                             due_on.empty() ? "on no date" : "on " + due_on)};
  if (invoice.value().due.is_zero())
    return Error{codes::nothing_due, "invoice", fmt::format("invoice: '{}' has nothing due", a.text("invoice"))};
  if (!r[0][1].is_null())
    return Error{codes::late_fee_charged, "invoice",
                 fmt::format("invoice: a late fee was charged on '{}' already (invoice '{}')", a.text("invoice"),
                             r[0][1].as<std::string>())};
  auto fee = receivables::issue_invoice(tx, invoice.value().customer_id, a.text("number"), today,
                                        {{"Late fee on " + a.text("invoice"), Quantity::from_integer(1).value(),
                                          UnitPrice::parse(a.text("amount"), "amount").value(), UnitPrice()}},
                                        "amount", "as_of");
  if (!fee.ok()) return fee.error();
  tx.exec("ar_fee_for", "UPDATE invoices SET fee_for = $2 WHERE invoice_id = $1", fee.value().invoice_id,
          invoice.value().id);
  return json{{"invoice_id", fee.value().invoice_id}, {"total", fee.value().total.to_string()}};
}

Outcome<json> set_credit_limit(Tx& tx, const Args& a) {
  auto r = tx.sql().exec_params(
      "UPDATE customers SET credit_limit = NULLIF($3, '')::numeric WHERE tenant_id = $1 AND code = $2 "
      "RETURNING customer_id",
      tx.tenant(), a.text("customer"), a.text("credit_limit"));
  if (r.empty()) return not_found("customer", fmt::format("customer: no customer '{}'", a.text("customer")));
  tx.touch(kinds::customer, r[0][0].as<long long>());
  return json{{"customer_id", r[0][0].as<long long>()},
              {"credit_limit", a.has("credit_limit") ? json(a.text("credit_limit")) : json(nullptr)}};
}

}  // namespace

// The API (receivables.hpp) ----------------------------------------------------------------------

verdict::FieldDecl tax_rate_field() {
  return field::decimal("tax_rate", 4, "non_negative", "tax rate, scale 4, at most 1 (0.0825 is 8.25 %; none: 0)",
                        false);
}

std::optional<Error> check_tax_rate(const Args& line, std::size_t i) {
  if (tax_rate_of(line) > UnitPrice::from_integer(1).value())
    return validation(fmt::format("lines[{}].tax_rate", i),
                      fmt::format("lines[{}].tax_rate: at most 1 (100 %), not {}", i, line.text("tax_rate")));
  return std::nullopt;
}

UnitPrice tax_rate_of(const Args& line) {
  return line.has("tax_rate") ? UnitPrice::parse(line.text("tax_rate"), "tax_rate").value() : UnitPrice();
}

Outcome<long long> find_customer(Tx& tx, const std::string& code, const std::string& field) {
  auto id = customer_id(tx, code);
  if (!id.ok()) return not_found(field, fmt::format("{}: no customer '{}'", field, code));
  return id.value();
}

Outcome<CustomerCredit> lock_customer(Tx& tx, long long customer) {
  auto r = tx.exec("ar_lock_customer",
                   "SELECT coalesce(credit_limit::text, ''), (SELECT coalesce(sum(i.amount_due), 0)::text FROM "
                   "invoices i WHERE i.customer_id = c.customer_id) FROM customers c WHERE c.tenant_id = $1 AND "
                   "c.customer_id = $2 FOR UPDATE",
                   tx.tenant(), customer);
  if (r.empty()) return not_found("customer", fmt::format("customer: no customer {}", customer));
  tx.touch(kinds::customer, customer);
  CustomerCredit out{customer, std::nullopt, Money::parse(r[0][1].as<std::string>(), "due").value()};
  if (!r[0][0].as<std::string>().empty()) out.limit = Money::parse(r[0][0].as<std::string>(), "credit_limit").value();
  return out;
}

Outcome<Issued> issue_invoice(Tx& tx, long long customer, const std::string& number, const std::string& date,
                              const std::vector<InvoiceLine>& lines, const char* field, const char* date_field) {
  // Each line's amount is round(qty × unit price, 2) and its tax round(amount × rate, 2), each
  // rounded once; the total is their sum (docs/MONEY.md "Tax").
  std::vector<Money> amounts, taxes;
  Money net, tax_total;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    auto amount = multiply_rounded<Money>(lines[i].qty, lines[i].unit_price);
    auto tax = amount ? multiply_rounded<Money>(*amount, lines[i].tax_rate) : std::nullopt;
    auto next = tax ? net.add(*amount) : std::nullopt;
    auto next_tax = next ? tax_total.add(*tax) : std::nullopt;
    if (!next_tax || !next->add(*next_tax))
      return validation(field, fmt::format("{}: the invoice's total exceeds the largest amount", field));
    if (amount->is_zero()) return validation(field, fmt::format("{}: line {}'s amount rounds to 0.00", field, i + 1));
    net = *next;
    tax_total = *next_tax;
    amounts.push_back(*amount);
    taxes.push_back(*tax);
  }
  Money total = net.add(tax_total).value();
  auto journal = post(tx, date, "receivables.issue_invoice", ledger::roles::receivables, total,
                      {{ledger::roles::revenue, net}, {ledger::roles::tax_payable, tax_total}}, field, date_field);
  if (!journal.ok()) return journal.error();
  json rows = json::array();
  for (std::size_t i = 0; i < lines.size(); ++i)
    rows.push_back({{"n", i + 1},
                    {"d", lines[i].description},
                    {"q", lines[i].qty.to_string()},
                    {"p", lines[i].unit_price.to_string()},
                    {"a", amounts[i].to_string()},
                    {"r", lines[i].tax_rate.to_string()},
                    {"t", taxes[i].to_string()}});
  auto r = tx.exec(
      "ar_issue_invoice",
      "WITH i AS (INSERT INTO invoices (tenant_id, customer_id, number, issued_on, total, amount_due, journal_id) "
      "  VALUES ($1, $2, $3, $4::date, $5::numeric, $5::numeric, $6) "
      "  ON CONFLICT ON CONSTRAINT invoices_number_unique DO NOTHING RETURNING invoice_id), "
      "l AS (INSERT INTO invoice_lines (tenant_id, invoice_id, line_no, description, qty, unit_price, amount, "
      "  tax_rate, tax) SELECT $1, i.invoice_id, t.n, t.d, t.q, t.p, t.a, t.r, t.t FROM i, "
      "  jsonb_to_recordset($7::jsonb) AS t(n integer, d text, q numeric, p numeric, a numeric, r numeric, t numeric)) "
      "SELECT invoice_id FROM i",
      tx.tenant(), customer, number, date, total.to_string(), journal.value(), rows.dump());
  if (r.empty())
    return Error{ledger::codes::duplicate_document_number, "number",
                 fmt::format("number: invoice '{}' exists already", number)};
  long long id = r[0][0].as<long long>();
  tx.touch(kinds::invoice, id);
  tx.touch(kinds::customer, customer);
  VERDICT_FAILPOINT("receivables.after_document");
  return Issued{id, total};
}

namespace {

// A new credit (a payment or a credit memo) of `amount`, `unallocated` of it not applied.
long long insert_credit(Tx& tx, const char* kind, long long customer, const std::string& number, Money amount,
                        Money unallocated, const std::string& date, const std::string& expires_on, long long journal) {
  auto r = tx.exec("ar_insert_credit",
                   "INSERT INTO credits (tenant_id, kind, customer_id, number, amount, unallocated, dated, expires_on, "
                   "journal_id) VALUES ($1, $2, $3, NULLIF($4, ''), $5::numeric, $6::numeric, $7::date, "
                   "NULLIF($8, '')::date, $9) ON CONFLICT ON CONSTRAINT credit_memos_number_unique DO NOTHING "
                   "RETURNING credit_id",
                   tx.tenant(), kind, customer, number, amount.to_string(), unallocated.to_string(), date, expires_on,
                   journal);
  if (r.empty()) return 0;
  long long id = r[0][0].as<long long>();
  tx.touch(kinds::credit, id);
  return id;
}

Outcome<json> record_payment(Tx& tx, const Args& a) {
  if (auto e = ledger::check_currency(tx, a)) return *e;
  auto customer = customer_id(tx, a.text("customer"));
  if (!customer.ok()) return customer.error();
  // The invoices, locked in ascending id, each allocation within its invoice's due amount.
  auto requested = a.list("allocations");
  std::vector<std::pair<Invoice, Money>> planned;
  std::vector<std::pair<std::string, std::size_t>> numbers;
  for (std::size_t i = 0; i < requested.size(); ++i) numbers.emplace_back(requested[i].text("invoice"), i);
  std::vector<std::pair<long long, std::size_t>> order;
  for (const auto& [number, i] : numbers) {
    auto r = tx.exec("ar_invoice_id", "SELECT invoice_id FROM invoices WHERE tenant_id = $1 AND number = $2",
                     tx.tenant(), number);
    order.emplace_back(r.empty() ? 0 : r[0][0].as<long long>(), i);
  }
  std::sort(order.begin(), order.end());
  Money allocated;
  for (const auto& [ignored, i] : order) {
    std::string at = fmt::format("allocations[{}]", i);
    auto invoice = lock_invoice(tx, requested[i].text("invoice"), at + ".invoice", customer.value());
    if (!invoice.ok()) return invoice.error();
    Money amount = money(requested[i], "amount");
    if (amount > invoice.value().due)
      return Error{ledger::codes::allocation_exceeds_due, at + ".amount",
                   fmt::format("{}.amount: invoice '{}' has {} due, not {}", at, requested[i].text("invoice"),
                               invoice.value().due.to_string(), amount.to_string())};
    allocated = allocated.add(amount).value();
    planned.emplace_back(invoice.value(), amount);
  }
  Money amount = money(a, "amount");
  Money unallocated = amount.subtract(allocated).value();
  auto journal =
      post(tx, a.text("date"), "receivables.record_payment", ledger::roles::cash, amount,
           {{ledger::roles::receivables, allocated}, {ledger::roles::customer_credit, unallocated}}, "amount", "date");
  if (!journal.ok()) return journal.error();
  // The same payer, amount and day as a payment on the books: taken, but flagged for a person.
  bool possible_duplicate = !tx.exec("ar_possible_duplicate",
                                     "SELECT 1 FROM credits WHERE tenant_id = $1 AND kind = 'payment' AND NOT reversed "
                                     "AND customer_id = $2 AND amount = $3::numeric AND dated = $4::date",
                                     tx.tenant(), customer.value(), amount.to_string(), a.text("date"))
                                 .empty();
  long long id =
      insert_credit(tx, "payment", customer.value(), "", amount, unallocated, a.text("date"), "", journal.value());
  for (const auto& [invoice, part] : planned) allocate(tx, invoice, id, part, std::nullopt);
  VERDICT_FAILPOINT("receivables.after_document");
  return json{{"payment_id", id}, {"unallocated", unallocated.to_string()}, {"possible_duplicate", possible_duplicate}};
}

Outcome<json> issue_credit_memo(Tx& tx, const Args& a) {
  if (auto e = ledger::check_currency(tx, a)) return *e;
  auto customer = customer_id(tx, a.text("customer"));
  if (!customer.ok()) return customer.error();
  Money amount = money(a, "amount");
  auto journal = post(tx, a.text("date"), "receivables.issue_credit_memo", ledger::roles::revenue, amount,
                      {{ledger::roles::customer_credit, amount}}, "amount", "date");
  if (!journal.ok()) return journal.error();
  long long id = insert_credit(tx, "credit_memo", customer.value(), a.text("number"), amount, amount, a.text("date"),
                               a.text("expires_on"), journal.value());
  if (id == 0)
    return Error{ledger::codes::duplicate_document_number, "number",
                 fmt::format("number: credit memo '{}' exists already", a.text("number"))};
  return json{{"credit_id", id}};
}

struct Credit {
  long long id = 0;
  long long customer_id = 0;
  std::string kind;
  Money amount, unallocated;
  std::string expires_on;
  bool reversed = false;
  long long journal_id = 0;
};

Outcome<Credit> lock_credit(Tx& tx, long long id) {
  auto r = tx.exec("ar_lock_credit",
                   "SELECT customer_id, kind, amount::text, unallocated::text, coalesce(expires_on::text, ''), "
                   "reversed, journal_id FROM credits WHERE tenant_id = $1 AND credit_id = $2 FOR UPDATE",
                   tx.tenant(), id);
  if (r.empty()) return not_found("credit_id", fmt::format("credit_id: no payment or credit memo {}", id));
  tx.touch(kinds::credit, id);
  tx.touch(kinds::customer, r[0][0].as<long long>());
  return Credit{id,
                r[0][0].as<long long>(),
                r[0][1].as<std::string>(),
                Money::parse(r[0][2].as<std::string>(), "amount").value(),
                Money::parse(r[0][3].as<std::string>(), "unallocated").value(),
                r[0][4].as<std::string>(),
                r[0][5].as<bool>(),
                r[0][6].as<long long>()};
}

// Applies unallocated credit (of a payment or a credit memo) to an invoice of the same customer.
Outcome<json> apply_credit(Tx& tx, const Args& a) {
  auto credit = lock_credit(tx, a.id("credit_id"));
  if (!credit.ok()) return credit.error();
  const std::string today = ledger::date_of(tx.context().as_of);
  if (!credit.value().expires_on.empty() && credit.value().expires_on < today)
    return Error{codes::credit_expired, "credit_id",
                 fmt::format("credit_id: the credit expired on {}", credit.value().expires_on)};
  Money amount = money(a, "amount");
  if (credit.value().reversed || amount > credit.value().unallocated)
    return Error{
        ledger::codes::allocation_exceeds_credit, "amount",
        fmt::format("amount: the credit has {} unallocated, not {}",
                    credit.value().reversed ? "0.00" : credit.value().unallocated.to_string(), amount.to_string())};
  auto invoice = lock_invoice(tx, a.text("invoice"), "invoice", credit.value().customer_id);
  if (!invoice.ok()) return invoice.error();
  if (amount > invoice.value().due)
    return Error{ledger::codes::allocation_exceeds_due, "amount",
                 fmt::format("amount: invoice '{}' has {} due", a.text("invoice"), invoice.value().due.to_string())};
  auto journal = post(tx, today, "receivables.apply_credit", ledger::roles::customer_credit, amount,
                      {{ledger::roles::receivables, amount}}, "amount", "as_of");
  if (!journal.ok()) return journal.error();
  tx.exec("ar_take_credit",
          "UPDATE credits SET unallocated = unallocated - $2::numeric, version = version + 1 WHERE credit_id = $1",
          credit.value().id, amount.to_string());
  allocate(tx, invoice.value(), credit.value().id, amount, journal.value());
  return json{{"invoice_due", invoice.value().due.subtract(amount).value().to_string()}};
}

// Reverses a payment: its journal and its allocations' journals, its allocations (the invoices are
// due again), its unallocated amount. Dated the business day.
Outcome<json> reverse_payment(Tx& tx, const Args& a) {
  auto credit = lock_credit(tx, a.id("payment_id"));
  if (!credit.ok() || credit.value().kind != "payment")
    return not_found("payment_id", fmt::format("payment_id: no payment {}", a.id("payment_id")));
  if (credit.value().reversed)
    return Error{sut::codes::already_reversed, "payment_id",
                 fmt::format("payment_id: payment {} was reversed already", a.id("payment_id"))};
  const std::string today = ledger::date_of(tx.context().as_of);
  auto allocations = tx.exec("ar_payment_allocations",
                             "SELECT a.allocation_id, a.invoice_id, a.amount::text, coalesce(a.journal_id, 0) "
                             "FROM allocations a WHERE a.credit_id = $1 AND NOT a.reversed ORDER BY a.invoice_id",
                             credit.value().id);
  for (const auto& row : allocations) {
    tx.exec("ar_lock_invoice_id", "SELECT 1 FROM invoices WHERE invoice_id = $1 FOR UPDATE", row[1].as<long long>());
    tx.touch(kinds::invoice, row[1].as<long long>());
  }
  // Its journals are reversed one after the other: their accounts are locked first, in one
  // ascending pass, so that the posts below never take them out of the documented order.
  std::vector<long long> journals{credit.value().journal_id};
  for (const auto& row : allocations)
    if (row[3].as<long long>() != 0) journals.push_back(row[3].as<long long>());
  ledger::lock_accounts_of(tx, journals);
  auto reversed = ledger::reverse(tx, credit.value().journal_id, today, "receivables.reverse_payment",
                                  credit.value().id, "payment_id", "as_of");
  if (!reversed.ok()) return reversed.error();
  for (const auto& row : allocations) {
    if (row[3].as<long long>() != 0) {
      auto undone = ledger::reverse(tx, row[3].as<long long>(), today, "receivables.reverse_payment", credit.value().id,
                                    "payment_id", "as_of");
      if (!undone.ok()) return undone.error();
    }
    tx.exec("ar_unallocate",
            "WITH a AS (UPDATE allocations SET reversed = true WHERE allocation_id = $1) "
            "UPDATE invoices SET amount_due = amount_due + $3::numeric, version = version + 1 WHERE invoice_id = $2",
            row[0].as<long long>(), row[1].as<long long>(), row[2].as<std::string>());
  }
  tx.exec("ar_reverse_credit",
          "UPDATE credits SET reversed = true, unallocated = 0, version = version + 1 WHERE credit_id = $1",
          credit.value().id);
  VERDICT_FAILPOINT("receivables.after_document");
  return json{{"payment_id", credit.value().id}, {"reversed", true}};
}

Outcome<json> write_off(Tx& tx, const Args& a) {
  auto invoice = lock_invoice(tx, a.text("invoice"), "invoice", std::nullopt);
  if (!invoice.ok()) return invoice.error();
  if (invoice.value().due.is_zero())
    return Error{codes::nothing_due, "invoice", fmt::format("invoice: '{}' has nothing due", a.text("invoice"))};
  tx.touch(kinds::customer, invoice.value().customer_id);
  auto journal = post(tx, a.text("date"), "receivables.write_off", ledger::roles::bad_debts, invoice.value().due,
                      {{ledger::roles::receivables, invoice.value().due}}, "invoice", "date");
  if (!journal.ok()) return journal.error();
  allocate(tx, invoice.value(), 0, invoice.value().due, journal.value());
  return json{{"written_off", invoice.value().due.to_string()}};
}

// Reads ------------------------------------------------------------------------------------------

Outcome<json> invoice(Tx& tx, const Args& a) {
  auto r = tx.sql().exec_params(
      "SELECT c.code, i.total::text, i.amount_due::text, i.issued_on::text, (SELECT coalesce(sum(l.tax), 0)::text "
      "FROM invoice_lines l WHERE l.invoice_id = i.invoice_id) FROM invoices i "
      "JOIN customers c ON c.customer_id = i.customer_id WHERE i.tenant_id = $1 AND i.number = $2",
      tx.tenant(), a.text("number"));
  if (r.empty()) return not_found("number", fmt::format("number: no invoice '{}'", a.text("number")));
  return json{{"customer", r[0][0].as<std::string>()},
              {"total", r[0][1].as<std::string>()},
              {"amount_due", r[0][2].as<std::string>()},
              {"date", r[0][3].as<std::string>()},
              {"tax", r[0][4].as<std::string>()}};
}

Outcome<json> credit(Tx& tx, const Args& a) {
  auto r = tx.sql().exec_params(
      "SELECT kind, amount::text, unallocated::text, reversed FROM credits WHERE tenant_id = $1 AND credit_id = $2",
      tx.tenant(), a.id("credit_id"));
  if (r.empty()) return not_found("credit_id", fmt::format("credit_id: no credit {}", a.id("credit_id")));
  return json{{"kind", r[0][0].as<std::string>()},
              {"amount", r[0][1].as<std::string>()},
              {"unallocated", r[0][2].as<std::string>()},
              {"reversed", r[0][3].as<bool>()}};
}

Outcome<json> customer_balance(Tx& tx, const Args& a) {
  auto r = tx.sql().exec_params(
      "SELECT (SELECT coalesce(sum(amount_due), 0)::numeric(20,2)::text FROM invoices i WHERE i.customer_id = "
      "c.customer_id), (SELECT coalesce(sum(unallocated), 0)::numeric(20,2)::text FROM credits k WHERE k.customer_id "
      "= c.customer_id) FROM customers c WHERE c.tenant_id = $1 AND c.code = $2",
      tx.tenant(), a.text("customer"));
  if (r.empty()) return not_found("customer", fmt::format("customer: no customer '{}'", a.text("customer")));
  return json{{"due", r[0][0].as<std::string>()}, {"credit", r[0][1].as<std::string>()}};
}

verdict::FieldDecl code_field(const char* name, const char* what) { return field::text(name, code_length_max, what); }
verdict::FieldDecl amount_field(const char* name, const char* what) {
  return field::decimal(name, 2, "positive", what);
}
verdict::FieldDecl currency_field() {
  return field::text("currency", 3, "the document's currency (the tenant's by default; another is refused)", false);
}
verdict::FieldDecl date_field() { return field::date("date", "the posting date (its month must be open)"); }

const struct Registrar {
  Registrar() {
    Module m;
    m.name = "receivables";
    m.depends_on = {"access", "ledger"};
    m.migrations = receivables_migrations();
    m.commands = {
        {command_decl("receivables.add_customer", "receivables.manage", "Adds a customer, with its credit limit.",
                      {code_field("code", "its code"), field::text("name", name_length_max, "what it is called"),
                       field::decimal("credit_limit", 2, "non_negative",
                                      "the most it may owe; 0: no credit; absent: no limit", false)}),
         nullptr, add_customer},
        {command_decl(
             "receivables.issue_invoice", "receivables.bill",
             "Issues an invoice: each line round(qty × unit price, 2) plus its tax round(amount × rate, 2), "
             "the total their sum; posts Dr receivables, Cr revenue and tax payable. The number is unique "
             "per tenant.",
             {code_field("customer", "the customer's code"), code_field("number", "the invoice number"), date_field(),
              currency_field(), field::date("due_on", "the day it is due (none: no due date, never late)", false),
              field::list("lines",
                          {field::text("description", name_length_max, "what was sold"),
                           field::decimal("qty", 4, "positive", "quantity, scale 4"),
                           field::decimal("unit_price", 4, "positive", "price per unit, scale 4"), tax_rate_field()},
                          lines_max, "the invoice's lines")}),
         [](const Args& a) -> std::optional<Error> {
           auto amounts = line_amounts(a);
           if (!amounts.ok()) return amounts.error();
           return std::nullopt;
         },
         issue_invoice},
        {command_decl("receivables.charge_late_fee", "receivables.bill",
                      "Charges a late fee on an overdue invoice (due before the business day, something still "
                      "due): a new invoice of the fee to its customer, dated the business day; one per invoice.",
                      {code_field("invoice", "the overdue invoice"), code_field("number", "the fee invoice's number"),
                       amount_field("amount", "the fee")}),
         nullptr, charge_late_fee},
        {command_decl("receivables.set_credit_limit", "receivables.manage",
                      "Changes a customer's credit limit (0: no credit; absent: no limit). Orders accepted before "
                      "keep the limit they were checked against.",
                      {code_field("customer", "the customer's code"),
                       field::decimal("credit_limit", 2, "non_negative", "the new limit; absent: no limit", false)}),
         nullptr, set_credit_limit},
        {command_decl("receivables.record_payment", "receivables.collect",
                      "Records a payment, allocated to invoices of the customer as asked; what is not allocated "
                      "stays as the customer's credit. Posts Dr cash, Cr receivables and customer credit.",
                      {code_field("customer", "the customer's code"), amount_field("amount", "the amount received"),
                       date_field(), currency_field(),
                       field::list("allocations",
                                   {code_field("invoice", "an invoice number of the customer"),
                                    amount_field("amount", "how much of the payment goes to it")},
                                   allocations_max, "where the payment goes (none: all stays as credit)", false)}),
         [](const Args& a) { return ledger::check_allocations(a, "invoice"); }, record_payment},
        {command_decl("receivables.issue_credit_memo", "receivables.bill",
                      "Issues a credit memo (Dr revenue, Cr customer credit), to be applied to invoices until it "
                      "expires.",
                      {code_field("customer", "the customer's code"), code_field("number", "the credit memo number"),
                       amount_field("amount", "the credit"), date_field(), currency_field(),
                       field::date("expires_on", "the last day it may be applied (none: never expires)", false)}),
         nullptr, issue_credit_memo},
        {command_decl("receivables.apply_credit", "receivables.collect",
                      "Applies unallocated credit (a payment's or a credit memo's) to an invoice of the same "
                      "customer (Dr customer credit, Cr receivables), dated the business day.",
                      {field::id("credit_id", "the payment or credit memo"),
                       code_field("invoice", "the invoice number"), amount_field("amount", "how much to apply")}),
         nullptr, apply_credit},
        {command_decl("receivables.reverse_payment", "receivables.collect",
                      "Reverses a payment, once: its journals, and its allocations (the invoices are due again).",
                      {field::id("payment_id", "the payment")}),
         nullptr, reverse_payment},
        {command_decl("receivables.write_off", "receivables.bill",
                      "Writes off what an invoice still has due (Dr bad debts, Cr receivables).",
                      {code_field("invoice", "the invoice number"), date_field()}),
         nullptr, write_off},
    };
    m.reads = {
        {{"invoice",
          "",
          "An invoice: customer, total, amount_due, date, tax (the sum of its lines').",
          {code_field("number", "its number")}},
         invoice},
        {{"credit",
          "",
          "A payment or credit memo: kind, amount, unallocated, reversed.",
          {field::id("credit_id", "its id")}},
         credit},
        {{"customer_balance",
          "",
          "What a customer owes (due) and holds (unallocated credit).",
          {code_field("customer", "its code")}},
         customer_balance},
    };
    m.invariants = receivables_invariants();
    m.failpoints = {
        {"receivables.after_document", "", "invoice, payment, reversal: after the document and its journal"}};
    m.codes = {
        {codes::credit_expired, 422, RetryClass::never, "The credit memo expired before it was applied.", {}},
        {codes::nothing_due,
         422,
         RetryClass::never,
         "The invoice has nothing due (to write off, or to charge a fee on).",
         {}},
        {codes::not_overdue, 422, RetryClass::never, "The invoice is not overdue: no due date, or not past it.", {}},
        {codes::late_fee_charged, 409, RetryClass::never, "A late fee was charged on the invoice already.", {}},
    };
    m.tables = {{"customers", "", true},
                {"invoices", "", true},
                {"invoice_lines", "", true},
                {"credits", "", true},
                {"allocations", "", true}};
    register_module(std::move(m));
  }
} registrar;

}  // namespace
}  // namespace sut::receivables
