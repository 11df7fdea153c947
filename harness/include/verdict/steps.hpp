#pragma once
// The step engine (DESIGN §3 steps 4 and 6): executes a command against the system, then checks the
// scoped invariants (every step) and the full ones (every `full_every` steps and at the end).

#include <optional>
#include <string>
#include <vector>

#include "verdict/clock.hpp"
#include "verdict/invariants.hpp"
#include "verdict/report.hpp"
#include "verdict/system.hpp"

namespace verdict {

struct StepRecord {
  int index = 0;  // 1-based
  Command command;
  StepOutcome outcome;
  std::vector<Violation> violations;  // empty = every invariant holds
};

class StepEngine {
 public:
  static constexpr int full_every_default = 10;

  StepEngine(SystemConnection& system, InvariantChecker& checker, int full_every = full_every_default);

  StepRecord execute(Command command);
  // Full form over everything; call at the end of a run.
  std::vector<Violation> check_all();
  int steps_run() const { return steps_run_; }
  // Every executed step: latency (the command and its scoped invariants) and attempts.
  const SuiteStats& stats() const { return stats_; }

 private:
  SystemConnection& system_;
  InvariantChecker& checker_;
  int full_every_;
  int steps_run_ = 0;
  SuiteStats stats_;
};

// "INV-X: 2 rows [...]" — one line per violation, for messages.
std::string describe_violations(const std::vector<Violation>& violations);

}  // namespace verdict
