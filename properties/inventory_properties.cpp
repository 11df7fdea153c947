// The inventory property suite, on the harness's generic stateful runner (verdict/stateful.hpp).
// RapidCheck generates command sequences (receive, fulfill, transfer, adjust, reverse, and role
// changes of a second actor), runs each against the system on a fresh database and against the
// reference model, and asserts after every command that
//   - the outcome is the one the model predicts (ok, or the same error code and field),
//   - every on-hand level of the tenant equals the model's,
//   - every invariant holds (scoped after every step, full every K steps and at the end).
// Arguments are drawn mostly from what the model holds (batches that exist, slots with stock,
// quantities they can cover), with a measured share of hostile values, so that most commands reach
// the states where they succeed; the suite's report counts, per command, what ran and what succeeded.

#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "inventory_model.hpp"
#include "support.hpp"
#include "verdict/invariants.hpp"
#include "verdict/stateful.hpp"
#include "verdict/steps.hpp"
#include "verdict/suites.hpp"

namespace {
using json = nlohmann::json;
using model::InventoryModel;

const std::vector<std::string> skus = {"SKU-A", "SKU-B"};
const std::vector<std::string> batches = {"B1", "B2", "B3"};
const std::vector<std::string> locations = {"WH1", "WH2", "WH3"};

// The fixed unit cost of a batch: a receipt with another cost is a different (refused) request.
std::string unit_cost_of(const std::string& batch) {
  return batch == "B1" ? "1.5000" : batch == "B2" ? "2.0000" : "0.2500";
}

using props::Sut;

std::string levels_text(const std::map<model::Slot, std::string>& m) {
  std::string s;
  for (const auto& [slot, q] : m)
    s += fmt::format("{}/{}/{}={} ", std::get<0>(slot), std::get<1>(slot), std::get<2>(slot), q);
  return s;
}

// Compares one executed step with the model's prediction and the model's stock levels.
void judge_step(Sut& sut, const verdict::StepRecord& record, const model::Expected& expected,
                const InventoryModel& after) {
  props::judge_outcome(sut, record, {expected.ok, expected.code, expected.field});
  int step = record.index - sut.setup_steps;
  if (record.outcome.status == verdict::OutcomeStatus::ok) {
    auto values = json::parse(record.outcome.values_json);
    if (values.contains("reversal_movement_ids")) {
      for (const auto& id : values["reversal_movement_ids"]) sut.ids.push_back(id.get<long long>());
    } else if (values.contains("out_movement_id")) {
      sut.ids.push_back(values["out_movement_id"].get<long long>());
      sut.ids.push_back(values["in_movement_id"].get<long long>());
    } else if (values.contains("movement_id")) {
      sut.ids.push_back(values["movement_id"].get<long long>());
    }
  }
  // Every on-hand level, not only the touched one: a write to the wrong slot shows up here.
  std::map<model::Slot, std::string> system_levels;
  for (const auto& row : sut.read("stock")) {
    auto units = model::parse_units(row["qty"].get<std::string>());
    if (!units || *units != 0)
      system_levels[{row["sku"], row["batch"], row["location"]}] = row["qty"].get<std::string>();
  }
  std::map<model::Slot, std::string> model_levels;
  for (const auto& [slot, units] : after.on_hand())
    if (units != 0) model_levels[slot] = model::format_units(units);
  if (system_levels != model_levels)
    throw Sut::failure(step, props::command_text(record), "on-hand " + levels_text(model_levels),
                       "on-hand " + levels_text(system_levels));
}

void judge(Sut& sut, const verdict::StepRecord& executed, const model::Expected& expected,
           const InventoryModel& after) {
  props::judging(sut, executed, [&] { judge_step(sut, executed, expected, after); });
}

// --- Generators: mostly from what the model holds, a measured share hostile. ---

// A slot with stock when the model has one (4 in 5), else any slot of the catalogue.
rc::Gen<model::Slot> gen_slot(const InventoryModel& m) {
  std::vector<model::Slot> stocked;
  for (const auto& [slot, units] : m.on_hand())
    if (units > 0) stocked.push_back(slot);
  auto any = rc::gen::apply(
      [](std::string s, std::string b, std::string l) {
        return model::Slot{s, b, l};
      },
      rc::gen::elementOf(skus), rc::gen::elementOf(batches), rc::gen::elementOf(locations));
  if (stocked.empty()) return any;
  return rc::gen::weightedOneOf<model::Slot>({{4, rc::gen::elementOf(stocked)}, {1, any}});
}

model::Units level(const InventoryModel& m, const model::Slot& slot) {
  auto it = m.on_hand().find(slot);
  return it == m.on_hand().end() ? 0 : it->second;
}

// A quantity: mostly one the slot can cover (when it has stock), sometimes any, rarely hostile.
rc::Gen<std::string> gen_qty(model::Units available) {
  auto small = rc::gen::map(rc::gen::inRange(1, 9), [](int n) { return std::to_string(n); });
  auto hostile = rc::gen::element<std::string>("0", "-1", "1.00001", "NaN", "1e999", "", "9999999999999999999",
                                               // the largest quantity there is: twice, and on-hand overflows
                                               "9999999999999999.9999", "5000000000000000");
  if (available <= 0) return rc::gen::weightedOneOf<std::string>({{9, small}, {1, hostile}});
  int cap = static_cast<int>(std::min<model::Units>(available, 1000000000));
  auto covered = rc::gen::map(rc::gen::inRange(1, cap + 1), [](int u) { return model::format_units(u); });
  return rc::gen::weightedOneOf<std::string>({{6, covered}, {3, small}, {1, hostile}});
}

rc::Gen<std::string> gen_delta(model::Units available) {
  int cap = static_cast<int>(std::min<model::Units>(available, 1000000000));
  auto down = cap > 0 ? rc::gen::map(rc::gen::inRange(1, cap + 1), [](int u) { return "-" + model::format_units(u); })
                      : rc::gen::just<std::string>("-1");
  return rc::gen::weightedOneOf<std::string>({
      {4, rc::gen::map(rc::gen::inRange(1, 6), [](int n) { return std::to_string(n); })},
      {4, down},
      {1, rc::gen::element<std::string>("0", "0.00001", "inf", "-", "9999999999999999", "-9999999999999999.9999")},
  });
}

template <typename Derived>
using ModelCommand = props::ModelCommand<InventoryModel, judge, Derived>;
using GrantRole = props::RoleChange<InventoryModel, judge, true>;
using RevokeRole = props::RoleChange<InventoryModel, judge, false>;
using Command = rc::state::Command<InventoryModel, Sut>;

struct Receive : ModelCommand<Receive> {
  std::string sku = *rc::gen::elementOf(skus);
  std::string batch = *rc::gen::elementOf(batches);
  std::string location = *rc::gen::elementOf(locations);
  std::string qty = *gen_qty(0);
  model::Expected on(InventoryModel& m) const {
    return m.receive(actor, sku, batch, location, qty, unit_cost_of(batch));
  }
  std::string name() const { return "inventory.receive"; }
  json args(const Sut&) const {
    return {{"sku", sku}, {"batch", batch}, {"location", location}, {"qty", qty}, {"unit_cost", unit_cost_of(batch)}};
  }
  void show(std::ostream& os) const override {
    os << fmt::format("{}: receive {} {} {} qty={}", actor, sku, batch, location, qty);
  }
};

struct Fulfill : ModelCommand<Fulfill> {
  model::Slot slot;
  std::string qty;
  explicit Fulfill(const InventoryModel& m) : slot(*gen_slot(m)), qty(*gen_qty(level(m, slot))) {}
  model::Expected on(InventoryModel& m) const {
    return m.fulfill(actor, std::get<0>(slot), std::get<1>(slot), std::get<2>(slot), qty);
  }
  std::string name() const { return "inventory.fulfill"; }
  json args(const Sut&) const {
    return {{"sku", std::get<0>(slot)}, {"batch", std::get<1>(slot)}, {"location", std::get<2>(slot)}, {"qty", qty}};
  }
  void show(std::ostream& os) const override {
    os << fmt::format("{}: fulfill {} {} {} qty={}", actor, std::get<0>(slot), std::get<1>(slot), std::get<2>(slot),
                      qty);
  }
};

struct Adjust : ModelCommand<Adjust> {
  model::Slot slot;
  std::string delta;
  std::string reason = *rc::gen::weightedOneOf<std::string>(
      {{9, rc::gen::just<std::string>("cycle count")}, {1, rc::gen::just<std::string>("")}});
  explicit Adjust(const InventoryModel& m) : slot(*gen_slot(m)), delta(*gen_delta(level(m, slot))) {}
  model::Expected on(InventoryModel& m) const {
    return m.adjust(actor, std::get<0>(slot), std::get<1>(slot), std::get<2>(slot), delta, reason);
  }
  std::string name() const { return "inventory.adjust"; }
  json args(const Sut&) const {
    return {{"sku", std::get<0>(slot)},
            {"batch", std::get<1>(slot)},
            {"location", std::get<2>(slot)},
            {"delta", delta},
            {"reason", reason}};
  }
  void show(std::ostream& os) const override {
    os << fmt::format("{}: adjust {} {} {} delta={} reason='{}'", actor, std::get<0>(slot), std::get<1>(slot),
                      std::get<2>(slot), delta, reason);
  }
};

struct Transfer : ModelCommand<Transfer> {
  model::Slot from;
  std::string to;
  std::string qty;
  explicit Transfer(const InventoryModel& m)
      : from(*gen_slot(m)),
        // Another location, mostly (the same one is a refusal worth a tenth of the draws).
        to(*rc::gen::weightedOneOf<std::string>(
            {{9, rc::gen::elementOf(others(std::get<2>(from)))}, {1, rc::gen::just(std::get<2>(from))}})),
        qty(*gen_qty(level(m, from))) {}
  static std::vector<std::string> others(const std::string& location) {
    std::vector<std::string> out;
    for (const auto& l : locations)
      if (l != location) out.push_back(l);
    return out;
  }
  model::Expected on(InventoryModel& m) const {
    return m.transfer(actor, std::get<0>(from), std::get<1>(from), std::get<2>(from), to, qty);
  }
  std::string name() const { return "inventory.transfer"; }
  json args(const Sut&) const {
    return {{"sku", std::get<0>(from)},
            {"batch", std::get<1>(from)},
            {"from", std::get<2>(from)},
            {"to", to},
            {"qty", qty}};
  }
  void show(std::ostream& os) const override {
    os << fmt::format("{}: transfer {} {} {}->{} qty={}", actor, std::get<0>(from), std::get<1>(from),
                      std::get<2>(from), to, qty);
  }
};

struct Reverse : Command {
  std::string actor = *props::gen_actor<InventoryModel>();
  // An index into the model's movements, drawn when the command is generated against a model;
  // mostly one not reversed yet (a reversal of those succeeds unless stock moved on).
  int index;
  explicit Reverse(const InventoryModel& m) : index(draw(m)) {}
  static int draw(const InventoryModel& m) {
    if (m.movements().empty()) return -1;
    std::vector<int> open;
    for (int i = 0; i < static_cast<int>(m.movements().size()); ++i)
      if (!m.movements()[i].reversed && m.movements()[i].kind != "reversal") open.push_back(i);
    auto any = rc::gen::inRange<int>(0, static_cast<int>(m.movements().size()));
    if (open.empty()) return *rc::gen::weightedOneOf<int>({{9, any}, {1, rc::gen::just(-1)}});
    return *rc::gen::weightedOneOf<int>({{6, rc::gen::elementOf(open)}, {3, any}, {1, rc::gen::just(-1)}});
  }
  void checkPreconditions(const InventoryModel& m) const override {
    // Shrinking replays commands against other states: the movement must still exist there.
    RC_PRE(index < static_cast<int>(m.movements().size()));
  }
  void apply(InventoryModel& m) const override { m.reverse(actor, index); }
  void run(const InventoryModel& m, Sut& sut) const override {
    InventoryModel after = m;
    auto expected = after.reverse(actor, index);
    long long id = index >= 0 ? sut.ids.at(index) : 999999999;
    judge(sut, sut.run("inventory.reverse", {{"movement", id}}, actor), expected, after);
  }
  void show(std::ostream& os) const override { os << fmt::format("{}: reverse movement #{}", actor, index); }
};

verdict::SuiteResult run_inventory(const verdict::RunContext& context, const verdict::PropertyParams& params) {
  verdict::stateful::Suite<InventoryModel, Sut> suite;
  suite.name = "inventory";
  suite.commands = {"access.grant_role", "access.revoke_role", "inventory.receive", "inventory.fulfill",
                    "inventory.adjust",  "inventory.transfer", "inventory.reverse"};
  suite.initial_model = [] { return InventoryModel(skus, locations); };
  suite.generate = [](const InventoryModel& initial) {
    return rc::state::gen::commands(
        initial, rc::state::gen::execOneOfWithArgs<Receive, Receive, Fulfill, Fulfill, Adjust, Transfer, Transfer,
                                                   Reverse, GrantRole, RevokeRole>());
  };
  std::vector<std::pair<std::string, json>> setup = {{"access.create_tenant", json::object()}};
  for (const auto& sku : skus) setup.push_back({"inventory.add_product", {{"sku", sku}, {"name", "Product " + sku}}});
  for (const auto& l : locations) setup.push_back({"inventory.add_location", {{"location", l}}});
  return props::run_suite(context, params, std::move(suite), std::move(setup));
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
