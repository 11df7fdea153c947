#pragma once
// The reference model of the ledger (docs/MONEY.md): an oracle for the ledger property suite.
// Deliberately simple — maps and vectors, integer cents, no SQL — and sharing no code with the
// system under test beyond the command and outcome vocabulary (names, error codes, fields). It
// predicts, for each command, the outcome the system must give (in the system's order of checks:
// the request's fields, its shape, the actor's permission, then the state), and the debit and credit
// totals of every account that the trial balance must show.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "inventory_model.hpp"

namespace model {

__extension__ typedef __int128 Cents;  // 1 = 0.01

// "2.5" -> 250; nullopt unless a plain decimal with at most 2 places, > 0 and within NUMERIC(20,2).
std::optional<Cents> parse_amount(const std::string& text);
std::string format_cents(Cents cents);  // always 2 places: "2.50"

struct ModelLine {
  std::string account;  // code
  std::string debit;    // as sent ("" when absent)
  std::string credit;
};

struct Account {
  std::string type;  // asset | liability | equity | revenue | expense
  bool control = false;
  bool forbid_negative = false;
  Cents debits = 0, credits = 0;
};

struct ModelJournal {
  std::string date;
  std::vector<std::pair<std::string, Cents>> lines;  // account, signed amount (debit > 0)
  bool reversal = false;
  bool reversed = false;
};

class LedgerModel {
 public:
  static constexpr const char* admin = Actors::admin;
  static constexpr const char* helper = Actors::helper;
  // The roles the sequence grants the helper and revokes (a repeat weighs the draw).
  static std::vector<std::string> grantable_roles() { return {"controller", "controller", "controller", "clerk"}; }

  // The standard chart of a new tenant (docs/MONEY.md) plus the accounts the suite's set-up adds.
  LedgerModel();
  static const std::vector<std::pair<std::string, std::string>>& setup_accounts();  // code, type

  Expected grant(const std::string& role);
  Expected revoke(const std::string& role);
  Expected add_account(const std::string& actor, const std::string& code, const std::string& type,
                       bool forbid_negative);
  Expected post(const std::string& actor, const std::string& date, const std::vector<ModelLine>& lines);
  // index: a journal of the model (-1: one the system has never seen → NOT_FOUND); date "" = the original's.
  Expected reverse(const std::string& actor, int index, const std::string& date);
  Expected lock(const std::string& actor, const std::string& period, bool lock);

  const std::map<std::string, Account>& accounts() const { return accounts_; }
  const std::vector<ModelJournal>& journals() const { return journals_; }
  const std::set<std::string>& locked() const { return locked_; }

 private:
  // Posts `lines` dated `date` (the state checks: period, negative balances), naming `field`.
  Expected apply(const std::string& date, const std::vector<std::pair<std::string, Cents>>& lines, const char* field,
                 const char* date_field, bool reversal);

  std::map<std::string, Account> accounts_;
  std::vector<ModelJournal> journals_;
  std::set<std::string> locked_;  // YYYY-MM
  Actors actors_{"controller"};
};

}  // namespace model
