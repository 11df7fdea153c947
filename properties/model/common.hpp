#pragma once
// What every reference model shares: the outcome it predicts, and the two actors of a suite — the
// tenant's admin, and a helper whose roles the sequence grants and revokes and who may act only
// while holding the role that grants the suite's permissions.

#include <set>
#include <string>
#include <utility>

namespace model {

// What the model expects a command to return.
struct Expected {
  bool ok = true;
  std::string code;   // when !ok
  std::string field;  // when !ok
  int movements_created = 0;
};

inline Expected fail(std::string code, std::string field) {
  return Expected{false, std::move(code), std::move(field), 0};
}

class Actors {
 public:
  static constexpr const char* admin = "property";
  static constexpr const char* helper = "helper";
  explicit Actors(std::string acting_role) : acting_role_(std::move(acting_role)) {}

  // Checked after the request's fields and before anything else (the system's order).
  bool forbidden(const std::string& actor) const { return actor != admin && !roles_.count(acting_role_); }
  Expected grant(const std::string& role) {
    roles_.insert(role);
    return Expected{};
  }
  Expected revoke(const std::string& role) {
    if (!roles_.erase(role)) return fail("NOT_FOUND", "role");
    return Expected{};
  }
  const std::set<std::string>& helper_roles() const { return roles_; }

 private:
  std::string acting_role_;
  std::set<std::string> roles_;
};

}  // namespace model
