// Benchmarks, run on demand:
//   cmake --preset bench && cmake --build --preset bench && ./out/build/bench/bench/verdict_bench
// They measure what the harness's speed rests on: cloning a scratch database from the migrated
// template (every test, every property case), one mutation through the critical wrapper, the
// scoped and full invariant checks after a step, and decimal parsing.

#include <benchmark/benchmark.h>

#include <memory>

#include "sut/decimal.hpp"
#include "sut/inventory.hpp"
#include "verdict/invariants.hpp"
#include "verdict/runtime.hpp"

namespace {

verdict::RunContext& context() {
  static verdict::RunContext c("");
  return c;
}

void BM_CloneScratchDatabase(benchmark::State& state) {
  for (auto _ : state) {
    auto db = context().new_database("bench");
    benchmark::DoNotOptimize(db->name());
  }
}
BENCHMARK(BM_CloneScratchDatabase)->Unit(benchmark::kMillisecond);

struct Stocked {
  std::unique_ptr<verdict::db::ScratchDatabase> db = context().new_database("bench");
  sut::Session session{db->app_conninfo()};
  sut::RequestContext c{"acme", "bench", "2026-01-01T00:00:00Z", ""};
  Stocked() {
    sut::inventory::add_product(session, c, {"SKU-1", "Widget"});
    sut::inventory::add_location(session, c, {"WH1"});
    sut::inventory::receive(session, c, {"SKU-1", "B1", "WH1", "1000000", "1"});
  }
};

void BM_FulfillThroughWrapper(benchmark::State& state) {
  Stocked shop;
  for (auto _ : state) {
    auto r = sut::inventory::fulfill(shop.session, shop.c, {"SKU-1", "B1", "WH1", "0.0001"});
    if (!r.outcome.ok()) state.SkipWithError("fulfill failed");
  }
}
BENCHMARK(BM_FulfillThroughWrapper)->Unit(benchmark::kMicrosecond);

void BM_InvariantsScoped(benchmark::State& state) {
  Stocked shop;
  verdict::InvariantChecker checker(shop.db->admin_conninfo());
  for (auto _ : state) benchmark::DoNotOptimize(checker.check(std::string(R"({"batch":[1],"location":[1]})")));
}
BENCHMARK(BM_InvariantsScoped)->Unit(benchmark::kMicrosecond);

void BM_InvariantsFull(benchmark::State& state) {
  Stocked shop;
  for (int i = 0; i < 200; ++i) sut::inventory::fulfill(shop.session, shop.c, {"SKU-1", "B1", "WH1", "1"});
  verdict::InvariantChecker checker(shop.db->admin_conninfo());
  for (auto _ : state) benchmark::DoNotOptimize(checker.check(std::nullopt));
}
BENCHMARK(BM_InvariantsFull)->Unit(benchmark::kMicrosecond);

void BM_ParseQuantity(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(sut::Quantity::parse("123456.7890", "qty"));
}
BENCHMARK(BM_ParseQuantity);

}  // namespace

BENCHMARK_MAIN();
