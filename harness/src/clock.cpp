// The harness clock.

#include "verdict/clock.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <ctime>
#include <regex>
#include <stdexcept>

namespace verdict {

std::string Clock::now_iso() const {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(static_cast<std::time_t>(now_s_)));
}

void Clock::set(const std::string& iso) {
  static const std::regex shape(R"((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z)");
  std::smatch m;
  if (!std::regex_match(iso, m, shape)) {
    throw std::invalid_argument("clock: expected YYYY-MM-DDTHH:MM:SSZ, got '" + iso + "'");
  }
  std::tm tm{};
  tm.tm_year = std::stoi(m[1]) - 1900;
  tm.tm_mon = std::stoi(m[2]) - 1;
  tm.tm_mday = std::stoi(m[3]);
  tm.tm_hour = std::stoi(m[4]);
  tm.tm_min = std::stoi(m[5]);
  tm.tm_sec = std::stoi(m[6]);
  const std::int64_t previous_s = now_s_;
  now_s_ = static_cast<std::int64_t>(timegm(&tm));
  if (now_iso() != iso) {
    now_s_ = previous_s;  // a refused set leaves business time where it was
    throw std::invalid_argument("clock: not a valid instant: '" + iso + "'");
  }
}

void Clock::advance(std::int64_t seconds) {
  if (seconds < 0) throw std::invalid_argument("clock: business time never goes back");
  now_s_ += seconds;
}

}  // namespace verdict
