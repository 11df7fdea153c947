#pragma once
// Versioned SQL migrations. Each applied migration is recorded in schema_migrations with the md5 of
// its text; a run refuses to start when an applied migration's text has changed, or when the
// database holds a migration this build does not know.

#include <stdexcept>
#include <string>
#include <vector>

namespace sut {

struct Migration {
  std::string module;  // the module that owns it; versions count per module
  int version = 0;
  std::string name;  // e.g. "inventory"
  std::string sql;
};

struct MigrationError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The migrations compiled into this build: every registered module's, dependencies first
// (sut::all_migrations(), in sut/module.hpp).

// Applies what is missing, in the given order, each in its own transaction, under an advisory lock. Returns how many
// were applied. Connect as the schema owner. Throws MigrationError on a changed or unknown one.
int migrate(const std::string& conninfo, const std::vector<Migration>& migrations);

// A fingerprint of the migrations' texts (names the harness's template database).
std::string migrations_fingerprint(const std::vector<Migration>& migrations);

}  // namespace sut
