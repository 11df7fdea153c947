#pragma once
// Shared by the benchmark units: the run context (one embedded cluster per bench process), a small
// shop driven through the registered commands, the step-engine command builder, pgbench on the same
// cluster, and the summary statistics the counters report.

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sut/session.hpp"
#include "verdict/invariants.hpp"
#include "verdict/runtime.hpp"
#include "verdict/server.hpp"
#include "verdict/system.hpp"

namespace bench {
using json = nlohmann::json;

inline constexpr const char* tenant = "acme";
inline constexpr const char* actor = "bench";
inline constexpr const char* as_of = "2026-01-01T00:00:00Z";
inline constexpr const char* sku = "SKU-1";

// Starts the embedded cluster (or attaches DATABASE_URL) on first use, and registers the system's
// invariants (verdict::system_under_test() fills the registry lazily).
verdict::RunContext& run_context();

// The values of a set-up step that must succeed; throws with the step, code and message otherwise.
json must(const sut::Executed& executed, const std::string& step);
json must(const verdict::StepOutcome& outcome, const std::string& step);

// A step-engine command in the bench tenant.
verdict::Command command(const std::string& name, const json& args);

// One tenant ("acme", its actor the admin) with product SKU-1 and the given locations, on a scratch
// database, driven as the application role through sut::Session.
class Shop {
 public:
  explicit Shop(const std::vector<std::string>& locations = {"WH1"});

  verdict::db::ScratchDatabase& database() { return *database_; }
  sut::Session& session() { return session_; }
  sut::Executed run(const std::string& name, const json& args);
  // First receipt of `batch` at `location` (unit cost 1); returns its result values.
  json receive(const std::string& batch, const std::string& location, const std::string& qty);

 private:
  std::unique_ptr<verdict::db::ScratchDatabase> database_;
  sut::Session session_;
  sut::RequestContext context_;
};

// pgbench's built-in tpcb-like script on the bench's own cluster, in a scratch database of its own
// initialised with `pgbench -i` at scale 1 (one branch row: every transaction updates it, so
// concurrent clients queue on one row lock, as the hot batch's do on one on_hand row).
struct PgbenchRun {
  int clients = 0;
  int duration_s = 0;
  double tps = 0;             // the "tps = " line (without initial connection time)
  std::int64_t transactions;  // "number of transactions actually processed"
};
inline constexpr int pgbench_duration_s = 10;
PgbenchRun run_pgbench(int clients, int duration_s = pgbench_duration_s);

// What the checker's cost is made of (invariant_diagnostics.cpp). scope: the touched keys, or
// nullopt for the full form.
//
// The invariants the checker runs for this scope (all of them for the full form).
std::vector<const verdict::Invariant*> selected_invariants(const std::optional<std::string>& scope);
// The checker's one statement for them, as harness/src/invariants.cpp builds it (kept in step with
// wrapped() and combined_sql() there; for EXPLAIN only).
std::string checker_sql(const std::vector<const verdict::Invariant*>& invariants);
// Each selected invariant's own query, prepared and run `repeats` times after a warm-up, in one
// read-only snapshot per round as the checker does: (id, median µs). Throws if one finds a violation.
std::vector<std::pair<std::string, double>> time_invariants(const std::string& conninfo,
                                                            const std::optional<std::string>& scope, int repeats);
// Writes EXPLAIN (ANALYZE, BUFFERS) of each selected invariant and of the checker's statement (its
// first execution, and once the plan cache has seen more than five) to `path`.
void write_explain(const std::string& conninfo, const std::optional<std::string>& scope, const std::string& path);
// $VERDICT_BENCH_EXPLAIN_DIR, or nullopt: where the benchmarks write their EXPLAIN files.
std::optional<std::string> explain_dir();

// Median and nearest-rank percentile of samples (microseconds). REQUIRES: samples non-empty.
double median(std::vector<double> samples);
double percentile(std::vector<double> samples, int p);

}  // namespace bench
