#pragma once
// The reference model of funds (docs/MONEY.md "Funds"): funds, investors, commitments, and the
// exact pro rata split of calls and distributions, in integer cents. An oracle for the funds suite,
// sharing no code with the system under test.

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "inventory_model.hpp"
#include "ledger_model.hpp"

namespace model {

class FundsModel {
 public:
  static constexpr const char* admin = Actors::admin;
  static constexpr const char* helper = Actors::helper;
  static std::vector<std::string> grantable_roles() {
    return {"fund_manager", "fund_manager", "fund_manager", "clerk"};
  }
  static const std::vector<std::string>& setup_funds();
  static const std::vector<std::string>& setup_investors();

  FundsModel();
  Expected grant(const std::string& role);
  Expected revoke(const std::string& role);
  Expected add(const std::string& actor, const std::string& what, const std::string& code);  // "fund" | "investor"
  Expected commit(const std::string& actor, const std::string& fund, const std::string& investor,
                  const std::string& amount);
  // A call (or a distribution): on success `parts` holds (investor code, amount) by investor code.
  Expected event(const std::string& actor, bool call, const std::string& fund, const std::string& total,
                 const std::string& date, std::vector<std::pair<std::string, std::string>>* parts);

  Cents capital() const { return capital_; }  // the fund capital account's balance (debits − credits)

 private:
  std::set<std::string> funds_, investors_;
  Actors actors_{"fund_manager"};
  std::map<std::string, std::map<std::string, Cents>> commitments_;  // fund -> investor -> amount
  Cents capital_ = 0;
};

}  // namespace model
