// The verdict writers (DESIGN §4 "Verdict files"): what CI and a reviewer read must say the same
// thing in every format, and a run that could not judge must never read as a pass.

#include "verdict/report.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <pugixml.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;
using verdict::CaseResult;
using verdict::Finding;
using verdict::RunReport;
using verdict::Status;
using verdict::SuiteResult;
using verdict::SuiteStats;

CaseResult passed_case(const std::string& name) { return {name, Status::pass, 12, std::nullopt, ""}; }

CaseResult failed_case(const std::string& name, const std::string& message) {
  Finding f;
  f.suite = "fixtures";
  f.case_name = name;
  f.step_index = 3;
  f.command_json = R"({"do":"inventory.fulfill"})";
  f.invariant_id = "INV-STOCK-001";
  f.rows_json = R"([{"batch_id":"1","location_id":"2"}])";
  f.expected = "no violation";
  f.actual = "1 row";
  f.message = message;
  f.replay = "./verdict fixtures fixtures/stock.json";
  return {name, Status::fail, 34, f, ""};
}

CaseResult error_case(const std::string& name) {
  return {name, Status::error, 5, std::nullopt, "database unavailable"};
}
CaseResult skipped_case(const std::string& name) { return {name, Status::skipped, 0, std::nullopt, ""}; }

SuiteResult suite(const std::string& name, std::vector<CaseResult> cases) {
  SuiteResult s;
  s.name = name;
  s.kind = "fixture";
  s.cases = std::move(cases);
  return s;
}

RunReport run(std::vector<SuiteResult> suites) {
  RunReport r;
  r.run_id = "20260101T000000Z-1";
  r.command = "fixtures";
  r.git_sha = "0123456789abcdef";
  r.suites = std::move(suites);
  return r;
}

std::string last_line(const std::string& text) {
  std::string body = text;
  if (!body.empty() && body.back() == '\n') body.pop_back();
  auto eol = body.rfind('\n');
  return eol == std::string::npos ? body : body.substr(eol + 1);
}

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

// junit.xml read back as a CI server reads it. Fails the test when it does not parse.
pugi::xml_document parse_xml(const std::string& xml) {
  pugi::xml_document doc;
  const pugi::xml_parse_result parsed = doc.load_string(xml.c_str());
  EXPECT_TRUE(parsed) << parsed.description() << " at offset " << parsed.offset << "\n" << xml;
  return doc;
}

int child_count(pugi::xml_node node, const char* name) {
  int n = 0;
  for (pugi::xml_node child : node.children(name)) {
    (void)child;
    ++n;
  }
  return n;
}

// Whether XML 1.0 allows the code point as a character (the Char production), raw or as a reference.
bool is_xml_char(std::uint32_t c) {
  return c == 0x9 || c == 0xa || c == 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) ||
         (c >= 0x10000 && c <= 0x10ffff);
}

// Decodes the text as strict UTF-8 and checks every code point is an XML character: what an XML
// parser in CI checks, and pugixml (lenient) does not. Returns "" when all is well, else why not.
std::string xml_char_problem(const std::string& text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const std::size_t length = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 0;
    if (length == 0 || i + length > text.size()) return "bad UTF-8 lead byte at " + std::to_string(i);
    std::uint32_t c = length == 1 ? lead : lead & (0xff >> (length + 1));
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xc0) != 0x80) return "bad UTF-8 continuation at " + std::to_string(i + k);
      c = (c << 6) | (next & 0x3f);
    }
    const std::uint32_t shortest_min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (c < shortest_min[length]) return "overlong UTF-8 at " + std::to_string(i);
    if (!is_xml_char(c)) return "code point " + std::to_string(c) + " is not an XML character, at " + std::to_string(i);
    i += length;
  }
  return "";
}

// A small well-formedness check for what the writer produces (elements, attributes, text; no
// comments or CDATA): tags nest, every '&' starts an entity or a reference to an XML character, no
// raw control characters. Returns "" when well formed, else why not.
std::string xml_problem(const std::string& xml) {
  std::vector<std::string> open;
  std::size_t i = 0;
  if (xml.rfind("<?xml ", 0) == 0) i = xml.find("?>") + 2;
  for (; i < xml.size(); ++i) {
    unsigned char c = xml[i];
    if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') return "raw control character at " + std::to_string(i);
    if (c == '&') {
      auto semi = xml.find(';', i);
      std::string entity = semi == std::string::npos ? "" : xml.substr(i, semi - i + 1);
      const bool named =
          entity == "&amp;" || entity == "&lt;" || entity == "&gt;" || entity == "&quot;" || entity == "&apos;";
      const bool decimal = entity.size() > 3 && entity.rfind("&#", 0) == 0 &&
                           entity.find_first_not_of("0123456789", 2) == entity.size() - 1 && entity.size() < 11 &&
                           is_xml_char(static_cast<std::uint32_t>(std::stoul(entity.substr(2))));
      if (!named && !decimal) return "bare '&' or a reference to no XML character at " + std::to_string(i);
    } else if (c == '>') {
      return "stray '>' at " + std::to_string(i);  // the writer escapes it; a raw one means a broken tag
    } else if (c == '<') {
      auto end = xml.find('>', i);
      if (end == std::string::npos) return "unterminated tag";
      std::string tag = xml.substr(i + 1, end - i - 1);
      if (tag.empty()) return "empty tag";
      if (count(tag, "\"") % 2 != 0 || tag.find('<') != std::string::npos) return "broken tag <" + tag + ">";
      if (tag.front() == '/') {
        if (open.empty() || open.back() != tag.substr(1)) return "mismatched </" + tag.substr(1) + ">";
        open.pop_back();
      } else if (tag.back() != '/') {
        open.push_back(tag.substr(0, tag.find_first_of(" \n")));
      }
      i = end;
    }
  }
  return open.empty() ? "" : "unclosed <" + open.back() + ">";
}

TEST(Status, WorstOrdersErrorFailPassSkipped) {
  const std::vector<Status> ascending = {Status::skipped, Status::pass, Status::fail, Status::error};
  for (std::size_t a = 0; a < ascending.size(); ++a) {
    for (std::size_t b = 0; b < ascending.size(); ++b) {
      SCOPED_TRACE(std::string(verdict::to_string(ascending[a])) + " vs " + verdict::to_string(ascending[b]));
      EXPECT_EQ(verdict::worst(ascending[a], ascending[b]), ascending[std::max(a, b)]);
    }
  }
}

TEST(Status, ExitCodes) {
  EXPECT_EQ(verdict::exit_code(Status::pass), 0);
  EXPECT_EQ(verdict::exit_code(Status::skipped), 0);
  EXPECT_EQ(verdict::exit_code(Status::fail), 1);
  EXPECT_EQ(verdict::exit_code(Status::error), 2);
}

TEST(Status, SuiteAndRunStatus) {
  EXPECT_EQ(suite("s", {passed_case("a"), skipped_case("b")}).status(), Status::pass);
  EXPECT_EQ(suite("s", {passed_case("a"), failed_case("b", "m")}).status(), Status::fail);
  EXPECT_EQ(suite("s", {failed_case("a", "m"), error_case("b")}).status(), Status::error);
  // A suite that ran nothing could not judge.
  EXPECT_EQ(suite("s", {}).status(), Status::error);
  SuiteResult broken = suite("s", {passed_case("a")});
  broken.error = "no database";
  EXPECT_EQ(broken.status(), Status::error);
  EXPECT_EQ(run({}).status(), Status::error);
  EXPECT_EQ(run({suite("a", {passed_case("x")}), suite("b", {failed_case("y", "m")})}).status(), Status::fail);
}

TEST(VerdictJson, CarriesStatusCountsAndFindings) {
  json v = json::parse(verdict::render_verdict_json(
      run({suite("fixtures", {passed_case("ok"), failed_case("stock", "on hand drifted"), skipped_case("later")})})));

  EXPECT_EQ(v["schema_version"], verdict::verdict_schema_version);
  EXPECT_EQ(v["status"], "fail");
  EXPECT_EQ(v["counts"], json::parse(R"({"passed":1,"failed":1,"errors":0,"skipped":1})"));
  EXPECT_EQ(v["suites"][0]["counts"], json::parse(R"({"passed":1,"failed":1,"errors":0,"skipped":1})"));
  EXPECT_EQ(v["suites"][0]["status"], "fail");

  ASSERT_EQ(v["findings"].size(), 1u);
  const json& finding = v["findings"][0];
  EXPECT_EQ(finding["invariant"], "INV-STOCK-001");
  EXPECT_EQ(finding["case"], "stock");
  EXPECT_EQ(finding["step"], 3);
  EXPECT_EQ(finding["rows"], json::parse(R"([{"batch_id":"1","location_id":"2"}])"));  // JSON, not a string
  EXPECT_EQ(finding["command"], json::parse(R"({"do":"inventory.fulfill"})"));
  EXPECT_EQ(finding["replay"], "./verdict fixtures fixtures/stock.json");
  EXPECT_EQ(finding["message"], "on hand drifted");
  EXPECT_EQ(finding["seed"], nullptr);
}

TEST(VerdictJson, SuiteWithNoCasesMakesTheRunAnError) {
  RunReport r = run({suite("fixtures", {passed_case("ok")}), suite("properties:inventory", {})});
  json v = json::parse(verdict::render_verdict_json(r));

  EXPECT_EQ(v["status"], "error");
  EXPECT_EQ(v["suites"][1]["status"], "error");
  EXPECT_EQ(v["counts"]["passed"], 1);
  EXPECT_EQ(v["counts"]["failed"], 0);
  EXPECT_EQ(v["counts"]["errors"], 1);  // the empty suite could not judge: an error, not a failure
  EXPECT_EQ(verdict::exit_code(r.status()), 2);
}

TEST(VerdictJson, NoSuiteAtAllIsAnError) {
  json v = json::parse(verdict::render_verdict_json(run({})));
  EXPECT_EQ(v["status"], "error");
  EXPECT_EQ(v["suites"], json::array());
}

TEST(JunitXml, IsWellFormedAndEscapesWhatItQuotes) {
  const std::string hostile = "on_hand <0 & \"qty\" 'B1'\x01 end";
  RunReport r =
      run({suite("fixtures", {passed_case("ok"), failed_case("a<b", hostile), error_case("db"), skipped_case("later")}),
           suite("empty", {})});
  std::string xml = verdict::render_junit_xml(r);

  EXPECT_EQ(xml_problem(xml), "") << xml;
  EXPECT_EQ(xml_char_problem(xml), "") << xml;
  EXPECT_THAT(xml, HasSubstr("message=\"on_hand &lt;0 &amp; &quot;qty&quot; 'B1'\\x01 end\""));
  EXPECT_THAT(xml, HasSubstr("name=\"a&lt;b\""));
  EXPECT_EQ(xml.find('\x01'), std::string::npos);
  // Four cases, plus one error case standing for the suite that ran nothing.
  EXPECT_EQ(count(xml, "<testcase "), 5);
  EXPECT_EQ(count(xml, "<failure "), 1);
  EXPECT_EQ(count(xml, "<error "), 2);
  EXPECT_EQ(count(xml, "<skipped />"), 1);
  EXPECT_THAT(xml,
              HasSubstr("<testsuites name=\"verdict fixtures\" tests=\"5\" failures=\"1\" errors=\"2\" skipped=\"1\""));
  EXPECT_THAT(xml, HasSubstr("type=\"INV-STOCK-001\""));
}

TEST(JunitXml, ParsesBackWithCountsNamesAndMessages) {
  const std::string hostile_name = "<b>&\"' \xff";  // markup, quotes and a byte that is no UTF-8
  const std::string message = "on hand <0 & \"qty\" 'B1'\nsecond line";
  RunReport r = run({suite("fixtures", {passed_case("ok"), failed_case(hostile_name, message), error_case("db")}),
                     suite("properties:inventory", {skipped_case("later")})});
  r.profile = "pr";
  const std::string xml = verdict::render_junit_xml(r);
  EXPECT_EQ(xml_char_problem(xml), "") << xml;
  pugi::xml_document doc = parse_xml(xml);

  pugi::xml_node root = doc.child("testsuites");
  ASSERT_TRUE(root) << xml;
  EXPECT_STREQ(root.attribute("name").value(), "verdict pr");
  EXPECT_EQ(child_count(root, "testsuite"), 2);
  // The second suite only skipped: one error case stands for it.
  EXPECT_EQ(root.attribute("tests").as_int(), 5);
  EXPECT_EQ(root.attribute("failures").as_int(), 1);
  EXPECT_EQ(root.attribute("errors").as_int(), 2);
  EXPECT_EQ(root.attribute("skipped").as_int(), 1);

  pugi::xml_node fixtures = root.find_child_by_attribute("testsuite", "name", "fixtures");
  ASSERT_TRUE(fixtures) << xml;
  EXPECT_EQ(child_count(fixtures, "testcase"), 3);
  EXPECT_EQ(fixtures.attribute("tests").as_int(), 3);
  EXPECT_EQ(fixtures.attribute("failures").as_int(), 1);
  EXPECT_EQ(fixtures.attribute("errors").as_int(), 1);
  EXPECT_STREQ(fixtures.attribute("time").value(), "0.000");

  pugi::xml_node failed = fixtures.find_child_by_attribute("testcase", "name", "<b>&\"' \xef\xbf\xbd");
  ASSERT_TRUE(failed) << xml;
  EXPECT_STREQ(failed.attribute("classname").value(), "fixtures");
  EXPECT_STREQ(failed.attribute("time").value(), "0.034");
  pugi::xml_node failure = failed.child("failure");
  ASSERT_TRUE(failure) << xml;
  EXPECT_EQ(std::string(failure.attribute("message").value()), message);
  EXPECT_STREQ(failure.attribute("type").value(), "INV-STOCK-001");
  EXPECT_THAT(failure.text().get(), HasSubstr("invariant: INV-STOCK-001\n"));
  EXPECT_THAT(failure.text().get(), HasSubstr("replay: ./verdict fixtures fixtures/stock.json\n"));

  pugi::xml_node errored = fixtures.find_child_by_attribute("testcase", "name", "db");
  ASSERT_TRUE(errored) << xml;
  EXPECT_STREQ(errored.child("error").attribute("message").value(), "database unavailable");

  pugi::xml_node properties = root.find_child_by_attribute("testsuite", "name", "properties:inventory");
  ASSERT_TRUE(properties) << xml;
  EXPECT_EQ(child_count(properties, "testcase"), 2);
  EXPECT_TRUE(properties.find_child_by_attribute("testcase", "name", "later").child("skipped"));
  EXPECT_STREQ(properties.find_child_by_attribute("testcase", "name", "properties:inventory")
                   .child("error")
                   .attribute("message")
                   .value(),
               "the suite ran no test");
}

TEST(JunitXml, ProblemCheckersRejectBrokenXml) {
  // The checkers above must be able to fail, or the tests using them prove nothing.
  EXPECT_NE(xml_problem("<a>x & y</a>"), "");
  EXPECT_NE(xml_problem("<a><b></a></b>"), "");
  EXPECT_NE(xml_problem("<a m=\"1 < 2\"/>"), "");
  EXPECT_NE(xml_problem(std::string("<a>\x01</a>")), "");
  EXPECT_NE(xml_problem("<a>&#01;</a>"), "");  // a reference to a control character is no better
  EXPECT_NE(xml_problem("<a>"), "");
  EXPECT_EQ(xml_problem("<a m=\"&lt;&#10;\">x &amp; y<b/></a>"), "");

  EXPECT_NE(xml_char_problem("\xff"), "");
  EXPECT_NE(xml_char_problem("\xc3"), "");                    // truncated
  EXPECT_NE(xml_char_problem("\xc0\xaf"), "");                // overlong '/'
  EXPECT_NE(xml_char_problem("\xed\xa0\x80"), "");            // a surrogate
  EXPECT_NE(xml_char_problem("\xf4\x90\x80\x80"), "");        // above U+10FFFF
  EXPECT_NE(xml_char_problem("\xef\xbf\xbf"), "");            // U+FFFF
  EXPECT_NE(xml_char_problem(std::string("a\x00b", 3)), "");  // NUL
  EXPECT_EQ(xml_char_problem("\t\n\r é € \xf0\x9f\x98\x80 \xef\xbf\xbd"), "");
}

SuiteStats stats_of(const std::vector<std::int64_t>& latencies_us) {
  SuiteStats stats;
  for (std::int64_t latency_us : latencies_us) stats.record(latency_us, 1);
  return stats;
}

TEST(SuiteStats, RecordCountsStepsRetriesAndLatencies) {
  SuiteStats stats;
  stats.record(100, 1);
  stats.record(250, 3);  // two retries
  stats.record(0, 1);
  EXPECT_EQ(stats.steps, 3);
  EXPECT_EQ(stats.retries, 2);
  EXPECT_EQ(stats.latencies_us, (std::vector<std::int64_t>{100, 250, 0}));
}

TEST(SuiteStats, PercentileIsTheNearestRank) {
  // The textbook example, shuffled: nearest rank picks a sample, never interpolates.
  const SuiteStats five = stats_of({40, 15, 50, 35, 20});
  EXPECT_EQ(five.percentile_us(0), 15);
  EXPECT_EQ(five.percentile_us(5), 15);
  EXPECT_EQ(five.percentile_us(20), 15);
  EXPECT_EQ(five.percentile_us(21), 20);
  EXPECT_EQ(five.percentile_us(30), 20);
  EXPECT_EQ(five.percentile_us(40), 20);
  EXPECT_EQ(five.percentile_us(50), 35);
  EXPECT_EQ(five.percentile_us(99), 50);
  EXPECT_EQ(five.percentile_us(100), 50);
  EXPECT_EQ(five.latencies_us, (std::vector<std::int64_t>{40, 15, 50, 35, 20}));  // left in execution order

  std::vector<std::int64_t> hundred;
  for (std::int64_t k = 100; k >= 1; --k) hundred.push_back(k);
  const SuiteStats descending = stats_of(hundred);
  EXPECT_EQ(descending.percentile_us(1), 1);
  EXPECT_EQ(descending.percentile_us(50), 50);
  EXPECT_EQ(descending.percentile_us(99), 99);

  const SuiteStats one = stats_of({7});
  EXPECT_EQ(one.percentile_us(0), 7);
  EXPECT_EQ(one.percentile_us(50), 7);
  EXPECT_EQ(one.percentile_us(100), 7);

  const SuiteStats two = stats_of({9, 3});
  EXPECT_EQ(two.percentile_us(50), 3);
  EXPECT_EQ(two.percentile_us(51), 9);
}

TEST(SuiteStats, PercentileOfNothingIsZero) {
  const SuiteStats empty;
  EXPECT_EQ(empty.percentile_us(0), 0);
  EXPECT_EQ(empty.percentile_us(50), 0);
  EXPECT_EQ(empty.percentile_us(99), 0);
}

TEST(SuiteStats, MergeAddsCountsAndAppendsSamplesInOrder) {
  SuiteStats a;
  a.record(10, 1);
  a.record(20, 2);
  SuiteStats b;
  b.record(5, 4);
  a.merge(b);
  a.merge(SuiteStats{});
  EXPECT_EQ(a.steps, 3);
  EXPECT_EQ(a.retries, 4);
  EXPECT_EQ(a.latencies_us, (std::vector<std::int64_t>{10, 20, 5}));
  EXPECT_EQ(b.steps, 1);  // the other side is left alone
  EXPECT_EQ(a.percentile_us(50), 10);
}

TEST(SuiteStats, KeepsAtMostLatencySamplesMaxButCountsEveryStep) {
  const std::size_t max = SuiteStats::latency_samples_max;
  SuiteStats stats;
  for (std::size_t k = 0; k < max + 5; ++k) stats.record(static_cast<std::int64_t>(k), 2);
  EXPECT_EQ(stats.steps, static_cast<std::int64_t>(max + 5));
  EXPECT_EQ(stats.retries, static_cast<std::int64_t>(max + 5));
  ASSERT_EQ(stats.latencies_us.size(), max);
  EXPECT_EQ(stats.latencies_us.back(), static_cast<std::int64_t>(max - 1));  // the first ones are kept

  SuiteStats half;
  for (std::size_t k = 0; k < max / 2 + 1; ++k) half.record(1, 1);
  SuiteStats merged = half;
  merged.merge(half);
  EXPECT_EQ(merged.steps, static_cast<std::int64_t>(2 * (max / 2 + 1)));
  EXPECT_EQ(merged.latencies_us.size(), max);
  stats.merge(half);
  EXPECT_EQ(stats.latencies_us.size(), max);
}

TEST(SuiteStatsDeathTest, RefusesWhatNoStepCanBe) {
  SuiteStats stats;
  EXPECT_DEATH(stats.record(-1, 1), "no negative time");
  EXPECT_DEATH(stats.record(10, 0), "at least one attempt");
  EXPECT_DEATH((void)stats.percentile_us(101), "between 0 and 100");
  EXPECT_DEATH((void)stats.percentile_us(-1), "between 0 and 100");
}

// Two suites: one that executed three steps in two seconds, and one that executed nothing.
RunReport run_with_stats() {
  SuiteResult measured = suite("fixtures", {passed_case("ok")});
  measured.duration_ms = 2000;
  measured.stats.record(1234, 1);
  measured.stats.record(12000, 2);
  measured.stats.record(999, 2);
  SuiteResult idle = suite("stress:hot_batch", {passed_case("idle")});
  idle.kind = "stress";
  return run({measured, idle});
}

TEST(VerdictJson, CarriesSuiteStats) {
  json v = json::parse(verdict::render_verdict_json(run_with_stats()));
  EXPECT_EQ(v["schema_version"], 3);
  EXPECT_EQ(v["suites"][0]["stats"],
            json::parse(R"({"steps":3,"steps_per_s":"1.5","retries":2,"p50_ms":"1.234","p99_ms":"12.000"})"));
  // No duration: no rate; no sample: no latency. Null, never a made-up zero.
  EXPECT_EQ(v["suites"][1]["stats"],
            json::parse(R"({"steps":0,"steps_per_s":null,"retries":0,"p50_ms":null,"p99_ms":null})"));
}

TEST(VerdictJson, StatsRoundTheRateAndWriteSubMillisecondLatencies) {
  SuiteResult s = suite("properties:inventory", {passed_case("ok")});
  s.duration_ms = 3000;
  s.stats.record(7, 1);
  s.stats.record(1000, 1);
  json v = json::parse(verdict::render_verdict_json(run({s})));
  EXPECT_EQ(v["suites"][0]["stats"]["steps_per_s"], "0.7");  // 2 steps in 3 s
  EXPECT_EQ(v["suites"][0]["stats"]["p50_ms"], "0.007");
  EXPECT_EQ(v["suites"][0]["stats"]["p99_ms"], "1.000");
}

TEST(SummaryMd, HasAStatsRowPerSuite) {
  std::string md = verdict::render_summary_md(run_with_stats());
  EXPECT_THAT(md, HasSubstr("| suite | steps | steps/s | retries | p50 | p99 |\n|---|---:|---:|---:|---:|---:|\n"
                            "| fixtures | 3 | 1.5 | 2 | 1.234 ms | 12.000 ms |\n"
                            "| stress:hot\\_batch | 0 | — | 0 | — | — |\n"));
  EXPECT_EQ(last_line(md), "2 passed, 0 failed");
}

TEST(SummaryAndTerminal, EndWithTheCountsLine) {
  RunReport r = run({suite("fixtures", {passed_case("ok"), failed_case("stock", "drift"), error_case("db")})});

  std::string md = verdict::render_summary_md(r);
  EXPECT_EQ(last_line(md), "1 passed, 1 failed, 1 error");
  EXPECT_THAT(md, HasSubstr("**Broken invariant `INV-STOCK-001`** at step 3."));
  EXPECT_THAT(md, HasSubstr("./verdict fixtures fixtures/stock.json"));

  std::string terminal = verdict::render_terminal(r);
  EXPECT_EQ(last_line(terminal), "1 passed, 1 failed, 1 error");
  EXPECT_THAT(terminal, HasSubstr("verdict: error\n"));
  EXPECT_THAT(terminal, HasSubstr("invariant: INV-STOCK-001"));
}

TEST(SummaryAndTerminal, SkippedCasesAreCountedLast) {
  RunReport r = run({suite("fixtures", {passed_case("ok"), skipped_case("later")})});
  EXPECT_EQ(last_line(verdict::render_terminal(r)), "1 passed, 0 failed, 1 skipped");
  EXPECT_EQ(last_line(verdict::render_summary_md(r)), "1 passed, 0 failed, 1 skipped");
}

TEST(SummaryAndTerminal, EmptySuiteIsReportedAsAnError) {
  RunReport r = run({suite("properties:inventory", {})});
  std::string terminal = verdict::render_terminal(r);
  EXPECT_THAT(terminal, HasSubstr("error: the suite ran no test"));
  EXPECT_EQ(last_line(terminal), "0 passed, 0 failed, 1 error");
  EXPECT_THAT(verdict::render_summary_md(r), HasSubstr("# Verdict: ⚠️ error"));
}

TEST(VerdictFiles, InvalidUtf8FromASystemNeverLosesTheVerdict) {
  // A system or a scenario may hand us any bytes; the files must still be written and valid.
  RunReport r = run({suite("fixtures", {failed_case("bad \xff name", "message \xc3\x28 here")})});

  json v = json::parse(verdict::render_verdict_json(r));  // throws if the writer gave up or wrote bad UTF-8
  EXPECT_EQ(v["status"], "fail");
  EXPECT_EQ(v["findings"][0]["message"], "message \xef\xbf\xbd( here");

  std::string xml = verdict::render_junit_xml(r);
  EXPECT_EQ(xml_problem(xml), "");
  EXPECT_EQ(xml_char_problem(xml), "") << xml;
  EXPECT_EQ(xml.find('\xff'), std::string::npos);
  EXPECT_THAT(xml, HasSubstr("name=\"bad \xef\xbf\xbd name\""));
}

TEST(VerdictFiles, JunitXmlCarriesOnlyXmlCharacters) {
  // Byte sequences a lenient UTF-8 check lets through, and characters XML 1.0 forbids even escaped:
  // an XML parser in CI rejects the whole file for any one of them.
  const std::string bytes = std::string("overlong \xc0\xaf surrogate \xed\xa0\x80 beyond \xf4\x90\x80\x80 ") +
                            "noncharacter \xef\xbf\xbf truncated \xe2\x82 nul " + std::string(1, '\0') +
                            " escape \x1b tab\tend";
  RunReport r = run({suite("fixtures", {failed_case(bytes, bytes)})});
  const std::string xml = verdict::render_junit_xml(r);
  EXPECT_EQ(xml_char_problem(xml), "") << xml;
  EXPECT_EQ(xml_problem(xml), "") << xml;
  pugi::xml_document doc = parse_xml(xml);
  const std::string message = doc.select_node("//failure").node().attribute("message").value();
  EXPECT_EQ(message,
            "overlong \xef\xbf\xbd\xef\xbf\xbd surrogate \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd beyond "
            "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd noncharacter \xef\xbf\xbd truncated "
            "\xef\xbf\xbd\xef\xbf\xbd nul \\x00 escape \\x1b tab\tend");
}

TEST(VerdictFiles, SuiteWhoseCasesWereAllSkippedIsAnError) {
  RunReport r = run({suite("properties:inventory", {skipped_case("a"), skipped_case("b")})});
  EXPECT_EQ(r.status(), Status::error);
  EXPECT_EQ(r.failed(), 0);
  EXPECT_EQ(r.errors(), 1);  // the suite itself: it judged nothing
  EXPECT_EQ(last_line(verdict::render_terminal(r)), "0 passed, 0 failed, 1 error, 2 skipped");
  std::string xml = verdict::render_junit_xml(r);
  EXPECT_THAT(xml, HasSubstr("<error message=\"the suite ran no test\""));
}

// --- Hostile and huge values (issue 6): every writer's file read back by a real parser ------------

// Names and values a system or a scenario may hand over: markup, Markdown and table syntax, fences,
// entities, terminal escapes, carriage returns, NUL, and bytes that are no UTF-8.
const std::string hostile_text =
    std::string("<script>alert(1)</script> <b>bold</b> | cell | `tick` ``` **strong** ") +
    "_em_ [link](http://x) &amp; $math$ ~~gone~~ # head ]]> </failure> \x1b[31mred\x1b[0m " +
    "over\rwrite bell\x07 nul" + std::string(1, '\0') + " bad\xff\xc3\x28 end\nsecond line";

RunReport hostile_report() {
  CaseResult bad = failed_case(hostile_text, hostile_text);
  bad.finding->command_json = hostile_text;
  bad.finding->rows_json = R"([{"note":")" + std::string("<b>|`") + R"("}])";
  bad.finding->invariant_id = "INV-`|<b>";
  bad.finding->replay = "./verdict fixtures '" + hostile_text + "'";
  CaseResult erred = error_case("<i>error</i> | x");
  erred.detail = hostile_text;
  SuiteResult s = suite("fixtures " + hostile_text, {passed_case("ok"), bad, erred});
  s.seed = hostile_text;
  s.commands[hostile_text] = {2, 1};
  SuiteResult broken = suite("properties:<b>x</b>", {});
  broken.error = hostile_text;
  RunReport r = run({s, broken});
  r.profile = hostile_text;
  return r;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Markdown that shows text only as text, checked as a CommonMark/GFM reader sees it: fenced code
// blocks open and close (a fence closes only with at least as many backticks); outside them there is
// no raw HTML (an unescaped '<'), no unescaped emphasis, link, entity or math character, every table
// row has its header's cells, and nowhere a control character but newline. Returns "" or why not.
std::string markdown_problem(const std::string& md) {
  if (auto utf8 = xml_char_problem(md); !utf8.empty()) return utf8;
  for (std::size_t i = 0; i < md.size(); ++i) {
    const auto c = static_cast<unsigned char>(md[i]);
    if ((c < 0x20 && c != '\n') || c == 0x7f) return "control character at " + std::to_string(i);
  }
  std::istringstream lines(md);
  std::string line;
  std::size_t fence = 0;  // the open fence's backticks, 0 outside
  int table_cells = -1;   // the header's cells while in a table
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    const std::size_t ticks =
        line.find_first_not_of('`') == std::string::npos ? line.size() : line.find_first_not_of('`');
    if (fence > 0) {
      if (ticks >= fence && line.find_first_not_of('`') == std::string::npos) fence = 0;
      continue;
    }
    if (ticks >= 3) {
      fence = ticks;
      continue;
    }
    // The writer's own bold ("**Broken invariant ...**", "**suite**: commands ...") is markup.
    if (line.rfind("**", 0) == 0) {
      line.erase(0, 2);
      if (const auto end = line.find("**"); end != std::string::npos) line.erase(end, 2);
    }
    // Outside code: walk the line's inline text; code spans (backtick runs) are literal.
    int cells = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
      const char ch = line[i];
      if (ch == '\\') {
        ++i;  // an escaped character is text
        continue;
      }
      if (ch == '`') {
        std::size_t run =
            line.find_first_not_of('`', i) == std::string::npos ? line.size() - i : line.find_first_not_of('`', i) - i;
        const std::string closing(run, '`');
        std::size_t close = line.find(closing, i + run);
        while (close != std::string::npos && close + run < line.size() && line[close + run] == '`')
          close = line.find(closing, close + run + 1);
        if (close == std::string::npos) return "unclosed code span on line " + std::to_string(number);
        for (std::size_t k = i + run; k < close; ++k)
          if (line[k] == '|' && line[k - 1] != '\\' && line.front() == '|')
            return "unescaped | in a code span in a table row, line " + std::to_string(number);
        i = close + run - 1;
        continue;
      }
      if (ch == '|') ++cells;
      if (std::string_view("<&[]$~_*").find(ch) != std::string_view::npos)
        return "unescaped '" + std::string(1, ch) + "' on line " + std::to_string(number) + ": " + line;
    }
    if (line.rfind("|", 0) == 0) {
      if (table_cells < 0) table_cells = cells;
      if (cells != table_cells)
        return "table row with " + std::to_string(cells) + " separators, header has " + std::to_string(table_cells) +
               ", line " + std::to_string(number) + ": " + line;
    } else {
      table_cells = -1;
    }
  }
  return fence == 0 ? "" : "unclosed code fence";
}

TEST(HostileValues, EveryWriterKeepsItsFormatAndShowsThemAsText) {
  const RunReport r = hostile_report();
  const auto dir = std::filesystem::temp_directory_path() / ("verdict-hostile-" + std::to_string(::getpid()));
  verdict::write_report_files(r, dir.string());

  // verdict.json: strict JSON; text as given, but for bytes that are no UTF-8 (U+FFFD).
  const json v = json::parse(read_file(dir / "verdict.json"));
  EXPECT_EQ(v["status"], "error");
  const std::string message = v["findings"][0]["message"];
  EXPECT_THAT(message, HasSubstr("<script>alert(1)</script> <b>bold</b> | cell | `tick` ```"));
  EXPECT_THAT(message, HasSubstr("bad\xef\xbf\xbd\xef\xbf\xbd( end\nsecond line"));
  EXPECT_EQ(v["findings"][0]["command"], json(message));  // not JSON: kept as the (repaired) string
  EXPECT_EQ(v["findings"][0]["rows"][0]["note"], "<b>|`");

  // findings.jsonl: one strict JSON line per finding and per suite that could not judge.
  std::istringstream jsonl(read_file(dir / "findings.jsonl"));
  std::string line;
  int lines = 0;
  while (std::getline(jsonl, line)) {
    EXPECT_NO_THROW((void)json::parse(line)) << line;
    ++lines;
  }
  EXPECT_EQ(lines, 3);  // the failed case, the errored case, the suite that ran nothing

  // junit.xml: a real XML parser reads it, with only XML characters.
  const std::string xml = read_file(dir / "junit.xml");
  EXPECT_EQ(xml_char_problem(xml), "");
  pugi::xml_document doc = parse_xml(xml);
  const std::string failure = doc.select_node("//failure").node().attribute("message").value();
  EXPECT_THAT(failure, HasSubstr("<script>alert(1)</script> <b>bold</b>"));
  EXPECT_THAT(failure, HasSubstr("]]> </failure> \\x1b[31mred"));
  EXPECT_EQ(child_count(doc.child("testsuites"), "testsuite"), 2);

  // summary.md: Markdown that renders every hostile value as text.
  const std::string md = read_file(dir / "summary.md");
  EXPECT_EQ(markdown_problem(md), "") << md;
  EXPECT_THAT(md, HasSubstr("\\<b\\>bold\\</b\\>"));
  EXPECT_EQ(md.find("\x1b"), std::string::npos);
  EXPECT_EQ(last_line(md), "1 passed, 1 failed, 2 errors");

  // The terminal: no escape sequence, no carriage return, well-formed UTF-8.
  const std::string terminal = verdict::render_terminal(r);
  EXPECT_EQ(terminal.find('\x1b'), std::string::npos);
  EXPECT_EQ(terminal.find('\r'), std::string::npos);
  EXPECT_EQ(terminal.find('\0'), std::string::npos);
  EXPECT_EQ(xml_char_problem(terminal), "");
  EXPECT_THAT(terminal, HasSubstr("\\x1b[31mred"));
  EXPECT_EQ(last_line(terminal), "1 passed, 1 failed, 2 errors");
  std::filesystem::remove_all(dir);
}

TEST(HostileValues, AMarkdownFenceInAValueDoesNotCloseTheCodeBlock) {
  RunReport r = run({suite("fixtures", {failed_case("fence", "before\n```\n<b>after</b>\n````\nend")})});
  const std::string md = verdict::render_summary_md(r);
  EXPECT_EQ(markdown_problem(md), "") << md;
  EXPECT_THAT(md, HasSubstr("`````\nsuite: fixtures\n"));  // one backtick more than the longest run
}

TEST(HugeValues, AreCutInEveryWriterWithTheirLengthNotedAndKeptWholeInFindingsJsonl) {
  const std::string mebibyte(1 << 20, 'x');
  CaseResult big = failed_case(mebibyte, mebibyte);
  big.finding->command_json = R"({"do":"x","with":{"note":")" + mebibyte + R"("}})";
  RunReport r = run({suite("fixtures", {big})});
  const auto dir = std::filesystem::temp_directory_path() / ("verdict-huge-" + std::to_string(::getpid()));
  verdict::write_report_files(r, dir.string());
  const std::string note = "… (1048576 bytes, cut)";

  const json v = json::parse(read_file(dir / "verdict.json"));
  const std::string message = v["findings"][0]["message"];
  EXPECT_EQ(message, mebibyte.substr(0, verdict::report_value_bytes_max) + note);
  EXPECT_EQ(v["suites"][0]["cases"][0]["name"], message);
  EXPECT_THAT(v["findings"][0]["command"].get<std::string>(), HasSubstr("bytes, cut)"));
  EXPECT_LT(read_file(dir / "verdict.json").size(), 10 * verdict::report_value_bytes_max);

  const std::string xml = read_file(dir / "junit.xml");
  EXPECT_THAT(xml, HasSubstr(note));
  EXPECT_LT(xml.size(), 10 * verdict::report_value_bytes_max);

  const std::string md = read_file(dir / "summary.md");
  EXPECT_THAT(md, HasSubstr(note));
  EXPECT_LT(md.size(), 10 * verdict::report_value_bytes_max);

  const std::string terminal = verdict::render_terminal(r);
  EXPECT_THAT(terminal, HasSubstr(note));
  EXPECT_LT(terminal.size(), 10 * verdict::report_value_bytes_max);

  // The whole value stays in the run directory.
  const json whole = json::parse(read_file(dir / "findings.jsonl"));
  EXPECT_EQ(whole["finding"]["message"], mebibyte);
  std::filesystem::remove_all(dir);
}

TEST(HugeValues, AreCutAtACharacterBoundary) {
  const std::string accents = "a" + [] {
    std::string out;
    for (std::size_t i = 0; i < verdict::report_value_bytes_max; ++i) out += "\xc3\xa9";  // é, two bytes
    return out;
  }();
  const std::string cut = verdict::cut_for_report(accents);
  EXPECT_EQ(xml_char_problem(cut), "");
  EXPECT_LE(cut.find("…"), verdict::report_value_bytes_max);
  EXPECT_THAT(cut, ::testing::EndsWith("… (" + std::to_string(accents.size()) + " bytes, cut)"));
  EXPECT_EQ(verdict::cut_for_report("short"), "short");
  const std::string at_limit(verdict::report_value_bytes_max, 'y');
  EXPECT_EQ(verdict::cut_for_report(at_limit), at_limit);
}

TEST(HostileValues, TerminalValueIsCutAndPrintable) {
  EXPECT_EQ(verdict::terminal_value("a\x1b[2Jb\rc\td\ne\xff"), "a\\x1b[2Jb\\x0dc\td\ne\xef\xbf\xbd");
  const std::string big(verdict::report_value_bytes_max + 1, 'v');
  EXPECT_THAT(verdict::terminal_value(big), ::testing::EndsWith("… (16385 bytes, cut)"));
}

TEST(HugeValues, SummaryMdStaysUnderItsLimitAndCountsTheFindingsLeftOut) {
  std::vector<CaseResult> cases;
  for (int i = 0; i < 200; ++i)
    cases.push_back(failed_case("case " + std::to_string(i), std::string(verdict::report_value_bytes_max, 'z')));
  RunReport r = run({suite("fixtures", cases)});
  const std::string md = verdict::render_summary_md(r);
  EXPECT_LE(md.size(), verdict::summary_bytes_max);
  EXPECT_THAT(md, ::testing::ContainsRegex("\n[0-9]+ more finding\\(s\\) not shown"));
  EXPECT_THAT(md, HasSubstr("### fixtures / case 0 — fail"));
  EXPECT_EQ(markdown_problem(md), "");
  EXPECT_EQ(last_line(md), "0 passed, 200 failed");
}

}  // namespace
