// Secrets: a registered password is hidden in every form it can be written in, and only it.

#include "verdict/secrets.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "verdict/report.hpp"

namespace {
using verdict::secrets::redact;

TEST(Secrets, AUrlPasswordIsHiddenAsTypedDecodedAndEscaped) {
  verdict::secrets::add_from_conninfo("postgresql://alice:Url%22Pass%40word@db.example/app?sslmode=require");
  EXPECT_EQ(redact("postgresql://alice:Url%22Pass%40word@db.example/app"), "postgresql://alice:***@db.example/app");
  EXPECT_EQ(redact("password is Url\"Pass@word."), "password is ***.");
  EXPECT_EQ(redact(R"({"p":"Url\"Pass@word"})"), R"({"p":"***"})");
  EXPECT_EQ(redact("alice at db.example"), "alice at db.example");  // nothing else is touched
}

TEST(Secrets, KeywordValuePasswordsQuotedOrNotAreHidden) {
  verdict::secrets::add_from_conninfo("host=h user=bob password = 'kv \\'quoted\\' pw' dbname=x");
  verdict::secrets::add_from_conninfo("host=h password=PlainKvPw user=carol");
  EXPECT_EQ(redact("psql \"password='kv \\'quoted\\' pw'\""), "psql \"password='***'\"");
  EXPECT_EQ(redact("kv 'quoted' pw"), "***");
  EXPECT_EQ(redact("x PlainKvPw y"), "x *** y");
}

TEST(Secrets, AUrlLibpqRefusesStillHasItsPasswordHidden) {
  verdict::secrets::add_from_conninfo("postgresql://dave:Broken%zzPw@host/db");
  EXPECT_EQ(redact("invalid percent-encoded token: \"Broken%zzPw\""), "invalid percent-encoded token: \"***\"");
}

TEST(Secrets, ReportsAndTheTerminalHideThem) {
  verdict::secrets::add("ReportPw<&>");
  EXPECT_EQ(verdict::terminal_value("connect failed: ReportPw<&>"), "connect failed: ***");
  verdict::RunReport report;
  verdict::SuiteResult suite;
  suite.name = "s";
  suite.error = "could not connect with ReportPw<&>";
  report.suites.push_back(suite);
  for (const auto& text :
       {verdict::render_verdict_json(report), verdict::render_junit_xml(report), verdict::render_summary_md(report),
        verdict::render_findings_jsonl(report), verdict::render_terminal(report)}) {
    EXPECT_EQ(text.find("ReportPw"), std::string::npos) << text;
  }
}

}  // namespace
