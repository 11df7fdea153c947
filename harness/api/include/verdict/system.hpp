#pragma once
// The door between the harness and a system under test (DESIGN §2, §3).
// A system registers itself once (a static registrar in its plugin unit); the harness drives it only
// through these types. Nothing here knows what the commands mean: a system describes its commands,
// reads and tables as data, and the harness lists, documents and checks them generically.

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
  std::string code;                // stable error code when status == error
  std::string field;               // the field the error names, when there is one
  std::string message;             // for a person
  std::string values_json = "{}";  // result values when ok (ids, amounts) as a JSON object
  // Keys the step touched, by module-qualified kind: {"inventory.batch":[1],"inventory.location":[2]}.
  std::string touched_json = "{}";
  int attempts = 1;
  bool replayed = false;  // an idempotent replay: the stored outcome of an earlier request, no new effect
};

// One open connection of the system under test (one per thread; not thread-safe).
class SystemConnection {
 public:
  virtual ~SystemConnection() = default;
  virtual StepOutcome execute(const Command& command) = 0;
  // A read for fixture checks: returns the value as a JSON text ({"error":CODE,"field":F} for a
  // refused read), or throws std::runtime_error when the read itself is unknown.
  virtual std::string read(const std::string& what, const std::string& tenant, const std::string& args_json) = 0;
};

struct ErrorCodeInfo {
  std::string code;
  int status = 0;           // HTTP-like status family
  std::string retry_class;  // "never", "retry_call", "retry_transaction", "after_state_change"
  std::string meaning;
  std::string module;                  // who registered it
  std::vector<std::string> sqlstates;  // database errors that map to it
};

// One declared field of a command or read (issue 5 §2). The declaration is the single source of
// validation, `verdict commands`, docs/COMMANDS.md and generated arguments.
struct FieldDecl {
  std::string name;
  std::string type;  // text | id | decimal | date | instant | bool | enum | list
  bool required = true;
  int length_max = 0;               // text: longest accepted value (bytes)
  int scale = 0;                    // decimal: places after the point
  int precision = 20;               // decimal: total digits (NUMERIC(precision, scale))
  std::string sign;                 // decimal: "" (any) | positive | non_negative | non_zero
  std::vector<std::string> values;  // enum: the accepted values
  std::vector<FieldDecl> items;     // list: the fields of each item (an object)
  int items_max = 0;                // list: most items accepted (at least one is required)
  std::string description;
};

struct CommandDecl {
  std::string name;  // module.verb, e.g. inventory.receive
  std::string module;
  std::string permission;  // what the actor needs (a role grants it)
  std::string description;
  std::vector<FieldDecl> fields;
  bool idempotent = true;  // accepts an idempotency key
};

struct ReadDecl {
  std::string name;  // e.g. on_hand
  std::string module;
  std::string description;
  std::vector<FieldDecl> fields;
};

struct TableDecl {
  std::string name;
  std::string module;
  bool tenant_scoped = true;  // has tenant_id and a FORCEd row-level policy
};

struct FailpointDecl {
  std::string name;
  std::string module;
  std::string description;
};

// A named check a person runs against any database: `verdict <name> verify --database URL` runs
// these invariants' full forms and names the first broken row of each.
struct VerifierDecl {
  std::string name;  // e.g. audit
  std::string description;
  std::vector<std::string> invariant_ids;
};

struct SystemUnderTest {
  std::string name;
  // Apply all migrations, connected as the owner role. Throws on failure.
  std::function<void(const std::string& owner_url)> migrate;
  // A fingerprint of the migrations (changes when any migration changes): names the template.
  std::function<std::string()> schema_fingerprint;
  // Open a connection as the application role.
  std::function<std::unique_ptr<SystemConnection>(const std::string& app_url)> connect;
  std::vector<std::string> modules;  // in dependency order
  std::vector<TableDecl> tables;     // row counts and checksums of these prove "nothing was written"
  std::vector<ErrorCodeInfo> error_codes;
  std::vector<CommandDecl> commands;
  std::vector<ReadDecl> reads;
  std::vector<FailpointDecl> failpoints;
  std::vector<VerifierDecl> verifiers;
  // Fills the lists above (and registers invariants and failpoints) once, on first use: a system's
  // parts may register from static initialisers that run after the system's own.
  std::function<void(SystemUnderTest&)> describe;
};

void register_system(SystemUnderTest system);
// REQUIRES: exactly one system registered (the verdict binary and the test programs link one).
const SystemUnderTest& system_under_test();
const CommandDecl* find_command(const std::string& name);  // nullptr when not declared
const ReadDecl* find_read(const std::string& name);        // nullptr when not declared

}  // namespace verdict
