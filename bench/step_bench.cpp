// Issue 5 §5 (b), (c), (d): what a checked step costs, against the mutation alone and against
// pgbench on the same embedded cluster in the same run.
//
//   (b) BM_StepVsMutation: a fulfil through the step engine (Session::execute, then the scoped
//       invariants of what it touched, no full check) against the same fulfil alone, alternating on
//       one connection and one slot. Target: step / mutation ≤ 2.
//   (c) BM_SequentialStepsVsPgbench: a long fixture-like sequence of receive / fulfil / transfer
//       steps through StepEngine with its default full check every 10 steps, in steps/s, against
//       pgbench tpcb-like with 1 client (run before and after; their mean). Target: ≥ 0.5.
//   (d) BM_HotBatchVsPgbench: concurrency/hot_batch.cpp's workload (8 connections on one batch at one
//       location: every fourth receives 1, the others fulfil 1–3) for pgbench_duration_s, in ops/s,
//       against pgbench with 8 clients. No target.
// Each runs once (Iterations(1)); the figures are the counters. Ratios are taken within one run so
// that other load on the machine weighs on both sides alike.

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <limits>
#include <memory>
#include <random>
#include <thread>

#include "support.hpp"
#include "verdict/invariants.hpp"
#include "verdict/steps.hpp"

namespace {
using bench::json;
using Clock = std::chrono::steady_clock;

double elapsed_us(Clock::time_point since) {
  return std::chrono::duration<double, std::micro>(Clock::now() - since).count();
}

json slot_args(const std::string& batch, const std::string& location, const std::string& qty) {
  return {{"sku", bench::sku}, {"batch", batch}, {"location", location}, {"qty", qty}};
}

// (b) --------------------------------------------------------------------------------------------

constexpr int step_warmup = 20;

void BM_StepVsMutation(benchmark::State& state) {
  bench::Shop shop;
  shop.receive("B1", "WH1", "1000000");
  auto connection = verdict::system_under_test().connect(shop.database().app_conninfo());
  verdict::InvariantChecker checker(shop.database().admin_conninfo());
  // No full check: the step is the mutation and its scoped invariants.
  verdict::StepEngine engine(*connection, checker, std::numeric_limits<int>::max());
  const auto fulfil = bench::command("inventory.fulfill", slot_args("B1", "WH1", "0.0001"));
  std::vector<double> mutation_us, step_us;
  auto once = [&](bool record) {
    auto started = Clock::now();
    auto alone = connection->execute(fulfil);
    double mutation = elapsed_us(started);
    started = Clock::now();
    auto step = engine.execute(fulfil);
    double checked = elapsed_us(started);
    if (alone.status != verdict::OutcomeStatus::ok || step.outcome.status != verdict::OutcomeStatus::ok)
      throw std::runtime_error("a fulfil failed: " + alone.message + step.outcome.message);
    if (!step.violations.empty()) throw std::runtime_error(verdict::describe_violations(step.violations));
    if (record) {
      mutation_us.push_back(mutation);
      step_us.push_back(checked);
    }
  };
  try {
    for (int i = 0; i < step_warmup; ++i) once(false);
    for (auto _ : state) once(true);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  double mutation = bench::median(mutation_us), step = bench::median(step_us);
  state.counters["mutation_us"] = mutation;
  state.counters["step_us"] = step;
  state.counters["check_us"] = step - mutation;
  state.counters["step_over_mutation"] = step / mutation;
}
BENCHMARK(BM_StepVsMutation)->Unit(benchmark::kMicrosecond)->MinTime(2.0);

// (c) --------------------------------------------------------------------------------------------

constexpr int sequence_batches = 3;
constexpr int sequence_locations = 3;
constexpr std::uint64_t sequence_seed = 1;
constexpr int full_form_repeats = 5;

// A fixture-like mix over 3 batches × 3 locations: 40 % receive, 40 % fulfil, 20 % transfer, 1–5
// units each. A fulfil or transfer the slot cannot cover is refused (INSUFFICIENT_STOCK): a step too,
// as in fixtures that expect an error.
verdict::Command next_step(std::mt19937_64& rng) {
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); };
  std::string batch = fmt::format("B{}", pick(sequence_batches) + 1);
  int from = pick(sequence_locations);
  std::string location = fmt::format("WH{}", from + 1);
  std::string qty = std::to_string(pick(5) + 1);
  int kind = pick(10);
  if (kind < 4) return bench::command("inventory.receive", slot_args(batch, location, qty));
  if (kind < 8) return bench::command("inventory.fulfill", slot_args(batch, location, qty));
  json args{{"sku", bench::sku},
            {"batch", batch},
            {"from", location},
            {"to", fmt::format("WH{}", (from + 1 + pick(sequence_locations - 1)) % sequence_locations + 1)},
            {"qty", qty}};
  return bench::command("inventory.transfer", args);
}

// A fresh shop for the sequence: every batch received at every location.
std::unique_ptr<bench::Shop> sequence_shop() {
  auto shop = std::make_unique<bench::Shop>(std::vector<std::string>{"WH1", "WH2", "WH3"});
  for (int b = 1; b <= sequence_batches; ++b)
    for (int l = 1; l <= sequence_locations; ++l) shop->receive(fmt::format("B{}", b), fmt::format("WH{}", l), "100");
  return shop;
}

// INSUFFICIENT_STOCK is an outcome the sequence expects; anything else is a defect.
void expect_expected(const verdict::StepOutcome& o, int step) {
  if (o.status == verdict::OutcomeStatus::unknown ||
      (o.status == verdict::OutcomeStatus::error && o.code != "INSUFFICIENT_STOCK"))
    throw std::runtime_error(fmt::format("step {}: {} {}", step, o.code, o.message));
}

struct SequenceRun {
  double seconds = 0;
  std::vector<double> latencies_us;  // per step, in order
  int refused = 0;
  std::string last_scope;  // the touched keys of the last step
};

// The sequence through the step engine (scoped check every step, full every full_every_default).
SequenceRun run_steps(bench::Shop& shop, int step_count) {
  auto connection = verdict::system_under_test().connect(shop.database().app_conninfo());
  verdict::InvariantChecker checker(shop.database().admin_conninfo());
  verdict::StepEngine engine(*connection, checker);
  std::mt19937_64 rng(sequence_seed);
  SequenceRun run;
  auto started = Clock::now();
  for (int i = 1; i <= step_count; ++i) {
    auto step_started = Clock::now();
    auto record = engine.execute(next_step(rng));
    run.latencies_us.push_back(elapsed_us(step_started));
    if (!record.violations.empty()) throw std::runtime_error(verdict::describe_violations(record.violations));
    expect_expected(record.outcome, i);
    run.refused += record.outcome.status == verdict::OutcomeStatus::error;
    run.last_scope = record.outcome.touched_json;
  }
  run.seconds = elapsed_us(started) / 1e6;
  return run;
}

// The same sequence, mutations only (no invariant check): the ceiling the step engine works under.
SequenceRun run_mutations(bench::Shop& shop, int step_count) {
  auto connection = verdict::system_under_test().connect(shop.database().app_conninfo());
  std::mt19937_64 rng(sequence_seed);
  SequenceRun run;
  auto started = Clock::now();
  for (int i = 1; i <= step_count; ++i) {
    auto step_started = Clock::now();
    auto o = connection->execute(next_step(rng));
    run.latencies_us.push_back(elapsed_us(step_started));
    expect_expected(o, i);
    run.refused += o.status == verdict::OutcomeStatus::error;
  }
  run.seconds = elapsed_us(started) / 1e6;
  return run;
}

// Which steps of a sequence a mean is taken over: the engine runs the full check after step i (1-based)
// when i is a multiple of full_every_default.
enum class Steps { all, without_full_check, with_full_check };

// Mean of latencies_us over steps [from, to) (0-based) of the given sort.
double mean_us(const std::vector<double>& latencies_us, std::size_t from, std::size_t to, Steps which) {
  double sum = 0;
  std::size_t count = 0;
  for (std::size_t i = from; i < to; ++i) {
    bool full = (i + 1) % verdict::StepEngine::full_every_default == 0;
    if ((which == Steps::with_full_check && !full) || (which == Steps::without_full_check && full)) continue;
    sum += latencies_us[i];
    ++count;
  }
  return count ? sum / static_cast<double>(count) : 0;
}

void BM_SequentialStepsVsPgbench(benchmark::State& state) {
  const int step_count = static_cast<int>(state.range(0));
  const std::size_t n = static_cast<std::size_t>(step_count);
  for (auto _ : state) {
    try {
      auto pgbench_before = bench::run_pgbench(1);
      auto checked_shop = sequence_shop();
      auto steps = run_steps(*checked_shop, step_count);
      state.SetIterationTime(steps.seconds);
      auto mutation_shop = sequence_shop();
      auto mutations = run_mutations(*mutation_shop, step_count);
      auto pgbench_after = bench::run_pgbench(1);
      if (steps.refused != mutations.refused) throw std::runtime_error("the two runs of the sequence differ");
      double pgbench_tps = (pgbench_before.tps + pgbench_after.tps) / 2;

      state.counters["steps"] = step_count;
      state.counters["refused"] = steps.refused;
      state.counters["steps_per_s"] = step_count / steps.seconds;
      state.counters["mutations_per_s"] = step_count / mutations.seconds;
      state.counters["pgbench_tps_before"] = pgbench_before.tps;
      state.counters["pgbench_tps_after"] = pgbench_after.tps;
      state.counters["steps_over_pgbench"] = step_count / steps.seconds / pgbench_tps;
      state.counters["mutations_over_pgbench"] = step_count / mutations.seconds / pgbench_tps;
      // Where a step's time goes (means, so that they add up): the mutation; the scoped check (a
      // step without a full check, minus its mutation); the full check (a step with one, minus a
      // step without), in the first and the last tenth of the sequence.
      using enum Steps;
      const auto& checked = steps.latencies_us;
      const auto& unchecked = mutations.latencies_us;
      state.counters["mutation_us"] = mean_us(unchecked, 0, n, all);
      state.counters["scoped_check_us"] =
          mean_us(checked, 0, n, without_full_check) - mean_us(unchecked, 0, n, without_full_check);
      state.counters["full_check_us_first_tenth"] =
          mean_us(checked, 0, n / 10, with_full_check) - mean_us(checked, 0, n / 10, without_full_check);
      state.counters["full_check_us_last_tenth"] =
          mean_us(checked, n - n / 10, n, with_full_check) - mean_us(checked, n - n / 10, n, without_full_check);
      // Each invariant's full form on the final state, alone (what the full check is made of).
      const std::string admin = checked_shop->database().admin_conninfo();
      for (const auto& [id, us] : bench::time_invariants(admin, std::nullopt, full_form_repeats))
        state.counters["full_" + id + "_us"] = us;
      if (auto dir = bench::explain_dir()) {
        bench::write_explain(admin, steps.last_scope, *dir + "/sequence_scoped.txt");
        bench::write_explain(admin, std::nullopt, *dir + "/sequence_full.txt");
      }
    } catch (const std::exception& e) {
      state.SkipWithError(e.what());
      return;
    }
  }
}
BENCHMARK(BM_SequentialStepsVsPgbench)->Arg(5'000)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);

// (d) --------------------------------------------------------------------------------------------

constexpr int hot_thread_count = 8;
constexpr int hot_initial_stock = 20;
constexpr int hot_fulfil_qty_max = 3;

struct HotCounts {
  std::atomic<std::int64_t> ok{0}, refused{0}, other{0}, attempts{0};
};

void hot_worker(verdict::SystemConnection& connection, int thread, Clock::time_point deadline, std::latch& start,
                HotCounts& counts) {
  std::mt19937_64 rng(static_cast<std::uint64_t>(thread) + 1);
  const bool receiver = thread % 4 == 0;
  start.arrive_and_wait();
  while (Clock::now() < deadline) {
    int qty = receiver ? 1 : static_cast<int>(rng() % hot_fulfil_qty_max) + 1;
    auto o = connection.execute(bench::command(receiver ? "inventory.receive" : "inventory.fulfill",
                                               slot_args("B1", "WH1", std::to_string(qty))));
    counts.attempts += std::max(o.attempts, 1);
    if (o.status == verdict::OutcomeStatus::ok)
      ++counts.ok;
    else if (o.code == "INSUFFICIENT_STOCK")
      ++counts.refused;
    else
      ++counts.other;
  }
}

void BM_HotBatchVsPgbench(benchmark::State& state) {
  for (auto _ : state) {
    try {
      auto pgbench_before = bench::run_pgbench(hot_thread_count);
      bench::Shop shop;
      shop.receive("B1", "WH1", std::to_string(hot_initial_stock));
      std::vector<std::unique_ptr<verdict::SystemConnection>> connections;
      for (int t = 0; t < hot_thread_count; ++t)
        connections.push_back(verdict::system_under_test().connect(shop.database().app_conninfo()));
      HotCounts counts;
      std::latch start(hot_thread_count + 1);
      auto deadline = Clock::now() + std::chrono::seconds(bench::pgbench_duration_s);
      std::vector<std::thread> threads;
      for (int t = 0; t < hot_thread_count; ++t)
        threads.emplace_back(hot_worker, std::ref(*connections[t]), t, deadline, std::ref(start), std::ref(counts));
      auto started = Clock::now();
      start.arrive_and_wait();
      for (auto& th : threads) th.join();
      double seconds = elapsed_us(started) / 1e6;
      state.SetIterationTime(seconds);
      verdict::InvariantChecker checker(shop.database().admin_conninfo());
      auto violations = checker.check(std::nullopt);
      if (!violations.empty()) throw std::runtime_error(verdict::describe_violations(violations));
      if (counts.other != 0) throw std::runtime_error(fmt::format("{} operations failed", counts.other.load()));
      auto pgbench_after = bench::run_pgbench(hot_thread_count);
      double ops = static_cast<double>(counts.ok + counts.refused);
      double pgbench_tps = (pgbench_before.tps + pgbench_after.tps) / 2;
      state.counters["threads"] = hot_thread_count;
      state.counters["ops_per_s"] = ops / seconds;
      state.counters["ok_per_s"] = static_cast<double>(counts.ok) / seconds;
      state.counters["refused_share"] = static_cast<double>(counts.refused) / ops;
      state.counters["attempts_per_op"] = static_cast<double>(counts.attempts) / ops;
      state.counters["pgbench_tps_before"] = pgbench_before.tps;
      state.counters["pgbench_tps_after"] = pgbench_after.tps;
      state.counters["ops_over_pgbench"] = ops / seconds / pgbench_tps;
    } catch (const std::exception& e) {
      state.SkipWithError(e.what());
      return;
    }
  }
}
BENCHMARK(BM_HotBatchVsPgbench)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace
