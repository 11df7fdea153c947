#pragma once
// Outcomes and stable error codes (DESIGN §4). Expected outcomes are returned, never thrown.
//
// A code is a stable string. The codes every module shares (validation, permissions, idempotency,
// the wrapper's own) are named here; a module names its own in its header and registers them with
// its module record (sut/module.hpp), with the SQLSTATEs that map to them. Never reuse a code.

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace sut {

namespace codes {
inline constexpr const char* validation_failed = "VALIDATION_FAILED";
inline constexpr const char* unauthenticated = "UNAUTHENTICATED";
inline constexpr const char* forbidden = "FORBIDDEN";
inline constexpr const char* not_found = "NOT_FOUND";
inline constexpr const char* already_exists = "ALREADY_EXISTS";
inline constexpr const char* version_conflict = "VERSION_CONFLICT";
inline constexpr const char* idempotency_in_flight = "IDEMPOTENCY_IN_FLIGHT";
inline constexpr const char* idempotency_key_reused = "IDEMPOTENCY_KEY_REUSED";
inline constexpr const char* immutable_record = "IMMUTABLE_RECORD";
inline constexpr const char* already_reversed = "ALREADY_REVERSED";
inline constexpr const char* not_reversible = "NOT_REVERSIBLE";
inline constexpr const char* too_much_contention = "TOO_MUCH_CONTENTION";
inline constexpr const char* service_unavailable = "SERVICE_UNAVAILABLE";
inline constexpr const char* internal = "INTERNAL";
}  // namespace codes

enum class RetryClass { never, retry_call, retry_transaction, after_state_change };
const char* to_string(RetryClass retry);

struct CodeInfo {
  std::string name;  // the stable string, e.g. "INSUFFICIENT_STOCK"
  int status = 0;    // HTTP-like family
  RetryClass retry = RetryClass::never;
  std::string meaning;
  std::vector<std::string> sqlstates;  // database errors (e.g. our triggers' VR0xx) that mean it
};

// The codes every module shares (the wrapper's, validation, permissions, idempotency).
const std::vector<CodeInfo>& core_codes();

struct Error {
  std::string code = codes::internal;
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
