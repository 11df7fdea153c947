#pragma once
// Gate profiles (ci/profiles/*.json): the stages `verdict gate` runs, read and checked before any
// stage runs, and the ranges of every count a run takes (the command line checks the same ranges).

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "verdict/suites.hpp"

namespace verdict {

// The ranges of every count the runs take. A count is at least one: zero cases, operations or
// threads would judge nothing and must not read as a pass. The maxima keep each run finite and
// within what the embedded cluster serves (max_connections = 200: a connection per stress thread
// plus the harness's own).
struct CountRange {
  std::uint64_t min;
  std::uint64_t max;
};
inline constexpr std::uint64_t int_max = std::numeric_limits<int>::max();
inline constexpr CountRange cases_range{1, int_max};
inline constexpr CountRange max_size_range{1, 10'000};
inline constexpr CountRange threads_range{1, 128};
inline constexpr CountRange ops_range{1, int_max};
inline constexpr CountRange deadline_ms_range{1, 7ULL * 24 * 3600 * 1000};  // a week
inline constexpr CountRange steps_range{1, int_max};                        // --stop-after, --full-every
inline constexpr CountRange seed_range{0, std::numeric_limits<std::uint64_t>::max()};

std::string range_text(const CountRange& range);

// One stage of a gate profile. A typo in the last stage must not surface after the first has run
// for minutes, so a whole profile is read before any stage runs.
struct ProfileStage {
  std::string kind;                   // fixtures | properties | stress
  std::vector<std::string> paths;     // fixtures: relative to the repository root
  std::string name;                   // properties: the suite, stress: the workload; "" for every one
  std::optional<std::uint64_t> seed;  // nullopt: "random" (drawn when the stage runs)
  PropertyParams property;
  StressParams stress;
};

// Reads a profile; throws std::runtime_error naming the file and the stage (counted from 1) of
// what is wrong.
std::vector<ProfileStage> read_profile(const std::string& file);
// The same for a profile's text, named `file` in messages (the fuzz target: no file, no database).
std::vector<ProfileStage> parse_profile(std::string_view text, const std::string& file);

}  // namespace verdict
