#include "sut/errors.hpp"

#include <cstdlib>

namespace sut {

const std::vector<CodeInfo>& all_codes() {
  using R = RetryClass;
  static const std::vector<CodeInfo> codes = {
      {Code::validation_failed, "VALIDATION_FAILED", 400, R::never,
       "The input is malformed or out of range; the message names the field. Nothing was written."},
      {Code::unauthenticated, "UNAUTHENTICATED", 401, R::never, "No actor, or an actor the system does not know."},
      {Code::forbidden, "FORBIDDEN", 403, R::never, "The actor lacks the permission the command declares."},
      {Code::not_found, "NOT_FOUND", 404, R::never,
       "An id or code that does not exist in the caller's tenant (another tenant's rows are not found either: "
       "existence is not leaked)."},
      {Code::already_exists, "ALREADY_EXISTS", 409, R::never,
       "A product SKU or location code is already taken in the tenant."},
      {Code::version_conflict, "VERSION_CONFLICT", 409, R::after_state_change,
       "The row changed since the version the caller read."},
      {Code::idempotency_in_flight, "IDEMPOTENCY_IN_FLIGHT", 409, R::retry_call,
       "A request with the same idempotency key is still running."},
      {Code::idempotency_key_reused, "IDEMPOTENCY_KEY_REUSED", 422, R::never,
       "The idempotency key was used before with a different request."},
      {Code::insufficient_stock, "INSUFFICIENT_STOCK", 422, R::after_state_change,
       "The movement would drive on-hand stock of a batch at a location below zero."},
      {Code::credit_limit_exceeded, "CREDIT_LIMIT_EXCEEDED", 422, R::after_state_change,
       "The order would take the customer past its credit limit."},
      {Code::period_locked, "PERIOD_LOCKED", 422, R::never, "The posting falls in a locked fiscal period."},
      {Code::unbalanced_journal, "UNBALANCED_JOURNAL", 422, R::never, "The journal's debits and credits differ."},
      {Code::already_reversed, "ALREADY_REVERSED", 422, R::never,
       "The movement (or entry) has been reversed already; a reversal happens at most once."},
      {Code::not_reversible, "NOT_REVERSIBLE", 422, R::never,
       "The record cannot be reversed (a reversal is never itself reversed)."},
      {Code::immutable_record, "IMMUTABLE_RECORD", 422, R::never,
       "Journals are append-only: posted records are never updated or deleted."},
      {Code::currency_mismatch, "CURRENCY_MISMATCH", 422, R::never, "Amounts in different currencies were combined."},
      {Code::overpayment, "OVERPAYMENT", 422, R::never, "The payment exceeds what is owed."},
      {Code::too_much_contention, "TOO_MUCH_CONTENTION", 503, R::retry_call,
       "Serialization failures or deadlocks persisted through every retry of the transaction; nothing was written."},
      {Code::service_unavailable, "SERVICE_UNAVAILABLE", 503, R::retry_call,
       "The database cannot be reached; nothing was written."},
      {Code::internal, "INTERNAL", 500, R::never,
       "An unexpected failure (a bug, or an injected failpoint); the transaction was rolled back."},
  };
  return codes;
}

const CodeInfo& info(Code code) {
  for (const auto& c : all_codes())
    if (c.code == code) return c;
  std::abort();  // every enumerator has a row: a missing one is a programmer error
}

const char* to_string(Code code) { return info(code).name; }

const char* to_string(RetryClass retry) {
  switch (retry) {
    case RetryClass::never:
      return "never";
    case RetryClass::retry_call:
      return "retry_call";
    case RetryClass::retry_transaction:
      return "retry_transaction";
    case RetryClass::after_state_change:
      return "after_state_change";
  }
  return "never";
}

Error validation(std::string field, std::string message) {
  return Error{Code::validation_failed, std::move(field), std::move(message)};
}
Error not_found(std::string field, std::string message) {
  return Error{Code::not_found, std::move(field), std::move(message)};
}

}  // namespace sut
