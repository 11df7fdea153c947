// Found by the fuzz target `command_args` (docs/FUZZING.md): arguments with an empty key,
// {"": 1}, were refused as VALIDATION_FAILED naming the field "" with the message ": unknown field",
// which names nothing a person can find. Now the error names the object that holds the key.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "sut/module.hpp"
#include "sut/session.hpp"

namespace {

using json = nlohmann::json;

sut::Error refusal(const std::string& command, const json& args) {
  const sut::RequestContext context{"acme", "clerk", "2026-01-01T00:00:00Z", "test#1", ""};
  auto decoded = sut::decode_request(command, context, args);
  EXPECT_FALSE(decoded.ok()) << args.dump();
  return decoded.ok() ? sut::Error{} : decoded.error();
}

TEST(EmptyFieldName, IsRefusedNamingTheArguments) {
  const sut::Error error = refusal("access.grant_role", json{{"", 1}, {"actor", "a"}, {"role", "clerk"}});
  EXPECT_EQ(error.code, sut::codes::validation_failed);
  EXPECT_EQ(error.field, "with");
  EXPECT_EQ(error.message, "with: a field with an empty name (declared: actor, role)");
}

TEST(EmptyFieldName, InAListItemIsRefusedNamingTheItem) {
  const json args = json::parse(R"({"date":"2026-01-01","lines":[{"account":"1000","debit":"1.00"},
                                    {"account":"4000","credit":"1.00","":"x"}]})");
  const sut::Error error = refusal("ledger.post_journal", args);
  EXPECT_EQ(error.code, sut::codes::validation_failed);
  EXPECT_EQ(error.field, "lines[1]");
}

}  // namespace
