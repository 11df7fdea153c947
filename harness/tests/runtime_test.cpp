// Run ids name the output directories and sort by time (runtime.hpp): their shape is a contract.

#include "verdict/runtime.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <regex>
#include <string>

namespace {

TEST(RunId, IsTheUtcSecondThenThePid) {
  const std::string run_id = verdict::new_run_id();
  static const std::regex shape(R"(\d{8}T\d{6}Z-(\d+))");
  std::smatch m;
  ASSERT_TRUE(std::regex_match(run_id, m, shape)) << run_id;
  EXPECT_EQ(m[1].str(), std::to_string(getpid()));
  EXPECT_GE(run_id.substr(0, 8), "20260101") << "a date this harness cannot have run before";
}

}  // namespace
