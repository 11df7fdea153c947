#pragma once
// The fixture runner: one JSON scenario file (docs/FIXTURES.md) → one case of the fixtures suite.

#include <cstddef>
#include <string>
#include <vector>

#include "verdict/report.hpp"
#include "verdict/runtime.hpp"

namespace verdict {

// A scenario is a story a person reads; past this many steps it is a generated load, which belongs
// in a property suite or a stress workload (and it keeps one file's run bounded).
inline constexpr std::size_t fixture_steps_max = 1000;

struct FixtureOptions {
  bool keep_db = false;  // leave the scenario's database for psql (its conninfo is printed)
  int stop_after = 0;    // stop after this many steps (0: run all); implies nothing about keep_db
  int full_every = 10;   // full invariant check every N steps (scoped after every step)
};

// `stats`, when given, gathers every executed step.
CaseResult run_fixture_file(const RunContext& context, const std::string& path, const FixtureOptions& options,
                            SuiteStats* stats = nullptr);
// Expands directories to their *.json files, sorted; files stay as given.
std::vector<std::string> collect_fixture_files(const std::vector<std::string>& paths);
SuiteResult run_fixture_suite(const RunContext& context, const std::vector<std::string>& paths,
                              const FixtureOptions& options);

}  // namespace verdict
