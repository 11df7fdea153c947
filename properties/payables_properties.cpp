// The payables property suite, on the harness's generic stateful runner (verdict/stateful.hpp).
// RapidCheck generates bills built from the set-up receipts (billed twice, reversed, unknown,
// named twice, under a taken number), vendor payments allocated to bills (over, under, beyond what
// is due), applications of advances, payment reversals and receipt reversals, with role changes of
// a second actor; runs each against the system on a fresh database and against the reference model
// (model/payables_model.hpp); and asserts after every command that the outcome is the one the model
// predicts, that each vendor's amount due and advance equal the model's, and that every invariant
// holds.

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "payables_model.hpp"
#include "support.hpp"
#include "verdict/suites.hpp"

namespace {
using json = nlohmann::json;
using model::PayablesModel;
using props::Sut;

const std::vector<std::string> numbers = {"VB-1", "VB-2", "VB-3"};
constexpr int first_receipt_step = 5;  // the set-up's index of the first receipt (run_payables)
constexpr long long no_such_id = 999999999;

struct Prediction {
  Prediction() = default;
  Prediction(model::Expected e) : expected(std::move(e)) {}  // NOLINT: most commands predict an outcome only
  model::Expected expected;
  bool numbered = false;  // a new payment: the model numbers it
};

void judge(Sut& sut, const verdict::StepRecord& record, const Prediction& p, const PayablesModel& after) {
  props::judging(sut, record, [&] {
    props::judge_outcome(sut, record, {p.expected.ok, p.expected.code, p.expected.field});
    if (record.outcome.status == verdict::OutcomeStatus::ok && p.numbered)
      sut.ids.push_back(json::parse(record.outcome.values_json).at("payment_id").get<long long>());
    for (const auto& vendor : PayablesModel::setup_vendors()) {
      auto [due, advance] = after.balance(vendor);
      props::expect_read(sut, record, "vendor_balance", {{"vendor", vendor}},
                         {{"due", model::format_cents(due)}, {"advance", model::format_cents(advance)}}, vendor);
    }
  });
}

template <typename Derived>
using ModelCommand = props::ModelCommand<PayablesModel, judge, Derived>;

rc::Gen<std::string> gen_vendor() {
  return rc::gen::weightedOneOf<std::string>(
      {{9, rc::gen::element<std::string>("V1", "V2")}, {1, rc::gen::just<std::string>("V9")}});
}
rc::Gen<std::string> gen_amount() {
  return rc::gen::weightedOneOf<std::string>(
      {{9, rc::gen::element<std::string>("0.01", "3.35", "10", "20", "23.35", "50")},
       {1, rc::gen::element<std::string>("0", "-1", "1.001")}});
}
// A bill number: mostly one the model holds (of any vendor).
rc::Gen<std::string> gen_bill(const PayablesModel& m) {
  std::vector<std::string> held;
  for (const auto& [key, bill] : m.bills()) held.push_back(key.second);
  if (held.empty()) return rc::gen::elementOf(numbers);
  return rc::gen::weightedOneOf<std::string>({{4, rc::gen::elementOf(held)}, {1, rc::gen::elementOf(numbers)}});
}
// An amount for an allocation to `vendor`'s bill `number`: its due amount, part of it, or more.
rc::Gen<std::string> gen_allocation(const PayablesModel& m, const std::string& vendor, const std::string& number) {
  auto it = m.bills().find({vendor, number});
  if (it == m.bills().end() || it->second.due == 0) return gen_amount();
  model::Cents due = it->second.due;
  return rc::gen::weightedOneOf<std::string>({{2, rc::gen::just(model::format_cents(due))},
                                              {4, rc::gen::just(model::format_cents(due > 1 ? due / 2 : 1))},
                                              {1, rc::gen::just(model::format_cents(due + 1))}});
}
// A receipt: an index into the set-up receipts, or -1 (a movement that is no receipt).
rc::Gen<int> gen_receipt() {
  const int n = static_cast<int>(PayablesModel::setup_receipts().size());
  return rc::gen::weightedOneOf<int>({{9, rc::gen::inRange(0, n)}, {1, rc::gen::just(-1)}});
}
long long receipt_id(const Sut& sut, int receipt) {
  if (receipt < 0) return no_such_id;
  return sut.setup_values.at(first_receipt_step + receipt).at("movement_id");
}

struct EnterBill : ModelCommand<EnterBill> {
  std::string vendor = *gen_vendor();
  std::string number = *rc::gen::elementOf(numbers);
  std::string currency = *rc::gen::weightedOneOf<std::string>(
      {{9, rc::gen::just<std::string>("")}, {1, rc::gen::element<std::string>("USD", "EUR")}});
  std::vector<int> receipts = *rc::gen::container<std::vector<int>>(*rc::gen::inRange(1, 3), gen_receipt());
  Prediction on(PayablesModel& m) const { return m.enter_bill(actor, vendor, number, currency, receipts); }
  std::string name() const { return "payables.enter_bill"; }
  json args(const Sut& sut) const {
    json out{{"vendor", vendor}, {"number", number}, {"date", "2026-01-05"}, {"receipts", json::array()}};
    if (!currency.empty()) out["currency"] = currency;
    for (int r : receipts) out["receipts"].push_back({{"movement", receipt_id(sut, r)}});
    return out;
  }
  void show(std::ostream& os) const override {
    std::string text;
    for (int r : receipts) text += fmt::format(" #{}", r);
    os << fmt::format("{}: bill {} from {}{} for receipts{}", actor, number, vendor,
                      currency.empty() ? "" : " in " + currency, text);
  }
};

struct PayVendor : ModelCommand<PayVendor> {
  std::string vendor = *gen_vendor();
  std::string amount = *gen_amount();
  std::vector<std::pair<std::string, std::string>> allocations;
  explicit PayVendor(const PayablesModel& m) {
    // Mostly a vendor with bills, and bills of its own.
    std::vector<std::string> billed;
    for (const auto& [key, bill] : m.bills()) billed.push_back(key.first);
    if (!billed.empty() && *rc::gen::weightedOneOf<bool>({{4, rc::gen::just(true)}, {1, rc::gen::just(false)}}))
      vendor = *rc::gen::elementOf(billed);
    std::vector<std::string> own;
    for (const auto& [key, bill] : m.bills())
      if (key.first == vendor) own.push_back(key.second);
    int n = *rc::gen::weightedOneOf<int>({{4, rc::gen::just(0)}, {4, rc::gen::just(1)}, {2, rc::gen::just(2)}});
    for (int i = 0; i < n; ++i) {
      std::string bill = own.empty()
                             ? *gen_bill(m)
                             : *rc::gen::weightedOneOf<std::string>({{4, rc::gen::elementOf(own)}, {1, gen_bill(m)}});
      allocations.emplace_back(bill, *gen_allocation(m, vendor, bill));
    }
    // Mostly a payment that covers its allocations, often with an advance beyond them.
    if (!allocations.empty() && *rc::gen::weightedOneOf<bool>({{4, rc::gen::just(true)}, {1, rc::gen::just(false)}})) {
      model::Cents sum = 0;
      for (const auto& [bill, part] : allocations) sum += model::parse_amount(part).value_or(0);
      amount = model::format_cents(sum + *rc::gen::element<model::Cents>(0, 1, 500, 500));
    }
  }
  Prediction on(PayablesModel& m) const {
    Prediction p = m.pay_vendor(actor, vendor, amount, allocations);
    p.numbered = p.expected.ok;
    return p;
  }
  std::string name() const { return "payables.pay_vendor"; }
  json args(const Sut&) const {
    json out{{"vendor", vendor}, {"amount", amount}, {"date", "2026-01-06"}};
    if (!allocations.empty()) {
      out["allocations"] = json::array();
      for (const auto& [bill, part] : allocations) out["allocations"].push_back({{"bill", bill}, {"amount", part}});
    }
    return out;
  }
  void show(std::ostream& os) const override {
    std::string text;
    for (const auto& [bill, part] : allocations) text += fmt::format(" [{} to {}]", part, bill);
    os << fmt::format("{}: pay {} to {}{}", actor, amount, vendor, text);
  }
};

// An index into the model's payments, or -1 (one never seen).
int draw_payment(const PayablesModel& m) {
  int n = static_cast<int>(m.payments().size());
  if (n == 0) return -1;
  return *rc::gen::weightedOneOf<int>({{9, rc::gen::inRange(0, n)}, {1, rc::gen::just(-1)}});
}

struct ApplyAdvance : ModelCommand<ApplyAdvance> {
  int payment = -1;
  bool unknown_kept = *rc::gen::weightedOneOf<bool>({{1, rc::gen::just(true)}, {4, rc::gen::just(false)}});
  std::string bill, amount;
  // Mostly a payment with an advance, on a bill of its vendor with something due, for at most
  // both; else any payment, bill and amount.
  explicit ApplyAdvance(const PayablesModel& m) {
    std::vector<std::pair<int, std::string>> fits;
    for (int i = 0; i < static_cast<int>(m.payments().size()); ++i) {
      const auto& p = m.payments()[i];
      if (p.reversed || p.unallocated == 0) continue;
      for (const auto& [key, b] : m.bills())
        if (key.first == p.vendor && b.due > 0) fits.emplace_back(i, key.second);
    }
    if (!fits.empty() && *rc::gen::weightedOneOf<bool>({{3, rc::gen::just(true)}, {1, rc::gen::just(false)}})) {
      std::tie(payment, bill) = *rc::gen::elementOf(fits);
      const auto& p = m.payments()[payment];
      model::Cents most = std::min(p.unallocated, m.bills().at({p.vendor, bill}).due);
      const model::Cents half = most > 1 ? most / 2 : 1, over = most + 1;
      amount = model::format_cents(*rc::gen::element(most, half, over));
      return;
    }
    payment = draw_payment(m);
    bill = *gen_bill(m);
    amount = *gen_amount();
  }
  // A payment never seen is drawn now and then, not each time nothing was paid yet.
  void checkPreconditions(const PayablesModel& m) const override {
    RC_PRE(payment < static_cast<int>(m.payments().size()) && (payment >= 0 || unknown_kept));
  }
  Prediction on(PayablesModel& m) const { return m.apply_advance(actor, payment, bill, amount); }
  std::string name() const { return "payables.apply_advance"; }
  json args(const Sut& sut) const {
    return {{"payment_id", payment >= 0 ? sut.ids.at(payment) : no_such_id}, {"bill", bill}, {"amount", amount}};
  }
  void show(std::ostream& os) const override {
    os << fmt::format("{}: apply {} of payment #{} to {}", actor, amount, payment, bill);
  }
};

struct ReversePayment : ModelCommand<ReversePayment> {
  int payment;
  bool unknown_kept = *rc::gen::weightedOneOf<bool>({{1, rc::gen::just(true)}, {4, rc::gen::just(false)}});
  // Mostly a payment not reversed yet; else any (a reversed one, one never seen).
  explicit ReversePayment(const PayablesModel& m) : payment(draw_payment(m)) {
    std::vector<int> standing;
    for (int i = 0; i < static_cast<int>(m.payments().size()); ++i)
      if (!m.payments()[i].reversed) standing.push_back(i);
    if (!standing.empty() && *rc::gen::weightedOneOf<bool>({{3, rc::gen::just(true)}, {1, rc::gen::just(false)}}))
      payment = *rc::gen::elementOf(standing);
  }
  void checkPreconditions(const PayablesModel& m) const override {
    RC_PRE(payment < static_cast<int>(m.payments().size()) && (payment >= 0 || unknown_kept));
  }
  Prediction on(PayablesModel& m) const { return m.reverse_payment(actor, payment); }
  std::string name() const { return "payables.reverse_payment"; }
  json args(const Sut& sut) const { return {{"payment_id", payment >= 0 ? sut.ids.at(payment) : no_such_id}}; }
  void show(std::ostream& os) const override { os << fmt::format("{}: reverse vendor payment #{}", actor, payment); }
};

// A set-up receipt reversed by the admin (a reversed receipt cannot be billed; a billed one can be
// reversed).
struct ReverseReceipt : ModelCommand<ReverseReceipt> {
  int receipt = *rc::gen::inRange(0, static_cast<int>(PayablesModel::setup_receipts().size()));
  Prediction on(PayablesModel& m) const { return m.reverse_receipt(receipt); }
  std::string name() const { return "inventory.reverse"; }
  std::string actor_of() const { return PayablesModel::admin; }
  json args(const Sut& sut) const { return {{"movement", receipt_id(sut, receipt)}}; }
  void show(std::ostream& os) const override { os << fmt::format("reverse receipt #{}", receipt); }
};

struct AddVendor : ModelCommand<AddVendor> {
  std::string code = *rc::gen::element<std::string>("V3", "V1");
  Prediction on(PayablesModel& m) const { return m.add_vendor(actor, code); }
  std::string name() const { return "payables.add_vendor"; }
  json args(const Sut&) const { return {{"code", code}, {"name", "Vendor " + code}}; }
  void show(std::ostream& os) const override { os << fmt::format("{}: add vendor {}", actor, code); }
};

verdict::SuiteResult run_payables(const verdict::RunContext& context, const verdict::PropertyParams& params) {
  verdict::stateful::Suite<PayablesModel, Sut> suite;
  suite.name = "payables";
  suite.commands = {"access.grant_role",   "access.revoke_role",     "payables.add_vendor",      "payables.enter_bill",
                    "payables.pay_vendor", "payables.apply_advance", "payables.reverse_payment", "inventory.reverse"};
  suite.initial_model = [] { return PayablesModel(); };
  suite.generate = [](const PayablesModel& initial) {
    return rc::state::gen::commands(
        initial, rc::state::gen::execOneOfWithArgs<EnterBill, EnterBill, EnterBill, PayVendor, PayVendor, PayVendor,
                                                   ApplyAdvance, ApplyAdvance, ReversePayment, ReverseReceipt,
                                                   AddVendor, props::RoleChange<PayablesModel, judge, true>,
                                                   props::RoleChange<PayablesModel, judge, false>>());
  };
  std::vector<std::pair<std::string, json>> setup = {{"access.create_tenant", json::object()},
                                                     {"inventory.add_product", {{"sku", "SKU-1"}, {"name", "Widget"}}},
                                                     {"inventory.add_location", {{"location", "WH1"}}}};
  for (const auto& code : PayablesModel::setup_vendors())
    setup.push_back({"payables.add_vendor", {{"code", code}, {"name", "Vendor " + code}}});
  for (const auto& r : PayablesModel::setup_receipts())
    setup.push_back(
        {"inventory.receive",
         {{"sku", "SKU-1"}, {"batch", r.batch}, {"location", "WH1"}, {"qty", r.qty}, {"unit_cost", r.unit_cost}}});
  return props::run_suite(context, params, std::move(suite), std::move(setup));
}

const struct Registrar {
  Registrar() {
    verdict::register_property_suite(
        {"payables",
         "bills from receipts (billed twice, reversed, unknown), vendor payments (allocated, over, under), "
         "advances applied, payment and receipt reversals, as two actors whose roles change, against the reference "
         "model's amounts due and advances",
         run_payables,
         {"access.create_tenant", "access.grant_role", "access.revoke_role", "inventory.add_product",
          "inventory.add_location", "inventory.receive", "inventory.reverse", "payables.add_vendor",
          "payables.enter_bill", "payables.pay_vendor", "payables.apply_advance", "payables.reverse_payment"}});
  }
} registrar;

}  // namespace
