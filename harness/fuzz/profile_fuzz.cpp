// Fuzz target: the gate-profile parser (ci/profiles/*.json → the stages `verdict gate` runs;
// docs/FUZZING.md). The input is a profile's text.
//
// The law: a profile reads into stages or is refused with std::runtime_error (the gate prints it
// and exits 2); nothing else escapes, and every stage read has a known kind and counts in range.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string_view>

#include "verdict/profile.hpp"

namespace {

void require(bool holds, const char* what) {
  if (holds) return;
  std::fprintf(stderr, "profile_fuzz: %s\n", what);
  std::abort();
}

bool within(std::uint64_t value, const verdict::CountRange& range) { return value >= range.min && value <= range.max; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<verdict::ProfileStage> stages;
  try {
    stages = verdict::parse_profile(text, "fuzz.json");
  } catch (const std::runtime_error&) {
    return 0;  // refused, with a message: what the gate turns into exit 2
  }
  require(!stages.empty(), "a profile read without stages");
  for (const auto& stage : stages) {
    if (stage.kind == "fixtures") {
      require(!stage.paths.empty(), "a fixtures stage without paths");
      continue;
    }
    require(stage.kind == "properties" || stage.kind == "stress", "a stage of an unknown kind was read");
    if (stage.kind == "properties") {
      require(within(static_cast<std::uint64_t>(stage.property.cases), verdict::cases_range), "cases out of range");
      require(within(static_cast<std::uint64_t>(stage.property.max_size), verdict::max_size_range),
              "max_size out of range");
    } else {
      require(within(static_cast<std::uint64_t>(stage.stress.threads), verdict::threads_range), "threads out of range");
      require(within(static_cast<std::uint64_t>(stage.stress.ops_per_thread), verdict::ops_range),
              "ops_per_thread out of range");
      require(within(static_cast<std::uint64_t>(stage.stress.deadline_ms), verdict::deadline_ms_range),
              "deadline_ms out of range");
    }
  }
  return 0;
}
