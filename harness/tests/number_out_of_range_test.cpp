// Found by the fuzz targets `profile` and `fixture` (docs/FUZZING.md) on their first seeds: a JSON
// number past a double's range (1e999) made nlohmann's parser throw out_of_range, not parse_error,
// so it slipped past the strict reader. A scenario then ended as "harness error: [json.exception.
// out_of_range.406] …" naming no place, and `verdict gate` let the exception out of read_profile.
// Now it is an InputError naming the value's place, like every other file the harness cannot read.

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "verdict/input.hpp"
#include "verdict/profile.hpp"

namespace {

std::string pointer_of_refusal(const std::string& text) {
  try {
    verdict::parse_input_json(text);
  } catch (const verdict::InputError& e) {
    EXPECT_NE(e.reason.find("a number out of range"), std::string::npos) << e.reason;
    return e.pointer;
  }
  ADD_FAILURE() << "not refused: " << text;
  return "";
}

TEST(NumberOutOfRange, IsAnInputErrorNamingTheValue) {
  EXPECT_EQ(pointer_of_refusal(R"({"steps":[{"with":{"qty":1e999}}]})"), "/steps/0/with/qty");
  EXPECT_EQ(pointer_of_refusal(R"([1, 2, -1e999])"), "/2");
  EXPECT_EQ(pointer_of_refusal("1e999"), "");
}

TEST(NumberOutOfRange, InAProfileIsRefusedNamingTheFileAndPlace) {
  try {
    verdict::parse_profile(R"({"name":"p","description":"d","stages":[{"kind":"stress","seed":1e999}]})", "p.json");
    FAIL() << "accepted";
  } catch (const verdict::InputError&) {
    FAIL() << "an InputError escaped without the file's name";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("p.json: /stages/0/seed: a number out of range"), std::string::npos)
        << e.what();
  }
}

}  // namespace
