// The ledger property suite, on the harness's generic stateful runner (verdict/stateful.hpp).
// RapidCheck generates sequences of manual journals (balanced mostly, some unbalanced, malformed or
// naming control or unknown accounts), reversals, period locks and unlocks, new accounts and role
// changes of a second actor; runs each against the system on a fresh database and against the
// reference model (model/ledger_model.hpp); and asserts after every command that
//   - the outcome is the one the model predicts (ok, or the same error code and field),
//   - the trial balance (every account's debit and credit totals) equals the model's,
//   - every invariant holds (scoped after every step, full every K steps and at the end).

#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "ledger_model.hpp"
#include "support.hpp"
#include "verdict/suites.hpp"

namespace {
using json = nlohmann::json;
using model::LedgerModel;
using props::Sut;

const std::vector<std::string> dates = {"2026-01-10", "2026-01-31", "2026-02-14", "2026-03-01"};
const std::vector<std::string> periods = {"2026-01", "2026-02", "2026-03"};
const std::vector<std::string> new_codes = {"7000", "7100", "6000"};  // 6000 exists: ALREADY_EXISTS

rc::Gen<std::string> gen_date() {
  return rc::gen::weightedOneOf<std::string>(
      {{9, rc::gen::elementOf(dates)}, {1, rc::gen::element<std::string>("2026-02-30", "2026-1-5", "")}});
}

// An account for a line: mostly one the model can post to manually, sometimes a control or unknown one.
rc::Gen<std::string> gen_account(const LedgerModel& m) {
  std::vector<std::string> manual;
  for (const auto& [code, account] : m.accounts())
    if (!account.control) manual.push_back(code);
  return rc::gen::weightedOneOf<std::string>({{12, rc::gen::elementOf(manual)},
                                              {1, rc::gen::just<std::string>("1200")},
                                              {1, rc::gen::just<std::string>("9999")}});
}

// Lines: balanced two-line journals mostly; a three-line split, an unbalanced one (a cent off), one
// line alone, a line with both sides, a hostile amount.
std::vector<model::ModelLine> gen_lines(const LedgerModel& m) {
  model::Cents cents = *rc::gen::element<model::Cents>(1, 250, 10000, 99999, 123456);
  std::string a = *gen_account(m), b = *gen_account(m), c = *gen_account(m);
  std::string x = model::format_cents(cents);
  switch (*rc::gen::weightedOneOf<int>({{14, rc::gen::just(0)},
                                        {2, rc::gen::just(1)},
                                        {1, rc::gen::just(2)},
                                        {1, rc::gen::just(3)},
                                        {1, rc::gen::just(4)},
                                        {1, rc::gen::just(5)}})) {
    case 0:
      return {{a, x, ""}, {b, "", x}};
    case 1:
      return {{a, x, ""}, {b, x, ""}, {c, "", model::format_cents(2 * cents)}};
    case 2:
      return {{a, x, ""}, {b, "", model::format_cents(cents + 1)}};
    case 3:
      return {{a, x, ""}};
    case 4:
      return {{a, x, x}, {b, "", x}};
    default:
      return {{a, *rc::gen::element<std::string>("0", "-5", "1.001", "abc"), ""}, {b, "", x}};
  }
}

// Compares one step with the model's prediction and the trial balance with the model's totals.
void judge(Sut& sut, const verdict::StepRecord& record, const model::Expected& expected, const LedgerModel& after) {
  props::judging(sut, record, [&] {
    props::judge_outcome(sut, record, {expected.ok, expected.code, expected.field});
    if (record.outcome.status == verdict::OutcomeStatus::ok) {
      auto values = json::parse(record.outcome.values_json);
      if (values.contains("journal_id")) sut.ids.push_back(values["journal_id"].get<long long>());
    }
    std::map<std::string, std::string> system_totals, model_totals;
    auto tb = sut.read("trial_balance");
    if (!tb.contains("accounts")) throw std::runtime_error("trial_balance answered " + tb.dump());
    for (const auto& row : tb["accounts"])
      system_totals[row["code"]] =
          fmt::format("{}/{}", row["debit"].get<std::string>(), row["credit"].get<std::string>());
    for (const auto& [code, account] : after.accounts())
      model_totals[code] = model::format_cents(account.debits) + "/" + model::format_cents(account.credits);
    if (system_totals != model_totals) {
      auto text = [](const std::map<std::string, std::string>& m) {
        std::string s;
        for (const auto& [code, totals] : m) s += code + "=" + totals + " ";
        return s;
      };
      throw Sut::failure(record.index - sut.setup_steps, props::command_text(record),
                         "trial balance " + text(model_totals), "trial balance " + text(system_totals));
    }
  });
}

template <typename Derived>
using ModelCommand = props::ModelCommand<LedgerModel, judge, Derived>;

struct AddAccount : ModelCommand<AddAccount> {
  std::string code = *rc::gen::elementOf(new_codes);
  std::string type = *rc::gen::element<std::string>("asset", "liability", "equity", "revenue", "expense");
  bool forbid_negative = *rc::gen::arbitrary<bool>();
  model::Expected on(LedgerModel& m) const { return m.add_account(actor, code, type, forbid_negative); }
  std::string name() const { return "ledger.add_account"; }
  json args(const Sut&) const {
    return {{"code", code}, {"name", "Account " + code}, {"type", type}, {"forbid_negative", forbid_negative}};
  }
  void show(std::ostream& os) const override {
    os << fmt::format("{}: add account {} {}{}", actor, code, type, forbid_negative ? " (never negative)" : "");
  }
};

struct PostJournal : ModelCommand<PostJournal> {
  std::string date = *gen_date();
  std::vector<model::ModelLine> lines;
  explicit PostJournal(const LedgerModel& m) : lines(gen_lines(m)) {}
  model::Expected on(LedgerModel& m) const { return m.post(actor, date, lines); }
  std::string name() const { return "ledger.post_journal"; }
  json args(const Sut&) const {
    json out = json::array();
    for (const auto& l : lines) {
      json line{{"account", l.account}};
      if (!l.debit.empty()) line["debit"] = l.debit;
      if (!l.credit.empty()) line["credit"] = l.credit;
      out.push_back(line);
    }
    return {{"date", date}, {"lines", out}};
  }
  void show(std::ostream& os) const override {
    std::string text;
    for (const auto& l : lines) text += fmt::format(" [{} Dr {} Cr {}]", l.account, l.debit, l.credit);
    os << fmt::format("{}: post {}{}", actor, date, text);
  }
};

struct ReverseJournal : ModelCommand<ReverseJournal> {
  int index;
  std::string date = *rc::gen::weightedOneOf<std::string>({{3, rc::gen::just<std::string>("")}, {1, gen_date()}});
  explicit ReverseJournal(const LedgerModel& m) : index(draw(m)) {}
  static int draw(const LedgerModel& m) {
    const int n = static_cast<int>(m.journals().size());
    if (n == 0) return -1;
    std::vector<int> open;
    for (int i = 0; i < n; ++i)
      if (!m.journals()[i].reversed && !m.journals()[i].reversal) open.push_back(i);
    auto any = rc::gen::inRange<int>(0, n);
    if (open.empty()) return *rc::gen::weightedOneOf<int>({{9, any}, {1, rc::gen::just(-1)}});
    return *rc::gen::weightedOneOf<int>({{6, rc::gen::elementOf(open)}, {3, any}, {1, rc::gen::just(-1)}});
  }
  void checkPreconditions(const LedgerModel& m) const override {
    // Shrinking replays commands against other states: the journal must still exist there.
    RC_PRE(index < static_cast<int>(m.journals().size()));
  }
  model::Expected on(LedgerModel& m) const { return m.reverse(actor, index, date); }
  std::string name() const { return "ledger.reverse_journal"; }
  json args(const Sut& sut) const {
    json out{{"journal_id", index >= 0 ? sut.ids.at(index) : 999999999}};
    if (!date.empty()) out["date"] = date;
    return out;
  }
  void show(std::ostream& os) const override {
    os << fmt::format("{}: reverse journal #{}{}", actor, index, date.empty() ? "" : " on " + date);
  }
};

template <bool Lock>
struct PeriodChange : ModelCommand<PeriodChange<Lock>> {
  std::string period = *rc::gen::weightedOneOf<std::string>(
      {{9, rc::gen::elementOf(periods)}, {1, rc::gen::element<std::string>("2026-13", "26-01")}});
  model::Expected on(LedgerModel& m) const { return m.lock(this->actor, period, Lock); }
  std::string name() const { return Lock ? "ledger.lock_period" : "ledger.unlock_period"; }
  json args(const Sut&) const { return {{"period", period}}; }
  void show(std::ostream& os) const override {
    os << fmt::format("{}: {} {}", this->actor, Lock ? "lock" : "unlock", period);
  }
};

verdict::SuiteResult run_ledger(const verdict::RunContext& context, const verdict::PropertyParams& params) {
  verdict::stateful::Suite<LedgerModel, Sut> suite;
  suite.name = "ledger";
  suite.commands = {"access.grant_role",      "access.revoke_role", "ledger.add_account",  "ledger.post_journal",
                    "ledger.reverse_journal", "ledger.lock_period", "ledger.unlock_period"};
  suite.initial_model = [] { return LedgerModel(); };
  suite.generate = [](const LedgerModel& initial) {
    return rc::state::gen::commands(
        initial, rc::state::gen::execOneOfWithArgs<PostJournal, PostJournal, PostJournal, PostJournal, ReverseJournal,
                                                   ReverseJournal, PeriodChange<true>, PeriodChange<false>, AddAccount,
                                                   props::RoleChange<LedgerModel, judge, true>,
                                                   props::RoleChange<LedgerModel, judge, false>>());
  };
  std::vector<std::pair<std::string, json>> setup = {{"access.create_tenant", json::object()}};
  for (const auto& [code, type] : LedgerModel::setup_accounts())
    setup.push_back(
        {"ledger.add_account",
         {{"code", code}, {"name", "Account " + code}, {"type", type}, {"forbid_negative", code == "1050"}}});
  return props::run_suite(context, params, std::move(suite), std::move(setup));
}

const struct Registrar {
  Registrar() {
    verdict::register_property_suite(
        {"ledger",
         "manual journals, reversals, period locks and accounts, as two actors whose roles change, against the "
         "reference model and the trial balance",
         run_ledger,
         {"access.create_tenant", "access.grant_role", "access.revoke_role", "ledger.add_account",
          "ledger.post_journal", "ledger.reverse_journal", "ledger.lock_period", "ledger.unlock_period"}});
  }
} registrar;

}  // namespace
