// The inventory property suite: RapidCheck generates command sequences (receive, fulfill, transfer,
// adjust, reverse), runs each against the system on a fresh database and against the reference model,
// and asserts after every command that
//   - the outcome is the one the model predicts (ok, or the same error code and field),
//   - every on-hand level of the tenant equals the model's,
//   - every invariant holds (scoped after every step, full every K steps and at the end).
// Failures are shrunk to a minimal command sequence and replay from the printed seed.

#include <fmt/format.h>
#include <rapidcheck.h>
#include <rapidcheck/state.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "inventory_model.hpp"
#include "verdict/invariants.hpp"
#include "verdict/steps.hpp"
#include "verdict/suites.hpp"

namespace {
using json = nlohmann::json;
using model::InventoryModel;

const std::vector<std::string> skus = {"SKU-A", "SKU-B"};
const std::vector<std::string> batches = {"B1", "B2"};
const std::vector<std::string> locations = {"WH1", "WH2", "WH3"};
constexpr const char* tenant = "acme";

// The fixed unit cost of a batch: a receipt with another cost is a different (refused) request.
std::string unit_cost_of(const std::string& batch) { return batch == "B1" ? "1.5000" : "2.0000"; }

// What the last failing run saw; the last failure RapidCheck observes is the minimal one.
struct FailureNote {
  int step = -1;
  std::string command_json;
  std::string invariant_id;
  std::string rows_json;
  std::string expected;
  std::string actual;
};
FailureNote last_failure;

// The system side of one test case: a fresh database, a connection, the step engine.
struct Sut {
  std::unique_ptr<verdict::db::ScratchDatabase> database;
  std::unique_ptr<verdict::SystemConnection> connection;
  std::unique_ptr<verdict::InvariantChecker> checker;
  std::unique_ptr<verdict::StepEngine> engine;
  std::vector<long long> movement_ids;  // the system's id of each model movement, in order
  int setup_steps = 0;                  // catalog set-up before the generated sequence
  verdict::Clock clock;
  verdict::SuiteStats* stats_out = nullptr;  // gathers this case's steps, however it ends

  Sut() = default;
  Sut(const Sut&) = delete;
  Sut& operator=(const Sut&) = delete;
  ~Sut() {
    if (stats_out && engine) stats_out->merge(engine->stats());
  }

  verdict::StepRecord run(const std::string& name, json args, const std::string& actor = InventoryModel::admin) {
    verdict::Command c;
    c.name = name;
    c.tenant = tenant;
    c.actor = actor;
    c.as_of = clock.now_iso();
    c.args_json = args.dump();
    clock.advance(60);
    try {
      return engine->execute(c);
    } catch (const std::exception& e) {
      // The system answers with outcomes; an exception (or a failing invariant query) is a defect
      // of the system under test, so it is a failure RapidCheck shrinks, not a harness error.
      last_failure = {
          engine->steps_run() + 1 - setup_steps, json{{"do", name}, {"with", args}}.dump(), "", "", "an outcome",
          std::string("exception: ") + e.what()};
      RC_FAIL(fmt::format("{} {} threw: {}", name, args.dump(), e.what()));
    }
  }
};

std::string command_text(const verdict::StepRecord& r) {
  return json{{"do", r.command.name}, {"actor", r.command.actor}, {"with", json::parse(r.command.args_json)}}.dump();
}

std::string outcome_text(const verdict::StepOutcome& o) {
  if (o.status == verdict::OutcomeStatus::ok) return "ok";
  if (o.status == verdict::OutcomeStatus::unknown) return "unknown";
  return fmt::format("error {} (field {})", o.code, o.field);
}

// Compares one executed step with the model's prediction and the model's stock levels.
void judge_step(Sut& sut, const verdict::StepRecord& executed, const model::Expected& expected,
                const InventoryModel& after);

// judge_step, with an exception from the system's answers (a bad read, malformed values) turned
// into a failure of the system: shrunk and reported with its step, never mistaken for the harness.
void judge(Sut& sut, const verdict::StepRecord& executed, const model::Expected& expected,
           const InventoryModel& after) {
  try {
    judge_step(sut, executed, expected, after);
  } catch (const std::exception& e) {
    last_failure = {executed.index - sut.setup_steps,     command_text(executed), "", "", "well-formed answers",
                    std::string("exception: ") + e.what()};
    RC_FAIL(fmt::format("step {} {}: reading the system's answer threw: {}", executed.index - sut.setup_steps,
                        command_text(executed), e.what()));
  }
}

void judge_step(Sut& sut, const verdict::StepRecord& executed, const model::Expected& expected,
                const InventoryModel& after) {
  // Findings count steps of the generated sequence (1 = its first command), as the counterexample lists them.
  verdict::StepRecord record = executed;
  record.index -= sut.setup_steps;
  std::string want = expected.ok ? "ok" : fmt::format("error {} (field {})", expected.code, expected.field);
  std::string got = outcome_text(record.outcome);
  if (want != got) {
    last_failure = {record.index, command_text(record), "", "", want, got + " " + record.outcome.message};
    RC_FAIL(fmt::format("step {} {}: the model expects {}, the system returned {} ({})", record.index,
                        command_text(record), want, got, record.outcome.message));
  }
  if (!record.violations.empty()) {
    const auto& v = record.violations.front();
    last_failure = {record.index, command_text(record),    v.invariant_id,
                    v.rows_json,  "every invariant holds", verdict::describe_violations(record.violations)};
    RC_FAIL(fmt::format("step {} {}: invariant {} broken: {}", record.index, command_text(record), v.invariant_id,
                        v.rows_json));
  }
  if (record.outcome.status == verdict::OutcomeStatus::ok) {
    auto values = json::parse(record.outcome.values_json);
    if (values.contains("reversal_movement_ids")) {
      for (const auto& id : values["reversal_movement_ids"]) sut.movement_ids.push_back(id.get<long long>());
    } else if (values.contains("out_movement_id")) {
      sut.movement_ids.push_back(values["out_movement_id"].get<long long>());
      sut.movement_ids.push_back(values["in_movement_id"].get<long long>());
    } else if (values.contains("movement_id")) {
      sut.movement_ids.push_back(values["movement_id"].get<long long>());
    }
  }
  // Every on-hand level, not only the touched one: a write to the wrong slot shows up here.
  std::map<model::Slot, std::string> system_levels;
  for (const auto& row : json::parse(sut.connection->read("stock", tenant, "{}"))) {
    auto units = model::parse_units(row["qty"].get<std::string>());
    if (!units || *units != 0)
      system_levels[{row["sku"], row["batch"], row["location"]}] = row["qty"].get<std::string>();
  }
  std::map<model::Slot, std::string> model_levels;
  for (const auto& [slot, units] : after.on_hand())
    if (units != 0) model_levels[slot] = model::format_units(units);
  if (system_levels != model_levels) {
    auto show = [](const std::map<model::Slot, std::string>& m) {
      std::string s;
      for (const auto& [slot, q] : m)
        s += fmt::format("{}/{}/{}={} ", std::get<0>(slot), std::get<1>(slot), std::get<2>(slot), q);
      return s;
    };
    last_failure = {record.index, command_text(record), "", "", show(model_levels), show(system_levels)};
    RC_FAIL(fmt::format("step {} {}: on-hand differs from the model. model: {} system: {}", record.index,
                        command_text(record), show(model_levels), show(system_levels)));
  }
}

// Quantities: mostly realistic, sometimes hostile (the system must refuse exactly as the model does).
rc::Gen<std::string> gen_qty() {
  return rc::gen::weightedOneOf<std::string>({
      {6, rc::gen::map(rc::gen::inRange(1, 9), [](int n) { return std::to_string(n); })},
      {3, rc::gen::map(rc::gen::inRange(1, 60000), [](int u) { return model::format_units(u); })},
      {1, rc::gen::element<std::string>("0", "-1", "1.00001", "NaN", "1e999", "", "9999999999999999999",
                                        // the largest quantity there is: twice, and on-hand overflows
                                        "9999999999999999.9999", "5000000000000000")},
  });
}

rc::Gen<std::string> gen_delta() {
  return rc::gen::weightedOneOf<std::string>({
      {6, rc::gen::map(rc::gen::inRange(-5, 6), [](int n) { return std::to_string(n); })},
      {2, rc::gen::map(rc::gen::inRange(-30000, 30000), [](int u) { return model::format_units(u); })},
      {1, rc::gen::element<std::string>("0.00001", "inf", "-", "9999999999999999", "-9999999999999999.9999")},
  });
}

using Command = rc::state::Command<InventoryModel, Sut>;

// Mostly the tenant's admin; sometimes the helper, whose roles the sequence changes.
rc::Gen<std::string> gen_actor() {
  return rc::gen::weightedOneOf<std::string>({{4, rc::gen::just<std::string>(InventoryModel::admin)},
                                              {1, rc::gen::just<std::string>(InventoryModel::helper)}});
}

// A command both sides run the same way: the model predicts on a copy of its state (`on`), the
// system executes `name` with `args` as `actor`, and judge() compares outcome, stock levels and
// invariants.
template <typename Derived>
struct ModelCommand : Command {
  std::string actor = *gen_actor();
  void apply(InventoryModel& m) const override { self().on(m); }
  void run(const InventoryModel& m, Sut& sut) const override {
    InventoryModel after = m;
    auto expected = self().on(after);
    judge(sut, sut.run(self().name(), self().args(), self().actor_of()), expected, after);
  }
  std::string actor_of() const { return actor; }
  const Derived& self() const { return static_cast<const Derived&>(*this); }
};

// The admin grants or revokes a role of the helper.
template <bool Grant>
struct RoleChange : ModelCommand<RoleChange<Grant>> {
  std::string role = *rc::gen::element<std::string>("clerk", "viewer");
  model::Expected on(InventoryModel& m) const { return Grant ? m.grant(role) : m.revoke(role); }
  std::string name() const { return Grant ? "access.grant_role" : "access.revoke_role"; }
  json args() const { return {{"actor", InventoryModel::helper}, {"role", role}}; }
  std::string actor_of() const { return InventoryModel::admin; }
  void show(std::ostream& os) const override {
    os << fmt::format("{} {} {}", Grant ? "grant" : "revoke", InventoryModel::helper, role);
  }
};
using GrantRole = RoleChange<true>;
using RevokeRole = RoleChange<false>;

struct Receive : ModelCommand<Receive> {
  std::string sku = *rc::gen::elementOf(skus);
  std::string batch = *rc::gen::elementOf(batches);
  std::string location = *rc::gen::elementOf(locations);
  std::string qty = *gen_qty();
  model::Expected on(InventoryModel& m) const {
    return m.receive(actor, sku, batch, location, qty, unit_cost_of(batch));
  }
  std::string name() const { return "inventory.receive"; }
  json args() const {
    return {{"sku", sku}, {"batch", batch}, {"location", location}, {"qty", qty}, {"unit_cost", unit_cost_of(batch)}};
  }
  void show(std::ostream& os) const override {
    os << fmt::format("{}: receive {} {} {} qty={}", actor, sku, batch, location, qty);
  }
};

struct Fulfill : ModelCommand<Fulfill> {
  std::string sku = *rc::gen::elementOf(skus);
  std::string batch = *rc::gen::elementOf(batches);
  std::string location = *rc::gen::elementOf(locations);
  std::string qty = *gen_qty();
  model::Expected on(InventoryModel& m) const { return m.fulfill(actor, sku, batch, location, qty); }
  std::string name() const { return "inventory.fulfill"; }
  json args() const { return {{"sku", sku}, {"batch", batch}, {"location", location}, {"qty", qty}}; }
  void show(std::ostream& os) const override {
    os << fmt::format("{}: fulfill {} {} {} qty={}", actor, sku, batch, location, qty);
  }
};

struct Adjust : ModelCommand<Adjust> {
  std::string sku = *rc::gen::elementOf(skus);
  std::string batch = *rc::gen::elementOf(batches);
  std::string location = *rc::gen::elementOf(locations);
  std::string delta = *gen_delta();
  std::string reason = *rc::gen::weightedOneOf<std::string>(
      {{9, rc::gen::just<std::string>("cycle count")}, {1, rc::gen::just<std::string>("")}});
  model::Expected on(InventoryModel& m) const { return m.adjust(actor, sku, batch, location, delta, reason); }
  std::string name() const { return "inventory.adjust"; }
  json args() const {
    return {{"sku", sku}, {"batch", batch}, {"location", location}, {"delta", delta}, {"reason", reason}};
  }
  void show(std::ostream& os) const override {
    os << fmt::format("{}: adjust {} {} {} delta={} reason='{}'", actor, sku, batch, location, delta, reason);
  }
};

struct Transfer : ModelCommand<Transfer> {
  std::string sku = *rc::gen::elementOf(skus);
  std::string batch = *rc::gen::elementOf(batches);
  std::string from = *rc::gen::elementOf(locations);
  std::string to = *rc::gen::elementOf(locations);
  std::string qty = *gen_qty();
  model::Expected on(InventoryModel& m) const { return m.transfer(actor, sku, batch, from, to, qty); }
  std::string name() const { return "inventory.transfer"; }
  json args() const { return {{"sku", sku}, {"batch", batch}, {"from", from}, {"to", to}, {"qty", qty}}; }
  void show(std::ostream& os) const override {
    os << fmt::format("{}: transfer {} {} {}->{} qty={}", actor, sku, batch, from, to, qty);
  }
};

struct Reverse : Command {
  std::string actor = *gen_actor();
  // An index into the model's movements, drawn when the command is generated against a model.
  int index;
  explicit Reverse(const InventoryModel& m)
      : index(m.movements().empty()
                  ? -1
                  : *rc::gen::weightedOneOf<int>({{9, rc::gen::inRange<int>(0, static_cast<int>(m.movements().size()))},
                                                  {1, rc::gen::just(-1)}})) {}
  void checkPreconditions(const InventoryModel& m) const override {
    // Shrinking replays commands against other states: the movement must still exist there.
    RC_PRE(index < static_cast<int>(m.movements().size()));
  }
  void apply(InventoryModel& m) const override { m.reverse(actor, index); }
  void run(const InventoryModel& m, Sut& sut) const override {
    InventoryModel after = m;
    auto expected = after.reverse(actor, index);
    long long id = index >= 0 ? sut.movement_ids.at(index) : 999999999;
    judge(sut, sut.run("inventory.reverse", {{"movement", id}}, actor), expected, after);
  }
  void show(std::ostream& os) const override { os << fmt::format("{}: reverse movement #{}", actor, index); }
};

verdict::SuiteResult run_inventory(const verdict::RunContext& context, const verdict::PropertyParams& params) {
  verdict::SuiteResult suite;
  suite.name = "properties:inventory";
  suite.kind = "property";
  suite.seed = std::to_string(params.seed);
  last_failure = {};
  int cases_run = 0;
  // Only the harness's own infrastructure (a database clone, a connection, the checker) can fail as
  // `error`: that is not the system's behaviour, so it is not shrunk; everything else is a failure.
  std::string harness_error;
  auto run_case = [&] {
    Sut sut;
    sut.stats_out = &suite.stats;
    try {
      sut.database = context.new_database("prop");
      sut.connection = verdict::system_under_test().connect(sut.database->app_conninfo());
      sut.checker = std::make_unique<verdict::InvariantChecker>(sut.database->admin_conninfo());
      sut.engine = std::make_unique<verdict::StepEngine>(*sut.connection, *sut.checker);
    } catch (const std::exception& e) {
      harness_error = e.what();
      return;
    }
    {
      auto r = sut.run("access.create_tenant", json::object());
      if (r.outcome.status != verdict::OutcomeStatus::ok) RC_FAIL("set-up create_tenant failed: " + r.outcome.message);
    }
    for (const auto& sku : skus) {
      auto r = sut.run("inventory.add_product", {{"sku", sku}, {"name", "Product " + sku}});
      if (r.outcome.status != verdict::OutcomeStatus::ok) RC_FAIL("set-up add_product failed: " + r.outcome.message);
    }
    for (const auto& l : locations) {
      auto r = sut.run("inventory.add_location", {{"location", l}});
      if (r.outcome.status != verdict::OutcomeStatus::ok) RC_FAIL("set-up add_location failed: " + r.outcome.message);
    }
    sut.setup_steps = sut.engine->steps_run();
    InventoryModel initial(skus, locations);
    rc::state::check(initial, sut,
                     rc::state::gen::execOneOfWithArgs<Receive, Receive, Fulfill, Adjust, Transfer, Reverse, GrantRole,
                                                       RevokeRole>());
    auto violations = sut.engine->check_all();
    if (!violations.empty()) {
      last_failure = {sut.engine->steps_run() - sut.setup_steps,
                      "",
                      violations.front().invariant_id,
                      violations.front().rows_json,
                      "every invariant holds",
                      verdict::describe_violations(violations)};
      RC_FAIL("invariants broken at the end of the sequence: " + verdict::describe_violations(violations));
    }
  };
  auto property = [&] {
    if (!harness_error.empty()) return;  // once the harness cannot judge, stop spending cases
    ++cases_run;
    run_case();
  };
  // RapidCheck reads RC_PARAMS once, on first use, and prints the seed it found: make it ours.
  setenv("RC_PARAMS", fmt::format("seed={}", params.seed).c_str(), 0);
  rc::detail::TestParams test_params;
  test_params.seed = params.seed;
  test_params.maxSuccess = params.cases;
  test_params.maxSize = params.max_size;
  test_params.disableShrinking = false;
  auto started = std::chrono::steady_clock::now();
  auto result = rc::detail::checkTestable(property, rc::detail::TestMetadata{}, test_params);
  verdict::CaseResult c;
  c.name = "inventory matches the reference model";
  c.duration_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  std::string replay = fmt::format("{} properties --suite inventory --seed {} --cases {} --max-size {}",
                                   verdict::replay_prefix(), params.seed, params.cases, params.max_size);
  rc::detail::SuccessResult success;
  rc::detail::FailureResult failure;
  rc::detail::GaveUpResult gave_up;
  rc::detail::Error error;
  bool failed = result.match(failure);
  if (!harness_error.empty() && !failed) {
    c.status = verdict::Status::error;
    c.detail = "the harness could not judge: " + harness_error;
    suite.error = c.detail + " (replay: " + replay + ")";
  } else if (result.match(success)) {
    c.status = verdict::Status::pass;
    c.detail = fmt::format("{} cases passed", success.numSuccess);
  } else if (result.match(failure)) {
    c.status = verdict::Status::fail;
    verdict::Finding f;
    f.suite = suite.name;
    f.case_name = c.name;
    f.step_index = last_failure.step;
    f.command_json = last_failure.command_json;
    f.invariant_id = last_failure.invariant_id;
    f.rows_json = last_failure.rows_json;
    f.expected = last_failure.expected;
    f.actual = last_failure.actual;
    std::string sequence;
    for (const auto& [type, value] : failure.counterExample) sequence += value + "\n";
    f.message = fmt::format("after {} passing cases, a minimal counterexample:\n{}{}", failure.numSuccess, sequence,
                            failure.description);
    // A counterexample found stands, even if the harness failed later while shrinking it.
    if (!harness_error.empty()) f.message += "\n(while shrinking, the harness also failed: " + harness_error + ")";
    f.seed = suite.seed;
    f.replay = replay;
    c.finding = f;
  } else if (result.match(gave_up)) {
    c.status = verdict::Status::error;
    c.detail = "RapidCheck gave up: " + gave_up.description;
  } else {
    result.match(error);
    c.status = verdict::Status::error;
    c.detail = "RapidCheck error: " + error.description;
  }
  suite.cases.push_back(c);
  (void)cases_run;
  return suite;
}

const struct Registrar {
  Registrar() {
    verdict::register_property_suite(
        {"inventory",
         "receive/fulfill/transfer/adjust/reverse, as two actors whose roles change, against the reference model",
         run_inventory,
         // The system commands this suite's model covers (set-up commands included).
         {"access.create_tenant", "access.grant_role", "access.revoke_role", "inventory.add_product",
          "inventory.add_location", "inventory.receive", "inventory.fulfill", "inventory.adjust", "inventory.transfer",
          "inventory.reverse"}});
  }
} registrar;

}  // namespace
