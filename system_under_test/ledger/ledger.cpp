// The ledger module: posting (the API other modules post through), its commands and reads, the
// tenant bootstrap (the standard chart and the current period) and the module record.
// docs/MONEY.md is the contract; arguments arrive validated against the declarations below.

#include "ledger.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <regex>

#include "sut/module.hpp"
#include "sut/tx.hpp"
#include "verdict/failpoints.hpp"

namespace sut {
std::vector<Migration> ledger_migrations();           // generated from migrations/
std::vector<verdict::Invariant> ledger_invariants();  // invariants.cpp
}  // namespace sut

namespace sut::ledger {

std::string date_of(const std::string& as_of) { return as_of.substr(0, 10); }

namespace {

constexpr int code_length_max = 32;
constexpr int name_length_max = 200;
constexpr int memo_length_max = 200;
constexpr int lines_max = 100;

// "{a,b,c}": a SQL array literal of numbers (ids and canonical decimals need no quoting).
template <typename T, typename F>
std::string array_of(const std::vector<T>& items, F&& text) {
  std::string out = "{";
  for (const auto& item : items) out += (out.size() > 1 ? "," : "") + text(item);
  return out + "}";
}

struct AccountState {
  std::string code;
  bool debit_normal = true;
  bool forbid_negative = false;
  Balance balance;
};

bool debit_normal(const std::string& type) { return type == "asset" || type == "expense"; }

struct PeriodRow {
  long long id = 0;
  bool locked = false;
};

// A period's row, created open if new, locked shared (a posting: held to commit, so that a lock of
// the period waits for it) or exclusively (a lock or unlock: waits for every posting into it).
PeriodRow period_row(Tx& tx, const std::string& period, bool exclusive) {
  constexpr const char* statement =
      "WITH found AS (SELECT period_id, status FROM periods WHERE tenant_id = $1 AND period = $2 FOR {}), "
      "created AS (INSERT INTO periods (tenant_id, period, status) SELECT $1, $2, 'open' "
      "  WHERE NOT EXISTS (SELECT 1 FROM found) "
      "  ON CONFLICT (tenant_id, period) DO NOTHING RETURNING period_id, status) "
      "SELECT period_id, status FROM found UNION ALL SELECT period_id, status FROM created";
  static const std::string shared = fmt::format(fmt::runtime(statement), "SHARE");
  static const std::string exclusively = fmt::format(fmt::runtime(statement), "UPDATE");
  auto r = exclusive ? tx.exec("ledger_period_exclusive", exclusively.c_str(), tx.tenant(), period)
                     : tx.exec("ledger_period_share", shared.c_str(), tx.tenant(), period);
  // Created concurrently after our snapshot: take it again, now visible.
  if (r.empty()) throw RetryTransaction("period row created concurrently");
  PeriodRow row{r[0][0].as<long long>(), r[0][1].as<std::string>() == "locked"};
  tx.touch(kinds::period, row.id);
  return row;
}

// The period of `posted_on`, open, under a share lock held to commit; PERIOD_LOCKED naming
// `date_field` if it is locked.
Outcome<long long> open_period(Tx& tx, const std::string& posted_on, const char* date_field) {
  const std::string period = posted_on.substr(0, 7);
  auto row = period_row(tx, period, false);
  if (row.locked)
    return Error{codes::period_locked, date_field,
                 fmt::format("{}: period {} is locked; nothing dated in it can be posted", date_field, period)};
  return row.id;
}

}  // namespace

Outcome<long long> account_for_role(Tx& tx, const char* role, const char* field) {
  auto r = tx.exec("ledger_account_for_role", "SELECT account_id FROM accounts WHERE tenant_id = $1 AND role = $2",
                   tx.tenant(), role);
  if (r.empty()) return not_found(field, fmt::format("{}: the chart has no '{}' account", field, role));
  return r[0][0].as<long long>();
}

Outcome<long long> post(Tx& tx, const Journal& journal, const char* field, const char* date_field) {
  // The shape, before any lock.
  if (journal.lines.size() < 2)
    return Error{codes::unbalanced_journal, field, fmt::format("{}: a journal needs at least two lines", field)};
  Money debits, credits;
  for (std::size_t i = 0; i < journal.lines.size(); ++i) {
    const auto& line = journal.lines[i];
    if (line.debit.is_negative() || line.credit.is_negative() || line.debit.is_positive() == line.credit.is_positive())
      return validation(fmt::format("{}[{}]", field, i),
                        fmt::format("{}[{}]: a line has exactly one of debit and credit, > 0", field, i));
    auto d = debits.add(line.debit), c = credits.add(line.credit);
    if (!d || !c) return validation(field, fmt::format("{}: the journal's total exceeds the largest amount", field));
    debits = *d;
    credits = *c;
  }
  if (!(debits == credits))
    return Error{codes::unbalanced_journal, field,
                 fmt::format("{}: debits {} ≠ credits {}", field, debits.to_string(), credits.to_string())};

  auto period = open_period(tx, journal.posted_on, date_field);
  if (!period.ok()) return period.error();

  // The balance rows of its accounts, locked in ascending account_id (ORDER BY before the lock).
  std::vector<long long> ids;
  for (const auto& line : journal.lines) ids.push_back(line.account_id);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  auto locked = tx.exec("ledger_lock_balances",
                        "SELECT b.account_id, b.balance::text, a.type, a.forbid_negative, a.code "
                        "FROM account_balances b JOIN accounts a ON a.account_id = b.account_id "
                        "WHERE b.tenant_id = $1 AND b.account_id = ANY ($2::bigint[]) ORDER BY b.account_id "
                        "FOR UPDATE OF b",
                        tx.tenant(), array_of(ids, [](long long id) { return std::to_string(id); }));
  std::map<long long, AccountState> accounts;
  for (const auto& row : locked) {
    auto balance = Balance::parse(row[1].as<std::string>(), "balance");
    if (!balance.ok()) throw std::logic_error("account_balances holds an unparsable balance");
    accounts[row[0].as<long long>()] = {row[4].as<std::string>(), debit_normal(row[2].as<std::string>()),
                                        row[3].as<bool>(), balance.value()};
  }
  std::vector<std::string> balances_after;
  for (std::size_t i = 0; i < journal.lines.size(); ++i) {
    const auto& line = journal.lines[i];
    auto it = accounts.find(line.account_id);
    if (it == accounts.end())
      return not_found(fmt::format("{}[{}]", field, i),
                       fmt::format("{}[{}]: no account {}", field, i, line.account_id));
    auto change = Balance::from_units(line.debit.units() - line.credit.units());
    auto next = change ? it->second.balance.add(*change) : std::nullopt;
    if (!next) return validation(field, fmt::format("{}: an account balance would exceed the largest amount", field));
    it->second.balance = *next;
    balances_after.push_back(next->to_string());
  }
  for (const auto& [id, account] : accounts) {
    bool below_zero = account.debit_normal ? account.balance.is_negative() : account.balance.is_positive();
    if (account.forbid_negative && below_zero)
      return Error{codes::negative_balance_forbidden, field,
                   fmt::format("{}: account {} may not go below zero on its normal side (it would be {} {})", field,
                               account.code, account.balance.is_negative() ? "credit" : "debit",
                               account.balance.is_negative() ? account.balance.negated().to_string()
                                                             : account.balance.to_string())};
  }

  // The journal, its lines and the balances, in one statement. A second reversal of one journal
  // finds the first (journals_reversed_once) and writes nothing.
  std::vector<Line> lines = journal.lines;
  auto r = tx.exec(
      "ledger_post",
      "WITH j AS (INSERT INTO journals (tenant_id, posted_on, period, memo, source, source_id, reverses_journal_id, "
      "  posting_seq, content_hash, created_xact, mutation_id, actor, as_of) "
      "  VALUES ($1, $2::date, to_char($2::date, 'YYYY-MM'), NULLIF($3, ''), $4, NULLIF($5::bigint, 0), "
      "    NULLIF($6::bigint, 0), 0, ledger_content_hash($2::date, NULLIF($6::bigint, 0), $7::bigint[], "
      "    $8::numeric(20,2)[], $9::numeric(20,2)[]), '0', $11, $12, $13::timestamptz) "
      "  ON CONFLICT ON CONSTRAINT journals_reversed_once DO NOTHING RETURNING journal_id), "
      "l AS (INSERT INTO journal_lines (tenant_id, journal_id, line_no, account_id, debit, credit, balance_after) "
      "  SELECT $1, j.journal_id, t.n, t.a, t.d, t.c, t.b FROM j, "
      "    unnest($7::bigint[], $8::numeric[], $9::numeric[], $10::numeric[]) WITH ORDINALITY AS t(a, d, c, b, n) "
      "  ORDER BY t.n RETURNING line_id), "
      "u AS (UPDATE account_balances SET balance = t.b::numeric, version = version + 1 "
      "  FROM unnest($14::bigint[], $15::text[]) AS t(a, b) "
      "  WHERE account_balances.account_id = t.a AND EXISTS (SELECT 1 FROM j) RETURNING 1) "
      "SELECT (SELECT journal_id FROM j), (SELECT array_agg(line_id ORDER BY line_id) FROM l)::text, "
      "  (SELECT count(*) FROM u)",
      tx.tenant(), journal.posted_on, journal.memo, journal.source, journal.source_id.value_or(0),
      journal.reverses.value_or(0), array_of(lines, [](const Line& l) { return std::to_string(l.account_id); }),
      array_of(lines, [](const Line& l) { return l.debit.to_string(); }),
      array_of(lines, [](const Line& l) { return l.credit.to_string(); }),
      array_of(balances_after, [](const std::string& b) { return b; }), tx.mutation_id(), tx.context().actor,
      tx.context().as_of, array_of(ids, [](long long id) { return std::to_string(id); }),
      array_of(ids, [&](long long id) { return accounts.at(id).balance.to_string(); }));
  if (r[0][0].is_null()) {
    return Error{sut::codes::already_reversed, field,
                 fmt::format("{}: journal {} was reversed already", field, journal.reverses.value_or(0))};
  }
  if (r[0][2].as<long long>() != static_cast<long long>(ids.size()))
    throw std::logic_error("an account balance row vanished under its lock");
  long long journal_id = r[0][0].as<long long>();
  tx.touch(kinds::journal, journal_id);
  for (long long id : ids) tx.touch(kinds::account, id);
  std::string line_ids = r[0][1].as<std::string>();  // "{1,2,3}"
  for (std::size_t at = 1; at < line_ids.size();) {
    std::size_t end = line_ids.find_first_of(",}", at);
    tx.touch(kinds::line, std::stoll(line_ids.substr(at, end - at)));
    at = end + 1;
  }
  VERDICT_FAILPOINT("ledger.after_post");
  return journal_id;
}

std::optional<Error> check_currency(Tx& tx, const Args& a) {
  if (!a.has("currency")) return std::nullopt;
  std::string ours = currency(tx);
  if (a.text("currency") == ours) return std::nullopt;
  return Error{codes::currency_mismatch, "currency",
               fmt::format("currency: the tenant keeps its books in {}, not {}", ours, a.text("currency"))};
}

std::optional<Error> check_allocations(const Args& a, const char* document_field) {
  Money allocated;
  auto allocations = a.list("allocations");
  for (std::size_t i = 0; i < allocations.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j)
      if (allocations[j].text(document_field) == allocations[i].text(document_field))
        return validation(fmt::format("allocations[{}].{}", i, document_field),
                          fmt::format("allocations[{}].{}: '{}' is named twice", i, document_field,
                                      allocations[i].text(document_field)));
    auto next = allocated.add(Money::parse(allocations[i].text("amount"), "amount").value());
    if (!next) return validation("allocations", "allocations: their sum exceeds the largest amount");
    allocated = *next;
  }
  if (allocated > Money::parse(a.text("amount"), "amount").value())
    return Error{codes::allocation_exceeds_credit, "allocations",
                 fmt::format("allocations: {} allocated of a payment of {}", allocated.to_string(), a.text("amount"))};
  return std::nullopt;
}

Outcome<long long> post_by_roles(Tx& tx, const std::string& posted_on, const std::string& source,
                                 const std::vector<RoleAmount>& debits, const std::vector<RoleAmount>& credits,
                                 const char* field, const char* date_field) {
  Journal journal{posted_on, "", source, std::nullopt, std::nullopt, {}};
  for (const auto* side : {&debits, &credits})
    for (const auto& [role, amount] : *side) {
      if (amount.is_zero()) continue;
      auto account = account_for_role(tx, role, field);
      if (!account.ok()) return account.error();
      if (side == &debits)
        journal.lines.push_back({account.value(), amount, Money()});
      else
        journal.lines.push_back({account.value(), Money(), amount});
    }
  return post(tx, journal, field, date_field);
}

Outcome<long long> reverse(Tx& tx, long long journal_id, const std::string& posted_on, const std::string& source,
                           std::optional<long long> source_id, const char* field, const char* date_field) {
  auto original = tx.exec("ledger_journal_to_reverse",
                          "SELECT j.reverses_journal_id, l.account_id, l.debit::text, l.credit::text, "
                          "  (SELECT r.journal_id FROM journals r WHERE r.reverses_journal_id = j.journal_id) "
                          "FROM journals j JOIN journal_lines l ON l.journal_id = j.journal_id "
                          "WHERE j.tenant_id = $1 AND j.journal_id = $2 ORDER BY l.line_no",
                          tx.tenant(), journal_id);
  if (original.empty()) return not_found(field, fmt::format("{}: no journal {}", field, journal_id));
  if (!original[0][0].is_null())
    return Error{sut::codes::not_reversible, field,
                 fmt::format("{}: journal {} is a reversal; a reversal is never reversed", field, journal_id)};
  if (!original[0][4].is_null())
    return Error{sut::codes::already_reversed, field,
                 fmt::format("{}: journal {} was reversed already by journal {}", field, journal_id,
                             original[0][4].as<long long>())};
  Journal reversal{posted_on, fmt::format("reversal of journal {}", journal_id), source, source_id, journal_id, {}};
  for (const auto& row : original) {
    // Debit and credit swapped, line for line.
    reversal.lines.push_back({row[1].as<long long>(), Money::parse(row[3].as<std::string>(), "credit").value(),
                              Money::parse(row[2].as<std::string>(), "debit").value()});
  }
  return post(tx, reversal, field, date_field);
}

void lock_accounts_of(Tx& tx, const std::vector<long long>& journal_ids) {
  tx.exec("ledger_lock_accounts_of",
          "SELECT b.account_id FROM account_balances b WHERE b.tenant_id = $1 AND b.account_id = ANY (ARRAY("
          "  SELECT DISTINCT l.account_id FROM journal_lines l WHERE l.journal_id = ANY ($2::bigint[]))) "
          "ORDER BY b.account_id FOR UPDATE",
          tx.tenant(), array_of(journal_ids, [](long long id) { return std::to_string(id); }));
}

std::string currency(Tx& tx) {
  auto r = tx.exec("ledger_currency", "SELECT currency FROM books WHERE tenant_id = $1", tx.tenant());
  return r.empty() ? "" : r[0][0].as<std::string>();
}

std::optional<long long> journal_of(Tx& tx, const std::string& source, long long source_id) {
  auto r = tx.exec("ledger_journal_of",
                   "SELECT journal_id FROM journals WHERE tenant_id = $1 AND source = $2 AND source_id = $3",
                   tx.tenant(), source, source_id);
  if (r.empty()) return std::nullopt;
  return r[0][0].as<long long>();
}

namespace {

// Commands ---------------------------------------------------------------------------------------

Outcome<json> add_account(Tx& tx, const Args& a) {
  auto r = tx.sql().exec_params(
      "WITH a AS (INSERT INTO accounts (tenant_id, code, name, type, forbid_negative, created_at) "
      "  VALUES ($1, $2, $3, $4, $5, $6::timestamptz) ON CONFLICT (tenant_id, code) DO NOTHING "
      "  RETURNING tenant_id, account_id), "
      "b AS (INSERT INTO account_balances (tenant_id, account_id) SELECT tenant_id, account_id FROM a) "
      "SELECT account_id FROM a",
      tx.tenant(), a.text("code"), a.text("name"), a.text("type"), a.flag("forbid_negative"), tx.context().as_of);
  if (r.empty())
    return Error{sut::codes::already_exists, "code",
                 fmt::format("code: an account '{}' exists already", a.text("code"))};
  long long id = r[0][0].as<long long>();
  tx.touch(kinds::account, id);
  return json{{"account_id", id}};
}

bool one_sided(const Args& line) { return line.has("debit") != line.has("credit"); }

// Everything the request alone can say, before any transaction (so no key is claimed for it): each
// line one-sided, at least two lines, Σ debits = Σ credits.
std::optional<Error> validate_post(const Args& a) {
  auto lines = a.list("lines");
  Money debits, credits;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (!one_sided(lines[i]))
      return validation(fmt::format("lines[{}].debit", i),
                        fmt::format("lines[{}].debit: give exactly one of debit and credit", i));
    auto& total = lines[i].has("debit") ? debits : credits;
    auto sum = total.add(Money::parse(lines[i].text(lines[i].has("debit") ? "debit" : "credit"), "lines").value());
    if (!sum) return validation("lines", "lines: the journal's total exceeds the largest amount");
    total = *sum;
  }
  if (lines.size() < 2) return Error{codes::unbalanced_journal, "lines", "lines: a journal needs at least two lines"};
  if (!(debits == credits))
    return Error{codes::unbalanced_journal, "lines",
                 fmt::format("lines: debits {} ≠ credits {}", debits.to_string(), credits.to_string())};
  return std::nullopt;
}

Outcome<json> post_journal(Tx& tx, const Args& a) {
  auto lines = a.list("lines");
  std::vector<std::string> codes;
  for (const auto& line : lines) codes.push_back(line.text("account"));
  std::map<std::string, std::pair<long long, std::string>> ids;  // code -> (id, control role or "")
  for (const auto& row : tx.exec("ledger_accounts_by_code",
                                 "SELECT code, account_id, coalesce(role, '') FROM accounts WHERE tenant_id = $1 "
                                 "AND code = ANY (ARRAY(SELECT jsonb_array_elements_text($2::jsonb)))",
                                 tx.tenant(), json(codes).dump()))
    ids[row[0].as<std::string>()] = {row[1].as<long long>(), row[2].as<std::string>()};
  Journal journal{a.text("date"), a.text("memo"), "ledger.post_journal", std::nullopt, std::nullopt, {}};
  for (std::size_t i = 0; i < lines.size(); ++i) {
    auto it = ids.find(lines[i].text("account"));
    if (it == ids.end())
      return not_found(fmt::format("lines[{}].account", i),
                       fmt::format("lines[{}].account: no account '{}'", i, lines[i].text("account")));
    // A control account equals its subledger (INV-STOCK-010 for inventory): only its module posts to it.
    if (!it->second.second.empty())
      return Error{codes::control_account, fmt::format("lines[{}].account", i),
                   fmt::format("lines[{}].account: {} is the {} control account; only its subledger posts to it", i,
                               lines[i].text("account"), it->second.second)};
    Line line{it->second.first, {}, {}};
    if (lines[i].has("debit")) line.debit = Money::parse(lines[i].text("debit"), "debit").value();
    if (lines[i].has("credit")) line.credit = Money::parse(lines[i].text("credit"), "credit").value();
    journal.lines.push_back(line);
  }
  auto id = post(tx, journal);
  if (!id.ok()) return id.error();
  return json{{"journal_id", id.value()}};
}

Outcome<json> reverse_journal(Tx& tx, const Args& a) {
  auto r = tx.exec("ledger_journal_header",
                   "SELECT posted_on::text, source FROM journals WHERE tenant_id = $1 AND journal_id = $2", tx.tenant(),
                   a.id("journal_id"));
  if (r.empty()) return not_found("journal_id", fmt::format("journal_id: no journal {}", a.id("journal_id")));
  // A module's posting is reversed by reversing its record there (inventory.reverse), so the two stay equal.
  if (r[0][1].as<std::string>() != "ledger.post_journal")
    return Error{sut::codes::not_reversible, "journal_id",
                 fmt::format("journal_id: journal {} was posted by {}; reverse it there", a.id("journal_id"),
                             r[0][1].as<std::string>())};
  std::string posted_on = a.has("date") ? a.text("date") : r[0][0].as<std::string>();
  auto id = reverse(tx, a.id("journal_id"), posted_on, "ledger.reverse_journal", std::nullopt);
  if (!id.ok()) return id.error();
  return json{{"journal_id", id.value()}};
}

// lock_period and unlock_period: the period row under an exclusive lock (waiting for every posting
// into it to commit), then its new state.
Outcome<json> set_period(Tx& tx, const Args& a, bool lock) {
  const std::string period = a.text("period");
  auto row = period_row(tx, period, true);
  long long id = row.id;
  bool locked = row.locked;
  if (lock && locked) return Error{codes::period_locked, "period", fmt::format("period: {} is locked already", period)};
  if (!lock && !locked)
    return Error{codes::period_not_locked, "period", fmt::format("period: {} is not locked", period)};
  // The lock's number is drawn after every posting into the period has committed (they held the
  // row shared): each of them has a smaller one.
  tx.exec("ledger_period_set",
          "UPDATE periods SET status = $2, lock_seq = CASE WHEN $2 = 'locked' THEN nextval('posting_seq') END, "
          "changed_by = $3, changed_at = $4::timestamptz WHERE period_id = $1",
          id, lock ? "locked" : "open", tx.context().actor, tx.context().as_of);
  return json{{"period", period}, {"status", lock ? "locked" : "open"}};
}

std::optional<Error> validate_period(const Args& a) {
  static const std::regex shape(R"(\d{4}-(0[1-9]|1[0-2]))");
  if (!std::regex_match(a.text("period"), shape)) return validation("period", "period: expected YYYY-MM");
  return std::nullopt;
}

// Reads -------------------------------------------------------------------------------------------

Outcome<json> trial_balance(Tx& tx, const Args& a) {
  // Lines of journals dated up to the end of the period (every line when none is given).
  json accounts = json::array();
  Money debits, credits;
  for (const auto& r :
       tx.sql().exec_params("SELECT a.code, a.name, a.type, coalesce(sum(l.debit), 0)::numeric(20,2)::text, "
                            "  coalesce(sum(l.credit), 0)::numeric(20,2)::text "
                            "FROM accounts a LEFT JOIN (journal_lines l JOIN journals j ON j.journal_id = l.journal_id "
                            "  AND ($2 = '' OR j.period <= $2)) ON l.account_id = a.account_id "
                            "WHERE a.tenant_id = $1 GROUP BY a.account_id ORDER BY a.code",
                            tx.tenant(), a.text("period"))) {
    auto d = Money::parse(r[3].as<std::string>(), "debit").value();
    auto c = Money::parse(r[4].as<std::string>(), "credit").value();
    debits = debits.add(d).value();
    credits = credits.add(c).value();
    accounts.push_back({{"code", r[0].as<std::string>()},
                        {"name", r[1].as<std::string>()},
                        {"type", r[2].as<std::string>()},
                        {"debit", d.to_string()},
                        {"credit", c.to_string()}});
  }
  return json{{"accounts", accounts}, {"debit", debits.to_string()}, {"credit", credits.to_string()}};
}

Outcome<json> journal(Tx& tx, const Args& a) {
  auto r = tx.sql().exec_params(
      "SELECT j.posted_on::text, j.source, j.reverses_journal_id, l.line_no, ac.code, l.debit::text, l.credit::text "
      "FROM journals j JOIN journal_lines l ON l.journal_id = j.journal_id "
      "JOIN accounts ac ON ac.account_id = l.account_id WHERE j.tenant_id = $1 AND j.journal_id = $2 ORDER BY "
      "l.line_no",
      tx.tenant(), a.id("journal_id"));
  if (r.empty()) return not_found("journal_id", fmt::format("journal_id: no journal {}", a.id("journal_id")));
  json lines = json::array();
  for (const auto& row : r)
    lines.push_back({{"account", row[4].as<std::string>()},
                     {"debit", row[5].as<std::string>()},
                     {"credit", row[6].as<std::string>()}});
  json out{{"date", r[0][0].as<std::string>()}, {"source", r[0][1].as<std::string>()}, {"lines", lines}};
  if (!r[0][2].is_null()) out["reverses"] = r[0][2].as<long long>();
  return out;
}

Outcome<json> account_balance(Tx& tx, const Args& a) {
  auto r = tx.sql().exec_params(
      "SELECT b.balance::text FROM accounts ac JOIN account_balances b ON b.account_id = ac.account_id "
      "WHERE ac.tenant_id = $1 AND ac.code = $2",
      tx.tenant(), a.text("account"));
  if (r.empty()) return not_found("account", fmt::format("account: no account '{}'", a.text("account")));
  return json(r[0][0].as<std::string>());
}

Outcome<json> period_status(Tx& tx, const Args& a) {
  auto r = tx.sql().exec_params("SELECT status FROM periods WHERE tenant_id = $1 AND period = $2", tx.tenant(),
                                a.text("period"));
  return json(r.empty() ? "open" : r[0][0].as<std::string>());
}

// The standard chart (docs/MONEY.md) and the period of the tenant's first day, open.
void bootstrap(Tx& tx) {
  auto r = tx.exec(
      "ledger_bootstrap",
      "WITH a AS (INSERT INTO accounts (tenant_id, code, name, type, role, created_at) "
      "  SELECT $1, c, n, t, r, $2::timestamptz FROM (VALUES "
      "    ('1000', 'Cash', 'asset', 'cash'), ('1100', 'Accounts receivable', 'asset', 'receivables'), "
      "    ('1200', 'Inventory', 'asset', 'inventory'), ('1400', 'Vendor advances', 'asset', 'vendor_advances'), "
      "    ('2000', 'Accounts payable', 'liability', "
      "'payables'), "
      "    ('2100', 'Goods received not invoiced', 'liability', 'inventory_clearing'), "
      "    ('2200', 'Customer credit', 'liability', 'customer_credit'), "
      "    ('2300', 'Sales tax payable', 'liability', 'tax_payable'), "
      "    ('3000', 'Fund capital', 'equity', 'fund_capital'), ('4000', 'Revenue', 'revenue', 'revenue'), "
      "    ('5000', 'Cost of goods sold', 'expense', 'cogs'), "
      "    ('5100', 'Inventory adjustments', 'expense', 'inventory_adjustments'), "
      "    ('6900', 'Bad debts', 'expense', 'bad_debts')) AS v(c, n, t, r) "
      "  RETURNING tenant_id, account_id), "
      "b AS (INSERT INTO account_balances (tenant_id, account_id) SELECT tenant_id, account_id FROM a), "
      "k AS (INSERT INTO books (tenant_id, currency) VALUES ($1, 'USD')), "
      "p AS (INSERT INTO periods (tenant_id, period, status) VALUES ($1, $3, 'open') "
      "  ON CONFLICT DO NOTHING RETURNING period_id) "
      "SELECT account_id, NULL::bigint FROM a UNION ALL SELECT NULL, period_id FROM p",
      tx.tenant(), tx.context().as_of, date_of(tx.context().as_of).substr(0, 7));
  for (const auto& row : r) {
    if (!row[0].is_null()) tx.touch(kinds::account, row[0].as<long long>());
    if (!row[1].is_null()) tx.touch(kinds::period, row[1].as<long long>());
  }
}

verdict::FieldDecl account_code(const char* name = "account") {
  return field::text(name, code_length_max, "the account's code in the tenant's chart");
}
verdict::FieldDecl period_field() { return field::text("period", 7, "a calendar month, YYYY-MM"); }

const struct Registrar {
  Registrar() {
    Module m;
    m.name = "ledger";
    m.depends_on = {"access"};
    m.migrations = ledger_migrations();
    m.commands = {
        {command_decl(
             "ledger.add_account", "ledger.manage", "Adds an account to the tenant's chart.",
             {account_code("code"), field::text("name", name_length_max, "what it is called"),
              field::enumeration("type", {"asset", "liability", "equity", "revenue", "expense"},
                                 "its type (debit-normal: asset, expense; credit-normal: the others)"),
              field::boolean("forbid_negative", "refuse postings that take it below zero on its normal side")}),
         nullptr, add_account},
        {command_decl(
             "ledger.post_journal", "ledger.post",
             "Posts a manual journal: at least two lines, each a debit or a credit, Σ debits = Σ credits.",
             {field::date("date", "the posting date (its month must be open)"),
              field::text("memo", memo_length_max, "what it is for", false),
              field::list("lines",
                          {account_code(), field::decimal("debit", 2, "positive", "amount debited, scale 2", false),
                           field::decimal("credit", 2, "positive", "amount credited, scale 2", false)},
                          lines_max, "the lines, in order")}),
         validate_post, post_journal},
        {command_decl(
             "ledger.reverse_journal", "ledger.post",
             "Reverses a journal exactly (debit and credit swapped), at most once; a reversal is never reversed.",
             {field::id("journal_id", "the journal to reverse"),
              field::date("date", "the reversal's posting date; the original's by default", false)}),
         nullptr, reverse_journal},
        {command_decl("ledger.lock_period", "ledger.period_lock",
                      "Locks a month: nothing dated in it can be posted until it is unlocked.", {period_field()}),
         validate_period, [](Tx& tx, const Args& a) { return set_period(tx, a, true); }},
        {command_decl("ledger.unlock_period", "ledger.period_lock", "Unlocks a locked month.", {period_field()}),
         validate_period, [](Tx& tx, const Args& a) { return set_period(tx, a, false); }},
    };
    m.reads = {
        {{"trial_balance",
          "",
          "Debit and credit totals per account of the lines dated up to the end of a period (all, by default).",
          {field::text("period", 7, "a calendar month, YYYY-MM", false)}},
         trial_balance},
        {{"journal", "", "A journal: date, source, what it reverses, its lines.", {field::id("journal_id", "its id")}},
         journal},
        {{"account_balance", "", "An account's balance, debits − credits.", {account_code()}}, account_balance},
        {{"period", "", "A period's status: open or locked.", {period_field()}}, period_status},
    };
    m.invariants = ledger_invariants();
    m.failpoints = {{"ledger.after_post", "", "posting: after the journal, its lines and the balances are written"}};
    m.codes = {
        {codes::unbalanced_journal,
         422,
         RetryClass::never,
         "A journal needs at least two lines and Σ debits = Σ credits; the database refuses it too at commit.",
         {"VR010"}},
        {codes::period_locked,
         409,
         RetryClass::never,
         "The posting date's period is locked (or a lock was asked of a locked period).",
         {"VR011"}},
        {codes::control_account,
         422,
         RetryClass::never,
         "A manual journal names a control account (inventory, receivables, …): only its subledger posts to it.",
         {}},
        {codes::currency_mismatch,
         422,
         RetryClass::never,
         "A document names a currency other than the tenant's (one currency per tenant).",
         {}},
        {codes::period_not_locked, 409, RetryClass::never, "An unlock was asked of a period that is open.", {}},
        {codes::negative_balance_forbidden,
         422,
         RetryClass::after_state_change,
         "The posting would take an account that forbids it below zero on its normal side.",
         {}},
        {codes::duplicate_document_number,
         409,
         RetryClass::never,
         "A document number (invoice, credit memo, vendor bill) is taken in the tenant (a bill's, by its vendor).",
         {}},
        {codes::allocation_exceeds_due,
         422,
         RetryClass::after_state_change,
         "An allocation is larger than what the invoice or bill has due.",
         {}},
        {codes::allocation_exceeds_credit,
         422,
         RetryClass::after_state_change,
         "The allocations are larger than the payment, or than the credit's unallocated amount.",
         {}},
    };
    m.tables = {{"books", "", true},   {"accounts", "", true}, {"account_balances", "", true},
                {"periods", "", true}, {"journals", "", true}, {"journal_lines", "", true}};
    m.bootstrap_tenant = bootstrap;
    register_module(std::move(m));
  }
} registrar;

}  // namespace
}  // namespace sut::ledger
