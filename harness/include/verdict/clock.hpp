#pragma once
// The harness clock: business time (`as_of`) for every command. Fixtures set and advance it, so
// expiry and period rules need no sleeping. It starts at a fixed instant: runs are reproducible.

#include <cstdint>
#include <string>

namespace verdict {

class Clock {
 public:
  static constexpr std::int64_t epoch_default_s = 1767225600;  // 2026-01-01T00:00:00Z

  std::string now_iso() const;  // e.g. 2026-01-01T00:00:00Z
  std::int64_t now_s() const { return now_s_; }
  // Accepts YYYY-MM-DDTHH:MM:SSZ; throws std::invalid_argument otherwise.
  void set(const std::string& iso);
  void advance(std::int64_t seconds);  // REQUIRES: seconds >= 0 (business time never goes back)

 private:
  std::int64_t now_s_ = epoch_default_s;
};

}  // namespace verdict
