// Benchmarks, run on demand (docs/PERFORMANCE.md has the figures and the commands):
//   cmake --preset bench && cmake --build --preset bench && ./out/build/bench/bench/verdict_bench
// This unit measures what the harness's speed rests on: cloning a scratch database from the migrated
// template (every test, every property case), one mutation through the critical wrapper, the scoped
// and full invariant checks after a step, and decimal parsing. The targets of issue 5 §5 are in
// scoped_check_bench.cpp (a) and step_bench.cpp (b, c, d).

#include <benchmark/benchmark.h>

#include <memory>

#include "support.hpp"
#include "sut/decimal.hpp"
#include "verdict/invariants.hpp"

namespace {
using bench::json;

void BM_CloneScratchDatabase(benchmark::State& state) {
  for (auto _ : state) {
    auto db = bench::run_context().new_database("bench");
    benchmark::DoNotOptimize(db->name());
  }
}
BENCHMARK(BM_CloneScratchDatabase)->Unit(benchmark::kMillisecond);

// A shop with one batch at WH1 holding a million units: enough for every fulfil below.
struct Stocked {
  bench::Shop shop;
  json received = shop.receive("B1", "WH1", "1000000");
  sut::Executed fulfill(const std::string& qty) {
    return shop.run("inventory.fulfill", {{"sku", bench::sku}, {"batch", "B1"}, {"location", "WH1"}, {"qty", qty}});
  }
  // What a fulfil at the slot touches (without its audit link).
  std::string scope(long long movement_id) const {
    return json{{"inventory.batch", {received["batch_id"]}},
                {"inventory.location", {received["location_id"]}},
                {"inventory.movement", {movement_id}}}
        .dump();
  }
};

void BM_FulfillThroughWrapper(benchmark::State& state) {
  Stocked stocked;
  for (auto _ : state) {
    auto r = stocked.fulfill("0.0001");
    if (r.kind != sut::Executed::Kind::ok) state.SkipWithError("fulfill failed");
  }
}
BENCHMARK(BM_FulfillThroughWrapper)->Unit(benchmark::kMicrosecond);

void BM_InvariantsScoped(benchmark::State& state) {
  Stocked stocked;
  verdict::InvariantChecker checker(stocked.shop.database().admin_conninfo());
  const std::string scope = stocked.scope(stocked.received["movement_id"]);
  for (auto _ : state) benchmark::DoNotOptimize(checker.check(scope));
}
BENCHMARK(BM_InvariantsScoped)->Unit(benchmark::kMicrosecond);

void BM_InvariantsFull(benchmark::State& state) {
  Stocked stocked;
  for (int i = 0; i < 200; ++i) bench::must(stocked.fulfill("1"), "fulfill 1");
  verdict::InvariantChecker checker(stocked.shop.database().admin_conninfo());
  for (auto _ : state) benchmark::DoNotOptimize(checker.check(std::nullopt));
}
BENCHMARK(BM_InvariantsFull)->Unit(benchmark::kMicrosecond);

void BM_ParseQuantity(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(sut::Quantity::parse("123456.7890", "qty"));
}
BENCHMARK(BM_ParseQuantity);

}  // namespace

BENCHMARK_MAIN();
