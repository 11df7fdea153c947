// Strict input (input.hpp): what a person wrote is read exactly as written, within named limits, or
// refused naming the place. Issue 6: a 40 KB scenario whose "note" held 20,000 nested arrays
// crashed `verdict fixtures` (a recursive walk over the step overflowed the stack); duplicate keys
// were accepted, the last one silently winning.

#include "verdict/input.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

using ::testing::HasSubstr;
using verdict::InputError;
using verdict::json_depth_max;
using verdict::json_string_bytes_max;
using verdict::parse_input_json;

// The InputError parsing `text` throws; fails the test when it throws none.
InputError refusal(const std::string& text) {
  try {
    parse_input_json(text);
  } catch (const InputError& e) {
    return e;
  }
  ADD_FAILURE() << "accepted: " << text.substr(0, 200);
  return InputError("", "");
}

std::string nested_arrays(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(StrictJson, ReadsWhatItIsGiven) {
  const auto doc = parse_input_json(R"({"a": [1, {"b": "x"}], "c": {"a": 2}})");
  EXPECT_EQ(doc["a"][1]["b"], "x");
  EXPECT_EQ(doc["c"]["a"], 2);  // one key in two objects is no duplicate
}

TEST(StrictJson, ADuplicateKeyIsRefusedNamingItAndItsObject) {
  const InputError root = refusal(R"({"name": "a", "name": "b"})");
  EXPECT_EQ(root.pointer, "");
  EXPECT_THAT(root.reason, HasSubstr("duplicate key 'name'"));

  const InputError nested = refusal(R"({"steps": [{"do": "x"}, {"with": {"qty": "1", "sku": "s", "qty": "2"}}]})");
  EXPECT_EQ(nested.pointer, "/steps/1/with");
  EXPECT_THAT(nested.reason, HasSubstr("duplicate key 'qty'"));
  EXPECT_THAT(std::string(nested.what()), HasSubstr("/steps/1/with: duplicate key 'qty'"));
}

TEST(StrictJson, NestingUpToTheLimitIsReadAndOneLevelMoreIsRefused) {
  EXPECT_NO_THROW(parse_input_json(nested_arrays(json_depth_max)));
  const InputError deeper = refusal(nested_arrays(json_depth_max + 1));
  EXPECT_THAT(deeper.reason, HasSubstr("nested deeper than 64 levels"));
  std::string pointer;  // the outermost array's first element, and so on down to the 65th array
  for (std::size_t i = 0; i < json_depth_max; ++i) pointer += "/0";
  EXPECT_EQ(deeper.pointer, pointer);
}

// The reproduction of issue 6, at the parser: 20,000 levels in a 40 KB file.
TEST(StrictJson, TwentyThousandNestedArraysAreRefusedWithoutRecursion) {
  const std::string text = R"({"name": "deep", "steps": [{"do": "x", "note": )" + nested_arrays(20'000) + "}]}";
  ASSERT_GT(text.size(), 40'000u);
  const InputError e = refusal(text);
  EXPECT_THAT(e.pointer, ::testing::StartsWith("/steps/0/note/0/0"));
  EXPECT_THAT(e.reason, HasSubstr("nested deeper than"));
}

TEST(StrictJson, AStringOverTheLimitIsRefusedNamingItsPlace) {
  EXPECT_NO_THROW(parse_input_json(R"({"note": ")" + std::string(json_string_bytes_max, 'x') + "\"}"));
  const InputError value = refusal(R"({"steps": [{"note": ")" + std::string(json_string_bytes_max + 1, 'x') + "\"}]}");
  EXPECT_EQ(value.pointer, "/steps/0/note");
  EXPECT_THAT(value.reason, HasSubstr("a string of 65537 bytes, over the limit of 65536 bytes"));

  const std::string long_key(json_string_bytes_max + 1, 'k');
  const InputError key = refusal(R"({"with": {")" + long_key + R"(": 1}})");
  EXPECT_EQ(key.pointer, "/with");  // the key itself is not repeated in the message
  EXPECT_THAT(key.reason, HasSubstr("a key of 65537 bytes"));
}

TEST(StrictJson, ALongKeyIsCutInThePlaceNamed) {
  const std::string key(1000, 'k');
  const InputError e = refusal(R"({")" + key + R"(": {"a": 1, "a": 2}})");
  EXPECT_EQ(e.pointer, "/" + std::string(64, 'k') + "…");
}

TEST(StrictJson, InvalidJsonIsAnInputError) {
  EXPECT_THAT(refusal("{ not json").reason, HasSubstr("not valid JSON"));
  EXPECT_THAT(refusal("").reason, HasSubstr("not valid JSON"));
}

TEST(StrictJson, AFileOverTheSizeLimitIsRefusedBeforeParsing) {
  const auto path = std::filesystem::temp_directory_path() / ("verdict-input-test-" + std::to_string(::getpid()));
  {
    std::ofstream out(path);
    out << "[\"" << std::string(verdict::input_file_bytes_max, ' ') << "\"]";
  }
  try {
    verdict::read_input_json(path.string());
    ADD_FAILURE() << "an oversized file was read";
  } catch (const InputError& e) {
    EXPECT_THAT(e.reason, HasSubstr("over the limit of 4194304 bytes"));
  }
  std::filesystem::remove(path);
}

TEST(StrictJson, UnknownKeyNamesTheFirstKeyNotAllowed) {
  const auto doc = parse_input_json(R"({"name": 1, "tennant": 2})");
  EXPECT_EQ(verdict::unknown_key(doc, {"name", "tenant"}), "tennant");
  EXPECT_EQ(verdict::unknown_key(doc, {"name", "tennant"}), std::nullopt);
}

}  // namespace
