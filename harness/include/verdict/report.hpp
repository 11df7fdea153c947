#pragma once
// The verdict of a run (DESIGN §4 "Verdict files") and its three writers. One reporter for all runs:
// a finding reads the same in the terminal, in verdict.json, in junit.xml and in summary.md.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace verdict {

// 2: every suite carries "stats" (steps, steps_per_s, retries, p50_ms, p99_ms).
// 3: the run's "counts" carry "errors" apart from "failed" (a case the harness could not judge is not
//    a failure of the system), and every value is cut to report_value_bytes_max.
inline constexpr int verdict_schema_version = 3;

// Put a limit on what a report shows: no value in the terminal, summary.md, junit.xml or
// verdict.json is longer than this many bytes. A longer one is cut at a character boundary and ends
// with "… (N bytes, cut)"; findings.jsonl in the run directory keeps it whole.
inline constexpr std::size_t report_value_bytes_max = 16 * 1024;
// summary.md is appended to GitHub's step summary, which takes at most 1 MiB per step: findings that
// would take summary.md past this many bytes are left out of it, and counted.
inline constexpr std::size_t summary_bytes_max = 512 * 1024;

// `value` itself when it has at most report_value_bytes_max bytes; else its first bytes up to a
// character boundary and "… (N bytes, cut)". Registered secrets (verdict/secrets.hpp) are hidden first.
std::string cut_for_report(const std::string& value);
// A value as the terminal shows it outside a report (error messages, violating rows): cut as above,
// and printable (no control character but newline and tab, well-formed UTF-8).
std::string terminal_value(const std::string& value);

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

// What a suite executed, for throughput and latency figures (issue 5 §5).
struct SuiteStats {
  // Put a limit on everything: a stress run as long as asked must not grow memory without bound. A
  // million samples (8 MB) is far more than p99 needs to be stable; past it, steps and retries still
  // count every step, and the percentiles describe the first latency_samples_max steps (the first
  // ones rather than a random sample: the reporter stays free of randomness).
  static constexpr std::size_t latency_samples_max = 1'000'000;

  std::int64_t steps = 0;                  // steps (fixtures, properties) or operations (stress) executed
  std::int64_t retries = 0;                // transaction attempts beyond the first, summed over steps
  std::vector<std::int64_t> latencies_us;  // one per step, in execution order; at most latency_samples_max

  // steps += 1, retries += attempts - 1. REQUIRES: latency_us >= 0, attempts >= 1 (aborts otherwise).
  void record(std::int64_t latency_us, int attempts);
  // Adds other's counts; its samples follow ours, up to latency_samples_max.
  void merge(const SuiteStats& other);
  // Nearest-rank over latencies_us: the smallest sample with at least p% of the samples at or
  // below it (p = 0: the smallest). 0 when empty. REQUIRES: 0 <= p <= 100 (aborts otherwise).
  std::int64_t percentile_us(int p) const;
};

// How often a command type ran in a suite, and how often the system said ok (property suites).
struct CommandCount {
  std::int64_t ran = 0;
  std::int64_t succeeded = 0;
};

struct SuiteResult {
  std::string name;  // e.g. "fixtures", "properties:inventory", "stress:hot_batch"
  std::string kind;  // fixture | property | stress
  std::string seed;  // "" when not randomised
  std::vector<CaseResult> cases;
  std::int64_t duration_ms = 0;
  std::string error;  // the harness could not judge (status error) — why
  SuiteStats stats;
  std::map<std::string, CommandCount> commands;  // by command name; empty when not counted
  Status status() const;                         // error if error set or no case ran; else the worst case
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
  int failed() const;  // fail cases: the system broke a rule
  int errors() const;  // error cases, and suites that could not judge (ran no case, or the harness failed)
  int skipped() const;
};

std::string render_verdict_json(const RunReport& report);
std::string render_junit_xml(const RunReport& report);
std::string render_summary_md(const RunReport& report);
// Ends with the counts line "N passed, N failed", then ", N error(s)" and ", N skipped" when there
// are any. What a system or a scenario supplied is shown printable (no control character but newline
// and tab, well-formed UTF-8).
std::string render_terminal(const RunReport& report);
// One JSON line per case that failed or erred and per suite that could not judge, every value whole.
std::string render_findings_jsonl(const RunReport& report);
// Writes verdict.json, junit.xml, summary.md and findings.jsonl into dir (created); appends
// summary.md to $GITHUB_STEP_SUMMARY when that is set.
void write_report_files(const RunReport& report, const std::string& dir);
int exit_code(Status status);  // pass/skipped 0, fail 1, error 2

}  // namespace verdict
