#pragma once
// The mutation sweep's cases, shared by the failpoint sweep (failpoints_test.cpp) and the retry
// sweep (retry_sweep_test.cpp): one case per registered command (a guard rail says so), each a
// `prepare` that builds the state the command needs in a shop and returns the call.

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support.hpp"

namespace sweep {

// What a mutation came back with.
struct Result {
  bool ok = false;
  bool unknown = false;
  std::string code = sut::codes::internal;
  std::string message;
  int attempts = 0;
  nlohmann::json values;  // when ok
};

Result result_of(const sut::Executed& r);

// A mutation under test: a registered command, and `prepare`, which builds the state it needs in a
// shop and returns the call.
struct Mutation {
  std::string command;
  std::string name;
  std::function<std::function<Result()>(sut_test::Shop&)> prepare;
};

// Every case, in a fixed order.
const std::vector<Mutation>& mutations();

}  // namespace sweep
