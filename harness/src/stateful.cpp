// The parts of the stateful-property runner that need no RapidCheck: replay lines and the rules
// that turn counts into a verdict.

#include "verdict/stateful.hpp"

#include <fmt/format.h>

namespace verdict::stateful {

std::string replay_line(const std::string& suite, const PropertyParams& params) {
  return fmt::format("{} properties --suite {} --seed {} --cases {} --max-size {}", replay_prefix(), suite, params.seed,
                     params.cases, params.max_size);
}

void conclude(SuiteResult& result, const std::vector<std::string>& commands, const Tally& tally, int cases_run,
              const PropertyParams& params) {
  result.commands = tally.counts();
  for (const auto& name : commands) result.commands.try_emplace(name);  // zero rows say "never ran"
  if (!result.error.empty() || result.cases.empty() || result.cases.front().status != Status::pass) return;
  if (cases_run < command_success_cases_min) return;
  // Generators that never reach a state where a command works test only its refusals: that is the
  // harness failing to judge the command, not the system failing.
  std::string never;
  for (const auto& name : commands)
    if (result.commands[name].succeeded == 0) never += (never.empty() ? "" : ", ") + name;
  if (!never.empty()) {
    result.error = fmt::format(
        "in {} cases, these commands never succeeded, so their success paths went untested: {} (make the "
        "generators draw from what the model holds; replay: {})",
        cases_run, never, replay_line(result.name.substr(result.name.find(':') + 1), params));
  }
}

}  // namespace verdict::stateful
