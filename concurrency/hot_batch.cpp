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
//   4. both outcomes happened (at least one fulfil succeeded, at least one was refused), so the
//      run really exercised the contention it claims to;
//   5. no operation failed in another way (no fault is injected here: INTERNAL, contention give-ups
//      or unknown outcomes are defects);
//   6. every invariant holds in full.

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
    f.replay = fmt::format("{} stress --workload hot_batch --seed {} --threads {} --ops {}", verdict::replay_prefix(),
                           p.seed, p.threads, p.ops_per_thread);
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
    suite.error = "hot_batch needs at least 2 threads";
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

  std::vector<std::unique_ptr<verdict::SystemConnection>> connections;
  for (int t = 0; t < params.threads; ++t) connections.push_back(system.connect(database->app_conninfo()));
  std::mutex history_mutex;
  std::vector<Event> history;  // GUARDED_BY(history_mutex)
  std::atomic<bool> deadline_hit{false};
  std::latch start(params.threads);
  auto deadline = Clock::now() + std::chrono::milliseconds(params.deadline_ms);
  std::vector<std::thread> threads;
  for (int t = 0; t < params.threads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(params.seed * 1000003 + static_cast<std::uint64_t>(t));
      bool receiver = t % 4 == 0;
      std::vector<Event> mine;
      verdict::SuiteStats my_stats;
      start.arrive_and_wait();
      for (int i = 0; i < params.ops_per_thread; ++i) {
        if (Clock::now() > deadline) {
          deadline_hit = true;
          break;
        }
        Event e;
        e.thread = t;
        e.kind = receiver ? "receive" : "fulfill";
        e.qty = receiver ? 1 : static_cast<int>(rng() % fulfil_qty_max) + 1;
        json args{{"sku", "HOT"}, {"batch", "B1"}, {"location", "WH1"}, {"qty", std::to_string(e.qty)}};
        auto invoked = Clock::now();
        try {
          auto o = connections[t]->execute(command(receiver ? "inventory.receive" : "inventory.fulfill", args));
          my_stats.record(std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - invoked).count(),
                          std::max(o.attempts, 1));
          e.status = o.status;
          e.code = o.code;
          if (o.status == verdict::OutcomeStatus::ok)
            e.movement_id = json::parse(o.values_json).value("movement_id", 0LL);
        } catch (const std::exception& ex) {
          // The system must answer with an outcome; an exception is recorded as a defect (law 5).
          e.status = verdict::OutcomeStatus::error;
          e.code = std::string("EXCEPTION: ") + ex.what();
        }
        mine.push_back(e);
      }
      std::lock_guard lock(history_mutex);
      history.insert(history.end(), mine.begin(), mine.end());
      suite.stats.merge(my_stats);
    });
  }
  for (auto& th : threads) th.join();
  if (deadline_hit) {
    suite.error = fmt::format("the workload did not finish within {} ms", params.deadline_ms);
    return suite;
  }

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
      law("contention was real: fulfils both succeeded and were refused", fulfil_ok > 0 && fulfil_refused > 0,
          fmt::format("{} fulfils succeeded, {} refused with INSUFFICIENT_STOCK", fulfil_ok, fulfil_refused), params));
  suite.cases.push_back(
      law("no operation failed otherwise", other_errors.empty() && unknown == 0,
          fmt::format("other errors by code: {}; unknown outcomes: {}", json(other_errors).dump(), unknown), params));
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
