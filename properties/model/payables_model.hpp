#pragma once
// The reference model of payables (docs/MONEY.md "Payables"): receipts (set up: their values, one
// reversed), bills built from them (each receipt billed once, numbers unique per vendor), vendor
// payments with their allocations and unallocated advances, applications and reversals, in
// integer cents. An oracle for the payables suite, sharing no code with the system under test; it
// predicts outcomes in the system's order of checks.

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common.hpp"
#include "ledger_model.hpp"

namespace model {

// A receipt of the suite's set-up: what it is worth to a bill (round(qty × unit cost, 2)).
struct ModelReceipt {
  std::string batch, qty, unit_cost;
  bool reversed = false;
};

struct ModelBill {
  Cents total = 0, due = 0;
};

struct ModelVendorPayment {
  std::string vendor;
  Cents amount = 0, unallocated = 0;
  bool reversed = false;
  std::vector<std::pair<std::pair<std::string, std::string>, Cents>> allocations;  // ((vendor, bill), amount)
};

class PayablesModel {
 public:
  static constexpr const char* admin = Actors::admin;
  static constexpr const char* helper = Actors::helper;
  static std::vector<std::string> grantable_roles() { return {"purchaser", "purchaser", "purchaser", "clerk"}; }
  static const std::vector<std::string>& setup_vendors();
  // The set-up receipts, in order.
  static const std::vector<ModelReceipt>& setup_receipts();

  PayablesModel();
  Expected grant(const std::string& role) { return actors_.grant(role); }
  Expected revoke(const std::string& role) { return actors_.revoke(role); }
  Expected add_vendor(const std::string& actor, const std::string& code);
  // receipts: indices into setup_receipts() (-1: a movement that is no receipt).
  Expected enter_bill(const std::string& actor, const std::string& vendor, const std::string& number,
                      const std::string& currency, const std::vector<int>& receipts);
  // allocations: (bill number, amount as sent).
  Expected pay_vendor(const std::string& actor, const std::string& vendor, const std::string& amount,
                      const std::vector<std::pair<std::string, std::string>>& allocations);
  // payment: an index into payments() (-1: one the system never saw).
  Expected apply_advance(const std::string& actor, int payment, const std::string& bill, const std::string& amount);
  Expected reverse_payment(const std::string& actor, int payment);
  // inventory.reverse of a set-up receipt, by the admin: a reversed receipt cannot be billed.
  Expected reverse_receipt(int receipt);

  // A vendor's Σ amount due of its bills and Σ unallocated of its payments.
  std::pair<Cents, Cents> balance(const std::string& vendor) const;
  const std::vector<ModelVendorPayment>& payments() const { return payments_; }
  // (vendor, number) -> bill, and the bills in the order entered (the system's id order).
  const std::map<std::pair<std::string, std::string>, ModelBill>& bills() const { return bills_; }

 private:
  Actors actors_{"purchaser"};
  std::set<std::string> vendors_;
  std::map<std::pair<std::string, std::string>, ModelBill> bills_;
  std::vector<std::pair<std::string, std::string>> bill_order_;
  std::vector<ModelReceipt> receipts_ = setup_receipts();
  std::set<int> billed_;
  std::vector<ModelVendorPayment> payments_;
};

}  // namespace model
