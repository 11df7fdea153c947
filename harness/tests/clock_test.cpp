// The harness clock: business time that fixtures set and advance, never backwards.

#include "verdict/clock.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace {

using verdict::Clock;

TEST(Clock, StartsAtTheFixedEpoch) {
  Clock clock;
  EXPECT_EQ(clock.now_iso(), "2026-01-01T00:00:00Z");
  EXPECT_EQ(clock.now_s(), Clock::epoch_default_s);
}

TEST(Clock, SetAndAdvance) {
  Clock clock;
  clock.set("2026-02-28T23:59:59Z");
  EXPECT_EQ(clock.now_iso(), "2026-02-28T23:59:59Z");
  clock.advance(1);
  EXPECT_EQ(clock.now_iso(), "2026-03-01T00:00:00Z");
  clock.advance(0);
  EXPECT_EQ(clock.now_iso(), "2026-03-01T00:00:00Z");
  clock.advance(24 * 3600 * 365);
  EXPECT_EQ(clock.now_iso(), "2027-03-01T00:00:00Z");

  clock.set("2028-02-28T12:00:00Z");  // a leap year
  clock.advance(24 * 3600);
  EXPECT_EQ(clock.now_iso(), "2028-02-29T12:00:00Z");
  EXPECT_EQ(clock.now_s(), Clock::epoch_default_s + (365 + 365 + 59) * 24 * 3600 + 12 * 3600);
}

TEST(Clock, WritesFourDigitYearsAndTwoDigitFields) {
  // The shape set() accepts is the shape now_iso() writes, zero-padded, for every year set() takes.
  Clock clock;
  for (const char* instant :
       {"0001-01-01T00:00:00Z", "0999-12-31T23:59:59Z", "2026-03-04T05:06:07Z", "9999-12-31T23:59:59Z"}) {
    clock.set(instant);
    EXPECT_EQ(clock.now_iso(), instant);
  }
  clock.advance(1);
  EXPECT_EQ(clock.now_iso(), "10000-01-01T00:00:00Z");  // no longer settable, but still written in full
}

TEST(Clock, RejectsMalformedAndImpossibleInstants) {
  for (const char* bad :
       {"", "2026-01-01", "2026-01-01T00:00:00", "2026-01-01 00:00:00Z", "2026-01-01T00:00:00+01:00",
        "2026-01-01T00:00:00.5Z", "2026-1-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z",
        "2026-01-01T24:00:00Z", "2026-01-01T00:60:00Z", "2027-02-29T00:00:00Z", " 2026-01-01T00:00:00Z"}) {
    SCOPED_TRACE(std::string("'") + bad + "'");
    Clock clock;
    clock.set("2026-06-01T08:00:00Z");
    EXPECT_THROW(clock.set(bad), std::invalid_argument);
    // A refused set leaves business time where it was.
    EXPECT_EQ(clock.now_iso(), "2026-06-01T08:00:00Z");
  }
}

TEST(Clock, NeverGoesBack) {
  Clock clock;
  clock.set("2026-06-01T08:00:00Z");
  EXPECT_THROW(clock.advance(-1), std::invalid_argument);
  EXPECT_EQ(clock.now_iso(), "2026-06-01T08:00:00Z");
}

}  // namespace
