#pragma once
// The fixture runner: one JSON scenario file (docs/FIXTURES.md) → one case of the fixtures suite.

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "verdict/report.hpp"
#include "verdict/runtime.hpp"
#include "verdict/steps.hpp"

namespace verdict {

// A scenario is a story a person reads; past this many steps it is a generated load, which belongs
// in a property suite or a stress workload (and it keeps one file's run bounded).
inline constexpr std::size_t fixture_steps_max = 1000;

struct FixtureOptions {
  bool keep_db = false;  // leave the scenario's database for psql (its conninfo is printed)
  int stop_after = 0;    // stop after this many steps (0: run all); implies nothing about keep_db
  int full_every = 10;   // full invariant check every N steps (scoped after every step)
};

// What a scenario's steps act on. run_fixture_file's is a scratch database cloned from the template;
// the fuzz target (harness/fuzz) gives one with no database, so the parser and the step decoder run
// as they do in a real run.
class ScenarioBackend {
 public:
  virtual ~ScenarioBackend() = default;
  virtual StepRecord execute(Command command) = 0;  // a "do" step: the outcome and the invariants broken
  virtual std::string read(const std::string& what, const std::string& tenant, const std::string& args_json) = 0;
  virtual std::string fingerprint() = 0;  // of every table: equal before and after = nothing written
  virtual std::vector<Violation> check_all() = 0;
};

// Interprets the scenario `text` as if read from `path` (named in messages). `make_backend` is called
// once the file reads well, so a file that cannot be interpreted costs nothing.
CaseResult run_scenario_text(std::string_view text, const std::string& path, const FixtureOptions& options,
                             const std::function<std::unique_ptr<ScenarioBackend>()>& make_backend);

// `stats`, when given, gathers every executed step.
CaseResult run_fixture_file(const RunContext& context, const std::string& path, const FixtureOptions& options,
                            SuiteStats* stats = nullptr);
// Expands directories to their *.json files, sorted; files stay as given.
std::vector<std::string> collect_fixture_files(const std::vector<std::string>& paths);
SuiteResult run_fixture_suite(const RunContext& context, const std::vector<std::string>& paths,
                              const FixtureOptions& options);

}  // namespace verdict
