#pragma once
// The invariant registry (DESIGN §4 "Invariant"). A system registers its invariants; the harness
// checks them after every step and generates docs/INVARIANTS.md from them.
//
// Each invariant's SQL takes one parameter, `$1::jsonb`: NULL for the full form, or the keys a step
// touched ({"batch":[1,2],"location":[3],"movement":[9]}) for the scoped form. It returns the
// violating rows (zero rows = holds), with causality columns (batch_id, location_id, movement_id…).

#include <optional>
#include <string>
#include <vector>

namespace verdict {

struct Invariant {
  std::string id;        // stable, e.g. INV-STOCK-001
  std::string module;    // e.g. inventory
  std::string purpose;   // one sentence
  std::string sql;       // see above
  std::string severity;  // "critical" | "major" | "minor"
  std::string remediation;
};

struct Violation {
  std::string invariant_id;
  std::string severity;
  std::string rows_json;  // a JSON array of row objects
  std::size_t row_count = 0;
};

void register_invariant(Invariant invariant);
// Sorted by id. REQUIRES: ids unique (checked at registration).
const std::vector<Invariant>& invariants();

// Checks invariants over one connection (kept open between checks). Connect as a role that sees
// every tenant's rows (the owner or the administrator).
class InvariantChecker {
 public:
  explicit InvariantChecker(const std::string& conninfo);
  ~InvariantChecker();
  InvariantChecker(const InvariantChecker&) = delete;
  InvariantChecker& operator=(const InvariantChecker&) = delete;

  // scope_json: nullopt = full form; otherwise the touched keys.
  std::vector<Violation> check(const std::optional<std::string>& scope_json);

 private:
  struct Impl;
  Impl* impl_;
};

// docs/INVARIANTS.md, generated from the registry.
std::string invariants_markdown();

}  // namespace verdict
