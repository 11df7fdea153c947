// The registries a system under test plugs into: the system itself, invariants, failpoints.

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <stdexcept>

#include "verdict/failpoints.hpp"
#include "verdict/invariants.hpp"
#include "verdict/system.hpp"

namespace verdict {
namespace {
// Function-local statics: registrars in other translation units run during static initialisation.
std::vector<SystemUnderTest>& systems() {
  static std::vector<SystemUnderTest> all;
  return all;
}
std::vector<Invariant>& invariant_list() {
  static std::vector<Invariant> all;
  return all;
}
}  // namespace

const char* to_string(OutcomeStatus status) {
  switch (status) {
    case OutcomeStatus::ok:
      return "ok";
    case OutcomeStatus::error:
      return "error";
    case OutcomeStatus::unknown:
      return "unknown";
  }
  return "?";
}

void register_system(SystemUnderTest system) { systems().push_back(std::move(system)); }

const CommandDecl* find_command(const std::string& name) {
  for (const auto& c : system_under_test().commands)
    if (c.name == name) return &c;
  return nullptr;
}

const ReadDecl* find_read(const std::string& name) {
  for (const auto& r : system_under_test().reads)
    if (r.name == name) return &r;
  return nullptr;
}

const SystemUnderTest& system_under_test() {
  if (systems().size() != 1) {
    std::fprintf(stderr, "verdict: %zu systems under test registered; exactly one must be linked\n", systems().size());
    std::abort();
  }
  // Runs after static initialisation (never from a registrar), so every part has registered.
  static const bool described = [] {
    auto& system = systems().front();
    if (system.describe) system.describe(system);
    return true;
  }();
  (void)described;
  return systems().front();
}

namespace {
// The registries below are complete once the system has described itself (when one is linked).
void ensure_described() {
  if (systems().size() == 1) (void)system_under_test();
}
}  // namespace

void register_invariant(Invariant invariant) {
  auto& all = invariant_list();
  for (const auto& existing : all) {
    if (existing.id == invariant.id) {
      std::fprintf(stderr, "verdict: invariant id %s registered twice\n", invariant.id.c_str());
      std::abort();
    }
  }
  all.push_back(std::move(invariant));
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
}

const std::vector<Invariant>& invariants() {
  ensure_described();
  return invariant_list();
}

}  // namespace verdict

namespace verdict::failpoints {
namespace {
struct State {
  std::mutex mutex;
  std::map<std::string, std::string> declared;  // GUARDED_BY(mutex)
  std::map<std::string, long> hits;             // GUARDED_BY(mutex)
  std::string armed;                            // GUARDED_BY(mutex)
};
State& state() {
  static State s;
  return s;
}
}  // namespace

void declare(const std::string& name, const std::string& description) {
  std::lock_guard lock(state().mutex);
  state().declared[name] = description;
}

std::vector<Declared> declared() {
  verdict::ensure_described();
  std::lock_guard lock(state().mutex);
  std::vector<Declared> out;
  for (const auto& [name, description] : state().declared) out.push_back({name, description});
  return out;
}

void arm(const std::string& name) {
  verdict::ensure_described();
  std::lock_guard lock(state().mutex);
  if (!state().declared.count(name)) throw std::invalid_argument("undeclared failpoint: " + name);
  state().armed = name;
}

void disarm_all() {
  std::lock_guard lock(state().mutex);
  state().armed.clear();
}

void hit(const char* name) {
  verdict::ensure_described();
  std::lock_guard lock(state().mutex);
  if (!state().declared.count(name)) {
    std::fprintf(stderr, "verdict: failpoint '%s' is not declared in the registry\n", name);
    std::abort();
  }
  ++state().hits[name];
  if (state().armed == name) throw FailpointTriggered(name);
}

long hit_count(const std::string& name) {
  std::lock_guard lock(state().mutex);
  auto it = state().hits.find(name);
  return it == state().hits.end() ? 0 : it->second;
}

void reset_hit_counts() {
  std::lock_guard lock(state().mutex);
  state().hits.clear();
}

}  // namespace verdict::failpoints
