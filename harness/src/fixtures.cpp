// The fixture runner: a small interpreter over the scenario format of docs/FIXTURES.md.
// Step kinds: "do" (a command, with an expected outcome), "check" (a read compared with a value),
// "clock" (set or advance business time), "snapshot" / "unchanged_since" (nothing was written).

#include "verdict/fixtures.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>

#include "verdict/clock.hpp"
#include "verdict/failpoints.hpp"
#include "verdict/input.hpp"
#include "verdict/steps.hpp"
#include "verdict/system.hpp"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace verdict {
namespace {

// A fixture file that cannot be interpreted: the harness cannot judge (error), not a failure.
struct FixtureError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The string at object[key], or `fallback` when the key is absent (an error when there is none):
// another JSON type is an error of the file naming the key, not a library exception.
std::string string_at(const json& object, const char* key, const std::optional<std::string>& fallback = std::nullopt) {
  if (!object.contains(key)) {
    if (fallback) return *fallback;
    throw FixtureError(fmt::format("'{}' is missing", key));
  }
  const json& value = object[key];
  if (!value.is_string())
    throw FixtureError(fmt::format("'{}' must be a string, not {} {}", key, value.type_name(), value.dump()));
  return value.get<std::string>();
}

// The boolean at object[key], or `fallback` when the key is absent; another JSON type is an error of
// the file naming the key.
bool bool_at(const json& object, const char* key, bool fallback) {
  if (!object.contains(key)) return fallback;
  const json& value = object[key];
  if (!value.is_boolean())
    throw FixtureError(fmt::format("'{}' must be true or false, not {} {}", key, value.type_name(), value.dump()));
  return value.get<bool>();
}

// "step 4: ..." once: a message that already names the step keeps it.
std::string located(const std::string& where, const std::string& message) {
  if (message.rfind(where + ":", 0) == 0 || message.rfind(where + " ", 0) == 0) return message;
  return where + ": " + message;
}

// A place in the file, as a person counts steps: "/steps/3/with" is "step 4 (/steps/3/with)".
std::string place_in_file(const std::string& pointer) {
  static const std::regex step_pointer(R"(/steps/(\d+)(/.*)?)");
  std::smatch m;
  if (!std::regex_match(pointer, m, step_pointer)) return pointer.empty() ? "" : pointer;
  return fmt::format("step {} ({})", std::stoll(m[1]) + 1, pointer);
}

// "6", "6.0", "6.0000" are one number: compare decimal strings by value, without floating point.
std::string normalize_number(const std::string& s) {
  static const std::regex number(R"(-?\d+(\.\d+)?)");
  if (!std::regex_match(s, number)) return s;
  bool negative = s[0] == '-';
  std::string body = s.substr(negative ? 1 : 0);
  auto dot = body.find('.');
  std::string integer = body.substr(0, dot);
  std::string fraction = dot == std::string::npos ? "" : body.substr(dot + 1);
  integer.erase(0, std::min(integer.find_first_not_of('0'), integer.size() - 1));
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  std::string out = fraction.empty() ? integer : integer + "." + fraction;
  return out == "0" || !negative ? out : "-" + out;
}

bool same_value(const json& expected, const json& actual) {
  if (expected.is_string() && actual.is_string()) {
    return normalize_number(expected.get<std::string>()) == normalize_number(actual.get<std::string>());
  }
  if (expected.is_number_integer() && actual.is_string()) {
    return normalize_number(std::to_string(expected.get<long long>())) == normalize_number(actual.get<std::string>());
  }
  if (expected.is_object() && actual.is_object()) {
    for (const auto& [k, v] : expected.items()) {
      if (!actual.contains(k) || !same_value(v, actual.at(k))) return false;
    }
    return true;  // a subset: the fixture names what it cares about
  }
  if (expected.is_array() && actual.is_array()) {
    if (expected.size() != actual.size()) return false;
    for (std::size_t i = 0; i < expected.size(); ++i)
      if (!same_value(expected[i], actual[i])) return false;
    return true;
  }
  return expected == actual;
}

// Replaces "$name.key" strings with values from earlier steps' results.
json resolve(const json& value, const std::map<std::string, json>& results) {
  if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    if (s.size() > 1 && s[0] == '$' && s[1] != '$') {
      auto dot = s.find('.');
      std::string name = s.substr(1, dot == std::string::npos ? std::string::npos : dot - 1);
      auto it = results.find(name);
      if (it == results.end()) throw FixtureError("reference " + s + ": no earlier step is named '" + name + "'");
      if (dot == std::string::npos) return it->second;
      std::string key = s.substr(dot + 1);
      if (!it->second.contains(key))
        throw FixtureError("reference " + s + ": step '" + name + "' has no value '" + key + "'");
      return it->second.at(key);
    }
    if (s.rfind("$$", 0) == 0) return s.substr(1);  // "$$x" is the literal "$x"
    return value;
  }
  if (value.is_object()) {
    json out = json::object();
    for (const auto& [k, v] : value.items()) out[k] = resolve(v, results);
    return out;
  }
  if (value.is_array()) {
    json out = json::array();
    for (const auto& v : value) out.push_back(resolve(v, results));
    return out;
  }
  return value;
}

// A typo in a scenario must not silently weaken it: unknown keys are an error of the file.
void require_known_keys(const json& object, std::initializer_list<const char*> allowed, const std::string& where) {
  if (auto key = unknown_key(object, allowed)) throw FixtureError(fmt::format("{}: unknown key '{}'", where, *key));
}

// An undeclared failpoint is an error of the file, not of the harness.
void arm_failpoint(const std::string& name) {
  try {
    failpoints::arm(name);
  } catch (const std::invalid_argument& e) {
    throw FixtureError(e.what());
  }
}

// Business time moves by at most this much in one step: a century, far beyond any expiry or period
// a scenario tests, and far from overflowing the clock's seconds.
constexpr std::int64_t clock_advance_s_max = 100LL * 366 * 24 * 3600;

// A `clock` step: {"set": "YYYY-MM-DDTHH:MM:SSZ"} or {"advance_s": N}.
void move_clock(Clock& clock, const json& c) {
  if (!c.is_object()) throw FixtureError(fmt::format("'clock' must be an object, not {}", c.dump()));
  require_known_keys(c, {"set", "advance_s"}, "clock");
  try {
    if (c.contains("set")) return clock.set(string_at(c, "set"));
    if (!c.contains("advance_s")) throw FixtureError("clock needs 'set' or 'advance_s'");
    const json& seconds = c["advance_s"];
    // nlohmann keeps a non-negative whole number as unsigned, a negative one as signed.
    const bool in_range =
        seconds.is_number_unsigned() && seconds.get<std::uint64_t>() <= std::uint64_t{clock_advance_s_max};
    if (!in_range)
      throw FixtureError(
          fmt::format("'advance_s' takes whole seconds from 0 to {}, not {}", clock_advance_s_max, seconds.dump()));
    clock.advance(seconds.get<std::int64_t>());
  } catch (const std::invalid_argument& e) {
    throw FixtureError(e.what());
  }
}

std::vector<std::string> table_names(const SystemUnderTest& system) {
  std::vector<std::string> names;
  for (const auto& t : system.tables) names.push_back(t.name);
  return names;
}

std::string outcome_text(const StepOutcome& o) {
  if (o.status == OutcomeStatus::ok) return "ok " + o.values_json;
  if (o.status == OutcomeStatus::unknown) return "unknown: " + o.message;
  return fmt::format("error {}{}: {}", o.code, o.field.empty() ? "" : " (field " + o.field + ")", o.message);
}

// A typo in a scenario must not silently weaken it: an argument the command or read does not
// declare is an error of the file, unless the step expects exactly that refusal
// (VALIDATION_FAILED naming the field), which is how a scenario tests the system's own check.
void check_declared_fields(const std::vector<FieldDecl>& fields, const json& with, const std::string& where,
                           const std::string& what, const json& expect, const std::string& prefix = "") {
  if (!with.is_object())
    throw FixtureError(fmt::format("{}: '{}' must be an object", where, prefix.empty() ? "with" : prefix));
  for (const auto& [key, value] : with.items()) {
    const FieldDecl* declared = nullptr;
    for (const auto& f : fields)
      if (f.name == key) declared = &f;
    std::string path = prefix.empty() ? key : prefix + "." + key;
    if (declared) {
      // A list's items are objects declared by the list: a typo inside one is as much a typo.
      if (declared->type == "list" && value.is_array()) {
        for (std::size_t i = 0; i < value.size(); ++i)
          if (value[i].is_object())
            check_declared_fields(declared->items, value[i], where, what, expect, fmt::format("{}[{}]", path, i));
      }
      continue;
    }
    bool expected_refusal = expect.is_object() && string_at(expect, "error", "") == "VALIDATION_FAILED" &&
                            string_at(expect, "field", "") == path;
    if (expected_refusal) continue;
    std::string names;
    for (const auto& f : fields) names += (names.empty() ? "" : ", ") + f.name;
    throw FixtureError(
        fmt::format("{}: {} has no field '{}' (it declares: {})", where, what, path, names.empty() ? "none" : names));
  }
}

void check_declared_command(const json& step, const json& expect, const std::string& where) {
  if (!step["do"].is_string()) throw FixtureError(where + ": 'do' names a command");
  std::string name = step["do"].get<std::string>();
  const CommandDecl* command = find_command(name);
  if (!command)
    throw FixtureError(fmt::format("{}: no command named '{}' (see `verdict commands --list`)", where, name));
  check_declared_fields(command->fields, step.value("with", json::object()), where, "command " + name, expect);
}

// The scenario's steps act on a scratch database cloned from the template: its system connection,
// invariants and table fingerprints.
class DatabaseBackend final : public ScenarioBackend {
 public:
  DatabaseBackend(const RunContext& context, const std::string& label, const FixtureOptions& options, SuiteStats* stats)
      : database_(context.new_database(label)), stats_(stats), options_(options), system_(system_under_test()) {
    if (options.keep_db) {
      database_->keep();
      std::cerr << fmt::format("verdict: scenario database kept: psql \"{}\"\n", database_->admin_conninfo());
    }
    connection_ = system_.connect(database_->app_conninfo());
    checker_ = std::make_unique<InvariantChecker>(database_->admin_conninfo());
    engine_ = std::make_unique<StepEngine>(*connection_, *checker_, options.full_every);
  }
  // On every way out of this scenario, its steps count in the suite's figures.
  ~DatabaseBackend() override {
    if (stats_) stats_->merge(engine_->stats());
  }

  StepRecord execute(Command command) override { return engine_->execute(std::move(command)); }
  std::string read(const std::string& what, const std::string& tenant, const std::string& args_json) override {
    return connection_->read(what, tenant, args_json);
  }
  std::string fingerprint() override {
    return db::table_fingerprints(database_->admin_conninfo(), table_names(system_));
  }
  std::vector<Violation> check_all() override { return engine_->check_all(); }

 private:
  std::unique_ptr<db::ScratchDatabase> database_;
  SuiteStats* stats_;  // may be null
  FixtureOptions options_;
  const SystemUnderTest& system_;
  std::unique_ptr<SystemConnection> connection_;
  std::unique_ptr<InvariantChecker> checker_;
  std::unique_ptr<StepEngine> engine_;
};

class ScenarioRun {
 public:
  // `path` names the file in messages and replay lines; `make_backend` is called once the file reads
  // well, so a file that cannot be interpreted costs no database.
  ScenarioRun(const std::string& path, const FixtureOptions& options,
              std::function<std::unique_ptr<ScenarioBackend>()> make_backend)
      : path_(path), shown_(display_path(path)), options_(options), make_backend_(std::move(make_backend)) {}

  // `text`: the file's contents, or nullopt to read them from `path`.
  CaseResult run(std::optional<std::string_view> text = std::nullopt) {
    CaseResult result;
    auto start = std::chrono::steady_clock::now();
    try {
      load(text);
      result.name = name_;
      auto backend = make_backend_();
      execute_steps(result, *backend);
    } catch (const FixtureError& e) {
      result.status = Status::error;
      result.detail = fmt::format("{}: {}", shown_, e.what());
    } catch (const std::exception& e) {
      result.status = Status::error;
      result.detail = fmt::format("{}: harness error: {}", shown_, e.what());
    }
    failpoints::disarm_all();
    if (result.name.empty()) result.name = shown_;
    result.duration_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
    return result;
  }

 private:
  void load(std::optional<std::string_view> text) {
    try {
      doc_ = text ? parse_input_json(*text) : read_input_json(path_);
    } catch (const InputError& e) {
      const std::string place = place_in_file(e.pointer);
      throw FixtureError(place.empty() ? e.reason : place + ": " + e.reason);
    }
    if (!doc_.is_object()) throw FixtureError("a scenario is a JSON object");
    require_known_keys(doc_, {"name", "description", "group", "tenant", "actor", "steps"}, "header");
    for (const char* key : {"name", "description", "group", "steps"}) {
      if (!doc_.contains(key)) throw FixtureError(std::string("missing header field '") + key + "'");
    }
    if (!doc_["steps"].is_array() || doc_["steps"].empty()) throw FixtureError("'steps' must be a non-empty array");
    if (doc_["steps"].size() > fixture_steps_max)
      throw FixtureError(
          fmt::format("'steps' has {} steps, over the limit of {} (split the story, or make it a "
                      "property suite or a stress workload)",
                      doc_["steps"].size(), fixture_steps_max));
    try {
      name_ = string_at(doc_, "name");
      string_at(doc_, "description");
      string_at(doc_, "group");
      tenant_ = string_at(doc_, "tenant", "acme");
      actor_ = string_at(doc_, "actor", "clerk");
    } catch (const FixtureError& e) {
      throw FixtureError(located("header", e.what()));
    }
  }

  std::string replay(int step) const {
    return fmt::format("{} fixtures {} --keep-db --stop-after {}", replay_prefix(), shown_, step);
  }

  void fail(CaseResult& result, int step, const std::string& command, const std::string& expected,
            const std::string& actual, const std::string& message) {
    result.status = Status::fail;
    Finding f;
    f.suite = "fixtures";
    f.case_name = name_;
    f.step_index = step;
    f.command_json = command;
    f.expected = expected;
    f.actual = actual;
    f.message = message;
    f.replay = replay(step);
    result.finding = f;
  }

  void fail_invariants(CaseResult& result, int step, const std::string& command,
                       const std::vector<Violation>& violations) {
    fail(result, step, command, "every invariant holds", describe_violations(violations),
         fmt::format("invariant {} broken after step {} of {}", violations.front().invariant_id, step, shown_));
    result.finding->invariant_id = violations.front().invariant_id;
    result.finding->rows_json = violations.front().rows_json;
  }

  void execute_steps(CaseResult& result, ScenarioBackend& backend) {
    Clock clock;
    std::map<std::string, json> results;
    std::map<std::string, std::string> snapshots;
    int index = 0;
    // One step; true when it ended the scenario with a finding.
    auto run_step = [&](const json& raw, int index, const std::string& where) -> bool {
      json step = resolve(raw, results);
      std::string step_text = raw.dump();
      if (step.contains("do")) {
        require_known_keys(step, {"do", "with", "as", "expect", "tenant", "actor", "key", "failpoint", "note"}, where);
        json expect = step.value("expect", json{{"ok", true}});
        if (!expect.is_object()) throw FixtureError(fmt::format("'expect' must be an object, not {}", expect.dump()));
        require_known_keys(expect, {"ok", "values", "error", "field", "unknown", "replayed"}, where + " expect");
        check_declared_command(step, expect, where);
        Command command;
        command.name = string_at(step, "do");
        command.tenant = string_at(step, "tenant", tenant_);
        command.actor = string_at(step, "actor", actor_);
        command.as_of = clock.now_iso();
        command.idempotency_key = string_at(step, "key", "");
        command.correlation_id = fmt::format("{}#{}", fs::path(path_).filename().string(), index);
        command.args_json = step.value("with", json::object()).dump();
        if (step.contains("failpoint")) arm_failpoint(string_at(step, "failpoint"));
        StepRecord record = backend.execute(command);
        failpoints::disarm_all();
        const auto& o = record.outcome;
        if (expect.contains("ok") && expect["ok"] != true)
          throw FixtureError(where + ": \"ok\" can only be true; expect a failure with \"error\"");
        std::string expected_text;
        bool matches;
        if (expect.contains("error")) {
          expected_text = "error " + string_at(expect, "error");
          matches = o.status == OutcomeStatus::error && o.code == string_at(expect, "error");
          if (matches && expect.contains("field")) {
            expected_text += " (field " + string_at(expect, "field") + ")";
            matches = o.field == string_at(expect, "field");
          }
        } else if (bool_at(expect, "unknown", false)) {
          expected_text = "unknown";
          matches = o.status == OutcomeStatus::unknown;
        } else {
          expected_text = "ok";
          matches = o.status == OutcomeStatus::ok;
          if (matches && expect.contains("values")) {
            expected_text += " " + expect["values"].dump();
            matches = same_value(expect["values"], json::parse(o.values_json));
          }
        }
        if (matches && expect.contains("replayed")) {
          if (!expect["replayed"].is_boolean()) throw FixtureError(where + ": \"replayed\" is true or false");
          expected_text += expect["replayed"].get<bool>() ? " (a replay)" : " (not a replay)";
          matches = o.replayed == expect["replayed"].get<bool>();
        }
        if (!matches) {
          fail(result, index, step_text, expected_text, outcome_text(o),
               fmt::format("step {} ({}) of {}: expected {}, got {}", index, command.name, shown_, expected_text,
                           outcome_text(o)));
          return true;
        }
        if (!record.violations.empty()) {
          fail_invariants(result, index, step_text, record.violations);
          return true;
        }
        if (step.contains("as")) results[string_at(step, "as")] = json::parse(o.values_json);
      } else if (step.contains("check")) {
        require_known_keys(step, {"check", "with", "equals", "tenant", "note"}, where);
        std::string what = string_at(step, "check");
        const ReadDecl* read = find_read(what);
        if (!read)
          throw FixtureError(fmt::format("{}: no read named '{}' (see `verdict commands --list`)", where, what));
        check_declared_fields(read->fields, step.value("with", json::object()), where, "read " + what, json());
        json actual = json::parse(
            backend.read(what, string_at(step, "tenant", tenant_), step.value("with", json::object()).dump()));
        if (!step.contains("equals")) throw FixtureError(fmt::format("step {}: a check needs 'equals'", index));
        if (!same_value(step["equals"], actual)) {
          fail(result, index, step_text, step["equals"].dump(), actual.dump(),
               fmt::format("step {} of {}: check {} expected {}, got {}", index, shown_, what, step["equals"].dump(),
                           actual.dump()));
          return true;
        }
      } else if (step.contains("clock")) {
        require_known_keys(step, {"clock", "note"}, where);
        move_clock(clock, step["clock"]);
      } else if (step.contains("snapshot")) {
        require_known_keys(step, {"snapshot", "note"}, where);
        snapshots[string_at(step, "snapshot")] = backend.fingerprint();
      } else if (step.contains("unchanged_since")) {
        require_known_keys(step, {"unchanged_since", "note"}, where);
        std::string name = string_at(step, "unchanged_since");
        if (!snapshots.count(name)) throw FixtureError(fmt::format("step {}: no snapshot named '{}'", index, name));
        std::string now = backend.fingerprint();
        if (now != snapshots[name]) {
          fail(result, index, step_text, snapshots[name], now,
               fmt::format("step {} of {}: tables changed since snapshot '{}'", index, shown_, name));
          return true;
        }
      } else {
        throw FixtureError(fmt::format("step {}: unknown step kind {}", index, step_text));
      }
      return false;
    };
    for (const auto& raw : doc_["steps"]) {
      ++index;
      if (options_.stop_after > 0 && index > options_.stop_after) {
        std::cerr << fmt::format("verdict: stopped after step {} as asked\n", options_.stop_after);
        return;
      }
      const std::string where = fmt::format("step {}", index);
      bool finished = false;
      try {
        finished = run_step(raw, index, where);
      } catch (const FixtureError& e) {
        throw FixtureError(located(where, e.what()));
      } catch (const std::exception& e) {
        throw std::runtime_error(located(where, e.what()));
      }
      if (finished) return;
    }
    auto violations = backend.check_all();
    if (!violations.empty()) fail_invariants(result, index, "", violations);
  }

  std::string path_;
  std::string shown_;  // path_ as a person types it from the repository root
  FixtureOptions options_;
  std::function<std::unique_ptr<ScenarioBackend>()> make_backend_;
  json doc_;
  std::string name_;
  std::string tenant_;
  std::string actor_;
};

}  // namespace

CaseResult run_fixture_file(const RunContext& context, const std::string& path, const FixtureOptions& options,
                            SuiteStats* stats) {
  auto make_backend = [&]() -> std::unique_ptr<ScenarioBackend> {
    return std::make_unique<DatabaseBackend>(context, fs::path(path).stem().string(), options, stats);
  };
  return ScenarioRun(path, options, make_backend).run();
}

CaseResult run_scenario_text(std::string_view text, const std::string& path, const FixtureOptions& options,
                             const std::function<std::unique_ptr<ScenarioBackend>()>& make_backend) {
  return ScenarioRun(path, options, make_backend).run(text);
}

std::vector<std::string> collect_fixture_files(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  for (const auto& p : paths) {
    if (fs::is_directory(p)) {
      std::vector<std::string> found;
      for (const auto& e : fs::recursive_directory_iterator(p))
        if (e.is_regular_file() && e.path().extension() == ".json") found.push_back(e.path().string());
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
    } else {
      out.push_back(p);
    }
  }
  return out;
}

SuiteResult run_fixture_suite(const RunContext& context, const std::vector<std::string>& paths,
                              const FixtureOptions& options) {
  SuiteResult suite;
  suite.name = "fixtures";
  suite.kind = "fixture";
  auto start = std::chrono::steady_clock::now();
  for (const auto& file : collect_fixture_files(paths))
    suite.cases.push_back(run_fixture_file(context, file, options, &suite.stats));
  suite.duration_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  return suite;
}

}  // namespace verdict
