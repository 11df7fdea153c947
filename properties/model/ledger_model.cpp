// The ledger reference model. See ledger_model.hpp.

#include "ledger_model.hpp"

#include <regex>

namespace model {
namespace {

constexpr Cents cents_limit = static_cast<Cents>(10000000000LL) * 10000000000LL;  // 10^20 cents: NUMERIC(20,2)

bool valid_date(const std::string& d) {
  static const std::regex shape(R"((\d{4})-(\d{2})-(\d{2}))");
  std::smatch m;
  if (!std::regex_match(d, m, shape)) return false;
  int y = std::stoi(m[1]), mo = std::stoi(m[2]), day = std::stoi(m[3]);
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return y >= 1 && mo >= 1 && mo <= 12 && day >= 1 && day <= days[mo - 1] + (mo == 2 && leap ? 1 : 0);
}

bool debit_normal(const std::string& type) { return type == "asset" || type == "expense"; }

}  // namespace

std::optional<Cents> parse_amount(const std::string& text) {
  static const std::regex shape(R"((\d{1,18})(?:\.(\d{1,2}))?)");
  std::smatch m;
  if (!std::regex_match(text, m, shape)) return std::nullopt;
  Cents whole = 0;
  for (char c : m[1].str()) whole = whole * 10 + (c - '0');
  std::string frac = m[2].str();
  while (frac.size() < 2) frac += '0';
  Cents cents = whole * 100 + std::stoi(frac);
  if (cents <= 0 || cents >= cents_limit) return std::nullopt;
  return cents;
}

std::string format_cents(Cents cents) {
  bool negative = cents < 0;
  if (negative) cents = -cents;
  std::string digits;
  Cents whole = cents / 100;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(whole % 10)));
    whole /= 10;
  } while (whole > 0);
  int frac = static_cast<int>(cents % 100);
  return (negative ? "-" : "") + digits + "." + (frac < 10 ? "0" : "") + std::to_string(frac);
}

const std::vector<std::pair<std::string, std::string>>& LedgerModel::setup_accounts() {
  static const std::vector<std::pair<std::string, std::string>> accounts = {
      {"1050", "asset"}, {"3100", "equity"}, {"6000", "expense"}, {"6100", "expense"}};
  return accounts;
}

LedgerModel::LedgerModel() {
  for (const auto& [code, type] : std::vector<std::pair<std::string, std::string>>{{"1000", "asset"},
                                                                                   {"1100", "asset"},
                                                                                   {"1200", "asset"},
                                                                                   {"1400", "asset"},
                                                                                   {"2000", "liability"},
                                                                                   {"2100", "liability"},
                                                                                   {"2200", "liability"},
                                                                                   {"2300", "liability"},
                                                                                   {"3000", "equity"},
                                                                                   {"4000", "revenue"},
                                                                                   {"5000", "expense"},
                                                                                   {"5100", "expense"},
                                                                                   {"6900", "expense"}})
    accounts_[code] = Account{type, true, false, 0, 0};
  // Petty cash (1050) may never go below zero.
  for (const auto& [code, type] : setup_accounts()) accounts_[code] = Account{type, false, code == "1050", 0, 0};
}

Expected LedgerModel::grant(const std::string& role) { return actors_.grant(role); }
Expected LedgerModel::revoke(const std::string& role) { return actors_.revoke(role); }

Expected LedgerModel::add_account(const std::string& actor, const std::string& code, const std::string& type,
                                  bool forbid_negative) {
  if (actors_.forbidden(actor)) return fail("FORBIDDEN", "actor");
  if (accounts_.count(code)) return fail("ALREADY_EXISTS", "code");
  accounts_[code] = Account{type, false, forbid_negative, 0, 0};
  return Expected{};
}

Expected LedgerModel::post(const std::string& actor, const std::string& date, const std::vector<ModelLine>& lines) {
  // The declaration, field by field: date, then each line's account, debit, credit.
  if (!valid_date(date)) return fail("VALIDATION_FAILED", "date");
  std::vector<std::pair<std::string, Cents>> signed_lines;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string at = "lines[" + std::to_string(i) + "].";
    if (lines[i].account.empty()) return fail("VALIDATION_FAILED", at + "account");
    if (!lines[i].debit.empty() && !parse_amount(lines[i].debit)) return fail("VALIDATION_FAILED", at + "debit");
    if (!lines[i].credit.empty() && !parse_amount(lines[i].credit)) return fail("VALIDATION_FAILED", at + "credit");
  }
  // The shape: one side per line, two lines or more, balanced.
  Cents debits = 0, credits = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].debit.empty() == lines[i].credit.empty())
      return fail("VALIDATION_FAILED", "lines[" + std::to_string(i) + "].debit");
    Cents amount = *parse_amount(lines[i].debit.empty() ? lines[i].credit : lines[i].debit);
    (lines[i].debit.empty() ? credits : debits) += amount;
    signed_lines.emplace_back(lines[i].account, lines[i].debit.empty() ? -amount : amount);
  }
  if (lines.size() < 2 || debits != credits) return fail("UNBALANCED_JOURNAL", "lines");
  if (actors_.forbidden(actor)) return fail("FORBIDDEN", "actor");
  for (std::size_t i = 0; i < lines.size(); ++i) {
    auto it = accounts_.find(lines[i].account);
    if (it == accounts_.end()) return fail("NOT_FOUND", "lines[" + std::to_string(i) + "].account");
    if (it->second.control) return fail("CONTROL_ACCOUNT", "lines[" + std::to_string(i) + "].account");
  }
  return apply(date, signed_lines, "lines", "date", false);
}

Expected LedgerModel::apply(const std::string& date, const std::vector<std::pair<std::string, Cents>>& lines,
                            const char* field, const char* date_field, bool reversal) {
  if (locked_.count(date.substr(0, 7))) return fail("PERIOD_LOCKED", date_field);
  std::map<std::string, Cents> change;
  for (const auto& [code, amount] : lines) change[code] += amount;
  for (const auto& [code, delta] : change) {
    const auto& a = accounts_.at(code);
    Cents balance = a.debits - a.credits + delta;
    if (a.forbid_negative && (debit_normal(a.type) ? balance < 0 : balance > 0))
      return fail("NEGATIVE_BALANCE_FORBIDDEN", field);
  }
  for (const auto& [code, amount] : lines)
    (amount > 0 ? accounts_[code].debits : accounts_[code].credits) += amount > 0 ? amount : -amount;
  journals_.push_back(ModelJournal{date, lines, reversal, false});
  return Expected{};
}

Expected LedgerModel::reverse(const std::string& actor, int index, const std::string& date) {
  if (!date.empty() && !valid_date(date)) return fail("VALIDATION_FAILED", "date");
  if (actors_.forbidden(actor)) return fail("FORBIDDEN", "actor");
  if (index < 0 || index >= static_cast<int>(journals_.size())) return fail("NOT_FOUND", "journal_id");
  // A reversal journal is not a manual posting: the system refuses it as one.
  if (journals_[index].reversal) return fail("NOT_REVERSIBLE", "journal_id");
  if (journals_[index].reversed) return fail("ALREADY_REVERSED", "journal_id");
  std::vector<std::pair<std::string, Cents>> swapped;
  for (const auto& [code, amount] : journals_[index].lines) swapped.emplace_back(code, -amount);
  auto posted = apply(date.empty() ? journals_[index].date : date, swapped, "journal_id", "date", true);
  if (posted.ok) journals_[index].reversed = true;
  return posted;
}

Expected LedgerModel::lock(const std::string& actor, const std::string& period, bool lock) {
  static const std::regex shape(R"(\d{4}-(0[1-9]|1[0-2]))");
  if (period.empty() || period.size() > 7) return fail("VALIDATION_FAILED", "period");
  if (!std::regex_match(period, shape)) return fail("VALIDATION_FAILED", "period");
  if (actors_.forbidden(actor)) return fail("FORBIDDEN", "actor");
  bool is_locked = locked_.count(period) > 0;
  if (lock && is_locked) return fail("PERIOD_LOCKED", "period");
  if (!lock && !is_locked) return fail("PERIOD_NOT_LOCKED", "period");
  if (lock)
    locked_.insert(period);
  else
    locked_.erase(period);
  return Expected{};
}

}  // namespace model
