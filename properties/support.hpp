#pragma once
// What every property suite's system side shares: a fresh database per case with the step engine
// on it, commands run as a named actor on the suite's business clock, and the judging of a step's
// outcome and invariants against the model's prediction. A suite adds its own state comparison
// (inventory: every on-hand level; ledger: the trial balance).

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "verdict/clock.hpp"
#include "verdict/invariants.hpp"
#include "verdict/runtime.hpp"
#include "verdict/stateful.hpp"
#include "verdict/steps.hpp"
#include "verdict/system.hpp"

namespace props {
using json = nlohmann::json;

inline constexpr const char* tenant = "acme";

// The outcome a model predicts: ok, or an error code and the field it names.
struct Prediction {
  bool ok = true;
  std::string code;
  std::string field;
};

struct Sut {
  std::unique_ptr<verdict::db::ScratchDatabase> database;
  std::unique_ptr<verdict::SystemConnection> connection;
  std::unique_ptr<verdict::InvariantChecker> checker;
  std::unique_ptr<verdict::StepEngine> engine;
  verdict::stateful::Tally* tally = nullptr;
  verdict::SuiteStats* stats_out = nullptr;  // gathers this case's steps, however it ends
  std::vector<long long> ids;                // the system's id of each record the model numbers, in order
  int setup_steps = 0;                       // set-up steps before the generated sequence
  std::vector<json> setup_values;            // each set-up step's result values, in order
  verdict::Clock clock;

  Sut() = default;
  Sut(const Sut&) = delete;
  Sut& operator=(const Sut&) = delete;
  ~Sut();

  // Runs one command through the step engine (and counts it in the tally once set up).
  verdict::StepRecord run(const std::string& name, const json& args, const std::string& actor);
  // A read of the suite's tenant, parsed.
  json read(const std::string& name, const json& args = json::object());

  static verdict::stateful::Failure failure(int step, std::string command, std::string expected, std::string actual);
};

// A fresh system for one case: its own database, then `setup` (each must succeed) as `actor`.
std::unique_ptr<Sut> make_system(const verdict::RunContext& context, verdict::stateful::Tally& tally,
                                 verdict::SuiteStats* stats, const std::vector<std::pair<std::string, json>>& setup,
                                 const std::string& actor);

std::string command_text(const verdict::StepRecord& r);
std::string outcome_text(const verdict::StepOutcome& o);

// The outcome against the prediction, then the invariants: a failure naming the step otherwise.
void judge_outcome(const Sut& sut, const verdict::StepRecord& record, const Prediction& expected);

// Runs `judge`; an exception from the system's answers (a bad read, malformed values) becomes a
// failure of the system, shrunk and reported with its step, never mistaken for the harness.
template <typename F>
void judging(const Sut& sut, const verdict::StepRecord& record, F&& judge) {
  try {
    judge();
  } catch (const verdict::stateful::Failure&) {
    throw;
  } catch (const std::exception& e) {
    throw Sut::failure(record.index - sut.setup_steps, command_text(record), "well-formed answers",
                       std::string("exception: ") + e.what());
  }
}

// A read of the system against what the model holds: a failure of the step naming `label` otherwise.
void expect_read(Sut& sut, const verdict::StepRecord& record, const std::string& read, const json& args,
                 const json& want, const std::string& label);

// The full check at the end of a case.
void finish(Sut& sut, int steps);

}  // namespace props
