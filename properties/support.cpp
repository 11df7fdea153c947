// See support.hpp.

#include "support.hpp"

#include <fmt/format.h>

namespace props {

Sut::~Sut() {
  if (stats_out && engine) stats_out->merge(engine->stats());
}

verdict::StepRecord Sut::run(const std::string& name, const json& args, const std::string& actor) {
  verdict::Command c;
  c.name = name;
  c.tenant = tenant;
  c.actor = actor;
  c.as_of = clock.now_iso();
  c.args_json = args.dump();
  clock.advance(60);
  try {
    auto record = engine->execute(c);
    if (tally) tally->record(name, record.outcome.status == verdict::OutcomeStatus::ok);
    return record;
  } catch (const std::exception& e) {
    // The system answers with outcomes; an exception (or a failing invariant query) is a defect
    // of the system under test, so it is a failure to shrink, not a harness error.
    throw failure(engine->steps_run() + 1 - setup_steps, json{{"do", name}, {"actor", actor}, {"with", args}}.dump(),
                  "an outcome", std::string("exception: ") + e.what());
  }
}

json Sut::read(const std::string& name, const json& args) {
  return json::parse(connection->read(name, tenant, args.dump()));
}

void expect_read(Sut& sut, const verdict::StepRecord& record, const std::string& read, const json& args,
                 const json& want, const std::string& label) {
  auto got = sut.read(read, args);
  if (got != want)
    throw Sut::failure(record.index - sut.setup_steps, command_text(record), label + " " + want.dump(),
                       label + " " + got.dump());
}

verdict::stateful::Failure Sut::failure(int step, std::string command, std::string expected, std::string actual) {
  verdict::Finding f;
  f.step_index = step;
  f.command_json = std::move(command);
  f.expected = std::move(expected);
  f.actual = std::move(actual);
  f.message = fmt::format("step {} {}: expected {}, got {}", f.step_index, f.command_json, f.expected, f.actual);
  return verdict::stateful::Failure(std::move(f));
}

std::unique_ptr<Sut> make_system(const verdict::RunContext& context, verdict::stateful::Tally& tally,
                                 verdict::SuiteStats* stats, const std::vector<std::pair<std::string, json>>& setup,
                                 const std::string& actor) {
  auto sut = std::make_unique<Sut>();
  try {
    sut->database = context.new_database("prop");
    sut->connection = verdict::system_under_test().connect(sut->database->app_conninfo());
    sut->checker = std::make_unique<verdict::InvariantChecker>(sut->database->admin_conninfo());
    sut->engine = std::make_unique<verdict::StepEngine>(*sut->connection, *sut->checker);
  } catch (const std::exception& e) {
    throw verdict::stateful::HarnessError(e.what());
  }
  sut->stats_out = stats;
  for (const auto& [name, args] : setup) {
    auto r = sut->run(name, args, actor);
    if (r.outcome.status != verdict::OutcomeStatus::ok)
      throw Sut::failure(0, json{{"do", name}, {"with", args}}.dump(), "ok",
                         outcome_text(r.outcome) + " " + r.outcome.message);
    sut->setup_values.push_back(json::parse(r.outcome.values_json));
  }
  sut->setup_steps = sut->engine->steps_run();
  sut->tally = &tally;
  return sut;
}

std::string command_text(const verdict::StepRecord& r) {
  return json{{"do", r.command.name}, {"actor", r.command.actor}, {"with", json::parse(r.command.args_json)}}.dump();
}

std::string outcome_text(const verdict::StepOutcome& o) {
  if (o.status == verdict::OutcomeStatus::ok) return "ok";
  if (o.status == verdict::OutcomeStatus::unknown) return "unknown";
  return fmt::format("error {} (field {})", o.code, o.field);
}

void judge_outcome(const Sut& sut, const verdict::StepRecord& record, const Prediction& expected) {
  // Findings count steps of the generated sequence (1 = its first command), as the counterexample lists them.
  int step = record.index - sut.setup_steps;
  std::string want = expected.ok ? "ok" : fmt::format("error {} (field {})", expected.code, expected.field);
  std::string got = outcome_text(record.outcome);
  if (want != got) throw Sut::failure(step, command_text(record), want, got + " " + record.outcome.message);
  if (!record.violations.empty()) {
    auto f = Sut::failure(step, command_text(record), "every invariant holds",
                          verdict::describe_violations(record.violations));
    f.finding.invariant_id = record.violations.front().invariant_id;
    f.finding.rows_json = record.violations.front().rows_json;
    throw f;
  }
}

void finish(Sut& sut, int steps) {
  auto violations = sut.engine->check_all();
  if (violations.empty()) return;
  auto f = Sut::failure(steps, "", "every invariant holds at the end", verdict::describe_violations(violations));
  f.finding.invariant_id = violations.front().invariant_id;
  f.finding.rows_json = violations.front().rows_json;
  throw f;
}

}  // namespace props
