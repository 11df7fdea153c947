// The critical mutation wrapper: the one place libpqxx exceptions are caught and translated.

#include "sut/session.hpp"

#include <fmt/format.h>

#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <random>
#include <regex>
#include <thread>

#include "tx.hpp"
#include "verdict/failpoints.hpp"

namespace sut {
namespace {

std::mutex sink_mutex;
// A function-local static: set_log_sink() runs from other units' static initialisers, which may
// run before a namespace-scope std::function of this unit is constructed (and would be reset by it).
std::function<void(const std::string&)>& log_sink() {  // GUARDED_BY(sink_mutex)
  static std::function<void(const std::string&)> sink;
  return sink;
}

// SQLSTATEs our triggers raise (class VR, "Verdict rule") and the codes they mean.
std::optional<Code> code_for_sqlstate(const std::string& state) {
  if (state == "VR001") return Code::immutable_record;
  if (state == "VR002") return Code::insufficient_stock;
  if (state == "42501") return Code::forbidden;  // insufficient_privilege: the database said no
  return std::nullopt;
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
    return Error{Code::unauthenticated, "actor", "actor: every command runs as a named actor (1-128 characters)"};
  for (unsigned char ch : c.actor) {
    if (ch < 0x20 || ch == 0x7f) return validation("actor", "actor: control characters are not allowed");
  }
  if (!std::regex_match(c.as_of, as_of_shape)) return validation("as_of", "as_of: expected YYYY-MM-DDTHH:MM:SSZ");
  return std::nullopt;
}

std::string new_mutation_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("{:016x}{:016x}", rng(), rng());
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

MutationReport Session::mutate(const char* operation, const RequestContext& context,
                               const std::function<std::optional<Error>(Tx&)>& body) {
  auto started = std::chrono::steady_clock::now();
  MutationReport report;
  report.mutation_id = new_mutation_id();
  // Writes the one log line and returns the report. Never throws: it runs after a commit, and
  // nothing may turn a committed mutation into anything but `ok`.
  auto finish = [&](MutationReport::Kind kind) {
    report.kind = kind;
    try {
      nlohmann::json refs = nlohmann::json::object();
      for (const auto& [k, ids] : report.touched) refs[k] = ids;
      nlohmann::json line{
          {"event", "mutation"},
          {"mutation_id", report.mutation_id},
          {"correlation_id", context.correlation_id},
          {"tenant", context.tenant},
          {"actor", context.actor},
          {"operation", operation},
          {"as_of", context.as_of},
          {"entities", refs},
          {"outcome", kind == MutationReport::Kind::ok      ? "ok"
                      : kind == MutationReport::Kind::error ? "error"
                                                            : "unknown"},
          {"code", kind == MutationReport::Kind::error ? nlohmann::json(to_string(report.error.code))
                                                       : nlohmann::json(nullptr)},
          {"attempts", report.attempts},
          {"duration_us",
           std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count()}};
      std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
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
    return finish(MutationReport::Kind::error);
  };
  auto unknown = [&](std::string message) {
    impl_->connection.reset();
    report.message = std::move(message);
    return finish(MutationReport::Kind::unknown);
  };

  if (auto invalid = validate_context(context)) return fail(*invalid);

  std::string last_retry_reason;
  for (int attempt = 1; attempt <= attempts_max; ++attempt) {
    report.attempts = attempt;
    report.touched.clear();
    bool committing = false;
    bool committed = false;
    std::string retry_reason;
    try {
      pqxx::connection& connection = impl_->connect();
      pqxx::work work(connection);
      work.exec_params("SELECT set_config('verdict.tenant', $1, true), set_config('verdict.actor', $2, true)",
                       context.tenant, context.actor);
      Tx tx(work, report.touched, context);
      tx.set_mutation_id(report.mutation_id);
      VERDICT_FAILPOINT("mutation.after_begin");
      if (auto rejected = body(tx)) {
        work.abort();
        return fail(*rejected);
      }
      VERDICT_FAILPOINT("mutation.before_commit");
      committing = true;
      work.commit();
      committed = true;
    } catch (const verdict::failpoints::FailpointTriggered& e) {
      // The transaction object's destructor rolled back: nothing of this attempt is written.
      return fail(Error{Code::internal, "", e.what()});
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
        return fail(Error{Code::service_unavailable, "", std::string("database unavailable: ") + e.what()});
      retry_reason = e.what();
    } catch (const pqxx::sql_error& e) {
      // libpqxx 6 leaves sqlstate() empty on the typed exceptions it throws (insufficient_privilege...).
      std::string state = e.sqlstate();
      if (state.empty() && dynamic_cast<const pqxx::insufficient_privilege*>(&e)) state = "42501";
      if (connection_lost(state)) {
        if (committing) return unknown(fmt::format("connection lost during commit ({}): {}", state, e.what()));
        impl_->connection.reset();
        if (attempt == attempts_max)
          return fail(Error{Code::service_unavailable, "", std::string("database unavailable: ") + e.what()});
        retry_reason = e.what();
      } else if (auto code = code_for_sqlstate(state)) {
        std::string text = e.what();
        return fail(Error{*code, "", text.substr(0, text.find('\n'))});
      } else {
        return fail(Error{Code::internal, "", fmt::format("database error {}: {}", state, e.what())});
      }
    } catch (const std::exception& e) {
      // A bug below us (a conversion, a broken assumption). Once COMMIT was sent its fate is unknown.
      if (committing) return unknown(std::string("unexpected failure during commit: ") + e.what());
      return fail(Error{Code::internal, "", std::string("unexpected failure: ") + e.what()});
    }
    if (committed) return finish(MutationReport::Kind::ok);
    last_retry_reason = retry_reason;
    if (attempt < attempts_max) impl_->backoff(attempt);
  }
  return fail(Error{Code::too_much_contention, "",
                    fmt::format("{}: gave up after {} attempts; the last was rolled back by: {}", operation,
                                attempts_max, last_retry_reason.substr(0, last_retry_reason.find('\n')))});
}

void Session::read(const RequestContext& context, const std::function<void(Tx&)>& body) {
  for (int attempt = 1;; ++attempt) {
    try {
      pqxx::read_transaction work(impl_->connect());
      work.exec_params("SELECT set_config('verdict.tenant', $1, true), set_config('verdict.actor', $2, true)",
                       context.tenant, context.actor);
      TouchedKeys ignored;
      Tx tx(work, ignored, context);
      body(tx);
      work.commit();
      return;
    } catch (const pqxx::broken_connection&) {
      impl_->connection.reset();
      if (attempt >= 2) throw;
    }
  }
}

}  // namespace sut
