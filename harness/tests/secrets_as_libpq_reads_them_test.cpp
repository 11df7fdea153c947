// Found by the fuzz target `url` (docs/FUZZING.md): the secrets code read passwords out of a
// connection string its own way, and libpq reads some differently, so a password libpq used could be
// printed unhidden (in the connection strings the harness builds, psql lines, error messages).
// First seen: `password=a\ b` (libpq unescapes a backslash in an unquoted value: the password is
// "a b", the secrets code registered "a\"). Each case below is one libpq reading it missed.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "verdict/secrets.hpp"

namespace {

using namespace verdict::secrets;

// `text` redacted with every form of every password found in `conninfo`.
std::string redacted_with(const std::string& conninfo, const std::string& text) {
  std::vector<std::string> forms;
  for (const auto& password : passwords_in(conninfo))
    for (auto& form : forms_of(password)) forms.push_back(std::move(form));
  return redact_forms(text, {forms.begin(), forms.end()});
}

TEST(SecretsAsLibpqReadsThem, AnUnquotedValueWithABackslashEscape) {
  EXPECT_EQ(redacted_with(R"(password=a\ b host=h)", "password='a b'"), "password='***'");
}

TEST(SecretsAsLibpqReadsThem, BlanksOtherThanSpaceAndTab) {
  EXPECT_EQ(redacted_with("host=h password\n=\vNewlinePw\fuser=u", "NewlinePw"), "***");
}

TEST(SecretsAsLibpqReadsThem, AUrlPasswordUpToTheFirstAt) {
  // libpq: user "u", password "pw1", host "ss@host".
  EXPECT_EQ(redacted_with("postgresql://u:pw1@ss@host/db", "password='pw1'"), "password='***'");
}

TEST(SecretsAsLibpqReadsThem, AUrlPasswordHoldingAQuestionMark) {
  EXPECT_EQ(redacted_with("postgresql://u:pw?x@host/db", "password='pw?x'"), "password='***'");
}

TEST(SecretsAsLibpqReadsThem, APercentEncodedKeywordInTheQuery) {
  EXPECT_EQ(redacted_with("postgresql://u@host/db?pass%77ord=HiddenKw", "password='HiddenKw'"), "password='***'");
}

}  // namespace
