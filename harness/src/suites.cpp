// The registries property suites and stress workloads plug into.

#include "verdict/suites.hpp"

#include <random>

namespace verdict {
namespace {
std::vector<PropertySuite>& property_list() {
  static std::vector<PropertySuite> all;
  return all;
}
std::vector<StressWorkload>& stress_list() {
  static std::vector<StressWorkload> all;
  return all;
}
}  // namespace

void register_property_suite(PropertySuite suite) { property_list().push_back(std::move(suite)); }
void register_stress_workload(StressWorkload workload) { stress_list().push_back(std::move(workload)); }
const std::vector<PropertySuite>& property_suites() { return property_list(); }
const std::vector<StressWorkload>& stress_workloads() { return stress_list(); }

std::uint64_t random_seed() {
  std::random_device device;
  // Twelve digits at most: short enough to read aloud and type into a replay command.
  return ((static_cast<std::uint64_t>(device()) << 32) | device()) % 1000000000000ULL;
}

}  // namespace verdict
