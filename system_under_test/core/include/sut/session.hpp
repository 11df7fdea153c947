#pragma once
// A session of the system under test: one database connection, used by one thread, and the
// critical mutation wrapper (DESIGN §3 step 2, issue 5 §3) every command runs through:
//
//   validate → begin → permission → idempotency claim → apply → audit record → commit
//
// with retries of the whole transaction on 40001/40P01 (COMMIT included).

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>

#include "sut/errors.hpp"
#include "sut/fields.hpp"

namespace sut {

struct CommandDef;

// Who asks, for which tenant, at which business time. Every command carries one.
struct RequestContext {
  std::string tenant;
  std::string actor;
  std::string as_of;  // ISO 8601 UTC, e.g. 2026-01-01T00:00:00Z; business SQL never calls now()
  std::string correlation_id;
  std::string idempotency_key;  // "" = none
};

// The keys a mutation touched, by module-qualified kind ("inventory.batch", "access.audit"): the
// scope of the invariants the harness runs after it, and the entity refs of its log line.
using TouchedKeys = std::map<std::string, std::set<long long>>;

// What a command came back with.
struct Executed {
  enum class Kind { ok, error, unknown } kind = Kind::ok;
  nlohmann::json values = nlohmann::json::object();  // when ok
  Error error;                                       // when error
  std::string message;                               // when unknown
  int attempts = 0;
  TouchedKeys touched;
  std::string mutation_id;
  bool replayed = false;  // the stored outcome of an earlier request with the same idempotency key
};

// Where the structured log lines go (one JSON object per mutation). Default: nowhere.
void set_log_sink(std::function<void(const std::string&)> sink);

// What a request passes before any transaction (so a malformed one writes and claims nothing): the
// command is registered, takes a key if it has one, its arguments are an object matching its
// declaration and its own cross-field checks, and the context is well-formed. Needs no database:
// the fuzz target calls it (system_under_test/fuzz).
Outcome<Args> decode_request(const std::string& command, const RequestContext& context, const nlohmann::json& args);

class Session {
 public:
  static constexpr int attempts_max = 10;
  static constexpr int backoff_ms_base = 2;
  static constexpr int backoff_ms_max = 200;
  static constexpr std::size_t idempotency_key_length_max = 255;

  explicit Session(std::string conninfo);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Runs a registered command. An unknown command, a malformed request or a bad context is an
  // error before any transaction (nothing written, no key claimed).
  Executed execute(const std::string& command, const RequestContext& context, const nlohmann::json& args);

  // A registered read, in a read-only transaction in the tenant.
  Outcome<nlohmann::json> read(const std::string& name, const RequestContext& context, const nlohmann::json& args);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sut
