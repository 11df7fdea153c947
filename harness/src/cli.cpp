// The `verdict` command line. Every run command writes verdict.json, junit.xml, summary.md and
// findings.jsonl into its output directory and ends its output with "N passed, N failed" (then the
// errors and skipped cases, when any). Exit: 0 pass, 1 fail, 2 error (README "Exit codes").

#include "verdict/cli.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "verdict/fixtures.hpp"
#include "verdict/input.hpp"
#include "verdict/interrupt.hpp"
#include "verdict/invariants.hpp"
#include "verdict/profile.hpp"
#include "verdict/report.hpp"
#include "verdict/runtime.hpp"
#include "verdict/secrets.hpp"
#include "verdict/suites.hpp"
#include "verdict/system.hpp"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace verdict {
namespace {

std::string git_sha() {
  if (const char* sha = std::getenv("GITHUB_SHA"); sha && *sha) return sha;
  std::string cmd = fmt::format("git -C '{}' rev-parse HEAD 2>/dev/null", root_dir());
  std::string out;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[128];
    while (fgets(buf, sizeof buf, p)) out += buf;
    pclose(p);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

// JSON from a database as one line; bytes that are no UTF-8 become U+FFFD instead of throwing.
std::string json_text(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string utc_now() { return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::time(nullptr))); }

// Numbers given on the command line or in a profile are read exactly: decimal digits only (no sign,
// no base prefix, no blanks) and within the range the flag states. CLI11's own conversion would
// read "-1" as 2^64-1, "010" as 8 and clamp what overflows, so a replay line could name another
// number than the one typed.
std::optional<std::uint64_t> parse_decimal(const std::string& text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  if (text.size() > 1 && text.front() == '0') return std::nullopt;  // "010" would be printed as 10
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<std::uint64_t> parse_in(const std::string& text, const CountRange& range) {
  auto value = parse_decimal(text);
  if (!value || *value < range.min || *value > range.max) return std::nullopt;
  return value;
}

// A numeric flag read exactly (parse_decimal) into `target`, which takes the parsed value; out of
// range is a parse error naming the flag (exit 2 with the usage line).
template <typename T>
CLI::Option* add_number_option(CLI::App* sub, const std::string& name, T& target, const CountRange& range,
                               const std::string& description) {
  auto* option = sub->add_option_function<std::string>(
      name, [&target, range](const std::string& text) { target = static_cast<T>(*parse_in(text, range)); },
      description);
  option->check(CLI::Validator(
      [range](std::string& text) {
        if (parse_in(text, range)) return std::string();
        return fmt::format("takes {} (digits only), not '{}'", range_text(range), text);
      },
      "", "range"));
  option->type_name("N");
  return option;
}

// --seed: any 64-bit unsigned number, printed in replay lines exactly as typed. Absent: nullopt.
CLI::Option* add_seed_option(CLI::App* sub, std::optional<std::uint64_t>& seed, const std::string& description) {
  return add_number_option(sub, "--seed", seed, seed_range, description)->type_name("UINT64");
}

// A parse error of the command line: CLI11's message and the usage line of the subcommand it was
// in, exit 2 (the harness could not judge: it was not asked anything it understands). --help is
// not an error: it prints the help and exits 0.
int command_line_error(CLI::App& app, const CLI::ParseError& e) {
  if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);
  CLI::App* deepest = &app;
  std::string path = app.get_name();
  for (bool descended = true; descended;) {
    descended = false;
    for (CLI::App* sub : deepest->get_subcommands()) {
      deepest = sub;
      path += " " + sub->get_name();
      descended = true;
      break;
    }
  }
  std::string usage = CLI::Formatter().make_usage(deepest, path);
  while (!usage.empty() && (usage.back() == '\n' || usage.back() == ' ')) usage.pop_back();
  std::string message = e.what();
  // CLI11 says "A subcommand is required" of `verdict nosuch`: name what it did not know.
  if (deepest == &app && !app.remaining().empty())
    message = fmt::format("unknown subcommand '{}' ({})", app.remaining().front(), message);
  std::cerr << "verdict: error: " << terminal_value(message) << "\n" << usage << "\n";
  if (deepest == &app) {
    std::string names;
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
      names += (names.empty() ? "" : ", ") + sub->get_name();
    std::cerr << "subcommands: " << names << "\n";
  }
  std::cerr << "Run `" << path << " --help` for more.\n";
  return exit_code(Status::error);
}

struct RunOptions {
  std::string out;
  bool durable = false;
  bool in_memory = true;
};

// Held while the verdict files are written and the counts printed, by the run or by the interrupt
// hook, so the two never write at once. Never destroyed (the hook may run during exit()).
std::timed_mutex& report_mutex() {
  static auto* mutex = new std::timed_mutex;
  return *mutex;
}
// After a crash the crashed thread may hold report_mutex (it crashed writing the files): wait this
// long, then leave the files it wrote.
constexpr auto crash_report_wait = std::chrono::seconds(5);

// Runs `body` inside a RunContext and turns whatever happens into a report, files and an exit code.
int run_and_report(const std::string& command, const std::string& profile, const RunOptions& options,
                   const std::function<void(RunContext&, RunReport&)>& body) {
  RunReport report;
  report.run_id = new_run_id();
  report.command = command;
  report.profile = profile;
  report.git_sha = git_sha();
  report.started_at = utc_now();
  const std::string out_root = (fs::path(root_dir()) / "out").string();
  const std::string out_dir = out_dir_path(options.out, out_root, report.run_id);
  auto start = std::chrono::steady_clock::now();
  // A signal or a crash from here on still leaves a verdict: status error and the reason. Registered
  // before the directory is made, so no directory of a run is ever without its verdict.json. Kept to
  // the end of the process: a signal after the files are written rewrites them, so they agree with
  // the exit status (130/143).
  interrupt::add_hook([header = report, out_dir, start](const interrupt::Event& event) {
    RunReport interrupted = header;
    SuiteResult harness;
    harness.name = "harness";
    harness.kind = "harness";
    harness.error = event.reason +
                    (event.crash ? ": the run ended without judging" : ": the run was stopped before it could judge");
    interrupted.suites.push_back(harness);
    interrupted.duration_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
    std::unique_lock lock(report_mutex(), std::defer_lock);
    if (!event.crash)
      lock.lock();
    else if (!lock.try_lock_for(crash_report_wait))
      return;
    write_report_files(interrupted, out_dir);
    interrupt::print(STDOUT_FILENO,
                     fmt::format("verdict files: {}/verdict.json, junit.xml, summary.md, findings.jsonl\n", out_dir) +
                         render_terminal(interrupted));
  });
  prepare_out_dir(options.out, out_root, report.run_id);
  try {
    RunContext context(out_dir, db::ServerOptions{options.durable, options.in_memory});
    body(context, report);
  } catch (const std::exception& e) {
    SuiteResult harness;
    harness.name = "harness";
    harness.kind = "harness";
    harness.error = e.what();
    report.suites.push_back(harness);
  }
  report.duration_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  int code = exit_code(report.status());
  std::lock_guard lock(report_mutex());
  if (interrupt::requested()) return code;  // the handler writes the verdict and ends the process
  try {
    write_report_files(report, out_dir);
    std::cout << fmt::format("verdict files: {}/verdict.json, junit.xml, summary.md, findings.jsonl\n", out_dir);
  } catch (const std::exception& e) {
    std::cout << "verdict: error: the verdict files could not be written: " << terminal_value(e.what()) << "\n";
    code = exit_code(Status::error);
  }
  std::cout << render_terminal(report) << std::flush;
  return code;
}

void announce_seed(const std::string& what, std::uint64_t seed, const std::string& replay) {
  std::cout << fmt::format("verdict: {} seed {} — replay: {}\n", what, seed, replay) << std::flush;
}

SuiteResult run_property_suite(const RunContext& context, const std::string& name, PropertyParams params) {
  for (const auto& suite : property_suites()) {
    if (suite.name != name) continue;
    announce_seed("properties:" + name, params.seed,
                  fmt::format("{} properties --suite {} --seed {} --cases {} --max-size {}", replay_prefix(), name,
                              params.seed, params.cases, params.max_size));
    auto start = std::chrono::steady_clock::now();
    SuiteResult result = suite.run(context, params);
    result.duration_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
    return result;
  }
  SuiteResult missing;
  missing.name = "properties:" + name;
  missing.kind = "property";
  missing.error = "no property suite named '" + name + "'";
  return missing;
}

SuiteResult run_stress_workload(const RunContext& context, const std::string& name, StressParams params) {
  for (const auto& workload : stress_workloads()) {
    if (workload.name != name) continue;
    announce_seed("stress:" + name, params.seed,
                  fmt::format("{} stress --workload {} --seed {} --threads {} --ops {}", replay_prefix(), name,
                              params.seed, params.threads, params.ops_per_thread));
    auto start = std::chrono::steady_clock::now();
    SuiteResult result = workload.run(context, params);
    result.duration_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
    return result;
  }
  SuiteResult missing;
  missing.name = "stress:" + name;
  missing.kind = "stress";
  missing.error = "no stress workload named '" + name + "'";
  return missing;
}

void run_profile(const RunContext& context, RunReport& report, const std::vector<ProfileStage>& stages,
                 std::optional<std::uint64_t> seed_override) {
  for (const auto& stage : stages) {
    const std::uint64_t seed = seed_override ? *seed_override : stage.seed ? *stage.seed : random_seed();
    if (stage.kind == "fixtures") {
      std::vector<std::string> paths;
      for (const auto& p : stage.paths) paths.push_back((fs::path(root_dir()) / p).string());
      report.suites.push_back(run_fixture_suite(context, paths, FixtureOptions{}));
    } else if (stage.kind == "properties") {
      PropertyParams params = stage.property;
      params.seed = seed;
      // No "suite": every registered suite, so a new module's suite joins the gate by registering.
      if (!stage.name.empty()) {
        report.suites.push_back(run_property_suite(context, stage.name, params));
      } else {
        for (const auto& suite : property_suites())
          report.suites.push_back(run_property_suite(context, suite.name, params));
      }
    } else {
      StressParams params = stage.stress;
      params.seed = seed;
      if (!stage.name.empty()) {
        report.suites.push_back(run_stress_workload(context, stage.name, params));
      } else {
        for (const auto& w : stress_workloads()) report.suites.push_back(run_stress_workload(context, w.name, params));
      }
    }
  }
}

// Guard rail (issue 5 §1): every registered command is called by some fixture and covered by some
// property suite's reference model. Prints what is missing, by name.
int check_command_coverage(const std::string& fixtures_dir) {
  std::set<std::string> called;
  for (const auto& file : collect_fixture_files({fixtures_dir})) {
    std::ifstream in(file);
    json doc = json::parse(in, nullptr, false);
    if (!doc.is_object() || !doc.contains("steps") || !doc["steps"].is_array()) continue;
    for (const auto& step : doc["steps"])
      if (step.is_object() && step.contains("do") && step["do"].is_string())
        called.insert(step["do"].get<std::string>());
  }
  std::set<std::string> modelled;
  for (const auto& suite : property_suites()) modelled.insert(suite.commands.begin(), suite.commands.end());
  int missing = 0;
  for (const auto& c : system_under_test().commands) {
    if (!called.count(c.name)) {
      std::cout << fmt::format("UNCOVERED {}: no fixture under {} calls it\n", c.name, display_path(fixtures_dir));
      ++missing;
    }
    if (!modelled.count(c.name)) {
      std::cout << fmt::format("UNCOVERED {}: no property suite's reference model covers it\n", c.name);
      ++missing;
    }
  }
  std::cout << fmt::format("{} passed, {} failed\n", 2 * system_under_test().commands.size() - missing, missing);
  return missing == 0 ? 0 : 1;
}

std::string default_state_file() { return (fs::path(root_dir()) / "out" / "db-state.json").string(); }

}  // namespace

int cli_main(int argc, char** argv) {
  // Passwords never leave the process (verdict/secrets.hpp): those of DATABASE_URL, PGPASSWORD and
  // any connection string on the command line (--database) are registered before anything can
  // print them, a CLI11 parse error quoting an argument included.
  secrets::guard_standard_streams();
  if (const char* url = std::getenv("DATABASE_URL")) secrets::add_from_conninfo(url);
  if (const char* password = std::getenv("PGPASSWORD")) secrets::add(password);
  for (int i = 1; i < argc; ++i) secrets::add_from_conninfo(argv[i]);
  CLI::App app{
      "verdict: a correctness harness for inventory-and-money systems.\n"
      "With no DATABASE_URL it runs its own throwaway PostgreSQL 15 cluster.",
      "verdict"};
  app.require_subcommand(1);
  RunOptions run;
  auto add_run_options = [&](CLI::App* sub) {
    sub->add_option("--out", run.out, "output directory (default: out/<run id>, with out/latest)");
    sub->add_flag("--durable", run.durable, "keep fsync and synchronous_commit on in the embedded cluster");
  };

  // gate
  auto* gate = app.add_subcommand("gate", "run a CI gate profile (smoke | pr | nightly) and print its verdict");
  std::string profile_name = "pr";
  std::string profile_dir;
  std::optional<std::uint64_t> gate_seed;
  gate->add_option("--profile", profile_name, "profile name: ci/profiles/<name>.json")->capture_default_str();
  gate->add_option("--profile-dir", profile_dir, "where profiles live (default: <repo>/ci/profiles)");
  add_seed_option(gate, gate_seed, "one seed for every stage (replays a nightly run); default: each stage's own");
  add_run_options(gate);

  // fixtures
  auto* fixtures = app.add_subcommand("fixtures", "run scenario files (default: every file under fixtures/)");
  std::vector<std::string> fixture_paths;
  FixtureOptions fixture_options;
  fixtures->add_option("paths", fixture_paths, "scenario files or directories");
  fixtures->add_flag("--keep-db", fixture_options.keep_db,
                     "keep each scenario's database and print how to open it with psql");
  add_number_option(fixtures, "--stop-after", fixture_options.stop_after, steps_range,
                    "stop after step N (with --keep-db: inspect the state there)");
  add_number_option(fixtures, "--full-every", fixture_options.full_every, steps_range,
                    "full invariant check every N steps")
      ->default_str(std::to_string(fixture_options.full_every));
  add_run_options(fixtures);

  // properties
  auto* properties = app.add_subcommand("properties", "run a RapidCheck stateful suite against the reference model");
  std::string suite_name;
  PropertyParams property_params;
  std::optional<std::uint64_t> property_seed;
  properties->add_option("--suite", suite_name, "suite name (default: every registered suite)");
  add_seed_option(properties, property_seed, "seed (default: a random one, printed first)");
  add_number_option(properties, "--cases", property_params.cases, cases_range, "successful cases needed")
      ->default_str(std::to_string(property_params.cases));
  add_number_option(properties, "--max-size", property_params.max_size, max_size_range, "longest command sequence")
      ->default_str(std::to_string(property_params.max_size));
  add_run_options(properties);

  // stress
  auto* stress = app.add_subcommand("stress", "run a concurrency workload and check its history and laws");
  std::string workload_name;
  StressParams stress_params;
  std::optional<std::uint64_t> stress_seed;
  stress->add_option("--workload", workload_name, "workload name (default: every registered workload)");
  add_seed_option(stress, stress_seed, "seed (default: a random one, printed first)");
  add_number_option(stress, "--threads", stress_params.threads, threads_range, "client threads, one connection each")
      ->default_str(std::to_string(stress_params.threads));
  add_number_option(stress, "--ops", stress_params.ops_per_thread, ops_range, "operations per thread")
      ->default_str(std::to_string(stress_params.ops_per_thread));
  add_number_option(stress, "--deadline-ms", stress_params.deadline_ms, deadline_ms_range,
                    "fail as error when not done by then")
      ->default_str(std::to_string(stress_params.deadline_ms));
  add_run_options(stress);

  // invariants
  auto* inv = app.add_subcommand("invariants", "list the invariant registry, or check a database against it");
  bool inv_list = false, inv_check = false, inv_markdown = false;
  std::string inv_database;
  auto* list_flag = inv->add_flag("--list", inv_list, "list the registered invariants");
  auto* check_flag = inv->add_flag("--check", inv_check, "check every invariant (exit 1 when any is broken)");
  auto* md_flag = inv->add_flag("--markdown", inv_markdown, "print docs/INVARIANTS.md");
  list_flag->excludes(check_flag)->excludes(md_flag);
  check_flag->excludes(md_flag);
  inv->add_option("--database", inv_database, "connection string or URL of the database to check");

  // commands
  auto* commands = app.add_subcommand("commands", "list the system's declared commands and reads");
  bool commands_json = false, commands_list = false;
  commands->add_flag("--list", commands_list, "list them (the default)");
  commands->add_flag("--json", commands_json, "print the declarations as JSON");
  bool commands_coverage = false;
  std::string coverage_fixtures = (fs::path(root_dir()) / "fixtures").string();
  commands->add_flag("--check-coverage", commands_coverage,
                     "exit 1 naming every command no fixture calls or no property suite's model covers");
  commands->add_option("--fixtures", coverage_fixtures, "where the fixtures are (with --check-coverage)")
      ->capture_default_str();

  // verifiers the system declares: `verdict <name> verify --database URL`
  struct VerifierCli {
    const VerifierDecl* decl;
    CLI::App* verify;
    std::string database;
  };
  std::vector<std::unique_ptr<VerifierCli>> verifier_clis;
  for (const auto& v : system_under_test().verifiers) {
    auto cli = std::make_unique<VerifierCli>();
    cli->decl = &v;
    auto* group = app.add_subcommand(v.name, v.description);
    group->require_subcommand(1);
    cli->verify = group->add_subcommand("verify", v.description + " (exit 1 when broken)");
    cli->verify->add_option("--database", cli->database, "connection string or URL of the database")->required();
    verifier_clis.push_back(std::move(cli));
  }

  // docs
  auto* docs = app.add_subcommand("docs", "generate docs/INVARIANTS.md and docs/ERRORS.md from the registries");
  std::string docs_dir = (fs::path(root_dir()) / "docs").string();
  bool docs_check = false;
  docs->add_option("--dir", docs_dir, "where the docs live")->capture_default_str();
  docs->add_flag("--check", docs_check, "do not write; exit 1 when a committed file is stale");

  // migrate
  auto* migrate = app.add_subcommand("migrate", "apply the schema migrations to your own database");
  std::string migrate_database;
  migrate->add_option("--database", migrate_database, "connection string or URL (run as the schema owner)")->required();

  // db
  auto* db_cmd = app.add_subcommand("db", "start or stop a kept embedded cluster for looking inside with psql");
  db_cmd->require_subcommand(1);
  std::string state_file = default_state_file();
  bool db_durable = false;
  auto* db_start =
      db_cmd->add_subcommand("start", "start a cluster with a migrated database; print its connection strings");
  db_start->add_option("--state", state_file, "state file")->capture_default_str();
  db_start->add_flag("--durable", db_durable, "keep fsync on");
  bool db_in_memory = false;
  db_start->add_flag("--in-memory", db_in_memory,
                     "put the cluster in /dev/shm when it has room: fast clones, gone on reboot (the CTest fixture)");
  auto* db_stop = db_cmd->add_subcommand("stop", "stop and remove the cluster a state file names");
  db_stop->add_option("--state", state_file, "state file")->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return command_line_error(app, e);
  }

  try {
    if (gate->parsed()) {
      std::string dir = profile_dir.empty() ? (fs::path(root_dir()) / "ci" / "profiles").string() : profile_dir;
      std::string file = dir + "/" + profile_name + ".json";
      if (!fs::is_regular_file(file)) {
        std::cerr << "verdict: error: no profile " << file << "\n";
        return exit_code(Status::error);
      }
      const std::vector<ProfileStage> stages = read_profile(file);
      return run_and_report("gate", profile_name, run,
                            [&](const RunContext& c, RunReport& r) { run_profile(c, r, stages, gate_seed); });
    }
    if (fixtures->parsed()) {
      run.in_memory = !fixture_options.keep_db;  // a kept cluster is for a person: on disk
      if (fixture_paths.empty()) fixture_paths.push_back((fs::path(root_dir()) / "fixtures").string());
      return run_and_report("fixtures", "", run, [&](RunContext& c, RunReport& r) {
        r.suites.push_back(run_fixture_suite(c, fixture_paths, fixture_options));
        if (fixture_options.keep_db && c.server().embedded()) {
          // A kept database is only useful on a cluster that outlives this process.
          std::string state = (fs::path(root_dir()) / "out" / ("db-state-" + r.run_id + ".json")).string();
          fs::create_directories(fs::path(state).parent_path());
          db::write_state_file(c.server(), state);
          c.server().keep();
          std::cerr << fmt::format(
              "verdict: cluster kept for the database(s) above; stop it with: ./verdict db stop --state {}\n", state);
        }
      });
    }
    if (properties->parsed()) {
      property_params.seed = property_seed ? *property_seed : random_seed();
      return run_and_report("properties", "", run, [&](const RunContext& c, RunReport& r) {
        if (!suite_name.empty()) return r.suites.push_back(run_property_suite(c, suite_name, property_params));
        for (const auto& suite : property_suites())
          r.suites.push_back(run_property_suite(c, suite.name, property_params));
      });
    }
    if (stress->parsed()) {
      stress_params.seed = stress_seed ? *stress_seed : random_seed();
      return run_and_report("stress", "", run, [&](const RunContext& c, RunReport& r) {
        if (!workload_name.empty()) return r.suites.push_back(run_stress_workload(c, workload_name, stress_params));
        for (const auto& w : stress_workloads()) r.suites.push_back(run_stress_workload(c, w.name, stress_params));
      });
    }
    if (inv->parsed()) {
      if (inv_markdown) {
        std::cout << invariants_markdown();
        return 0;
      }
      if (inv_check) {
        if (inv_database.empty()) {
          std::cerr << "verdict: --check needs --database URL (see `verdict db start`)\n";
          return 2;
        }
        InvariantChecker checker(inv_database);
        auto violations = checker.check(std::nullopt);
        for (const auto& v : violations) {
          std::cout << fmt::format("BROKEN {} ({}), {} row(s):\n", v.invariant_id, v.severity, v.row_count);
          for (const auto& row : json::parse(v.rows_json)) std::cout << "  " << terminal_value(json_text(row)) << "\n";
        }
        std::cout << fmt::format("{} passed, {} failed\n", invariants().size() - violations.size(), violations.size());
        return violations.empty() ? 0 : 1;
      }
      for (const auto& i : invariants())
        std::cout << fmt::format("{:<14} {:<10} {:<8} {}\n", i.id, i.module, i.severity, i.purpose);
      return 0;
    }
    if (commands->parsed()) {
      if (commands_coverage) return check_command_coverage(coverage_fixtures);
      if (commands_json) {
        std::cout << commands_json_text() << "\n";
        return 0;
      }
      for (const auto& c : system_under_test().commands) {
        std::string fields;
        for (const auto& f : c.fields) fields += fmt::format(" {}{}:{}", f.name, f.required ? "" : "?", f.type);
        std::cout << fmt::format("{:<26} [{}]{}\n", c.name, c.permission.empty() ? "-" : c.permission, fields);
      }
      for (const auto& r : system_under_test().reads) {
        std::string fields;
        for (const auto& f : r.fields) fields += fmt::format(" {}{}:{}", f.name, f.required ? "" : "?", f.type);
        std::cout << fmt::format("read {:<21}{}\n", r.name, fields);
      }
      return 0;
    }
    for (const auto& v : verifier_clis) {
      if (!v->verify->parsed()) continue;
      InvariantChecker checker(v->database);
      auto violations = checker.check_ids(v->decl->invariant_ids);
      for (const auto& violation : violations) {
        auto rows = json::parse(violation.rows_json);
        std::cout << fmt::format("BROKEN {} ({} row(s)); first broken link: {}\n", violation.invariant_id,
                                 violation.row_count, rows.empty() ? "?" : terminal_value(json_text(rows.front())));
      }
      std::cout << fmt::format("{} passed, {} failed\n", v->decl->invariant_ids.size() - violations.size(),
                               violations.size());
      return violations.empty() ? 0 : 1;
    }
    if (docs->parsed()) {
      std::map<std::string, std::string> files{{"INVARIANTS.md", invariants_markdown()},
                                               {"ERRORS.md", errors_markdown()},
                                               {"COMMANDS.md", commands_markdown()}};
      int stale = 0;
      for (const auto& [name, text] : files) {
        std::string path = docs_dir + "/" + name;
        std::ifstream in(path);
        std::string current((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (current == text) continue;
        if (docs_check) {
          std::cerr << fmt::format("verdict: {} is stale; regenerate with `./verdict docs`\n", path);
          ++stale;
        } else {
          std::ofstream(path) << text;
          std::cout << "wrote " << path << "\n";
        }
      }
      return stale == 0 ? 0 : 1;
    }
    if (migrate->parsed()) {
      system_under_test().migrate(migrate_database);
      std::cout << "verdict: migrations applied\n";
      return 0;
    }
    if (db_start->parsed()) {
      if (db::stop_state_file(state_file))
        std::cerr << "verdict: stopped the cluster " << state_file << " named before\n";
      auto server = db::start_embedded(db::ServerOptions{db_durable, db_in_memory});
      std::string tpl = db::ensure_template(*server);
      db::ScratchDatabase dev(*server, tpl, "dev");
      dev.keep();
      fs::create_directories(fs::path(state_file).parent_path().empty() ? "." : fs::path(state_file).parent_path());
      db::write_state_file(*server, state_file);
      server->keep();
      std::cout << fmt::format(
          "verdict: cluster kept: {}\n"
          "  URL (superuser):         {}\n"
          "  URL (application role):  {}\n"
          "  as the application role: psql \"{}\"\n"
          "  as the superuser:        psql \"{}\"\n"
          "  check it:                ./verdict invariants --check --database \"{}\"\n"
          "  stop it:                 ./verdict db stop{}\n",
          server->describe(), server->url(dev.name(), ""), server->url(dev.name(), db::app_role), dev.app_conninfo(),
          dev.admin_conninfo(), server->url(dev.name(), ""),
          state_file == default_state_file() ? "" : " --state " + state_file);
      return 0;
    }
    if (db_stop->parsed()) {
      bool stopped = db::stop_state_file(state_file);
      std::cout << (stopped ? "verdict: cluster stopped and removed\n"
                            : "verdict: no cluster recorded in " + state_file + "\n");
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "verdict: error: " << terminal_value(e.what()) << "\n";
    return exit_code(Status::error);
  }
  return exit_code(Status::error);
}

std::string errors_markdown() {
  std::string out =
      "# Error codes\n\n"
      "<!-- Generated by `./verdict docs` from the system's error table; do not edit by hand. -->\n\n"
      "Every rejected command returns one of these stable codes with a message naming the field. "
      "Codes are never reused. Retry classes: `never` (fix the request), `retry_call` (the same call may "
      "succeed later), `retry_transaction` (rebuild and retry the whole unit of work), "
      "`after_state_change` (retry only once the state it depends on has changed).\n\n"
      "| code | status | retry class | module | SQLSTATEs | meaning |\n|---|---:|---|---|---|---|\n";
  for (const auto& e : system_under_test().error_codes) {
    std::string states;
    for (const auto& s : e.sqlstates) states += (states.empty() ? "`" : ", `") + s + "`";
    out += fmt::format("| `{}` | {} | {} | {} | {} | {} |\n", e.code, e.status, e.retry_class, e.module, states,
                       e.meaning);
  }
  return out;
}

namespace {
json field_json(const FieldDecl& f) {
  json j{{"name", f.name}, {"type", f.type}, {"required", f.required}, {"description", f.description}};
  if (f.type == "text") j["length_max"] = f.length_max;
  if (f.type == "decimal") {
    j["scale"] = f.scale;
    j["precision"] = f.precision;
    if (!f.sign.empty()) j["sign"] = f.sign;
  }
  if (f.type == "enum") j["values"] = f.values;
  if (f.type == "list") {
    j["items_max"] = f.items_max;
    j["items"] = json::array();
    for (const auto& item : f.items) j["items"].push_back(field_json(item));
  }
  return j;
}

std::string field_type_text(const FieldDecl& f) {
  if (f.type == "text") return fmt::format("text ≤ {}", f.length_max);
  if (f.type == "list") {
    std::string items;
    for (const auto& item : f.items)
      items += fmt::format("{}`{}`{}: {}", items.empty() ? "" : "; ", item.name, item.required ? "" : "?",
                           field_type_text(item));
    return fmt::format("list of 1–{} {{{}}}", f.items_max, items);
  }
  if (f.type == "decimal")
    return fmt::format("decimal({}, {}){}", f.precision, f.scale, f.sign.empty() ? "" : ", " + f.sign);
  if (f.type == "enum") {
    std::string values;
    for (const auto& v : f.values) values += (values.empty() ? "" : " | ") + v;
    return "enum: " + values;
  }
  return f.type;
}

std::string fields_markdown(const std::vector<FieldDecl>& fields) {
  if (fields.empty()) return "No fields.\n";
  std::string out = "| field | type | required | meaning |\n|---|---|---|---|\n";
  for (const auto& f : fields)
    out +=
        fmt::format("| `{}` | {} | {} | {} |\n", f.name, field_type_text(f), f.required ? "yes" : "no", f.description);
  return out;
}
}  // namespace

std::string commands_json_text() {
  json out{{"commands", json::array()}, {"reads", json::array()}};
  for (const auto& c : system_under_test().commands) {
    json fields = json::array();
    for (const auto& f : c.fields) fields.push_back(field_json(f));
    out["commands"].push_back({{"name", c.name},
                               {"module", c.module},
                               {"permission", c.permission},
                               {"idempotent", c.idempotent},
                               {"description", c.description},
                               {"fields", fields}});
  }
  for (const auto& r : system_under_test().reads) {
    json fields = json::array();
    for (const auto& f : r.fields) fields.push_back(field_json(f));
    out["reads"].push_back(
        {{"name", r.name}, {"module", r.module}, {"description", r.description}, {"fields", fields}});
  }
  return out.dump(2);
}

std::string commands_markdown() {
  std::string out =
      "# Commands and reads\n\n"
      "<!-- Generated by `./verdict docs` from the command declarations; do not edit by hand. -->\n\n"
      "Every command declares its fields once; the declaration validates a request before any transaction "
      "(an unknown field, a wrong type or a missing required field is `VALIDATION_FAILED` naming the field), "
      "and drives `verdict commands --list` / `--json` and this page. Every command runs through the critical "
      "mutation wrapper: validate → begin → permission → idempotency claim → apply → audit record → commit. "
      "Decimals travel as strings.\n\n";
  std::string current_module;
  for (const auto& c : system_under_test().commands) {
    if (c.module != current_module) {
      current_module = c.module;
      out += fmt::format("## Module `{}`\n\n", c.module);
    }
    out += fmt::format("### `{}`\n\n{}\n\n- permission: {}\n- idempotency key: {}\n\n{}\n", c.name, c.description,
                       c.permission.empty() ? "none (any actor)" : "`" + c.permission + "`",
                       c.idempotent ? "accepted" : "refused", fields_markdown(c.fields));
  }
  out +=
      "## Reads\n\nReads run in a read-only transaction in the caller's tenant; fixtures use them in `check` "
      "steps.\n\n";
  for (const auto& r : system_under_test().reads)
    out += fmt::format("### `{}` ({})\n\n{}\n\n{}\n", r.name, r.module, r.description, fields_markdown(r.fields));
  return out;
}

}  // namespace verdict
