// The step engine: execute, then invariants (scoped every step, full every K steps).

#include "verdict/steps.hpp"

#include <fmt/format.h>

#include <chrono>

namespace verdict {

StepEngine::StepEngine(SystemConnection& system, InvariantChecker& checker, int full_every)
    : system_(system), checker_(checker), full_every_(full_every > 0 ? full_every : 1) {}

StepRecord StepEngine::execute(Command command) {
  StepRecord record;
  record.index = ++steps_run_;
  auto started = std::chrono::steady_clock::now();
  record.outcome = system_.execute(command);
  record.command = std::move(command);
  // Scoped after every step: cheap, and it names the step that broke the rule.
  record.violations = checker_.check(record.outcome.touched_json);
  if (record.violations.empty() && steps_run_ % full_every_ == 0) record.violations = checker_.check(std::nullopt);
  auto latency = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
  stats_.record(latency.count(), std::max(record.outcome.attempts, 1));
  return record;
}

std::vector<Violation> StepEngine::check_all() { return checker_.check(std::nullopt); }

std::string describe_violations(const std::vector<Violation>& violations) {
  std::string out;
  for (const auto& v : violations) {
    out += fmt::format("{} ({}): {} row(s) {}\n", v.invariant_id, v.severity, v.row_count, v.rows_json);
  }
  return out;
}

}  // namespace verdict
