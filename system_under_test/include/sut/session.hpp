#pragma once
// A session of the system under test: one database connection, used by one thread, and the
// critical mutation wrapper (DESIGN §3 step 2) every command runs through.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "sut/errors.hpp"

namespace sut {

// Who asks, for which tenant, at which business time. Every command carries one.
struct RequestContext {
  std::string tenant;
  std::string actor;
  std::string as_of;  // ISO 8601 UTC, e.g. 2026-01-01T00:00:00Z; business SQL never calls now()
  std::string correlation_id;
};

// The keys a mutation touched, by kind ("batch", "location", "movement"): the scope of the
// invariants the harness runs after it, and the entity refs of its log line.
using TouchedKeys = std::map<std::string, std::set<long long>>;

class Tx;  // one attempt's transaction; defined in the private src/tx.hpp

struct MutationReport {
  enum class Kind { ok, error, unknown } kind = Kind::ok;
  Error error;          // when kind == error
  std::string message;  // when kind == unknown
  int attempts = 0;
  TouchedKeys touched;
  std::string mutation_id;
};

// Where the structured log lines go (one JSON object per mutation). Default: nowhere.
void set_log_sink(std::function<void(const std::string&)> sink);

class Session {
 public:
  static constexpr int attempts_max = 10;
  static constexpr int backoff_ms_base = 2;
  static constexpr int backoff_ms_max = 200;

  explicit Session(std::string conninfo);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // The critical mutation wrapper. One transaction per attempt: SET LOCAL tenant and actor, then
  // `body`, then commit. `body` returns nullopt to commit or a business Error to roll back.
  // 40001/40P01 (also from COMMIT) → the whole transaction is rebuilt and retried with capped
  // exponential backoff and jitter. A broken connection before COMMIT → a fresh connection and a
  // retry. A lost COMMIT (in doubt) → `unknown`, never retried. Errors raised by our triggers carry
  // SQLSTATEs of class VR and map to our codes.
  MutationReport mutate(const char* operation, const RequestContext& context,
                        const std::function<std::optional<Error>(Tx&)>& body);

  // A read-only transaction in the tenant (for queries). Throws on database errors.
  void read(const RequestContext& context, const std::function<void(Tx&)>& body);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sut
