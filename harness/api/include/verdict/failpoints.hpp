#pragma once
// Named failpoints (DESIGN §3 step 2). A system declares its failpoints in the registry and marks
// the places with VERDICT_FAILPOINT("name"). A test arms one; when execution passes it, the point
// throws FailpointTriggered, which the system's mutation wrapper turns into a rolled-back error.
// Every pass is counted, so a test can prove each declared point is reachable.

#include <stdexcept>
#include <string>
#include <vector>

namespace verdict::failpoints {

struct Declared {
  std::string name;
  std::string description;
};

class FailpointTriggered : public std::runtime_error {
 public:
  explicit FailpointTriggered(const std::string& name)
      : std::runtime_error("failpoint triggered: " + name), name_(name) {}
  const std::string& name() const { return name_; }

 private:
  std::string name_;
};

void declare(const std::string& name, const std::string& description);
std::vector<Declared> declared();  // sorted by name

void arm(const std::string& name);  // REQUIRES: declared
void disarm_all();
// Counts the pass; throws FailpointTriggered when armed. Aborts on an undeclared name: that is a
// programmer error, not an outcome.
void hit(const char* name);
long hit_count(const std::string& name);
void reset_hit_counts();

}  // namespace verdict::failpoints

#define VERDICT_FAILPOINT(name) ::verdict::failpoints::hit(name)
