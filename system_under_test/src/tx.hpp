#pragma once
// Private to system_under_test/: the transaction handle domain modules use for their SQL. Only
// this layer and the modules' query code see libpqxx.

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
  Tx(pqxx::dbtransaction& work, TouchedKeys& touched, const RequestContext& context)
      : work_(work), touched_(touched), context_(context) {}
  pqxx::dbtransaction& sql() { return work_; }
  void touch(const char* kind, long long id) { touched_[kind].insert(id); }
  const RequestContext& context() const { return context_; }
  const std::string& mutation_id() const { return mutation_id_; }
  void set_mutation_id(std::string id) { mutation_id_ = std::move(id); }

 private:
  pqxx::dbtransaction& work_;
  TouchedKeys& touched_;
  const RequestContext& context_;
  std::string mutation_id_;
};

}  // namespace sut
