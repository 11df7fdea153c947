// Issue 5 §5 (a): the scoped invariant check of ONE slot costs the same whatever the length of the
// slot's journal. Target: flat within ±25 % from 10^3 to 10^6 movements in the slot.
//
// Each size gets a database of its own: a shop with one batch at one location, whose first receipt
// goes through the domain and whose other journal rows are bulk-loaded as the administrator (one
// INSERT … SELECT generate_series, foreign-key triggers off) with a correct running balance and the
// matching on_hand row, then VACUUM ANALYZE. The full check must find nothing before timing starts.
// The scope is what a fulfil at the slot touches: its batch, its location and the slot's latest
// movement (no audit link; step_bench.cpp measures the whole step).
//
// BM_ScopedCheckOneSlot reports the median check per size and, over the sizes measured so far in
// this run, max/min of those medians. BM_ScopedCheckPerInvariant times each selected invariant's
// scoped query on its own (prepared, like the checker's; median of per_invariant_repeats) to say
// which one grows; with VERDICT_BENCH_EXPLAIN_DIR set it also writes the plans there
// (scoped_check_<rows>.txt: each invariant alone and the checker's statement).

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>

#include "support.hpp"
#include "verdict/invariants.hpp"
#include "verdict/steps.hpp"

namespace {
using bench::json;
using Clock = std::chrono::steady_clock;

constexpr int warmup_checks = 20;  // past the plan cache's five custom plans, and a warm buffer cache
constexpr int per_invariant_repeats = 20;

// One slot with `movement_count` journal rows, its database kept for the whole run (building the
// 10^6 one takes seconds).
struct Slot {
  std::unique_ptr<bench::Shop> shop;
  long long batch_id = 0, location_id = 0, latest_movement_id = 0;
  std::string scope;
};

// Odd rows receive 2, even rows fulfil 1: the balance after row i is 2⌈i/2⌉ − ⌊i/2⌋ ≥ 1.
Slot build_slot(long long movement_count) {
  Slot s;
  s.shop = std::make_unique<bench::Shop>();
  json first = s.shop->receive("B1", "WH1", "2");  // row 1, through the domain: creates the batch
  s.batch_id = first["batch_id"];
  s.location_id = first["location_id"];
  const std::string admin = s.shop->database().admin_conninfo();
  verdict::db::exec_admin(
      admin,
      fmt::format("SET session_replication_role = replica;\n"
                  "INSERT INTO movements (tenant_id, kind, batch_id, location_id, qty, balance_after, mutation_id, "
                  "actor, as_of) "
                  "SELECT '{0}', CASE WHEN i % 2 = 1 THEN 'receive' ELSE 'fulfill' END, {1}, {2}, "
                  "CASE WHEN i % 2 = 1 THEN 2 ELSE -1 END, 2 * ((i + 1) / 2) - i / 2, 'bulk-' || i, 'bulk', '{3}' "
                  "FROM generate_series(2, {4}) i ORDER BY i;\n"
                  "UPDATE on_hand SET qty = 2 * (({4} + 1) / 2) - {4} / 2, version = {4} "
                  "WHERE batch_id = {1} AND location_id = {2};",
                  bench::tenant, s.batch_id, s.location_id, bench::as_of, movement_count));
  // VACUUM runs outside a transaction block: one statement per call.
  verdict::db::exec_admin(admin, "VACUUM ANALYZE movements");
  verdict::db::exec_admin(admin, "VACUUM ANALYZE on_hand");
  auto latest = json::parse(verdict::db::query_rows_json(
      admin, fmt::format("SELECT max(movement_id) AS id, count(*) AS n FROM movements WHERE batch_id = {} "
                         "AND location_id = {}",
                         s.batch_id, s.location_id)));
  s.latest_movement_id = std::stoll(latest[0]["id"].get<std::string>());
  if (std::stoll(latest[0]["n"].get<std::string>()) != movement_count)
    throw std::runtime_error("bulk load: wrong number of movements in the slot");
  s.scope = json{{"inventory.batch", {s.batch_id}},
                 {"inventory.location", {s.location_id}},
                 {"inventory.movement", {s.latest_movement_id}}}
                .dump();
  verdict::InvariantChecker checker(admin);
  auto full = checker.check(std::nullopt);
  if (!full.empty()) throw std::runtime_error("bulk-loaded history breaks: " + verdict::describe_violations(full));
  return s;
}

Slot& slot(long long movement_count) {
  bench::run_context();  // constructed first, so destroyed after the databases below
  static std::map<long long, Slot> slots;
  auto it = slots.find(movement_count);
  if (it == slots.end()) it = slots.emplace(movement_count, build_slot(movement_count)).first;
  return it->second;
}

std::map<long long, double>& medians_us() {
  static std::map<long long, double> medians;
  return medians;
}

void BM_ScopedCheckOneSlot(benchmark::State& state) {
  Slot* s = nullptr;
  try {
    s = &slot(state.range(0));
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  verdict::InvariantChecker checker(s->shop->database().admin_conninfo());
  for (int i = 0; i < warmup_checks; ++i) checker.check(s->scope);
  std::vector<double> samples;
  std::size_t violations = 0;
  for (auto _ : state) {
    auto started = Clock::now();
    violations += checker.check(s->scope).size();
    samples.push_back(std::chrono::duration<double, std::micro>(Clock::now() - started).count());
  }
  if (violations != 0) state.SkipWithError("the scoped check found violations in a clean history");
  double m = bench::median(samples);
  medians_us()[state.range(0)] = m;
  auto [lo, hi] = std::minmax_element(medians_us().begin(), medians_us().end(),
                                      [](const auto& a, const auto& b) { return a.second < b.second; });
  state.counters["journal_rows"] = static_cast<double>(state.range(0));
  state.counters["median_us"] = m;
  state.counters["p90_us"] = bench::percentile(samples, 90);
  state.counters["max_over_min"] = hi->second / lo->second;  // over the sizes measured so far
}
BENCHMARK(BM_ScopedCheckOneSlot)->Arg(1'000)->Arg(10'000)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMicrosecond);

void BM_ScopedCheckPerInvariant(benchmark::State& state) {
  Slot* s = nullptr;
  try {
    s = &slot(state.range(0));
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  const std::string admin = s->shop->database().admin_conninfo();
  std::vector<std::pair<std::string, double>> times;
  for (auto _ : state) {
    try {
      times = bench::time_invariants(admin, s->scope, per_invariant_repeats);
    } catch (const std::exception& e) {
      state.SkipWithError(e.what());
      return;
    }
  }
  state.counters["journal_rows"] = static_cast<double>(state.range(0));
  for (const auto& [id, us] : times) state.counters[id + "_us"] = us;
  if (auto dir = bench::explain_dir())
    bench::write_explain(admin, s->scope, fmt::format("{}/scoped_check_{}.txt", *dir, state.range(0)));
}
BENCHMARK(BM_ScopedCheckPerInvariant)
    ->Iterations(1)
    ->Arg(1'000)
    ->Arg(10'000)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
