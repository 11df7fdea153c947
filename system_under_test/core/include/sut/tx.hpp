#pragma once
// The transaction handle a module's command and read bodies get: its SQL goes through sql(), the
// keys it touches through touch() (module-qualified kinds, e.g. "inventory.batch"). Only the
// wrapper and the modules' query code see libpqxx.

#include <pqxx/pqxx>
#include <stdexcept>

#include "sut/session.hpp"

namespace sut {

// Thrown by domain code when the transaction must be rebuilt and retried (like a 40001).
struct RetryTransaction : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Tx {
 public:
  Tx(pqxx::dbtransaction& work, TouchedKeys& touched, const RequestContext& context, std::string mutation_id)
      : work_(work), touched_(touched), context_(context), mutation_id_(std::move(mutation_id)) {}
  pqxx::dbtransaction& sql() { return work_; }
  // A statement prepared once per connection under `name` (then planned once, not per call): for
  // the statements every mutation runs. REQUIRES: one name, one text, everywhere.
  template <typename... Args>
  pqxx::result exec(const char* name, const char* text, Args&&... args) {
    work_.conn().prepare(name, text);
    return work_.exec_prepared(name, std::forward<Args>(args)...);
  }
  void touch(const char* kind, long long id) { touched_[kind].insert(id); }
  const RequestContext& context() const { return context_; }
  const std::string& tenant() const { return context_.tenant; }
  const std::string& mutation_id() const { return mutation_id_; }

 private:
  pqxx::dbtransaction& work_;
  TouchedKeys& touched_;
  const RequestContext& context_;
  std::string mutation_id_;
};

// Whether the request's actor holds `permission` in its tenant (a check inside a command, for a
// right beyond the command's own, e.g. overriding a credit limit).
bool holds_permission(Tx& tx, const std::string& permission);

}  // namespace sut
