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

#include "verdict/input.hpp"
#include "verdict/secrets.hpp"

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

// JSON text a system or the harness produced (a command, violating rows), as JSON when it reads
// strictly within the input limits (a cut value does not), else as the string it is.
json parse_or_string(const std::string& text) {
  if (text.empty()) return nullptr;
  try {
    return parse_input_json(text);
  } catch (const InputError&) {
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

// Text a system or a scenario supplied, made printable: a byte that is not part of well-formed UTF-8
// becomes U+FFFD, and so do U+FFFE and U+FFFF; a control character (C0 or DEL) other than those in
// `kept` is written out as \xNN, so no escape sequence reaches a terminal and no file gets a
// character its format forbids.
std::string printable_text(std::string_view in, std::string_view kept) {
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
    if (length == 1 && (c < 0x20 || c == 0x7f) && kept.find(static_cast<char>(c)) == std::string_view::npos) {
      out += fmt::format("\\x{:02x}", c);
    } else if (sequence == "\xEF\xBF\xBE" || sequence == "\xEF\xBF\xBF") {
      out += replacement_character;
    } else {
      out += sequence;
    }
  }
  return out;
}

// Fit for XML 1.0, which must be well-formed UTF-8 of XML characters only: a control character other
// than tab, newline and carriage return is forbidden even as a character reference (pugixml would
// write &#01;, which no parser accepts). Escaping <, &, " is pugixml's work.
std::string xml_text(std::string_view in) { return printable_text(in, "\t\n\r"); }

// One line of Markdown text, shown as written: newlines and tabs become spaces, and every character
// that CommonMark or GitHub would read as markup (emphasis, code, links, raw HTML, entities, table
// cells, headings, strikethrough, math) is escaped with a backslash.
std::string md_text(std::string_view in) {
  std::string out;
  for (char c : printable_text(in, "\t\n\r")) {
    if (c == '\n' || c == '\r' || c == '\t') {
      out += ' ';
      continue;
    }
    if (std::string_view("\\`*_[]<>|~&!#$").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

// The longest run of backticks in `text`.
std::size_t longest_backtick_run(std::string_view text) {
  std::size_t longest = 0;
  std::size_t run = 0;
  for (char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return longest;
}

// A Markdown code span of one line: fenced by more backticks than the text holds in a row, so none
// closes it early. In a table cell a | still ends the cell inside a code span (GFM), so it is
// escaped there.
std::string md_code(std::string_view in, bool in_table = false) {
  std::string text = printable_text(in, "");
  if (in_table) {
    std::string escaped;
    for (char c : text) escaped += c == '|' ? std::string("\\|") : std::string(1, c);
    text = escaped;
  }
  const std::string fence(longest_backtick_run(text) + 1, '`');
  const bool pad = !text.empty() && (text.front() == '`' || text.back() == '`');
  return fence + (pad ? " " + text + " " : text) + fence;
}

// A fenced Markdown code block: its text is shown literally (no markup, no HTML), fenced by more
// backticks than any line of it holds, so none closes it early.
std::string md_code_block(std::string_view in, std::string_view info = "") {
  std::string text = printable_text(in, "\t\n");
  if (!text.empty() && text.back() != '\n') text += '\n';
  const std::string fence(std::max<std::size_t>(3, longest_backtick_run(text) + 1), '`');
  return fence + std::string(info) + "\n" + text + fence + "\n";
}

// The first bytes of `value` that end on a character boundary and number at most `bytes`.
std::size_t utf8_prefix_length(std::string_view value, std::size_t bytes) {
  std::size_t end = std::min(bytes, value.size());
  // Back off over continuation bytes (10xxxxxx) to the start of the character that would be split.
  while (end > 0 && end < value.size() && (static_cast<unsigned char>(value[end]) & 0xc0) == 0x80) --end;
  return end;
}

// A copy of the report with `change` applied to every string a writer shows.
template <typename Change>
RunReport with_each_text(const RunReport& report, Change change) {
  RunReport out = report;
  for (std::string* text : {&out.run_id, &out.command, &out.profile, &out.git_sha, &out.started_at})
    *text = change(*text);
  for (auto& s : out.suites) {
    for (std::string* text : {&s.name, &s.kind, &s.seed, &s.error}) *text = change(*text);
    std::map<std::string, CommandCount> commands;
    for (const auto& [name, count] : s.commands) commands[change(name)] = count;
    s.commands = std::move(commands);
    for (auto& c : s.cases) {
      c.name = change(c.name);
      c.detail = change(c.detail);
      if (!c.finding) continue;
      Finding& f = *c.finding;
      for (std::string* text : {&f.suite, &f.case_name, &f.command_json, &f.invariant_id, &f.rows_json, &f.expected,
                                &f.actual, &f.message, &f.seed, &f.replay})
        *text = change(*text);
    }
  }
  return out;
}

// A copy of the report with every string a writer shows cut to report_value_bytes_max (and its
// secrets hidden: cut_for_report redacts).
RunReport bounded(const RunReport& report) { return with_each_text(report, cut_for_report); }

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
    out += fmt::format("\n**{}**: commands run and accepted\n\n| command | ran | ok |\n|---|---:|---:|\n",
                       md_text(s.name));
    for (const auto& [name, c] : s.commands)
      out += fmt::format("| {} | {} | {} |\n", md_code(name, true), c.ran, c.succeeded);
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
    out +=
        fmt::format("| {} | {} | {} | {} | {} | {} |\n", md_text(s.name), s.stats.steps, or_dash(text.steps_per_s, ""),
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
  for (const auto& s : suites)
    for (const auto& c : s.cases) n += c.status == Status::fail;
  return n;
}
int RunReport::errors() const {
  int n = 0;
  for (const auto& s : suites) {
    for (const auto& c : s.cases) n += c.status == Status::error;
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

std::string cut_for_report(const std::string& raw) {
  // Secrets first: a password never reaches a report, whole or cut in two.
  const std::string value = secrets::redact(raw);
  if (value.size() <= report_value_bytes_max) return value;
  return value.substr(0, utf8_prefix_length(value, report_value_bytes_max)) +
         fmt::format("… ({} bytes, cut)", value.size());
}

std::string terminal_value(const std::string& value) { return printable_text(cut_for_report(value), "\t\n"); }

std::string render_verdict_json(const RunReport& whole) {
  const RunReport report = bounded(whole);
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
           {"counts",
            {{"passed", report.passed()},
             {"failed", report.failed()},
             {"errors", report.errors()},
             {"skipped", report.skipped()}}},
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

std::string render_junit_xml(const RunReport& whole) {
  const RunReport report = bounded(whole);
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

namespace {
// The last line of the terminal and of summary.md: "N passed, N failed" (what CI reads), then the
// errors and the skipped cases when there are any.
std::string counts_line(const RunReport& report) {
  std::string out = fmt::format("{} passed, {} failed", report.passed(), report.failed());
  if (report.errors() > 0) out += fmt::format(", {} error{}", report.errors(), report.errors() == 1 ? "" : "s");
  if (report.skipped() > 0) out += fmt::format(", {} skipped", report.skipped());
  return out;
}

// One finding's section of summary.md.
std::string finding_section_md(const SuiteResult& s, const CaseResult& c) {
  std::string out = fmt::format("\n### {} / {} — {}\n\n", md_text(s.name), md_text(c.name), to_string(c.status));
  if (c.finding && !c.finding->invariant_id.empty()) {
    out +=
        fmt::format("**Broken invariant {}** at step {}.\n\n", md_code(c.finding->invariant_id), c.finding->step_index);
  }
  out += md_code_block(case_failure_text(c));
  if (c.finding && !c.finding->replay.empty()) out += "\nReplay:\n\n" + md_code_block(c.finding->replay, "sh");
  return out;
}
}  // namespace

std::string render_summary_md(const RunReport& whole) {
  const RunReport report = bounded(whole);
  std::string icon = report.status() == Status::pass ? "✅" : report.status() == Status::fail ? "❌" : "⚠️";
  std::string out = fmt::format("# Verdict: {} {}\n\n", icon, to_string(report.status()));
  out += fmt::format("{}{} · run {} · git {} · {:.1f} s\n\n", md_code("verdict " + report.command),
                     report.profile.empty() ? "" : " --profile " + md_text(report.profile), md_code(report.run_id),
                     md_code(report.git_sha.empty() ? "unknown" : report.git_sha.substr(0, 12)),
                     report.duration_ms / 1000.0);
  out += "| suite | kind | status | passed | failed | errors | seed | time |\n|---|---|---|---:|---:|---:|---|---:|\n";
  for (const auto& s : report.suites) {
    int passed = 0, failed = 0, errors = suite_error(s) ? 1 : 0;
    for (const auto& c : s.cases) {
      passed += c.status == Status::pass;
      failed += c.status == Status::fail;
      errors += c.status == Status::error;
    }
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {:.1f} s |\n", md_text(s.name), md_text(s.kind),
                       to_string(s.status()), passed, failed, errors, s.seed.empty() ? "—" : md_text(s.seed),
                       s.duration_ms / 1000.0);
  }
  out += "\n" + stats_table_md(report);
  out += commands_table_md(report);
  // Findings in order until the next would take the file past summary_bytes_max (the tables above
  // are bounded by the number of suites and commands); the rest are counted.
  std::vector<std::string> sections;
  for (const auto& s : report.suites) {
    if (suite_error(s))
      sections.push_back(fmt::format("\n### {} — error\n\n{}", md_text(s.name), md_code_block(suite_error_text(s))));
    for (const auto& c : s.cases)
      if (c.status == Status::fail || c.status == Status::error) sections.push_back(finding_section_md(s, c));
  }
  if (!sections.empty()) out += "\n## Findings\n";
  const std::size_t reserve_bytes = 1024;  // the note on what was left out, and the counts line
  std::size_t shown = 0;
  while (shown < sections.size() && out.size() + sections[shown].size() + reserve_bytes <= summary_bytes_max)
    out += sections[shown++];
  if (shown < sections.size()) {
    out += fmt::format(
        "\n{} more finding(s) not shown: summary.md stays under {} bytes. Every finding is in verdict.json, and "
        "whole in findings.jsonl.\n",
        sections.size() - shown, summary_bytes_max);
  }
  out += "\n" + counts_line(report) + "\n";
  return out;
}

std::string render_terminal(const RunReport& whole) {
  const RunReport report = bounded(whole);
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
  out += counts_line(report) + "\n";
  // No escape sequence or carriage return from a system or a scenario reaches the terminal.
  return printable_text(out, "\t\n");
}

std::string render_findings_jsonl(const RunReport& whole) {
  const RunReport report = with_each_text(whole, [](const std::string& text) { return secrets::redact(text); });
  std::string out;
  const auto line = [&out](const json& j) { out += j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n"; };
  for (const auto& s : report.suites) {
    if (suite_error(s)) line({{"suite", s.name}, {"status", "error"}, {"error", suite_error_text(s)}});
    for (const auto& c : s.cases) {
      if (c.status != Status::fail && c.status != Status::error) continue;
      json j{{"suite", s.name}, {"case", c.name}, {"status", to_string(c.status)}, {"detail", c.detail}};
      if (c.finding) j["finding"] = finding_json(*c.finding);
      line(j);
    }
  }
  return out;
}

void write_report_files(const RunReport& report, const std::string& dir) {
  std::filesystem::create_directories(dir);
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream out(dir + "/" + name);
    out << secrets::redact(text);  // the writers hide secrets already; a file never depends on that alone
    if (!out) throw std::runtime_error("cannot write " + dir + "/" + name);
  };
  write("verdict.json", render_verdict_json(report));
  write("findings.jsonl", render_findings_jsonl(report));
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
