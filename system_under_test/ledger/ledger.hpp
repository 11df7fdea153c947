#pragma once
// Ledger: the chart of accounts, fiscal periods (calendar months, open or locked), journals of at
// least two balanced lines (the truth, append-only) and account balances (the projection, with a
// running balance on every line). docs/MONEY.md is the contract.
//
// Other modules post through post() inside their own command's transaction, finding their accounts
// by control role; they never write the ledger's tables.
//
// Lock order: a posting locks its period row (shared), then the balance rows of its accounts in
// ascending account_id. Modules that also lock their own rows (inventory's slots) take those first.

#include <optional>
#include <string>
#include <vector>

#include "sut/decimal.hpp"
#include "sut/errors.hpp"
#include "sut/fields.hpp"

namespace sut {
class Tx;
}

namespace sut::ledger {

namespace codes {
inline constexpr const char* unbalanced_journal = "UNBALANCED_JOURNAL";
inline constexpr const char* period_locked = "PERIOD_LOCKED";
inline constexpr const char* period_not_locked = "PERIOD_NOT_LOCKED";
inline constexpr const char* negative_balance_forbidden = "NEGATIVE_BALANCE_FORBIDDEN";
inline constexpr const char* control_account = "CONTROL_ACCOUNT";
inline constexpr const char* currency_mismatch = "CURRENCY_MISMATCH";
// Shared by the subledgers that settle documents against the ledger (receivables, payables).
inline constexpr const char* duplicate_document_number = "DUPLICATE_DOCUMENT_NUMBER";
inline constexpr const char* allocation_exceeds_due = "ALLOCATION_EXCEEDS_DUE";
inline constexpr const char* allocation_exceeds_credit = "ALLOCATION_EXCEEDS_CREDIT";
}  // namespace codes

namespace kinds {
inline constexpr const char* account = "ledger.account";
inline constexpr const char* journal = "ledger.journal";
inline constexpr const char* line = "ledger.line";
inline constexpr const char* period = "ledger.period";
}  // namespace kinds

// Control roles (docs/MONEY.md): what posting code finds an account by.
namespace roles {
inline constexpr const char* inventory = "inventory";
inline constexpr const char* inventory_clearing = "inventory_clearing";
inline constexpr const char* inventory_adjustments = "inventory_adjustments";
inline constexpr const char* cogs = "cogs";
inline constexpr const char* cash = "cash";
inline constexpr const char* receivables = "receivables";
inline constexpr const char* revenue = "revenue";
inline constexpr const char* customer_credit = "customer_credit";
inline constexpr const char* bad_debts = "bad_debts";
inline constexpr const char* tax_payable = "tax_payable";
inline constexpr const char* payables = "payables";
inline constexpr const char* vendor_advances = "vendor_advances";
}  // namespace roles

struct Line {
  long long account_id = 0;
  Money debit;  // exactly one of debit and credit is > 0
  Money credit;
};

struct Journal {
  std::string posted_on;  // YYYY-MM-DD
  std::string memo;
  std::string source;  // "manual", or the command that posted it (e.g. "inventory.receive")
  std::optional<long long> source_id;
  std::optional<long long> reverses;
  std::vector<Line> lines;
};

// The account that holds `role` in the tenant; NOT_FOUND naming `field` if the chart lacks it.
Outcome<long long> account_for_role(Tx& tx, const char* role, const char* field);

// Posts a journal in the caller's transaction: checks it (≥ 2 lines, each one-sided and > 0,
// Σ debits = Σ credits: UNBALANCED_JOURNAL naming `field`), its period open (PERIOD_LOCKED naming
// `date_field`), each forbid_negative account staying ≥ 0 on its normal side; locks and moves the
// balances; writes the journal and its lines. Returns the journal id. Touches ledger.journal,
// ledger.line, ledger.account and ledger.period.
Outcome<long long> post(Tx& tx, const Journal& journal, const char* field = "lines", const char* date_field = "date");

// An amount for the account of a control role: one side of post_by_roles().
struct RoleAmount {
  const char* role;
  Money amount;
};
// Posts a journal whose lines are given by control role (lines of 0.00 left out), found as
// account_for_role() does (NOT_FOUND naming `field`), then as post().
Outcome<long long> post_by_roles(Tx& tx, const std::string& posted_on, const std::string& source,
                                 const std::vector<RoleAmount>& debits, const std::vector<RoleAmount>& credits,
                                 const char* field, const char* date_field);
// Posts the reversal of `journal_id` dated `posted_on` (its lines with debit and credit swapped).
// NOT_FOUND, ALREADY_REVERSED, NOT_REVERSIBLE (a reversal), PERIOD_LOCKED as post().
Outcome<long long> reverse(Tx& tx, long long journal_id, const std::string& posted_on, const std::string& source,
                           std::optional<long long> source_id, const char* field = "journal_id",
                           const char* date_field = "date");

// Locks the balance rows of every account the given journals touch, in ascending account_id: for a
// mutation that posts several journals (whose accounts would otherwise be locked in several rounds,
// out of the documented order). Call it before the first post().
void lock_accounts_of(Tx& tx, const std::vector<long long>& journal_ids);

// The tenant's currency (ISO 4217 code; one per tenant).
std::string currency(Tx& tx);
// A document's optional "currency" field against the tenant's: CURRENCY_MISMATCH naming it.
std::optional<Error> check_currency(Tx& tx, const Args& a);
// A payment's "allocations" list (each item {document_field, amount}), before any transaction: a
// document named twice is VALIDATION_FAILED naming it; allocations summing beyond the payment's
// "amount" are ALLOCATION_EXCEEDS_CREDIT naming "allocations".
std::optional<Error> check_allocations(const Args& a, const char* document_field);

// The journal that posted a record of another module (source, source_id), if any.
std::optional<long long> journal_of(Tx& tx, const std::string& source, long long source_id);

// The SQL of a subledger-against-control-account invariant: the tenants (`tenant_scope`, a predicate
// on a.tenant_id) whose account of control `role` has a balance on its normal side (`sign` 1: debit,
// -1: credit) other than `subledger_sum` (a scalar subquery over the tenant b.tenant_id; NULL is 0).
// Rows: tenant_id, control_account, subledger.
std::string control_account_differs(const char* role, int sign, const std::string& subledger_sum,
                                    const std::string& tenant_scope);
// YYYY-MM-DD of an as_of instant (the business clock).
std::string date_of(const std::string& as_of);

}  // namespace sut::ledger
