#pragma once
// The reference model of orders (docs/MONEY.md "Orders and pricing"): price rules and which one
// applies, drafts, acceptance (credit against exposure, first-expiry-first-out reservations),
// shipments that invoice what shipped, cancellations, plain fulfilments that may take only available
// stock, credit-limit changes and a discontinued product. Whole quantities, prices in cents: an
// oracle for the orders suite, sharing no code with the system under test; it predicts outcomes in
// the system's order of checks.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common.hpp"
#include "ledger_model.hpp"

namespace model {

struct ModelBatch {
  std::string code;
  int on_hand = 0, reserved = 0;
};

struct ModelRule {
  std::string customer;  // "" for everybody
  int min_qty = 0;
  Cents price = 0;
};

struct ModelOrder {
  std::string customer;
  int qty = 0;
  std::optional<Cents> given_price;
  long long tax_rate = 0;  // in 1/10000 (825 is 8.25 %)
  std::string status = "draft";
  Cents price = 0;
  int shipped = 0, cancelled = 0;
  std::vector<std::pair<int, int>> holds;  // (batch index, remaining), in reservation order
  int open() const { return qty - shipped - cancelled; }
};

class OrdersModel {
 public:
  static constexpr const char* admin = Actors::admin;
  static constexpr const char* helper = Actors::helper;
  static std::vector<std::string> grantable_roles() { return {"sales", "sales", "viewer"}; }
  // Batches of SKU-1 at WH1, first expiry first: B-SOON (10, expires 2026-06-30), B-LATE (10, never).
  static const std::vector<std::string>& batch_codes();
  static const std::vector<std::string>& customers();  // C1 (limit 100.00 at first), C2 (no limit)

  OrdersModel();
  Expected grant(const std::string& role) { return actors_.grant(role); }
  Expected revoke(const std::string& role) { return actors_.revoke(role); }
  Expected add_price_rule(const std::string& actor, const ModelRule& rule);
  // qty as sent (may be invalid: "0", "-1"); price and tax_rate "" when none is given.
  Expected create(const std::string& actor, const std::string& number, const std::string& customer,
                  const std::string& qty, const std::string& price, const std::string& tax_rate);
  Expected accept(const std::string& actor, const std::string& number, bool override_limit);
  Expected ship(const std::string& actor, const std::string& number, const std::string& invoice, int qty);
  Expected cancel(const std::string& actor, const std::string& number);
  Expected fulfill(const std::string& actor, int batch, int qty);
  Expected set_credit_limit(const std::string& customer, std::optional<Cents> limit);
  Expected discontinue();

  const std::vector<ModelBatch>& batches() const { return batches_; }
  Cents due(const std::string& customer) const;
  const std::map<std::string, ModelOrder>& orders() const { return orders_; }

 private:
  Expected price_of(const ModelOrder& order, Cents* price) const;

  Actors actors_{"sales"};
  std::vector<ModelBatch> batches_;
  std::vector<ModelRule> rules_;
  std::map<std::string, std::optional<Cents>> limits_;
  std::map<std::string, Cents> due_;
  std::map<std::string, ModelOrder> orders_;
  std::vector<std::string> invoices_;
  bool discontinued_ = false;
};

}  // namespace model
