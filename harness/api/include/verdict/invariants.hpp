#pragma once
// The invariant registry (DESIGN §4 "Invariant"). A system registers its invariants; the harness
// checks them after every step and generates docs/INVARIANTS.md from them.
//
// Each invariant's SQL takes one parameter, `$1::jsonb`: NULL for the full form, or the keys a step
// touched, by module-qualified kind ({"inventory.batch":[1,2],"inventory.movement":[9]}) for the
// scoped form. It returns the violating rows (zero rows = holds), with causality columns
// (batch_id, location_id, movement_id…).
//
// The two forms are chosen by the text `$1::jsonb IS NULL` (true in the full form) and
// `$1::jsonb IS NOT NULL` (true in the scoped form): the checker substitutes them before preparing,
// so each form is planned on its own (write the switch exactly so). In the full form every other
// `$1::jsonb` reads NULL.
//
// Cost contract (issue 5 §5): the scoped form costs O(rows the step changed), never O(history) —
// it checks new rows against their predecessor, not by re-summing; the full form is the
// independent re-summing check. An invariant declares the kinds it reads: after a step only those
// whose kinds were touched run, all in one statement (one round trip).

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
  std::vector<std::string> reads;  // touched-key kinds that can break it, e.g. "inventory.movement"
};

struct Violation {
  std::string invariant_id;
  std::string severity;
  std::string rows_json;      // a JSON array of row objects (values as strings), at most rows_reported_max
  std::size_t row_count = 0;  // every violating row, reported or not
};

// Reports stay readable and bounded whatever the damage: the rows shown per invariant.
inline constexpr std::size_t rows_reported_max = 20;

void register_invariant(Invariant invariant);
// Sorted by id. REQUIRES: ids unique (checked at registration).
const std::vector<Invariant>& invariants();

// The role whose members see every tenant's rows (the schema owner): the checker refuses a
// connection that is neither a superuser, nor BYPASSRLS, nor a member of it.
inline constexpr const char* invariant_reader_role = "verdict_owner";

// Checks invariants over one connection (kept open between checks). Connect as a role that sees
// every tenant's rows (the owner or the administrator); the constructor throws otherwise.
class InvariantChecker {
 public:
  explicit InvariantChecker(const std::string& conninfo);
  ~InvariantChecker();
  InvariantChecker(const InvariantChecker&) = delete;
  InvariantChecker& operator=(const InvariantChecker&) = delete;

  // scope_json: nullopt = full form of every invariant; otherwise the touched keys, and only the
  // invariants that read a touched kind run. One statement either way, prepared once per
  // connection and kind set.
  std::vector<Violation> check(const std::optional<std::string>& scope_json);
  std::vector<Violation> check_ids(const std::vector<std::string>& ids);  // full form of these only

 private:
  struct Impl;
  Impl* impl_;
};

// docs/INVARIANTS.md, generated from the registry.
std::string invariants_markdown();

}  // namespace verdict
