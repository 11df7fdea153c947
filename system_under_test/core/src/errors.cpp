#include "sut/errors.hpp"

namespace sut {

const std::vector<CodeInfo>& core_codes() {
  using R = RetryClass;
  static const std::vector<CodeInfo> codes = {
      {codes::validation_failed,
       400,
       R::never,
       "The input is malformed, out of range, or names a field the command does not declare; the message names "
       "the field. Nothing was written or claimed.",
       {}},
      {codes::unauthenticated, 401, R::never, "No actor, or an actor the system does not know.", {}},
      {codes::forbidden,
       403,
       R::never,
       "The actor lacks the permission the command declares in this tenant (no role grants it). Nothing was "
       "written.",
       {"42501"}},
      {codes::not_found,
       404,
       R::never,
       "An id or code that does not exist in the caller's tenant (another tenant's rows are not found either: "
       "existence is not leaked).",
       {}},
      {codes::already_exists, 409, R::never, "A code (SKU, location, tenant…) is already taken.", {}},
      {codes::version_conflict, 409, R::after_state_change, "The row changed since the version the caller read.", {}},
      {codes::idempotency_in_flight,
       409,
       R::retry_call,
       "A request with the same idempotency key is still running in another transaction.",
       {}},
      {codes::idempotency_key_reused,
       422,
       R::never,
       "The idempotency key was used before (within its window) with a different request.",
       {}},
      {codes::immutable_record,
       422,
       R::never,
       "Journals are append-only: posted records are never updated or deleted.",
       {"VR001"}},
      {codes::already_reversed,
       422,
       R::never,
       "The record (a movement, a journal) has been reversed already; a reversal happens at most once.",
       {}},
      {codes::not_reversible,
       422,
       R::never,
       "The record cannot be reversed (a reversal is never itself reversed).",
       {}},
      {codes::too_much_contention,
       503,
       R::retry_call,
       "Serialization failures or deadlocks persisted through every retry of the transaction; nothing was written.",
       {}},
      {codes::service_unavailable, 503, R::retry_call, "The database cannot be reached; nothing was written.", {}},
      {codes::internal,
       500,
       R::never,
       "An unexpected failure (a bug, or an injected failpoint); the transaction was rolled back.",
       {}},
  };
  return codes;
}

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
  return Error{codes::validation_failed, std::move(field), std::move(message)};
}
Error not_found(std::string field, std::string message) {
  return Error{codes::not_found, std::move(field), std::move(message)};
}

}  // namespace sut
