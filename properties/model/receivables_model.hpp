#pragma once
// The reference model of receivables (docs/MONEY.md "Receivables"): invoices with their amounts
// due, payments and credit memos with their unallocated amounts, allocations, reversals and
// write-offs, in integer cents. An oracle for the receivables suite, sharing no code with the
// system under test; it predicts outcomes in the system's order of checks.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common.hpp"
#include "ledger_model.hpp"

namespace model {

struct ModelInvoice {
  std::string customer;
  Cents total = 0, due = 0;
  std::string due_on;  // "" when none
  bool fee_charged = false;
};

struct ModelAllocation {
  std::string invoice;
  Cents amount = 0;
  bool standing = true;
};

struct ModelCredit {
  std::string kind;  // payment | credit_memo
  std::string customer, number, date, expires_on;
  Cents amount = 0, unallocated = 0;
  bool reversed = false;
  std::vector<ModelAllocation> allocations;
};

struct InvoiceLine {
  std::string qty, unit_price;
};

class ReceivablesModel {
 public:
  static constexpr const char* admin = Actors::admin;
  static constexpr const char* helper = Actors::helper;
  static std::vector<std::string> grantable_roles() { return {"accountant", "accountant", "accountant", "clerk"}; }
  static const std::vector<std::string>& setup_customers();
  static constexpr const char* today = "2026-01-01";  // the suite's business day

  ReceivablesModel();
  Expected grant(const std::string& role) { return actors_.grant(role); }
  Expected revoke(const std::string& role) { return actors_.revoke(role); }
  Expected add_customer(const std::string& actor, const std::string& code);
  Expected issue_invoice(const std::string& actor, const std::string& customer, const std::string& number,
                         const std::string& currency, const std::vector<InvoiceLine>& lines,
                         const std::string& due_on = "");
  Expected charge_late_fee(const std::string& actor, const std::string& invoice, const std::string& number,
                           const std::string& amount);
  // allocations: (invoice number, amount as sent). On success *possible_duplicate says what the system flags.
  Expected record_payment(const std::string& actor, const std::string& customer, const std::string& amount,
                          const std::string& date, const std::vector<std::pair<std::string, std::string>>& allocations,
                          bool* possible_duplicate);
  Expected issue_credit_memo(const std::string& actor, const std::string& customer, const std::string& number,
                             const std::string& amount, const std::string& expires_on);
  // credit: an index into credits() (-1: one the system never saw).
  Expected apply_credit(const std::string& actor, int credit, const std::string& invoice, const std::string& amount);
  Expected reverse_payment(const std::string& actor, int credit);
  Expected write_off(const std::string& actor, const std::string& invoice);

  // A customer's Σ amount due and Σ unallocated credit.
  std::pair<Cents, Cents> balance(const std::string& customer) const;
  const std::vector<ModelCredit>& credits() const { return credits_; }
  const std::map<std::string, ModelInvoice>& invoices() const { return invoices_; }

 private:
  Actors actors_{"accountant"};
  std::set<std::string> customers_;
  std::map<std::string, ModelInvoice> invoices_;
  std::vector<std::string> invoice_order_;  // creation order = the system's id order
  std::vector<ModelCredit> credits_;
  std::set<std::string> memo_numbers_;
};

}  // namespace model
