// The funds property suite, on the harness's generic stateful runner (verdict/stateful.hpp).
// RapidCheck generates funds, investors, commitments, capital calls and distributions (and role
// changes of a second actor), runs each against the system on a fresh database and against the
// reference model (model/funds_model.hpp), and asserts after every command that the outcome is the
// one the model predicts, that a call's or distribution's parts are exactly the model's split, that
// the fund capital account equals Σ calls − Σ distributions, and that every invariant holds.

#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "funds_model.hpp"
#include "support.hpp"
#include "verdict/suites.hpp"

namespace {
using json = nlohmann::json;
using model::FundsModel;
using props::Sut;

struct Prediction {
  Prediction() = default;
  Prediction(model::Expected e) : expected(std::move(e)) {}  // NOLINT: a role change predicts no parts
  model::Expected expected;
  std::vector<std::pair<std::string, std::string>> parts;  // of a successful call or distribution
};

void judge(Sut& sut, const verdict::StepRecord& record, const Prediction& p, const FundsModel& after) {
  props::judging(sut, record, [&] {
    props::judge_outcome(sut, record, {p.expected.ok, p.expected.code, p.expected.field});
    int step = record.index - sut.setup_steps;
    if (record.outcome.status == verdict::OutcomeStatus::ok && !p.parts.empty()) {
      std::vector<std::pair<std::string, std::string>> got;
      const auto values = json::parse(record.outcome.values_json);
      for (const auto& part : values.at("parts")) got.emplace_back(part["investor"], part["amount"]);
      if (got != p.parts) {
        auto text = [](const std::vector<std::pair<std::string, std::string>>& v) {
          std::string s;
          for (const auto& [investor, amount] : v) s += investor + "=" + amount + " ";
          return s;
        };
        throw Sut::failure(step, props::command_text(record), "parts " + text(p.parts), "parts " + text(got));
      }
    }
    auto capital = sut.read("account_balance", {{"account", "3000"}});
    if (capital != model::format_cents(after.capital()))
      throw Sut::failure(step, props::command_text(record), "fund capital " + model::format_cents(after.capital()),
                         "fund capital " + capital.dump());
  });
}

template <typename Derived>
using ModelCommand = props::ModelCommand<FundsModel, judge, Derived>;

rc::Gen<std::string> gen_fund() {
  return rc::gen::weightedOneOf<std::string>(
      {{9, rc::gen::element<std::string>("F1", "F2")}, {1, rc::gen::element<std::string>("F3", "NOPE")}});
}
rc::Gen<std::string> gen_amount() {
  return rc::gen::weightedOneOf<std::string>(
      {{9, rc::gen::element<std::string>("0.01", "0.02", "1", "100", "333.33", "1000", "0.07", "12345.67")},
       {1, rc::gen::element<std::string>("0", "-1", "1.001", "x")}});
}

template <bool Fund>
struct Add : ModelCommand<Add<Fund>> {
  std::string code = Fund ? *rc::gen::element<std::string>("F3", "F1") : *rc::gen::element<std::string>("DAN", "ANN");
  Prediction on(FundsModel& m) const { return m.add(this->actor, Fund ? "fund" : "investor", code); }
  std::string name() const { return Fund ? "funds.add_fund" : "funds.add_investor"; }
  json args(const Sut&) const { return {{"code", code}, {"name", "Name " + code}}; }
  void show(std::ostream& os) const override {
    os << fmt::format("{}: add {} {}", this->actor, Fund ? "fund" : "investor", code);
  }
};

struct Commit : ModelCommand<Commit> {
  std::string fund = *gen_fund();
  std::string investor = *rc::gen::element<std::string>("ANN", "BOB", "CAT", "DAN");
  std::string amount = *gen_amount();
  Prediction on(FundsModel& m) const { return m.commit(actor, fund, investor, amount); }
  std::string name() const { return "funds.commit"; }
  json args(const Sut&) const { return {{"fund", fund}, {"investor", investor}, {"amount", amount}}; }
  void show(std::ostream& os) const override {
    os << fmt::format("{}: commit {} to {} by {}", actor, amount, fund, investor);
  }
};

template <bool Call>
struct Event : ModelCommand<Event<Call>> {
  std::string fund = *gen_fund();
  std::string total = *gen_amount();
  std::string date = *rc::gen::weightedOneOf<std::string>(
      {{9, rc::gen::element<std::string>("2026-01-10", "2026-02-14")}, {1, rc::gen::just<std::string>("2026-02-30")}});
  Prediction on(FundsModel& m) const {
    Prediction p;
    p.expected = m.event(this->actor, Call, fund, total, date, &p.parts);
    return p;
  }
  std::string name() const { return Call ? "funds.call" : "funds.distribute"; }
  json args(const Sut&) const { return {{"fund", fund}, {"total", total}, {"date", date}}; }
  void show(std::ostream& os) const override {
    os << fmt::format("{}: {} {} on {} dated {}", this->actor, Call ? "call" : "distribute", total, fund, date);
  }
};

verdict::SuiteResult run_funds(const verdict::RunContext& context, const verdict::PropertyParams& params) {
  verdict::stateful::Suite<FundsModel, Sut> suite;
  suite.name = "funds";
  suite.commands = {"access.grant_role", "access.revoke_role", "funds.add_fund",  "funds.add_investor",
                    "funds.commit",      "funds.call",         "funds.distribute"};
  suite.initial_model = [] { return FundsModel(); };
  suite.generate = [](const FundsModel& initial) {
    return rc::state::gen::commands(
        initial,
        rc::state::gen::execOneOfWithArgs<
            Commit, Commit, Commit, Event<true>, Event<true>, Event<true>, Event<false>, Event<false>, Add<true>,
            Add<false>, props::RoleChange<FundsModel, judge, true>, props::RoleChange<FundsModel, judge, false>>());
  };
  std::vector<std::pair<std::string, json>> setup = {{"access.create_tenant", json::object()}};
  for (const auto& code : FundsModel::setup_funds())
    setup.push_back({"funds.add_fund", {{"code", code}, {"name", "Name " + code}}});
  for (const auto& code : FundsModel::setup_investors())
    setup.push_back({"funds.add_investor", {{"code", code}, {"name", "Name " + code}}});
  return props::run_suite(context, params, std::move(suite), std::move(setup));
}

const struct Registrar {
  Registrar() {
    verdict::register_property_suite(
        {"funds",
         "funds, investors, commitments, capital calls and distributions, as two actors whose roles change, "
         "against the reference model's exact split and the fund capital account",
         run_funds,
         {"access.create_tenant", "access.grant_role", "access.revoke_role", "funds.add_fund", "funds.add_investor",
          "funds.commit", "funds.call", "funds.distribute"}});
  }
} registrar;

}  // namespace
