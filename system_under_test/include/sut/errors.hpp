#pragma once
// Outcomes and stable error codes (DESIGN §4). Expected outcomes are returned, never thrown.

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace sut {

enum class Code {
  validation_failed,
  unauthenticated,
  forbidden,
  not_found,
  already_exists,
  version_conflict,
  idempotency_in_flight,
  idempotency_key_reused,
  insufficient_stock,
  credit_limit_exceeded,
  period_locked,
  unbalanced_journal,
  already_reversed,
  not_reversible,
  immutable_record,
  currency_mismatch,
  overpayment,
  too_much_contention,
  service_unavailable,
  internal,
};

enum class RetryClass { never, retry_call, retry_transaction, after_state_change };

struct CodeInfo {
  Code code;
  const char* name;  // the stable string, e.g. "INSUFFICIENT_STOCK"
  int status;        // HTTP-like family
  RetryClass retry;
  const char* meaning;
};

const std::vector<CodeInfo>& all_codes();
const CodeInfo& info(Code code);
const char* to_string(Code code);
const char* to_string(RetryClass retry);

struct Error {
  Code code = Code::internal;
  std::string field;    // the input field at fault ("" if none)
  std::string message;  // names the field, for a person
};

// The commit's fate is unknown (connection lost during COMMIT): maybe applied. Resolve by lookup.
struct Unknown {
  std::string message;
};

Error validation(std::string field, std::string message);
Error not_found(std::string field, std::string message);

template <typename T>
class Outcome {
 public:
  Outcome(T value) : state_(std::move(value)) {}            // NOLINT: implicit, like absl::StatusOr
  Outcome(Error error) : state_(std::move(error)) {}        // NOLINT
  Outcome(Unknown unknown) : state_(std::move(unknown)) {}  // NOLINT

  bool ok() const { return std::holds_alternative<T>(state_); }
  bool is_error() const { return std::holds_alternative<Error>(state_); }
  bool is_unknown() const { return std::holds_alternative<Unknown>(state_); }
  const T& value() const { return std::get<T>(state_); }
  T& value() { return std::get<T>(state_); }
  const Error& error() const { return std::get<Error>(state_); }
  const Unknown& unknown() const { return std::get<Unknown>(state_); }

 private:
  std::variant<T, Error, Unknown> state_;
};

}  // namespace sut
