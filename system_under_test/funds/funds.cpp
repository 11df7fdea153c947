// The funds module: commands, reads, the pro rata split and the module record. Arguments arrive
// validated against the declarations at the bottom of this file.

#include "funds.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "../ledger/ledger.hpp"
#include "sut/module.hpp"
#include "sut/tx.hpp"
#include "verdict/failpoints.hpp"

namespace sut {
std::vector<Migration> funds_migrations();           // generated from migrations/
std::vector<verdict::Invariant> funds_invariants();  // invariants.cpp
}  // namespace sut

namespace sut::funds {

std::optional<std::vector<Share>> split(Money total, std::vector<Share> commitments) {
  int128 sum = 0;
  for (const auto& c : commitments) sum += c.commitment.units();
  struct Cut {
    int128 remainder;
    std::size_t index;
  };
  std::vector<Cut> cuts;
  int128 given = 0;
  for (std::size_t i = 0; i < commitments.size(); ++i) {
    int128 product = 0;
    if (__builtin_mul_overflow(total.units(), commitments[i].commitment.units(), &product)) return std::nullopt;
    commitments[i].amount = Money::from_units(product / sum).value();
    given += product / sum;
    cuts.push_back({product % sum, i});
  }
  // The cents left over (fewer than the investors): largest remainder first, then investor code.
  std::sort(cuts.begin(), cuts.end(), [&](const Cut& a, const Cut& b) {
    if (a.remainder != b.remainder) return a.remainder > b.remainder;
    return commitments[a.index].investor < commitments[b.index].investor;
  });
  for (int128 left = total.units() - given, k = 0; k < left; ++k) {
    auto& share = commitments[cuts[static_cast<std::size_t>(k)].index];
    share.amount = Money::from_units(share.amount.units() + 1).value();
  }
  return commitments;
}

namespace {

constexpr int code_length_max = 32;
constexpr int name_length_max = 200;

Outcome<long long> id_by_code(Tx& tx, const char* table, const char* id_column, const char* field,
                              const std::string& code) {
  auto r = tx.sql().exec_params(fmt::format("SELECT {} FROM {} WHERE tenant_id = $1 AND code = $2", id_column, table),
                                tx.tenant(), code);
  if (r.empty()) return not_found(field, fmt::format("{}: no {} '{}'", field, field, code));
  return r[0][0].as<long long>();
}

Outcome<json> add(Tx& tx, const Args& a, const char* table, const char* id_column, const char* kind, const char* what) {
  auto r = tx.sql().exec_params(fmt::format("INSERT INTO {} (tenant_id, code, name, created_at) VALUES ($1, $2, $3, "
                                            "$4::timestamptz) ON CONFLICT (tenant_id, code) DO NOTHING RETURNING {}",
                                            table, id_column),
                                tx.tenant(), a.text("code"), a.text("name"), tx.context().as_of);
  if (r.empty())
    return Error{sut::codes::already_exists, "code",
                 fmt::format("code: a {} '{}' exists already", what, a.text("code"))};
  long long id = r[0][0].as<long long>();
  tx.touch(kind, id);
  return json{{id_column, id}};
}

Outcome<json> commit(Tx& tx, const Args& a) {
  auto fund = id_by_code(tx, "funds", "fund_id", "fund", a.text("fund"));
  if (!fund.ok()) return fund.error();
  auto investor = id_by_code(tx, "investors", "investor_id", "investor", a.text("investor"));
  if (!investor.ok()) return investor.error();
  auto r = tx.sql().exec_params(
      "INSERT INTO commitments (tenant_id, fund_id, investor_id, amount, created_at) "
      "VALUES ($1, $2, $3, $4::numeric, $5::timestamptz) ON CONFLICT DO NOTHING RETURNING 1",
      tx.tenant(), fund.value(), investor.value(), a.text("amount"), tx.context().as_of);
  if (r.empty())
    return Error{sut::codes::already_exists, "investor",
                 fmt::format("investor: '{}' has a commitment to '{}' already", a.text("investor"), a.text("fund"))};
  tx.touch(kinds::fund, fund.value());
  tx.touch(kinds::investor, investor.value());
  return json{{"fund", a.text("fund")}, {"investor", a.text("investor")}, {"amount", a.text("amount")}};
}

// A capital call (Dr cash, Cr fund capital) or a distribution (Dr fund capital, Cr cash) of `total`,
// split by the commitments as this transaction sees them.
Outcome<json> event(Tx& tx, const Args& a, const char* kind) {
  auto fund = id_by_code(tx, "funds", "fund_id", "fund", a.text("fund"));
  if (!fund.ok()) return fund.error();
  std::vector<Share> commitments;
  std::vector<long long> investor_ids;
  for (const auto& r : tx.sql().exec_params(
           "SELECT i.code, c.amount::text, c.investor_id FROM commitments c JOIN investors i ON i.investor_id = "
           "c.investor_id WHERE c.tenant_id = $1 AND c.fund_id = $2 ORDER BY i.code",
           tx.tenant(), fund.value())) {
    commitments.push_back({r[0].as<std::string>(), Money::parse(r[1].as<std::string>(), "commitment").value(), {}});
    investor_ids.push_back(r[2].as<long long>());
  }
  if (commitments.empty())
    return Error{codes::no_commitments, "fund",
                 fmt::format("fund: '{}' has no commitments to split by", a.text("fund"))};
  Money total = Money::parse(a.text("total"), "total").value();
  auto shares = split(total, commitments);
  if (!shares) return validation("total", "total: too large to split by these commitments");
  bool call = std::string(kind) == "call";
  auto cash = ledger::account_for_role(tx, "cash", "fund");
  if (!cash.ok()) return cash.error();
  auto capital = ledger::account_for_role(tx, "fund_capital", "fund");
  if (!capital.ok()) return capital.error();
  ledger::Journal journal{a.text("date"),
                          fmt::format("{} of {} on fund {}", kind, total.to_string(), a.text("fund")),
                          call ? "funds.call" : "funds.distribute",
                          std::nullopt,
                          std::nullopt,
                          {{call ? cash.value() : capital.value(), total, Money()},
                           {call ? capital.value() : cash.value(), Money(), total}}};
  auto posted = ledger::post(tx, journal, "total", "date");
  if (!posted.ok()) return posted.error();
  std::string investors = "{", commitment_amounts = "{", amounts = "{";
  json parts = json::array();
  for (std::size_t i = 0; i < shares->size(); ++i) {
    const char* sep = i == 0 ? "" : ",";
    investors += sep + std::to_string(investor_ids[i]);
    commitment_amounts += sep + (*shares)[i].commitment.to_string();
    amounts += sep + (*shares)[i].amount.to_string();
    parts.push_back({{"investor", (*shares)[i].investor}, {"amount", (*shares)[i].amount.to_string()}});
  }
  auto r = tx.exec("funds_event",
                   "WITH e AS (INSERT INTO fund_events (tenant_id, fund_id, kind, total, event_date, journal_id, "
                   "  mutation_id) VALUES ($1, $2, $3, $4::numeric, $5::date, $6, $7) RETURNING event_id), "
                   "p AS (INSERT INTO fund_event_parts (tenant_id, event_id, investor_id, commitment, amount) "
                   "  SELECT $1, e.event_id, t.i, t.c, t.a FROM e, "
                   "    unnest($8::bigint[], $9::numeric[], $10::numeric[]) AS t(i, c, a)) "
                   "SELECT event_id FROM e",
                   tx.tenant(), fund.value(), kind, total.to_string(), a.text("date"), posted.value(), tx.mutation_id(),
                   investors + "}", commitment_amounts + "}", amounts + "}");
  long long id = r[0][0].as<long long>();
  tx.touch(kinds::event, id);
  VERDICT_FAILPOINT("funds.after_event");
  return json{{"event_id", id}, {"journal_id", posted.value()}, {"parts", parts}};
}

Outcome<json> fund_event(Tx& tx, const Args& a) {
  auto r = tx.sql().exec_params(
      "SELECT e.kind, e.total::text, e.event_date::text, i.code, p.commitment::text, p.amount::text "
      "FROM fund_events e JOIN fund_event_parts p ON p.event_id = e.event_id "
      "JOIN investors i ON i.investor_id = p.investor_id WHERE e.tenant_id = $1 AND e.event_id = $2 ORDER BY i.code",
      tx.tenant(), a.id("event_id"));
  if (r.empty()) return not_found("event_id", fmt::format("event_id: no call or distribution {}", a.id("event_id")));
  json parts = json::array();
  for (const auto& row : r)
    parts.push_back({{"investor", row[3].as<std::string>()},
                     {"commitment", row[4].as<std::string>()},
                     {"amount", row[5].as<std::string>()}});
  return json{{"kind", r[0][0].as<std::string>()},
              {"total", r[0][1].as<std::string>()},
              {"date", r[0][2].as<std::string>()},
              {"parts", parts}};
}

verdict::FieldDecl code_field(const char* name, const char* what) { return field::text(name, code_length_max, what); }
verdict::FieldDecl name_field() { return field::text("name", name_length_max, "what it is called"); }
std::vector<verdict::FieldDecl> event_fields(const char* what) {
  return {code_field("fund", "the fund's code"), field::decimal("total", 2, "positive", what),
          field::date("date", "the posting date (its month must be open)")};
}

const struct Registrar {
  Registrar() {
    Module m;
    m.name = "funds";
    m.depends_on = {"access", "ledger"};
    m.migrations = funds_migrations();
    m.commands = {
        {command_decl("funds.add_fund", "funds.manage", "Adds a fund.", {code_field("code", "its code"), name_field()}),
         nullptr, [](Tx& tx, const Args& a) { return add(tx, a, "funds", "fund_id", kinds::fund, "fund"); }},
        {command_decl("funds.add_investor", "funds.manage", "Adds an investor.",
                      {code_field("code", "its code"), name_field()}),
         nullptr,
         [](Tx& tx, const Args& a) { return add(tx, a, "investors", "investor_id", kinds::investor, "investor"); }},
        {command_decl("funds.commit", "funds.manage", "Records an investor's commitment to a fund (once per pair).",
                      {code_field("fund", "the fund's code"), code_field("investor", "the investor's code"),
                       field::decimal("amount", 2, "positive", "the amount committed, scale 2")}),
         nullptr, commit},
        {command_decl("funds.call", "funds.move",
                      "Calls capital: the total is split pro rata by commitment, exactly, and posted (Dr cash, Cr "
                      "fund capital).",
                      event_fields("the amount called, scale 2")),
         nullptr, [](Tx& tx, const Args& a) { return event(tx, a, "call"); }},
        {command_decl("funds.distribute", "funds.move",
                      "Distributes: the total is split pro rata by commitment, exactly, and posted (Dr fund capital, "
                      "Cr cash).",
                      event_fields("the amount distributed, scale 2")),
         nullptr, [](Tx& tx, const Args& a) { return event(tx, a, "distribution"); }},
    };
    m.reads = {{{"fund_event",
                 "",
                 "A capital call or distribution: kind, total, date and its parts by investor code.",
                 {field::id("event_id", "its id")}},
                fund_event}};
    m.invariants = funds_invariants();
    m.failpoints = {{"funds.after_event", "", "call and distribute: after the journal, the event and its parts"}};
    m.codes = {{codes::no_commitments,
                422,
                RetryClass::after_state_change,
                "A capital call or distribution names a fund without commitments to split by.",
                {}}};
    m.tables = {{"funds", "", true},
                {"investors", "", true},
                {"commitments", "", true},
                {"fund_events", "", true},
                {"fund_event_parts", "", true}};
    register_module(std::move(m));
  }
} registrar;

}  // namespace
}  // namespace sut::funds
