// The verdict writers: verdict.json, junit.xml, summary.md and the terminal summary.

#include "verdict/report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <sstream>
#include <stdexcept>
#include <string_view>

namespace verdict {
using json = nlohmann::json;

const char* to_string(Status status) {
  switch (status) {
    case Status::pass:
      return "pass";
    case Status::fail:
      return "fail";
    case Status::error:
      return "error";
    case Status::skipped:
      return "skipped";
  }
  return "?";
}

namespace {
int rank(Status s) {
  switch (s) {
    case Status::skipped:
      return 0;
    case Status::pass:
      return 1;
    case Status::fail:
      return 2;
    case Status::error:
      return 3;
  }
  return 3;
}

json parse_or_string(const std::string& text) {
  if (text.empty()) return nullptr;
  try {
    return json::parse(text);
  } catch (const json::parse_error&) {
    return text;
  }
}

json finding_json(const Finding& f) {
  return json{{"suite", f.suite},
              {"case", f.case_name},
              {"step", f.step_index},
              {"command", parse_or_string(f.command_json)},
              {"invariant", f.invariant_id.empty() ? json(nullptr) : json(f.invariant_id)},
              {"rows", parse_or_string(f.rows_json)},
              {"expected", f.expected},
              {"actual", f.actual},
              {"message", f.message},
              {"seed", f.seed.empty() ? json(nullptr) : json(f.seed)},
              {"replay", f.replay}};
}

constexpr std::string_view replacement_character = "\xEF\xBF\xBD";  // U+FFFD

// The length of the well-formed UTF-8 sequence that starts at in[at] (RFC 3629: no overlong form, no
// surrogate, nothing above U+10FFFF), or 0 when the bytes there are not one. XML parsers reject
// every one of those forms, so a lenient check here would still let a bad byte through to CI.
std::size_t utf8_sequence_length(std::string_view in, std::size_t at) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(in[at + k]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char second_min = 0x80;
  unsigned char second_max = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead == 0xe0) second_min = 0xa0;  // shorter forms are overlong
    if (lead == 0xed) second_max = 0x9f;  // U+D800..U+DFFF are surrogates
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead == 0xf0) second_min = 0x90;  // shorter forms are overlong
    if (lead == 0xf4) second_max = 0x8f;  // above U+10FFFF
  } else {
    return 0;
  }
  if (at + length > in.size()) return 0;
  if (byte(1) < second_min || byte(1) > second_max) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if ((byte(k) & 0xc0) != 0x80) return 0;
  }
  return length;
}

// Text a system or a scenario supplied, made fit for XML 1.0, which must be well-formed UTF-8 of
// XML characters only: a byte that is not part of well-formed UTF-8 becomes U+FFFD, and so do
// U+FFFE and U+FFFF; a control character other than tab, newline and carriage return is written
// out as \xNN, because XML 1.0 forbids it even as a character reference (pugixml would write &#01;,
// which no parser accepts). Escaping <, &, " is pugixml's work.
std::string xml_text(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size();) {
    const std::size_t length = utf8_sequence_length(in, i);
    if (length == 0) {
      out += replacement_character;
      ++i;
      continue;
    }
    const std::string_view sequence = in.substr(i, length);
    i += length;
    const auto c = static_cast<unsigned char>(sequence.front());
    if (length == 1 && c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      out += fmt::format("\\x{:02x}", c);
    } else if (sequence == "\xEF\xBF\xBE" || sequence == "\xEF\xBF\xBF") {
      out += replacement_character;
    } else {
      out += sequence;
    }
  }
  return out;
}

// The finding as lines a person reads; shared by the terminal, junit and summary.md.
std::string finding_text(const Finding& f) {
  std::string out;
  out += fmt::format("suite: {}\ncase: {}\n", f.suite, f.case_name);
  if (f.step_index >= 0) out += fmt::format("step: {}\n", f.step_index);
  if (!f.command_json.empty()) out += fmt::format("command: {}\n", f.command_json);
  if (!f.invariant_id.empty()) out += fmt::format("invariant: {}\n", f.invariant_id);
  if (!f.rows_json.empty()) out += fmt::format("rows: {}\n", f.rows_json);
  if (!f.expected.empty()) out += fmt::format("expected: {}\n", f.expected);
  if (!f.actual.empty()) out += fmt::format("actual: {}\n", f.actual);
  if (!f.message.empty()) out += fmt::format("message: {}\n", f.message);
  if (!f.seed.empty()) out += fmt::format("seed: {}\n", f.seed);
  if (!f.replay.empty()) out += fmt::format("replay: {}\n", f.replay);
  return out;
}

// Microseconds as milliseconds with three decimals, exactly (integers, no rounding).
std::string milliseconds_text(std::int64_t us) { return fmt::format("{}.{:03}", us / 1000, us % 1000); }

// What a suite executed, as text; each figure is nullopt when there is nothing to compute it from: no
// duration for a rate, no sample for a latency.
struct StatsText {
  std::optional<std::string> steps_per_s;
  std::optional<std::string> p50_ms;
  std::optional<std::string> p99_ms;
};

StatsText stats_text(const SuiteResult& s) {
  StatsText text;
  if (s.duration_ms > 0) {
    text.steps_per_s = fmt::format("{:.1f}", static_cast<double>(s.stats.steps) * 1000.0 / s.duration_ms);
  }
  if (!s.stats.latencies_us.empty()) {
    text.p50_ms = milliseconds_text(s.stats.percentile_us(50));
    text.p99_ms = milliseconds_text(s.stats.percentile_us(99));
  }
  return text;
}

json stats_json(const SuiteResult& s) {
  const StatsText text = stats_text(s);
  const auto or_null = [](const std::optional<std::string>& value) { return value ? json(*value) : json(nullptr); };
  return json{{"steps", s.stats.steps},
              {"steps_per_s", or_null(text.steps_per_s)},
              {"retries", s.stats.retries},
              {"p50_ms", or_null(text.p50_ms)},
              {"p99_ms", or_null(text.p99_ms)}};
}

json commands_json(const SuiteResult& s) {
  json out = json::object();
  for (const auto& [name, c] : s.commands) out[name] = {{"ran", c.ran}, {"succeeded", c.succeeded}};
  return out;
}

// Per command type, for the suites that count them: what ran and what the system accepted.
std::string commands_table_md(const RunReport& report) {
  std::string out;
  for (const auto& s : report.suites) {
    if (s.commands.empty()) continue;
    out += fmt::format("\n**{}**: commands run and accepted\n\n| command | ran | ok |\n|---|---:|---:|\n", s.name);
    for (const auto& [name, c] : s.commands) out += fmt::format("| `{}` | {} | {} |\n", name, c.ran, c.succeeded);
  }
  return out;
}

std::string stats_table_md(const RunReport& report) {
  std::string out = "| suite | steps | steps/s | retries | p50 | p99 |\n|---|---:|---:|---:|---:|---:|\n";
  for (const auto& s : report.suites) {
    const StatsText text = stats_text(s);
    const auto or_dash = [](const std::optional<std::string>& value, const char* unit) {
      return value ? *value + unit : std::string("—");
    };
    out += fmt::format("| {} | {} | {} | {} | {} | {} |\n", s.name, s.stats.steps, or_dash(text.steps_per_s, ""),
                       s.stats.retries, or_dash(text.p50_ms, " ms"), or_dash(text.p99_ms, " ms"));
  }
  return out;
}

// The suite itself could not judge: the harness said why, or no case ran (empty, or all skipped).
bool suite_error(const SuiteResult& s) {
  if (!s.error.empty()) return true;
  for (const auto& c : s.cases)
    if (c.status != Status::skipped) return false;
  return true;
}

std::string suite_error_text(const SuiteResult& s) { return s.error.empty() ? "the suite ran no test" : s.error; }

std::string case_failure_text(const CaseResult& c) {
  if (c.finding) return finding_text(*c.finding);
  return c.detail;
}
}  // namespace

Status worst(Status a, Status b) { return rank(a) >= rank(b) ? a : b; }

void SuiteStats::record(std::int64_t latency_us, int attempts) {
  if (latency_us < 0 || attempts < 1) {
    std::fprintf(stderr,
                 "verdict: SuiteStats::record(latency_us %lld, attempts %d): a step takes no negative time and at "
                 "least one attempt\n",
                 static_cast<long long>(latency_us), attempts);
    std::abort();
  }
  steps += 1;
  retries += attempts - 1;
  if (latencies_us.size() < latency_samples_max) latencies_us.push_back(latency_us);
}

void SuiteStats::merge(const SuiteStats& other) {
  steps += other.steps;
  retries += other.retries;
  const std::size_t room = latency_samples_max - std::min(latencies_us.size(), latency_samples_max);
  const std::size_t taken = std::min(room, other.latencies_us.size());
  latencies_us.insert(latencies_us.end(), other.latencies_us.begin(), other.latencies_us.begin() + taken);
}

std::int64_t SuiteStats::percentile_us(int p) const {
  if (p < 0 || p > 100) {
    std::fprintf(stderr, "verdict: SuiteStats::percentile_us(%d): a percentile is between 0 and 100\n", p);
    std::abort();
  }
  if (latencies_us.empty()) return 0;
  // Nearest rank: the ceil(p% of n)-th smallest sample, and the smallest for p = 0.
  const auto n = static_cast<std::int64_t>(latencies_us.size());
  const std::int64_t rank = std::max<std::int64_t>(1, (p * n + 99) / 100);
  std::vector<std::int64_t> sorted = latencies_us;
  auto nth = sorted.begin() + (rank - 1);
  std::nth_element(sorted.begin(), nth, sorted.end());
  return *nth;
}

Status SuiteResult::status() const {
  if (!error.empty()) return Status::error;
  bool ran = false;
  Status s = Status::skipped;
  for (const auto& c : cases) {
    if (c.status != Status::skipped) ran = true;
    s = worst(s, c.status);
  }
  return ran ? s : Status::error;  // a stage that ran no test is an error, never a pass
}

Status RunReport::status() const {
  if (suites.empty()) return Status::error;
  Status s = Status::skipped;
  for (const auto& suite : suites) s = worst(s, suite.status());
  return s;
}

int RunReport::passed() const {
  int n = 0;
  for (const auto& s : suites)
    for (const auto& c : s.cases) n += c.status == Status::pass;
  return n;
}
int RunReport::failed() const {
  int n = 0;
  for (const auto& s : suites) {
    for (const auto& c : s.cases) n += c.status == Status::fail || c.status == Status::error;
    if (suite_error(s)) ++n;  // the suite itself could not judge
  }
  return n;
}
int RunReport::skipped() const {
  int n = 0;
  for (const auto& s : suites)
    for (const auto& c : s.cases) n += c.status == Status::skipped;
  return n;
}

std::string render_verdict_json(const RunReport& report) {
  json suites = json::array();
  json findings = json::array();
  json seeds = json::object();
  for (const auto& s : report.suites) {
    json cases = json::array();
    int counts[4] = {0, 0, 0, 0};
    for (const auto& c : s.cases) {
      ++counts[static_cast<int>(c.status)];
      json jc{{"name", c.name}, {"status", to_string(c.status)}, {"duration_ms", c.duration_ms}};
      if (c.finding) {
        jc["finding"] = finding_json(*c.finding);
        findings.push_back(finding_json(*c.finding));
      }
      if (!c.detail.empty()) jc["detail"] = c.detail;
      cases.push_back(std::move(jc));
    }
    if (!s.seed.empty()) seeds[s.name] = s.seed;
    suites.push_back(
        json{{"name", s.name},
             {"kind", s.kind},
             {"status", to_string(s.status())},
             {"seed", s.seed.empty() ? json(nullptr) : json(s.seed)},
             {"counts", {{"passed", counts[0]}, {"failed", counts[1]}, {"errors", counts[2]}, {"skipped", counts[3]}}},
             {"error", s.error.empty() ? json(nullptr) : json(s.error)},
             {"duration_ms", s.duration_ms},
             {"stats", stats_json(s)},
             {"commands", commands_json(s)},
             {"cases", std::move(cases)}});
  }
  json out{{"schema_version", verdict_schema_version},
           {"tool", "verdict"},
           {"run_id", report.run_id},
           {"command", report.command},
           {"profile", report.profile.empty() ? json(nullptr) : json(report.profile)},
           {"git_sha", report.git_sha},
           {"started_at", report.started_at},
           {"duration_ms", report.duration_ms},
           {"status", to_string(report.status())},
           {"counts", {{"passed", report.passed()}, {"failed", report.failed()}, {"skipped", report.skipped()}}},
           {"seeds", seeds},
           {"findings", findings},
           {"suites", suites}};
  // Text from a system or a scenario may hold invalid UTF-8: replace it, never lose the verdict.
  return out.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

namespace {
// The junit.xml pieces. Every attribute and text that holds what a system or a scenario supplied goes
// through xml_text first.
void set_attribute(pugi::xml_node node, const char* name, std::string_view value) {
  node.append_attribute(name).set_value(xml_text(value).c_str());
}

std::string seconds_text(std::int64_t duration_ms) { return fmt::format("{:.3f}", duration_ms / 1000.0); }

pugi::xml_node append_testcase(pugi::xml_node suite, std::string_view classname, std::string_view name,
                               const std::string& time_s) {
  pugi::xml_node testcase = suite.append_child("testcase");
  set_attribute(testcase, "classname", classname);
  set_attribute(testcase, "name", name);
  set_attribute(testcase, "time", time_s);
  return testcase;
}

// A <failure> or an <error>: its message attribute is what CI shows first, its text the whole story.
void append_problem(pugi::xml_node testcase, const char* element, std::string_view message, std::string_view type,
                    std::string_view text) {
  pugi::xml_node problem = testcase.append_child(element);
  set_attribute(problem, "message", message);
  set_attribute(problem, "type", type);
  problem.text().set(xml_text(text).c_str());
}

struct JunitCounts {
  int tests = 0;
  int failures = 0;
  int errors = 0;
  int skipped = 0;
};

void set_counts(pugi::xml_node node, const JunitCounts& counts, std::int64_t duration_ms) {
  node.append_attribute("tests").set_value(counts.tests);
  node.append_attribute("failures").set_value(counts.failures);
  node.append_attribute("errors").set_value(counts.errors);
  node.append_attribute("skipped").set_value(counts.skipped);
  set_attribute(node, "time", seconds_text(duration_ms));
}

JunitCounts append_testsuite(pugi::xml_node root, const SuiteResult& s) {
  pugi::xml_node suite = root.append_child("testsuite");
  set_attribute(suite, "name", s.name);
  JunitCounts counts;
  for (const auto& c : s.cases) {
    ++counts.tests;
    pugi::xml_node testcase = append_testcase(suite, s.name, c.name, seconds_text(c.duration_ms));
    if (c.status == Status::fail) {
      ++counts.failures;
      const std::string& first = c.finding ? c.finding->message : c.detail;
      const bool has_invariant = c.finding && !c.finding->invariant_id.empty();
      append_problem(testcase, "failure", first, has_invariant ? c.finding->invariant_id : "fail",
                     case_failure_text(c));
    } else if (c.status == Status::error) {
      ++counts.errors;
      append_problem(testcase, "error", c.detail, "error", case_failure_text(c));
    } else if (c.status == Status::skipped) {
      ++counts.skipped;
      testcase.append_child("skipped");
    }
  }
  if (suite_error(s)) {
    // The suite could not judge: one error case says why, so CI never shows it green.
    ++counts.tests;
    ++counts.errors;
    pugi::xml_node testcase = append_testcase(suite, s.name, s.name, "0");
    append_problem(testcase, "error", suite_error_text(s), "error", suite_error_text(s));
  }
  set_counts(suite, counts, s.duration_ms);
  return counts;
}
}  // namespace

std::string render_junit_xml(const RunReport& report) {
  pugi::xml_document doc;
  pugi::xml_node declaration = doc.append_child(pugi::node_declaration);
  declaration.append_attribute("version").set_value("1.0");
  declaration.append_attribute("encoding").set_value("UTF-8");
  pugi::xml_node root = doc.append_child("testsuites");
  set_attribute(root, "name", "verdict " + (report.profile.empty() ? report.command : report.profile));
  JunitCounts total;
  for (const auto& s : report.suites) {
    const JunitCounts counts = append_testsuite(root, s);
    total.tests += counts.tests;
    total.failures += counts.failures;
    total.errors += counts.errors;
    total.skipped += counts.skipped;
  }
  set_counts(root, total, report.duration_ms);
  std::ostringstream out;
  doc.save(out, "  ", pugi::format_indent, pugi::encoding_utf8);
  return out.str();
}

std::string render_summary_md(const RunReport& report) {
  std::string icon = report.status() == Status::pass ? "✅" : report.status() == Status::fail ? "❌" : "⚠️";
  std::string out = fmt::format("# Verdict: {} {}\n\n", icon, to_string(report.status()));
  out += fmt::format("`verdict {}`{} · run `{}` · git `{}` · {:.1f} s\n\n", report.command,
                     report.profile.empty() ? "" : " --profile " + report.profile, report.run_id,
                     report.git_sha.empty() ? "unknown" : report.git_sha.substr(0, 12), report.duration_ms / 1000.0);
  out += "| suite | kind | status | passed | failed | seed | time |\n|---|---|---|---:|---:|---|---:|\n";
  for (const auto& s : report.suites) {
    int passed = 0, failed = 0;
    for (const auto& c : s.cases) {
      passed += c.status == Status::pass;
      failed += c.status == Status::fail || c.status == Status::error;
    }
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {:.1f} s |\n", s.name, s.kind, to_string(s.status()), passed,
                       failed, s.seed.empty() ? "—" : s.seed, s.duration_ms / 1000.0);
  }
  out += "\n" + stats_table_md(report);
  out += commands_table_md(report);
  bool any = false;
  for (const auto& s : report.suites) {
    if (suite_error(s)) {
      if (!any) out += "\n## Findings\n";
      any = true;
      out += fmt::format("\n### {} — error\n\n```\n{}\n```\n", s.name, suite_error_text(s));
    }
    for (const auto& c : s.cases) {
      if (c.status != Status::fail && c.status != Status::error) continue;
      if (!any) out += "\n## Findings\n";
      any = true;
      out += fmt::format("\n### {} / {} — {}\n\n", s.name, c.name, to_string(c.status));
      if (c.finding && !c.finding->invariant_id.empty()) {
        out += fmt::format("**Broken invariant `{}`** at step {}.\n\n", c.finding->invariant_id, c.finding->step_index);
      }
      out += fmt::format("```\n{}```\n", case_failure_text(c));
      if (c.finding && !c.finding->replay.empty())
        out += fmt::format("\nReplay:\n\n```sh\n{}\n```\n", c.finding->replay);
    }
  }
  out += fmt::format("\n{} passed, {} failed\n", report.passed(), report.failed());
  return out;
}

std::string render_terminal(const RunReport& report) {
  std::string out;
  for (const auto& s : report.suites) {
    out += fmt::format("{:<8} {} ({} cases, {:.1f} s){}\n", to_string(s.status()), s.name, s.cases.size(),
                       s.duration_ms / 1000.0, s.seed.empty() ? "" : " seed " + s.seed);
    if (suite_error(s)) out += "  error: " + suite_error_text(s) + "\n";
    for (const auto& c : s.cases) {
      if (c.status == Status::pass || c.status == Status::skipped) continue;
      out += fmt::format("  {} {}\n", to_string(c.status), c.name);
      std::string text = case_failure_text(c);
      std::size_t start = 0;
      while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        out += "    " + text.substr(start, end - start) + "\n";
        start = end + 1;
      }
    }
  }
  out += fmt::format("verdict: {}\n", to_string(report.status()));
  out += fmt::format("{} passed, {} failed", report.passed(), report.failed());
  if (report.skipped() > 0) out += fmt::format(", {} skipped", report.skipped());
  out += "\n";
  return out;
}

void write_report_files(const RunReport& report, const std::string& dir) {
  std::filesystem::create_directories(dir);
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream out(dir + "/" + name);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + dir + "/" + name);
  };
  write("verdict.json", render_verdict_json(report));
  write("junit.xml", render_junit_xml(report));
  std::string summary = render_summary_md(report);
  write("summary.md", summary);
  if (const char* step_summary = std::getenv("GITHUB_STEP_SUMMARY"); step_summary && *step_summary) {
    std::ofstream(step_summary, std::ios::app) << summary;
  }
}

int exit_code(Status status) {
  switch (status) {
    case Status::pass:
    case Status::skipped:
      return 0;
    case Status::fail:
      return 1;
    case Status::error:
      return 2;
  }
  return 2;
}

}  // namespace verdict
