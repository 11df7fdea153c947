#pragma once
// The generic stateful-property runner (issue 5 §6): a suite is a model, a system side, and a
// generator of command sequences; the runner does the rest — fresh system per case, every command
// judged (by the suite's commands), seeds, shrinking, the finding and its replay line, per-command
// counts — on RapidCheck's public API only (Gen, Random, Shrinkable, rc::state), with no global
// mutable state: two suites (or two runs) in one process never share a seed or a failure.
//
// Include it only from property suites (it brings RapidCheck's headers).
//
// A command reports a disagreement by throwing stateful::Failure (never RC_FAIL); RC_PRE in
// checkPreconditions stays, as RapidCheck's generators and isValidSequence expect.

#include <fmt/format.h>
#include <rapidcheck.h>
#include <rapidcheck/state.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "verdict/report.hpp"
#include "verdict/runtime.hpp"
#include "verdict/suites.hpp"

namespace verdict::stateful {

// The system disagreed with the model (or broke an invariant): a failure RapidCheck-style shrinking
// should minimise. `finding` says where and what; the runner fills suite, seed and replay.
struct Failure : std::runtime_error {
  explicit Failure(Finding f) : std::runtime_error(f.message), finding(std::move(f)) {}
  Finding finding;
};

// The harness could not judge (no database, a broken connection of its own): never shrunk.
struct HarnessError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// What every case's system side shares with the runner: counts of what ran and succeeded.
class Tally {
 public:
  void record(const std::string& command, bool ok) {
    if (!counting_) return;
    auto& c = counts_[command];
    ++c.ran;
    if (ok) ++c.succeeded;
  }
  void counting(bool on) { counting_ = on; }
  const std::map<std::string, CommandCount>& counts() const { return counts_; }

 private:
  bool counting_ = true;  // off while shrinking: the counts describe the generated cases
  std::map<std::string, CommandCount> counts_;
};

template <typename Model, typename Sut>
struct Suite {
  using Cmd = rc::state::Command<Model, Sut>;
  using Sequence = rc::state::Commands<Cmd>;
  std::string name;
  std::vector<std::string> commands;  // the system commands the model covers
  std::function<Model()> initial_model;
  // A fresh system for one case (its own database); throws HarnessError when it cannot.
  std::function<std::unique_ptr<Sut>(Tally&)> make_system;
  std::function<rc::Gen<Sequence>(const Model&)> generate;
  // After the sequence: end-of-case checks (the full invariants). Throws Failure.
  std::function<void(Sut&, int steps)> finish;
};

// Limits: a shrink that keeps finding smaller failures stops after this many runs of the system.
inline constexpr int shrink_runs_max = 2000;
// Below this many cases a command type that never succeeded is not yet a sign of weak generators.
inline constexpr int command_success_cases_min = 20;

// Fills the result after the run (error rules, counts): harness/src/stateful.cpp.
void conclude(SuiteResult& result, const std::vector<std::string>& commands, const Tally& tally, int cases_run,
              const PropertyParams& params);
std::string replay_line(const std::string& suite, const PropertyParams& params);

template <typename Model, typename Sut>
SuiteResult run(const PropertyParams& params, const Suite<Model, Sut>& suite) {
  using Sequence = typename Suite<Model, Sut>::Sequence;
  SuiteResult result;
  result.name = "properties:" + suite.name;
  result.kind = "property";
  result.seed = std::to_string(params.seed);
  Tally tally;
  const Model initial = suite.initial_model();

  // One case: Failure when the system disagrees; HarnessError passes through.
  auto attempt = [&](const Sequence& sequence) -> std::optional<Finding> {
    auto system = suite.make_system(tally);
    try {
      rc::state::runAll(sequence, initial, *system);
      suite.finish(*system, static_cast<int>(sequence.size()));
    } catch (const Failure& f) {
      return f.finding;
    }
    return std::nullopt;
  };
  auto show = [](const Sequence& sequence) {
    std::ostringstream os;
    for (const auto& command : sequence) {
      command->show(os);
      os << "\n";
    }
    return os.str();
  };

  CaseResult c;
  c.name = suite.name + " matches the reference model";
  auto started = std::chrono::steady_clock::now();
  int cases_run = 0;
  try {
    for (int i = 0; i < params.cases; ++i) {
      // Each case its own stream, from the seed and the case number: replays need nothing else.
      rc::Random random(params.seed * 0x9E3779B97F4A7C15ULL + static_cast<std::uint64_t>(i));
      int size = params.cases <= 1 ? params.max_size : params.max_size * i / (params.cases - 1);
      auto shrinkable = suite.generate(initial)(random, size);
      ++cases_run;
      auto failure = attempt(shrinkable.value());
      if (!failure) continue;
      // Shrink: take the first smaller sequence that still fails, until none does (or the budget ends).
      tally.counting(false);
      int shrink_runs = 0;
      std::string harness_note;
      bool smaller = true;
      while (smaller && shrink_runs < shrink_runs_max && harness_note.empty()) {
        smaller = false;
        auto candidates = shrinkable.shrinks();
        while (auto candidate = candidates.next()) {
          if (!rc::state::isValidSequence(candidate->value(), initial)) continue;
          if (++shrink_runs > shrink_runs_max) break;
          std::optional<Finding> again;
          try {
            again = attempt(candidate->value());
          } catch (const HarnessError& e) {
            // A counterexample found stands, even if the harness fails while shrinking it.
            harness_note = fmt::format("\n(while shrinking, the harness failed: {})", e.what());
            break;
          }
          if (again) {
            shrinkable = std::move(*candidate);
            failure = std::move(again);
            smaller = true;
            break;
          }
        }
      }
      tally.counting(true);
      c.status = Status::fail;
      Finding f = *failure;
      f.suite = result.name;
      f.case_name = c.name;
      f.seed = result.seed;
      f.replay = replay_line(suite.name, params);
      f.message = fmt::format("case {} of {} failed; a minimal counterexample ({} shrink runs):\n{}{}", i + 1,
                              params.cases, shrink_runs, show(shrinkable.value()), f.message) +
                  harness_note;
      c.finding = std::move(f);
      break;
    }
    if (c.status == Status::pass) c.detail = fmt::format("{} cases passed", cases_run);
  } catch (const HarnessError& e) {
    c.status = Status::error;
    c.detail = "the harness could not judge: " + std::string(e.what());
    result.error = c.detail + " (replay: " + replay_line(suite.name, params) + ")";
  }
  c.duration_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  result.cases.push_back(c);
  conclude(result, suite.commands, tally, cases_run, params);
  return result;
}

}  // namespace verdict::stateful
