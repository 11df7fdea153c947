// The stress toolkit's pure parts: overlap measured from recorded intervals, and connection
// strings that keep their options while gaining the workers' timeouts and names.

#include "verdict/stress.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "verdict/server.hpp"

namespace {
using ::testing::HasSubstr;

verdict::stress::Operation op(std::int64_t from, std::int64_t to) {
  verdict::stress::Operation o;
  o.invoked_us = from;
  o.completed_us = to;
  return o;
}

TEST(StressOverlap, CountsOperationsInFlightAtOnce) {
  EXPECT_EQ(verdict::stress::max_in_flight({}), 0);
  EXPECT_EQ(verdict::stress::max_in_flight({op(0, 10)}), 1);
  // Back to back is not overlap: one ends as the next starts.
  EXPECT_EQ(verdict::stress::max_in_flight({op(0, 10), op(10, 20), op(20, 30)}), 1);
  EXPECT_EQ(verdict::stress::max_in_flight({op(0, 10), op(5, 15), op(6, 7), op(20, 30)}), 3);
}

TEST(StressConnections, SettingsJoinTheOptionsAConnectionStringHasAlready) {
  std::string out = verdict::db::with_session_settings("host=/tmp port=5432 dbname=d user=u options='-c role=app'",
                                                       {{"lock_timeout", "5000"}}, "verdict-stress-w1");
  EXPECT_THAT(out, HasSubstr("options='-c role=app -c lock_timeout=5000'"));
  EXPECT_THAT(out, HasSubstr("application_name='verdict-stress-w1'"));
  EXPECT_THAT(out, HasSubstr("dbname='d'"));
  std::string plain =
      verdict::db::with_session_settings("postgresql://u@localhost/d", {{"statement_timeout", "1"}}, "w");
  EXPECT_THAT(plain, HasSubstr("options='-c statement_timeout=1'"));
  EXPECT_THAT(plain, HasSubstr("host='localhost'"));
  EXPECT_THROW(verdict::db::with_session_settings("not a = valid = string", {}, "w"), std::runtime_error);
}

}  // namespace
