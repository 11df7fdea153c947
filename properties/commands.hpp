#pragma once
// The command shapes every property suite shares, over its own model: a command that the model
// predicts on a copy of its state and the system executes through the step engine, and the role
// changes of the suite's second actor. `Judge` compares the step with the prediction and the
// model's state (each suite its own: stock levels, the trial balance).

#include <fmt/format.h>
#include <rapidcheck.h>
#include <rapidcheck/state.h>

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "support.hpp"

namespace props {

// Mostly the tenant's admin; sometimes the helper, whose roles the sequence changes.
template <typename Model>
rc::Gen<std::string> gen_actor() {
  return rc::gen::weightedOneOf<std::string>(
      {{4, rc::gen::just<std::string>(Model::admin)}, {1, rc::gen::just<std::string>(Model::helper)}});
}

// Derived provides on(Model&) -> the prediction, name(), args(const Sut&) and show(); actor_of()
// when another actor than the drawn one runs it.
template <typename Model, auto Judge, typename Derived>
struct ModelCommand : rc::state::Command<Model, Sut> {
  std::string actor = *gen_actor<Model>();
  void apply(Model& m) const override { self().on(m); }
  void run(const Model& m, Sut& sut) const override {
    Model after = m;
    auto expected = self().on(after);
    Judge(sut, sut.run(self().name(), self().args(sut), self().actor_of()), expected, after);
  }
  std::string actor_of() const { return actor; }
  const Derived& self() const { return static_cast<const Derived&>(*this); }
};

// The admin grants or revokes one of Model::grantable_roles() (repeats weigh the draw) of the helper.
template <typename Model, auto Judge, bool Grant>
struct RoleChange : ModelCommand<Model, Judge, RoleChange<Model, Judge, Grant>> {
  std::string role = *rc::gen::elementOf(Model::grantable_roles());
  auto on(Model& m) const { return Grant ? m.grant(role) : m.revoke(role); }
  std::string name() const { return Grant ? "access.grant_role" : "access.revoke_role"; }
  nlohmann::json args(const Sut&) const { return {{"actor", Model::helper}, {"role", role}}; }
  std::string actor_of() const { return Model::admin; }
  void show(std::ostream& os) const override {
    os << fmt::format("{} {} {}", Grant ? "grant" : "revoke", Model::helper, role);
  }
};

// Runs a suite whose cases each start on a fresh system set up by `setup` (as the model's admin),
// with the full check at the end, and reports the steps of every case in the result's stats.
// REQUIRES: suite's name, commands, initial_model and generate are set.
template <typename Model>
verdict::SuiteResult run_suite(const verdict::RunContext& context, const verdict::PropertyParams& params,
                               verdict::stateful::Suite<Model, Sut> suite,
                               std::vector<std::pair<std::string, nlohmann::json>> setup) {
  verdict::SuiteStats stats;
  suite.make_system = [&](verdict::stateful::Tally& tally) {
    return make_system(context, tally, &stats, setup, Model::admin);
  };
  suite.finish = finish;
  auto result = verdict::stateful::run(params, suite);
  result.stats.merge(stats);
  return result;
}

}  // namespace props
