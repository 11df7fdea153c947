#pragma once
// The verdict of a run (DESIGN §4 "Verdict files") and its three writers. One reporter for all runs:
// a finding reads the same in the terminal, in verdict.json, in junit.xml and in summary.md.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace verdict {

inline constexpr int verdict_schema_version = 1;

enum class Status { pass, fail, error, skipped };
const char* to_string(Status status);
// The worse of two statuses: error > fail > pass > skipped.
Status worst(Status a, Status b);

// Why a case failed: enough to find it and to replay it.
struct Finding {
  std::string suite;
  std::string case_name;
  int step_index = -1;       // 1-based step of the scenario or command sequence; -1: none
  std::string command_json;  // the command of that step, "" if none
  std::string invariant_id;  // "" when the finding is not an invariant violation
  std::string rows_json;     // violating rows (JSON array), "" if none
  std::string expected;
  std::string actual;
  std::string message;
  std::string seed;    // "" for deterministic fixtures
  std::string replay;  // one command line that replays it
};

struct CaseResult {
  std::string name;
  Status status = Status::pass;
  std::int64_t duration_ms = 0;
  std::optional<Finding> finding;
  std::string detail;  // e.g. the error text when status == error
};

struct SuiteResult {
  std::string name;  // e.g. "fixtures", "properties:inventory", "stress:hot_batch"
  std::string kind;  // fixture | property | stress
  std::string seed;  // "" when not randomised
  std::vector<CaseResult> cases;
  std::int64_t duration_ms = 0;
  std::string error;      // the harness could not judge (status error) — why
  Status status() const;  // error if error set or no case ran; else the worst case
};

struct RunReport {
  std::string run_id;
  std::string command;  // "gate", "fixtures", ...
  std::string profile;  // "" outside gate
  std::string git_sha;
  std::string started_at;  // wall clock, UTC
  std::int64_t duration_ms = 0;
  std::vector<SuiteResult> suites;
  Status status() const;  // error if no suite
  int passed() const;
  int failed() const;  // fail + error cases
  int skipped() const;
};

std::string render_verdict_json(const RunReport& report);
std::string render_junit_xml(const RunReport& report);
std::string render_summary_md(const RunReport& report);
std::string render_terminal(const RunReport& report);  // ends with "N passed, N failed"
// Writes verdict.json, junit.xml and summary.md into dir (created); appends summary.md to
// $GITHUB_STEP_SUMMARY when that is set.
void write_report_files(const RunReport& report, const std::string& dir);
int exit_code(Status status);  // pass/skipped 0, fail 1, error 2

}  // namespace verdict
