#pragma once
// Property suites and stress workloads plug in here (properties/, concurrency/ register them).

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "verdict/report.hpp"
#include "verdict/runtime.hpp"

namespace verdict {

struct PropertyParams {
  std::uint64_t seed = 1;
  int cases = 100;    // successful cases before the property passes
  int max_size = 30;  // longest command sequence RapidCheck may generate
};

struct StressParams {
  std::uint64_t seed = 1;
  int threads = 8;
  int ops_per_thread = 200;
  std::int64_t deadline_ms = 60000;  // a run that is not done by then is an error, not a hang
};

struct PropertySuite {
  std::string name;
  std::string description;
  std::function<SuiteResult(const RunContext&, const PropertyParams&)> run;
  // The system's commands the suite's reference model covers: every registered command must be
  // covered by some suite (a guard-rail test names the ones that are not).
  std::vector<std::string> commands;
};

struct StressWorkload {
  std::string name;
  std::string description;
  std::function<SuiteResult(const RunContext&, const StressParams&)> run;
};

void register_property_suite(PropertySuite suite);
void register_stress_workload(StressWorkload workload);
const std::vector<PropertySuite>& property_suites();
const std::vector<StressWorkload>& stress_workloads();

// Seeds: printed with a replay command before a randomised run starts.
std::uint64_t random_seed();

}  // namespace verdict
