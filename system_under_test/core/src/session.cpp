// The critical mutation wrapper: the one place libpqxx exceptions are caught and translated.
//
// One attempt is one transaction and, without an idempotency key, five round trips around the
// module's own statements: BEGIN; the context statement (tenant, actor, permission, key claim and
// stored outcome, in one multi-statement exec); the body; the audit statement (chain link and key
// record); COMMIT. With a key, the body runs inside a savepoint so that a business rejection can
// be stored and replayed like a success.

#include "sut/session.hpp"

#include <fmt/format.h>

#include <chrono>
#include <mutex>
#include <pqxx/pqxx>
#include <random>
#include <regex>
#include <thread>

#include "sut/fields.hpp"
#include "sut/module.hpp"
#include "sut/tx.hpp"
#include "verdict/failpoints.hpp"

namespace sut {
namespace {
using json = nlohmann::json;

std::mutex sink_mutex;
// A function-local static: set_log_sink() runs from other units' static initialisers, which may
// run before a namespace-scope std::function of this unit is constructed (and would be reset by it).
std::function<void(const std::string&)>& log_sink() {  // GUARDED_BY(sink_mutex)
  static std::function<void(const std::string&)> sink;
  return sink;
}

// The server ended our session (admin shutdown, crash, restart, failover) or the link broke: the
// same as a broken connection, even when it arrives as an error result rather than a lost socket.
bool connection_lost(const std::string& state) {
  return state.rfind("08", 0) == 0 || state == "57P01" || state == "57P02" || state == "57P03";
}

std::optional<Error> validate_context(const RequestContext& c) {
  static const std::regex tenant_shape("[a-z0-9][a-z0-9_-]{0,62}");
  static const std::regex as_of_shape(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z)");
  if (!std::regex_match(c.tenant, tenant_shape)) {
    return validation("tenant",
                      "tenant: must be 1-63 characters of a-z, 0-9, '_' or '-', starting with a letter or digit");
  }
  if (c.actor.empty() || c.actor.size() > 128)
    return Error{codes::unauthenticated, "actor", "actor: every command runs as a named actor (1-128 characters)"};
  for (unsigned char ch : c.actor) {
    if (ch < 0x20 || ch == 0x7f) return validation("actor", "actor: control characters are not allowed");
  }
  if (!std::regex_match(c.as_of, as_of_shape) || !valid_instant(c.as_of))
    return validation("as_of", "as_of: expected a real instant, YYYY-MM-DDTHH:MM:SSZ");
  if (!valid_utf8(c.actor)) return validation("actor", "actor: not valid UTF-8");
  if (!valid_utf8(c.idempotency_key)) return validation("idempotency_key", "idempotency_key: not valid UTF-8");
  if (!valid_utf8(c.correlation_id)) return validation("correlation_id", "correlation_id: not valid UTF-8");
  if (c.idempotency_key.size() > Session::idempotency_key_length_max)
    return validation("idempotency_key",
                      fmt::format("idempotency_key: longer than {} characters", Session::idempotency_key_length_max));
  for (unsigned char ch : c.idempotency_key) {
    if (ch < 0x20 || ch == 0x7f)
      return validation("idempotency_key", "idempotency_key: control characters are not allowed");
  }
  return std::nullopt;
}

std::string new_mutation_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("{:016x}{:016x}", rng(), rng());
}

json touched_json(const TouchedKeys& touched) {
  json refs = json::object();
  for (const auto& [k, ids] : touched) refs[k] = ids;
  return refs;
}

// Tenant, actor, permission, fingerprint, key claim and stored outcome: one prepared call of the
// access module's verdict_begin() (its comment says why the stored outcome is read after the claim).
constexpr const char* begin_sql = "SELECT * FROM verdict_begin($1, $2, $3, $4, $5, $6, $7::timestamptz)";

// Appends the audit link (and records the key's outcome, when there is a key) in one statement.
constexpr const char* audit_sql = R"(WITH head AS (
  UPDATE audit_heads h SET seq = h.seq + 1,
         hash = sha256(h.hash || convert_to(audit_canonical($1, h.seq + 1, $2, $3, $4, $5, $6, $7, $8::jsonb,
                                                             $9::timestamptz), 'UTF8'))
  WHERE h.tenant_id = $1 RETURNING h.seq, h.hash),
entry AS (
  INSERT INTO audit_log (tenant_id, seq, mutation_id, correlation_id, actor, operation, fingerprint, outcome,
                         touched, as_of, hash)
  SELECT $1, head.seq, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::timestamptz, head.hash FROM head RETURNING audit_id),
stored AS (
  INSERT INTO idempotency_keys (tenant_id, operation, key, fingerprint, outcome, mutation_id, created_at, expires_at)
  SELECT $1, $5, $10, $6, $11::jsonb, $2, $9::timestamptz, $9::timestamptz + t.idempotency_window_s * interval '1 second'
  FROM tenants t WHERE t.tenant_id = $1 AND $10 <> ''
  ON CONFLICT (tenant_id, operation, key) DO UPDATE
    SET fingerprint = EXCLUDED.fingerprint, outcome = EXCLUDED.outcome, mutation_id = EXCLUDED.mutation_id,
        created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
  RETURNING 1)
SELECT (SELECT audit_id FROM entry), (SELECT count(*) FROM stored))";

json stored_outcome(const std::optional<Error>& rejected, const json& values) {
  if (rejected)
    return json{
        {"status", "error"}, {"code", rejected->code}, {"field", rejected->field}, {"message", rejected->message}};
  return json{{"status", "ok"}, {"values", values}};
}

}  // namespace

void set_log_sink(std::function<void(const std::string&)> sink) {
  std::lock_guard lock(sink_mutex);
  log_sink() = std::move(sink);
}

struct Session::Impl {
  std::string conninfo;
  std::unique_ptr<pqxx::connection> connection;
  std::mt19937 jitter{std::random_device{}()};

  pqxx::connection& connect() {
    // libpqxx 6 would silently reconnect a broken connection; we replace it instead, so that no
    // statement ever runs on a session whose state we did not set up.
    if (!connection) connection = std::make_unique<pqxx::connection>(conninfo);
    return *connection;
  }
  void backoff(int attempt) {
    int cap = std::min(backoff_ms_max, backoff_ms_base << std::min(attempt, 16));
    std::uniform_int_distribution<int> pick(0, cap);  // full jitter
    std::this_thread::sleep_for(std::chrono::milliseconds(pick(jitter)));
  }
};

Session::Session(std::string conninfo) : impl_(std::make_unique<Impl>()) { impl_->conninfo = std::move(conninfo); }
Session::~Session() = default;

Outcome<Args> decode_request(const std::string& operation, const RequestContext& context, const json& args) {
  const CommandDef* def = find_command(operation);
  if (!def) return validation("command", fmt::format("command: no command named '{}'", operation));
  if (!args.is_object()) return validation("with", "with: the arguments must be an object");
  if (auto invalid = validate_context(context)) return *invalid;
  if (!def->decl.idempotent && !context.idempotency_key.empty())
    return validation("idempotency_key", fmt::format("idempotency_key: {} takes no key", operation));
  auto validated = validate_args(def->decl.fields, args);
  if (!validated.ok()) return validated.error();
  if (def->validate) {
    if (auto invalid = def->validate(validated.value())) return *invalid;
  }
  return validated;
}

Executed Session::execute(const std::string& operation, const RequestContext& context, const json& args) {
  auto started = std::chrono::steady_clock::now();
  Executed report;
  report.mutation_id = new_mutation_id();
  // Writes the one log line and returns the report. Never throws: it runs after a commit, and
  // nothing may turn a committed mutation into anything but `ok`.
  auto finish = [&](Executed::Kind kind) {
    report.kind = kind;
    try {
      json line{
          {"event", "mutation"},
          {"mutation_id", report.mutation_id},
          {"correlation_id", context.correlation_id},
          {"tenant", context.tenant},
          {"actor", context.actor},
          {"operation", operation},
          {"as_of", context.as_of},
          {"entities", touched_json(report.touched)},
          {"outcome", kind == Executed::Kind::ok      ? "ok"
                      : kind == Executed::Kind::error ? "error"
                                                      : "unknown"},
          {"code", kind == Executed::Kind::error ? json(report.error.code) : json(nullptr)},
          {"replayed", report.replayed},
          {"attempts", report.attempts},
          {"duration_us",
           std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count()}};
      std::string text = line.dump(-1, ' ', false, json::error_handler_t::replace);
      std::lock_guard lock(sink_mutex);
      if (log_sink()) log_sink()(text);
    } catch (...) {
      // A log line that cannot be written is not a reason to misreport the mutation.
    }
    return report;
  };
  // The keys stay: the invariants are checked over what the attempt touched, even when it rolled back.
  auto fail = [&](Error e) {
    report.error = std::move(e);
    return finish(Executed::Kind::error);
  };
  auto unknown = [&](std::string message) {
    impl_->connection.reset();
    report.message = std::move(message);
    return finish(Executed::Kind::unknown);
  };

  // Validate: nothing below runs for a malformed request, so nothing is written or claimed.
  auto decoded = decode_request(operation, context, args);
  if (!decoded.ok()) return fail(decoded.error());
  const CommandDef* def = find_command(operation);
  const Args& request = decoded.value();
  const bool keyed = !context.idempotency_key.empty();
  const std::string fingerprint_text = operation + "\n" + request.canonical().dump();

  std::string last_retry_reason;
  for (int attempt = 1; attempt <= attempts_max; ++attempt) {
    report.attempts = attempt;
    report.touched.clear();
    report.values = json::object();
    bool committing = false;
    bool committed = false;
    std::optional<Error> rejected;
    std::string retry_reason;
    try {
      pqxx::connection& connection = impl_->connect();
      pqxx::work work(connection);
      connection.prepare("verdict_begin", begin_sql);
      pqxx::row head = work.exec_prepared1("verdict_begin", context.tenant, context.actor, def->decl.permission,
                                           operation, context.idempotency_key, fingerprint_text, context.as_of);
      if (!head["permitted"].as<bool>()) {
        work.abort();
        return fail(Error{codes::forbidden, "actor",
                          fmt::format("actor: '{}' holds no role granting '{}' in tenant '{}'", context.actor,
                                      def->decl.permission, context.tenant)});
      }
      std::string fingerprint = head["fingerprint"].as<std::string>();
      if (keyed) {
        if (!head["claimed"].as<bool>()) {
          work.abort();
          return fail(Error{codes::idempotency_in_flight, "idempotency_key",
                            "idempotency_key: a request with this key is still running; retry it later"});
        }
        if (!head["stored_live"].is_null() && head["stored_live"].as<bool>()) {
          work.abort();
          if (head["stored_fingerprint"].as<std::string>() != fingerprint) {
            return fail(Error{codes::idempotency_key_reused, "idempotency_key",
                              fmt::format("idempotency_key: '{}' was used for a different {} request",
                                          context.idempotency_key, operation)});
          }
          report.replayed = true;
          json stored = json::parse(head["stored_outcome"].as<std::string>());
          if (stored["status"] == "ok") {
            report.values = stored["values"];
            return finish(Executed::Kind::ok);
          }
          return fail(Error{stored["code"], stored["field"], stored["message"]});
        }
      }
      VERDICT_FAILPOINT("mutation.after_begin");
      Tx tx(work, report.touched, context, report.mutation_id);
      if (keyed) {
        // A savepoint, so that a business rejection rolls back the body and is still recorded.
        pqxx::subtransaction body(work, "body");
        Tx inner(body, report.touched, context, report.mutation_id);
        auto out = def->apply(inner, request);
        if (out.ok()) {
          report.values = out.value();
          body.commit();
        } else if (out.error().code == codes::validation_failed) {
          // Malformed input is never stored, even when only the database could tell (a unit cost
          // that differs from the batch's): the client fixes it and retries under the same key.
          body.abort();
          work.abort();
          return fail(out.error());
        } else {
          rejected = out.error();
          body.abort();
        }
      } else {
        auto out = def->apply(tx, request);
        if (!out.ok()) {
          work.abort();
          return fail(out.error());
        }
        report.values = out.value();
      }
      connection.prepare("verdict_audit", audit_sql);
      auto link = work.exec_prepared1(
          "verdict_audit", context.tenant, report.mutation_id, context.correlation_id, context.actor, operation,
          fingerprint, rejected ? rejected->code : std::string("ok"), touched_json(report.touched).dump(),
          context.as_of, context.idempotency_key, stored_outcome(rejected, report.values).dump());
      if (link[0].is_null()) throw std::logic_error("tenant '" + context.tenant + "' has no audit chain head");
      tx.touch("access.audit", link[0].as<long long>());
      VERDICT_FAILPOINT("mutation.before_commit");
      committing = true;
      work.commit();
      committed = true;
    } catch (const verdict::failpoints::FailpointTriggered& e) {
      // The transaction object's destructor rolled back: nothing of this attempt is written.
      return fail(Error{codes::internal, "", e.what()});
    } catch (const pqxx::in_doubt_error& e) {
      return unknown(std::string("commit outcome unknown: ") + e.what());
    } catch (const pqxx::statement_completion_unknown& e) {
      return unknown(std::string("statement outcome unknown: ") + e.what());
    } catch (const RetryTransaction& e) {
      retry_reason = e.what();
    } catch (const pqxx::transaction_rollback& e) {
      // 40001, 40P01 and the bare 40000: the server rolled the transaction back, COMMIT included.
      retry_reason = e.what();
    } catch (const pqxx::broken_connection& e) {
      if (committing) return unknown(std::string("connection lost during commit: ") + e.what());
      impl_->connection.reset();
      if (attempt == attempts_max)
        return fail(Error{codes::service_unavailable, "", std::string("database unavailable: ") + e.what()});
      retry_reason = e.what();
    } catch (const pqxx::sql_error& e) {
      // libpqxx 6 leaves sqlstate() empty on the typed exceptions it throws (insufficient_privilege...).
      std::string state = e.sqlstate();
      if (state.empty() && dynamic_cast<const pqxx::insufficient_privilege*>(&e)) state = "42501";
      if (connection_lost(state)) {
        if (committing) return unknown(fmt::format("connection lost during commit ({}): {}", state, e.what()));
        impl_->connection.reset();
        if (attempt == attempts_max)
          return fail(Error{codes::service_unavailable, "", std::string("database unavailable: ") + e.what()});
        retry_reason = e.what();
      } else if (auto code = code_for_sqlstate(state)) {
        std::string text = e.what();
        return fail(Error{*code, "", text.substr(0, text.find('\n'))});
      } else {
        return fail(Error{codes::internal, "", fmt::format("database error {}: {}", state, e.what())});
      }
    } catch (const std::exception& e) {
      // A bug below us (a conversion, a broken assumption). Once COMMIT was sent its fate is unknown.
      if (committing) return unknown(std::string("unexpected failure during commit: ") + e.what());
      return fail(Error{codes::internal, "", std::string("unexpected failure: ") + e.what()});
    }
    if (committed) return rejected ? fail(*rejected) : finish(Executed::Kind::ok);
    last_retry_reason = retry_reason;
    if (attempt < attempts_max) impl_->backoff(attempt);
  }
  return fail(Error{codes::too_much_contention, "",
                    fmt::format("{}: gave up after {} attempts; the last was rolled back by: {}", operation,
                                attempts_max, last_retry_reason.substr(0, last_retry_reason.find('\n')))});
}

Outcome<json> Session::read(const std::string& name, const RequestContext& context, const json& args) {
  const ReadDef* def = find_read(name);
  if (!def) return validation("check", fmt::format("check: no read named '{}'", name));
  if (!args.is_object()) return validation("with", "with: the arguments must be an object");
  if (auto invalid = validate_context(context)) return *invalid;
  auto validated = validate_args(def->decl.fields, args);
  if (!validated.ok()) return validated.error();
  for (int attempt = 1;; ++attempt) {
    try {
      pqxx::read_transaction work(impl_->connect());
      work.exec_params("SELECT set_config('verdict.tenant', $1, true), set_config('verdict.actor', $2, true)",
                       context.tenant, context.actor);
      TouchedKeys ignored;
      Tx tx(work, ignored, context, "");
      auto out = def->run(tx, validated.value());
      work.commit();
      return out;
    } catch (const pqxx::broken_connection&) {
      impl_->connection.reset();
      if (attempt >= 2) throw;
    }
  }
}

bool holds_permission(Tx& tx, const std::string& permission) {
  return !tx.exec("verdict_holds_permission",
                  "SELECT 1 FROM actor_roles ar JOIN role_permissions rp ON rp.role = ar.role "
                  "WHERE ar.tenant_id = $1 AND ar.actor = $2 AND rp.permission = $3",
                  tx.tenant(), tx.context().actor, permission)
              .empty();
}

}  // namespace sut
