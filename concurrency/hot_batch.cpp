// Stress workload "hot_batch".
//
// Model: one batch at one location is hot. `thread_count` clients, each with its own connection,
// hammer it at once: every fourth client receives 1 unit per operation, the others fulfil 1–3 units.
// Demand exceeds supply, so some fulfils must be refused with INSUFFICIENT_STOCK.
//
// Laws checked on the recorded history and the journal afterwards:
//   1. no oversell, ever: replaying the journal of the slot in movement order, the running balance
//      never goes below zero (ids are taken under the slot's row lock, so id order is commit order);
//   2. every movement acknowledged to a client is in the journal, with its kind and quantity
//      (no lost write), and no two clients were acknowledged the same movement;
//   3. the journal holds no movement that no client was told about, beyond one per `unknown`
//      outcome (no phantom or doubled effect);
//   4. no operation failed in another way (no fault is injected here: INTERNAL, contention give-ups
//      or unknown outcomes are defects);
//   5. every invariant holds in full.
// Preconditions (their absence is an error of the run, naming what to raise, never a failure of the
// system): operations really overlapped (at least two in flight at once, measured from the
// history), and both outcomes of a contended fulfil happened.
//
// Bounds: thread_count = --threads, ops_per_thread_max = --ops, deadline_ms = --deadline-ms; every
// connection has the toolkit's lock_timeout and statement_timeout. The history of every operation
// is saved as <run dir>/history-hot_batch.jsonl.

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "verdict/invariants.hpp"
#include "verdict/steps.hpp"
#include "verdict/stress.hpp"
#include "verdict/suites.hpp"

namespace {
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr const char* tenant = "acme";
constexpr int initial_stock = 20;
constexpr int fulfil_qty_max = 3;

struct Event {
  int thread = 0;
  std::string kind;  // receive | fulfill
  int qty = 0;
  verdict::OutcomeStatus status = verdict::OutcomeStatus::error;
  std::string code;
  long long movement_id = 0;
};

verdict::Command command(const std::string& name, json args) {
  verdict::Command c;
  c.name = name;
  c.tenant = tenant;
  c.actor = "stress";
  c.as_of = "2026-01-01T00:00:00Z";
  c.args_json = args.dump();
  return c;
}

verdict::CaseResult law(const std::string& name, bool holds, const std::string& detail, const verdict::StressParams& p,
                        const std::string& rows = "") {
  verdict::CaseResult c;
  c.name = name;
  c.status = holds ? verdict::Status::pass : verdict::Status::fail;
  c.detail = detail;
  if (!holds) {
    verdict::Finding f;
    f.suite = "stress:hot_batch";
    f.case_name = name;
    f.message = detail;
    f.rows_json = rows;
    f.seed = std::to_string(p.seed);
    f.replay = verdict::stress::replay_line("hot_batch", p);
    c.finding = f;
  }
  return c;
}

verdict::SuiteResult run_hot_batch(const verdict::RunContext& context, const verdict::StressParams& params) {
  verdict::SuiteResult suite;
  suite.name = "stress:hot_batch";
  suite.kind = "stress";
  suite.seed = std::to_string(params.seed);
  if (params.threads < 2) {
    suite.error = "hot_batch needs at least 2 threads (--threads) to have any contention";
    return suite;
  }
  auto database = context.new_database("stress");
  long long setup_movement_id = 0;
  const auto& system = verdict::system_under_test();
  {
    auto setup = system.connect(database->app_conninfo());
    for (const auto& [name, args] :
         std::vector<std::pair<std::string, json>>{{"access.create_tenant", json::object()},
                                                   {"inventory.add_product", {{"sku", "HOT"}, {"name", "Hot item"}}},
                                                   {"inventory.add_location", {{"location", "WH1"}}},
                                                   {"inventory.receive",
                                                    {{"sku", "HOT"},
                                                     {"batch", "B1"},
                                                     {"location", "WH1"},
                                                     {"qty", std::to_string(initial_stock)},
                                                     {"unit_cost", "1"}}}}) {
      auto o = setup->execute(command(name, args));
      if (o.status != verdict::OutcomeStatus::ok) {
        suite.error = fmt::format("set-up step {} failed: {} {}", name, o.code, o.message);
        return suite;
      }
      if (name == "inventory.receive") setup_movement_id = json::parse(o.values_json).value("movement_id", 0LL);
    }
  }

  // Every fourth worker receives 1 unit per operation; the others fulfil 1-3 units.
  auto next = [](int worker, int, std::mt19937_64& rng) -> std::optional<verdict::Command> {
    bool receiver = worker % 4 == 0;
    int qty = receiver ? 1 : static_cast<int>(rng() % fulfil_qty_max) + 1;
    json args{{"sku", "HOT"}, {"batch", "B1"}, {"location", "WH1"}, {"qty", std::to_string(qty)}};
    return command(receiver ? "inventory.receive" : "inventory.fulfill", args);
  };
  auto run = verdict::stress::run_workers(context, "hot_batch", database->app_conninfo(), database->admin_conninfo(),
                                          params, next, suite.stats);
  if (run.deadline_hit) {
    suite.error = fmt::format("the workload did not finish within {} ms (raise --deadline-ms, or lower --ops)",
                              params.deadline_ms);
    return suite;
  }
  std::vector<Event> history;
  for (const auto& op : run.operations) {
    Event e;
    e.thread = op.worker;
    e.kind = op.command.name == "inventory.receive" ? "receive" : "fulfill";
    e.qty = std::stoi(json::parse(op.command.args_json)["qty"].get<std::string>());
    e.status = op.outcome.status;
    e.code = op.exception.empty() ? op.outcome.code : "EXCEPTION: " + op.exception;
    if (op.outcome.status == verdict::OutcomeStatus::ok)
      e.movement_id = json::parse(op.outcome.values_json).value("movement_id", 0LL);
    history.push_back(e);
  }
  const int overlap = verdict::stress::max_in_flight(run.operations);

  int fulfil_ok = 0, fulfil_refused = 0, unknown = 0;
  std::map<std::string, int> other_errors;                        // code -> count
  std::map<long long, std::pair<std::string, int>> acknowledged;  // movement id -> (kind, qty)
  std::vector<long long> acknowledged_twice;
  for (const auto& e : history) {
    if (e.status == verdict::OutcomeStatus::unknown) ++unknown;
    if (e.status == verdict::OutcomeStatus::error) {
      if (e.kind == "fulfill" && e.code == "INSUFFICIENT_STOCK")
        ++fulfil_refused;
      else
        ++other_errors[e.code];
    }
    if (e.status != verdict::OutcomeStatus::ok) continue;
    if (e.kind == "fulfill") ++fulfil_ok;
    if (!acknowledged.emplace(e.movement_id, std::make_pair(e.kind, e.qty)).second)
      acknowledged_twice.push_back(e.movement_id);
  }

  std::string admin = database->admin_conninfo();
  // Law 1, in the journal itself: the query returns no rows when the law holds.
  std::string negative = verdict::db::query_rows_json(admin, R"(
    SELECT movement_id, batch_id, location_id, running_qty FROM (
      SELECT movement_id, batch_id, location_id,
             sum(qty) OVER (PARTITION BY batch_id, location_id ORDER BY movement_id) AS running_qty
      FROM movements) replay
    WHERE running_qty < 0 ORDER BY movement_id LIMIT 20)");
  suite.cases.push_back(law("no oversell: the journal's running balance never goes below zero", negative == "[]",
                            "movements after which the replayed balance was negative: " + negative, params, negative));

  // Laws 2 and 3: the acknowledged movements and the journal's movements are the same set.
  std::map<long long, std::pair<std::string, int>> journal;
  for (const auto& row : json::parse(
           verdict::db::query_rows_json(admin, "SELECT movement_id, kind, abs(qty)::int AS qty FROM movements"))) {
    journal[std::stoll(row["movement_id"].get<std::string>())] = {row["kind"].get<std::string>(),
                                                                  std::stoi(row["qty"].get<std::string>())};
  }
  std::vector<long long> lost, phantom;
  for (const auto& [id, entry] : acknowledged)
    if (!journal.count(id) || journal[id] != entry) lost.push_back(id);
  for (const auto& [id, entry] : journal)
    if (!acknowledged.count(id) && id != setup_movement_id) phantom.push_back(id);
  suite.cases.push_back(law("every acknowledged movement is in the journal, once",
                            lost.empty() && acknowledged_twice.empty(),
                            fmt::format("{} acknowledged; missing or different: {}; acknowledged to two clients: {}",
                                        acknowledged.size(), json(lost).dump(), json(acknowledged_twice).dump()),
                            params, json(lost).dump()));
  suite.cases.push_back(law("no movement in the journal that no client was told about",
                            static_cast<int>(phantom.size()) <= unknown,
                            fmt::format("{} journal movements, {} unacknowledged: {} ({} outcomes unknown)",
                                        journal.size(), phantom.size(), json(phantom).dump(), unknown),
                            params, json(phantom).dump()));
  suite.cases.push_back(
      law("no operation failed otherwise", other_errors.empty() && unknown == 0,
          fmt::format("other errors by code: {}; unknown outcomes: {}", json(other_errors).dump(), unknown), params));
  // Preconditions, not laws: without real contention the run proves nothing about it. Too little is
  // the harness's problem (error, naming what to raise), never the system's.
  if (overlap < 2) {
    suite.error = fmt::format(
        "too little contention to judge: at most {} operation(s) were in flight at once (raise --threads, now {}, "
        "or --ops, now {})",
        overlap, params.threads, params.ops_per_thread);
  } else if (fulfil_ok == 0 || fulfil_refused == 0) {
    suite.error = fmt::format(
        "the run never reached both outcomes of a contended fulfil ({} succeeded, {} refused with "
        "INSUFFICIENT_STOCK): raise --ops (now {}) so that demand outruns the {} units in stock",
        fulfil_ok, fulfil_refused, params.ops_per_thread, initial_stock);
  }
  suite.cases.front().detail += fmt::format(" (history: {}; at most {} operations in flight)",
                                            run.path.empty() ? "not saved" : verdict::display_path(run.path), overlap);
  verdict::InvariantChecker checker(admin);
  auto violations = checker.check(std::nullopt);
  auto invariants_case = law("every invariant holds", violations.empty(), verdict::describe_violations(violations),
                             params, violations.empty() ? "" : violations.front().rows_json);
  if (!violations.empty()) invariants_case.finding->invariant_id = violations.front().invariant_id;
  suite.cases.push_back(invariants_case);
  return suite;
}

const struct Registrar {
  Registrar() {
    verdict::register_stress_workload(
        {"hot_batch", "many clients fulfil from and receive into one batch at once", run_hot_batch});
  }
} registrar;

}  // namespace
