// The verdict writers: verdict.json, junit.xml, summary.md and the terminal summary.

#include "verdict/report.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

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

// Replaces every byte that is not part of well-formed UTF-8 with U+FFFD (XML must be valid UTF-8).
std::string valid_utf8(const std::string& in) {
  std::string out;
  std::size_t i = 0;
  while (i < in.size()) {
    unsigned char c = static_cast<unsigned char>(in[i]);
    std::size_t length = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    bool ok = length > 0 && i + length <= in.size();
    for (std::size_t k = 1; ok && k < length; ++k) ok = (static_cast<unsigned char>(in[i + k]) >> 6) == 0x2;
    if (ok) {
      out.append(in, i, length);
      i += length;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

std::string xml_escape(const std::string& raw) {
  std::string in = valid_utf8(raw);
  std::string out;
  out.reserve(in.size());
  for (unsigned char c : in) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // XML 1.0 forbids most control characters, even escaped.
        if (c < 0x20 && c != '\n' && c != '\t' && c != '\r')
          out += fmt::format("\\x{:02x}", c);
        else
          out += static_cast<char>(c);
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

std::string render_junit_xml(const RunReport& report) {
  std::string body;
  int total_tests = 0, total_failures = 0, total_errors = 0, total_skipped = 0;
  for (const auto& s : report.suites) {
    int failures = 0, errors = 0, skipped = 0;
    std::string cases;
    for (const auto& c : s.cases) {
      cases += fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3f}\">\n", xml_escape(s.name),
                           xml_escape(c.name), c.duration_ms / 1000.0);
      if (c.status == Status::fail) {
        ++failures;
        std::string first = c.finding ? c.finding->message : c.detail;
        cases +=
            fmt::format("      <failure message=\"{}\" type=\"{}\">{}</failure>\n", xml_escape(first),
                        c.finding && !c.finding->invariant_id.empty() ? xml_escape(c.finding->invariant_id) : "fail",
                        xml_escape(case_failure_text(c)));
      } else if (c.status == Status::error) {
        ++errors;
        cases += fmt::format("      <error message=\"{}\" type=\"error\">{}</error>\n", xml_escape(c.detail),
                             xml_escape(case_failure_text(c)));
      } else if (c.status == Status::skipped) {
        ++skipped;
        cases += "      <skipped/>\n";
      }
      cases += "    </testcase>\n";
    }
    int tests = static_cast<int>(s.cases.size());
    if (suite_error(s)) {
      // The suite could not judge: one error case says why, so CI never shows it green.
      ++tests;
      ++errors;
      cases += fmt::format(
          "    <testcase classname=\"{0}\" name=\"{0}\" time=\"0\">\n      <error message=\"{1}\" "
          "type=\"error\">{1}</error>\n    </testcase>\n",
          xml_escape(s.name), xml_escape(suite_error_text(s)));
    }
    body += fmt::format(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.3f}\">\n{}  "
        "</testsuite>\n",
        xml_escape(s.name), tests, failures, errors, skipped, s.duration_ms / 1000.0, cases);
    total_tests += tests;
    total_failures += failures;
    total_errors += errors;
    total_skipped += skipped;
  }
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"verdict {}\" tests=\"{}\" failures=\"{}\" "
      "errors=\"{}\" skipped=\"{}\" time=\"{:.3f}\">\n{}</testsuites>\n",
      xml_escape(report.profile.empty() ? report.command : report.profile), total_tests, total_failures, total_errors,
      total_skipped, report.duration_ms / 1000.0, body);
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
