#pragma once
// The door between the harness and a system under test (DESIGN §2, §3).
// A system registers itself once (a static registrar in its plugin unit); the harness drives it only
// through these types. Nothing here knows what the commands mean.

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace verdict {

// A command as a driver builds it (DESIGN §3 step 1). Arguments are JSON so fixture files, property
// commands and stress workers can all speak it; quantities travel as strings, never as doubles.
struct Command {
  std::string name;              // e.g. "inventory.receive"
  std::string tenant;            // every command runs within a tenant...
  std::string actor;             // ...as an actor
  std::string as_of;             // business time, ISO 8601 UTC, from the harness clock
  std::string idempotency_key;   // optional
  std::string correlation_id;    // optional: ties the log lines of one step together
  std::string args_json = "{}";  // a JSON object
};

enum class OutcomeStatus { ok, error, unknown };
const char* to_string(OutcomeStatus status);

// What a command came back with (DESIGN §3 step 3).
struct StepOutcome {
  OutcomeStatus status = OutcomeStatus::error;
  std::string code;                 // stable error code when status == error
  std::string field;                // the field the error names, when there is one
  std::string message;              // for a person
  std::string values_json = "{}";   // result values when ok (ids, amounts) as a JSON object
  std::string touched_json = "{}";  // {"batch":[1],"location":[2],...}: keys the step touched
  int attempts = 1;
};

// One open connection of the system under test (one per thread; not thread-safe).
class SystemConnection {
 public:
  virtual ~SystemConnection() = default;
  virtual StepOutcome execute(const Command& command) = 0;
  // A read for fixture checks: returns the value as a JSON text, or throws std::runtime_error.
  virtual std::string read(const std::string& what, const std::string& tenant, const std::string& args_json) = 0;
};

struct ErrorCodeInfo {
  std::string code;
  int status = 0;           // HTTP-like status family
  std::string retry_class;  // "never", "retry_call", "retry_transaction", "after_state_change"
  std::string meaning;
};

struct SystemUnderTest {
  std::string name;
  // Apply all migrations, connected as the owner role. Throws on failure.
  std::function<void(const std::string& owner_url)> migrate;
  // A fingerprint of the migrations (changes when any migration changes): names the template.
  std::function<std::string()> schema_fingerprint;
  // Open a connection as the application role.
  std::function<std::unique_ptr<SystemConnection>(const std::string& app_url)> connect;
  // Tables whose row counts and checksums prove "nothing was written".
  std::vector<std::string> tables;
  std::vector<ErrorCodeInfo> error_codes;
};

void register_system(SystemUnderTest system);
// REQUIRES: exactly one system registered (the verdict binary and the test programs link one).
const SystemUnderTest& system_under_test();

}  // namespace verdict
