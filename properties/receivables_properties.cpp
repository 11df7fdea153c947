// The receivables property suite, on the harness's generic stateful runner (verdict/stateful.hpp).
// RapidCheck generates invoices (lines rounded per line), payments allocated to invoices (over,
// under, beyond what is due, duplicated), credit memos (some expired), applications of credit,
// payment reversals and write-offs, with role changes of a second actor; runs each against the
// system on a fresh database and against the reference model (model/receivables_model.hpp); and
// asserts after every command that the outcome is the one the model predicts, that each customer's
// amount due and unallocated credit equal the model's, and that every invariant holds.

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <tuple>

#include "commands.hpp"
#include "receivables_model.hpp"
#include "support.hpp"
#include "verdict/suites.hpp"

namespace {
using json = nlohmann::json;
using model::ReceivablesModel;
using props::Sut;

const std::vector<std::string> numbers = {"I-1", "I-2", "I-3", "I-4"};
constexpr const char* payment_date = "2026-01-10";

struct Prediction {
  Prediction() = default;
  Prediction(model::Expected e) : expected(std::move(e)) {}  // NOLINT: most commands predict an outcome only
  model::Expected expected;
  std::optional<bool> possible_duplicate;  // a payment's flag
  bool numbered = false;                   // a new payment or credit memo: the model numbers it
};

void judge(Sut& sut, const verdict::StepRecord& record, const Prediction& p, const ReceivablesModel& after) {
  props::judging(sut, record, [&] {
    props::judge_outcome(sut, record, {p.expected.ok, p.expected.code, p.expected.field});
    int step = record.index - sut.setup_steps;
    if (record.outcome.status == verdict::OutcomeStatus::ok) {
      const auto values = json::parse(record.outcome.values_json);
      if (p.numbered)
        sut.ids.push_back(values.contains("payment_id") ? values.at("payment_id").get<long long>()
                                                        : values.at("credit_id").get<long long>());
      if (p.possible_duplicate && values.at("possible_duplicate") != *p.possible_duplicate)
        throw Sut::failure(step, props::command_text(record),
                           fmt::format("possible_duplicate {}", *p.possible_duplicate),
                           "possible_duplicate " + values.at("possible_duplicate").dump());
    }
    for (const auto& customer : ReceivablesModel::setup_customers()) {
      auto [due, credit] = after.balance(customer);
      props::expect_read(sut, record, "customer_balance", {{"customer", customer}},
                         {{"due", model::format_cents(due)}, {"credit", model::format_cents(credit)}}, customer);
    }
  });
}

template <typename Derived>
using ModelCommand = props::ModelCommand<ReceivablesModel, judge, Derived>;

rc::Gen<std::string> gen_customer() {
  return rc::gen::weightedOneOf<std::string>(
      {{9, rc::gen::element<std::string>("C1", "C2")}, {1, rc::gen::just<std::string>("C9")}});
}
rc::Gen<std::string> gen_amount() {
  return rc::gen::weightedOneOf<std::string>(
      {{9, rc::gen::element<std::string>("0.01", "5", "10", "33.33", "60", "100.01")},
       {1, rc::gen::element<std::string>("0", "-1", "1.001")}});
}
// An invoice number: mostly one the model holds.
rc::Gen<std::string> gen_invoice(const ReceivablesModel& m) {
  std::vector<std::string> held;
  for (const auto& [number, inv] : m.invoices()) held.push_back(number);
  if (held.empty()) return rc::gen::elementOf(numbers);
  return rc::gen::weightedOneOf<std::string>({{4, rc::gen::elementOf(held)}, {1, rc::gen::elementOf(numbers)}});
}
// An amount for an allocation to `number`: its due amount, part of it, or more.
rc::Gen<std::string> gen_allocation(const ReceivablesModel& m, const std::string& number) {
  auto it = m.invoices().find(number);
  if (it == m.invoices().end() || it->second.due == 0) return gen_amount();
  model::Cents due = it->second.due;
  return rc::gen::weightedOneOf<std::string>({{3, rc::gen::just(model::format_cents(due))},
                                              {3, rc::gen::just(model::format_cents(due > 1 ? due / 2 : 1))},
                                              {1, rc::gen::just(model::format_cents(due + 1))}});
}

struct IssueInvoice : ModelCommand<IssueInvoice> {
  std::string customer = *gen_customer();
  std::string number = *rc::gen::elementOf(numbers);
  std::string currency = *rc::gen::weightedOneOf<std::string>({{8, rc::gen::just<std::string>("")},
                                                               {1, rc::gen::just<std::string>("USD")},
                                                               {1, rc::gen::just<std::string>("EUR")}});
  std::vector<model::InvoiceLine> lines = *rc::gen::container<std::vector<model::InvoiceLine>>(
      *rc::gen::inRange(1, 3),
      rc::gen::construct<model::InvoiceLine>(rc::gen::element<std::string>("1", "2", "0.5", "3"),
                                             rc::gen::element<std::string>("10", "33.3333", "0.005", "0.0001")));
  std::string due_on = *rc::gen::element<std::string>("", "2025-12-31", "2026-12-31");
  Prediction on(ReceivablesModel& m) const { return m.issue_invoice(actor, customer, number, currency, lines, due_on); }
  std::string name() const { return "receivables.issue_invoice"; }
  json args(const Sut&) const {
    json out{{"customer", customer}, {"number", number}, {"date", "2026-01-05"}, {"lines", json::array()}};
    if (!currency.empty()) out["currency"] = currency;
    if (!due_on.empty()) out["due_on"] = due_on;
    for (const auto& l : lines)
      out["lines"].push_back({{"description", "item"}, {"qty", l.qty}, {"unit_price", l.unit_price}});
    return out;
  }
  void show(std::ostream& os) const override {
    std::string text;
    for (const auto& l : lines) text += fmt::format(" [{} × {}]", l.qty, l.unit_price);
    os << fmt::format("{}: invoice {} to {}{}{}", actor, number, customer, currency.empty() ? "" : " in " + currency,
                      text);
  }
};

struct RecordPayment : ModelCommand<RecordPayment> {
  std::string customer = *gen_customer();
  std::string amount = *gen_amount();
  std::vector<std::pair<std::string, std::string>> allocations;
  explicit RecordPayment(const ReceivablesModel& m) {
    int n = *rc::gen::weightedOneOf<int>({{3, rc::gen::just(0)}, {5, rc::gen::just(1)}, {2, rc::gen::just(2)}});
    for (int i = 0; i < n; ++i) {
      std::string invoice = *gen_invoice(m);
      allocations.emplace_back(invoice, *gen_allocation(m, invoice));
    }
    // Mostly a payment that covers its allocations.
    if (!allocations.empty() && *rc::gen::weightedOneOf<bool>({{4, rc::gen::just(true)}, {1, rc::gen::just(false)}})) {
      model::Cents sum = 0;
      for (const auto& [invoice, part] : allocations) sum += model::parse_amount(part).value_or(0);
      amount = model::format_cents(sum + *rc::gen::element<model::Cents>(0, 0, 1, 500));
    }
  }
  Prediction on(ReceivablesModel& m) const {
    bool duplicate = false;
    Prediction p = m.record_payment(actor, customer, amount, payment_date, allocations, &duplicate);
    if (p.expected.ok) {
      p.possible_duplicate = duplicate;
      p.numbered = true;
    }
    return p;
  }
  std::string name() const { return "receivables.record_payment"; }
  json args(const Sut&) const {
    json out{{"customer", customer}, {"amount", amount}, {"date", payment_date}};
    if (!allocations.empty()) {
      out["allocations"] = json::array();
      for (const auto& [invoice, part] : allocations)
        out["allocations"].push_back({{"invoice", invoice}, {"amount", part}});
    }
    return out;
  }
  void show(std::ostream& os) const override {
    std::string text;
    for (const auto& [invoice, part] : allocations) text += fmt::format(" [{} to {}]", part, invoice);
    os << fmt::format("{}: payment of {} by {}{}", actor, amount, customer, text);
  }
};

struct IssueCreditMemo : ModelCommand<IssueCreditMemo> {
  std::string customer = *gen_customer();
  std::string number = *rc::gen::element<std::string>("CM-1", "CM-2", "CM-3");
  std::string amount = *gen_amount();
  std::string expires_on = *rc::gen::element<std::string>("", "", "2025-12-31", "2026-12-31");
  Prediction on(ReceivablesModel& m) const {
    Prediction p = m.issue_credit_memo(actor, customer, number, amount, expires_on);
    p.numbered = p.expected.ok;
    return p;
  }
  std::string name() const { return "receivables.issue_credit_memo"; }
  json args(const Sut&) const {
    json out{{"customer", customer}, {"number", number}, {"amount", amount}, {"date", "2026-01-05"}};
    if (!expires_on.empty()) out["expires_on"] = expires_on;
    return out;
  }
  void show(std::ostream& os) const override {
    os << fmt::format("{}: credit memo {} of {} to {}{}", actor, number, amount, customer,
                      expires_on.empty() ? "" : " expiring " + expires_on);
  }
};

// An index into the model's credits (payments and credit memos), or -1 (one never seen).
int draw_credit(const ReceivablesModel& m) {
  int n = static_cast<int>(m.credits().size());
  if (n == 0) return -1;
  return *rc::gen::weightedOneOf<int>({{9, rc::gen::inRange(0, n)}, {1, rc::gen::just(-1)}});
}

struct ApplyCredit : ModelCommand<ApplyCredit> {
  int credit = -1;
  std::string invoice, amount;
  // Mostly a credit with something unallocated and unexpired, on an invoice of its customer with
  // something due, for at most both; else any credit, invoice and amount.
  explicit ApplyCredit(const ReceivablesModel& m) {
    std::vector<std::pair<int, std::string>> fits;
    for (int i = 0; i < static_cast<int>(m.credits().size()); ++i) {
      const auto& c = m.credits()[i];
      if (c.reversed || c.unallocated == 0 || (!c.expires_on.empty() && c.expires_on < ReceivablesModel::today))
        continue;
      for (const auto& [number, inv] : m.invoices())
        if (inv.customer == c.customer && inv.due > 0) fits.emplace_back(i, number);
    }
    if (!fits.empty() && *rc::gen::weightedOneOf<bool>({{3, rc::gen::just(true)}, {1, rc::gen::just(false)}})) {
      std::tie(credit, invoice) = *rc::gen::elementOf(fits);
      model::Cents most = std::min(m.credits()[credit].unallocated, m.invoices().at(invoice).due);
      const model::Cents half = most > 1 ? most / 2 : 1, over = most + 1;
      amount = model::format_cents(*rc::gen::element(most, half, over));
      return;
    }
    credit = draw_credit(m);
    invoice = *gen_invoice(m);
    amount = *gen_allocation(m, invoice);
  }
  void checkPreconditions(const ReceivablesModel& m) const override {
    RC_PRE(credit < static_cast<int>(m.credits().size()));
  }
  Prediction on(ReceivablesModel& m) const { return m.apply_credit(actor, credit, invoice, amount); }
  std::string name() const { return "receivables.apply_credit"; }
  json args(const Sut& sut) const {
    return {{"credit_id", credit >= 0 ? sut.ids.at(credit) : 999999999}, {"invoice", invoice}, {"amount", amount}};
  }
  void show(std::ostream& os) const override {
    os << fmt::format("{}: apply {} of credit #{} to {}", actor, amount, credit, invoice);
  }
};

struct ReversePayment : ModelCommand<ReversePayment> {
  int credit;
  // Mostly a payment not reversed yet; else any credit (a memo, a reversed payment, one never seen).
  explicit ReversePayment(const ReceivablesModel& m) : credit(draw_credit(m)) {
    std::vector<int> standing;
    for (int i = 0; i < static_cast<int>(m.credits().size()); ++i)
      if (m.credits()[i].kind == "payment" && !m.credits()[i].reversed) standing.push_back(i);
    if (!standing.empty() && *rc::gen::weightedOneOf<bool>({{3, rc::gen::just(true)}, {1, rc::gen::just(false)}}))
      credit = *rc::gen::elementOf(standing);
  }
  void checkPreconditions(const ReceivablesModel& m) const override {
    RC_PRE(credit < static_cast<int>(m.credits().size()));
  }
  Prediction on(ReceivablesModel& m) const { return m.reverse_payment(actor, credit); }
  std::string name() const { return "receivables.reverse_payment"; }
  json args(const Sut& sut) const { return {{"payment_id", credit >= 0 ? sut.ids.at(credit) : 999999999}}; }
  void show(std::ostream& os) const override { os << fmt::format("{}: reverse payment #{}", actor, credit); }
};

struct WriteOff : ModelCommand<WriteOff> {
  std::string invoice;
  explicit WriteOff(const ReceivablesModel& m) : invoice(*gen_invoice(m)) {}
  Prediction on(ReceivablesModel& m) const { return m.write_off(actor, invoice); }
  std::string name() const { return "receivables.write_off"; }
  json args(const Sut&) const { return {{"invoice", invoice}, {"date", "2026-01-20"}}; }
  void show(std::ostream& os) const override { os << fmt::format("{}: write off {}", actor, invoice); }
};

struct ChargeLateFee : ModelCommand<ChargeLateFee> {
  std::string invoice;
  std::string number = *rc::gen::element<std::string>("F-1", "F-2", "I-1");
  std::string amount = *gen_amount();
  // Mostly an overdue invoice with something due and no fee yet; else any.
  explicit ChargeLateFee(const ReceivablesModel& m) : invoice(*gen_invoice(m)) {
    std::vector<std::string> overdue;
    for (const auto& [n, inv] : m.invoices())
      if (!inv.due_on.empty() && inv.due_on < ReceivablesModel::today && inv.due > 0 && !inv.fee_charged)
        overdue.push_back(n);
    if (!overdue.empty() && *rc::gen::weightedOneOf<bool>({{3, rc::gen::just(true)}, {1, rc::gen::just(false)}}))
      invoice = *rc::gen::elementOf(overdue);
  }
  Prediction on(ReceivablesModel& m) const { return m.charge_late_fee(actor, invoice, number, amount); }
  std::string name() const { return "receivables.charge_late_fee"; }
  json args(const Sut&) const { return {{"invoice", invoice}, {"number", number}, {"amount", amount}}; }
  void show(std::ostream& os) const override {
    os << fmt::format("{}: late fee {} of {} on {}", actor, number, amount, invoice);
  }
};

struct AddCustomer : ModelCommand<AddCustomer> {
  std::string code = *rc::gen::element<std::string>("C3", "C1");
  Prediction on(ReceivablesModel& m) const { return m.add_customer(actor, code); }
  std::string name() const { return "receivables.add_customer"; }
  json args(const Sut&) const { return {{"code", code}, {"name", "Customer " + code}}; }
  void show(std::ostream& os) const override { os << fmt::format("{}: add customer {}", actor, code); }
};

verdict::SuiteResult run_receivables(const verdict::RunContext& context, const verdict::PropertyParams& params) {
  verdict::stateful::Suite<ReceivablesModel, Sut> suite;
  suite.name = "receivables";
  suite.commands = {"access.grant_role",          "access.revoke_role",          "receivables.add_customer",
                    "receivables.issue_invoice",  "receivables.record_payment",  "receivables.issue_credit_memo",
                    "receivables.apply_credit",   "receivables.reverse_payment", "receivables.write_off",
                    "receivables.charge_late_fee"};
  suite.initial_model = [] { return ReceivablesModel(); };
  suite.generate = [](const ReceivablesModel& initial) {
    return rc::state::gen::commands(
        initial,
        rc::state::gen::execOneOfWithArgs<
            IssueInvoice, IssueInvoice, IssueInvoice, RecordPayment, RecordPayment, RecordPayment, IssueCreditMemo,
            ApplyCredit, ApplyCredit, ReversePayment, WriteOff, AddCustomer, ChargeLateFee,
            props::RoleChange<ReceivablesModel, judge, true>, props::RoleChange<ReceivablesModel, judge, false>>());
  };
  std::vector<std::pair<std::string, json>> setup = {{"access.create_tenant", json::object()}};
  for (const auto& code : ReceivablesModel::setup_customers())
    setup.push_back({"receivables.add_customer", {{"code", code}, {"name", "Customer " + code}}});
  return props::run_suite(context, params, std::move(suite), std::move(setup));
}

const struct Registrar {
  Registrar() {
    verdict::register_property_suite(
        {"receivables",
         "invoices, payments (allocated, over, under, duplicated), credit memos, applications, reversals and "
         "write-offs, as two actors whose roles change, against the reference model's amounts due and credits",
         run_receivables,
         {"access.create_tenant", "access.grant_role", "access.revoke_role", "receivables.add_customer",
          "receivables.issue_invoice", "receivables.record_payment", "receivables.issue_credit_memo",
          "receivables.apply_credit", "receivables.reverse_payment", "receivables.write_off",
          "receivables.charge_late_fee"}});
  }
} registrar;

}  // namespace
