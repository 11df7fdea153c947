// The generic stateful-property runner, judged on a toy system (no database): a counter whose
// model is an int. A correct counter passes and is counted; a counter with a planted bug fails
// with a shrunk counterexample, the same for the same seed; a command that never succeeds in
// enough cases is an error of the harness's generators, not a pass.

#include "verdict/stateful.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace {
using ::testing::HasSubstr;

struct Counter {
  int value = 0;
  int bug_at = -1;  // from this value on, an increment adds two
  verdict::stateful::Tally* tally = nullptr;
};
using Cmd = rc::state::Command<int, Counter>;

struct Increment : Cmd {
  void apply(int& model) const override { ++model; }
  void run(const int& model, Counter& sut) const override {
    sut.value += (sut.bug_at >= 0 && sut.value >= sut.bug_at) ? 2 : 1;
    sut.tally->record("increment", true);
    if (sut.value != model + 1) {
      verdict::Finding f;
      f.expected = std::to_string(model + 1);
      f.actual = std::to_string(sut.value);
      f.message = "the counter disagrees with the model";
      throw verdict::stateful::Failure(f);
    }
  }
  void show(std::ostream& os) const override { os << "increment"; }
};

struct Reset : Cmd {
  void apply(int& model) const override { model = 0; }
  void run(const int&, Counter& sut) const override {
    sut.value = 0;
    sut.tally->record("reset", false);  // a command the toy always refuses
  }
  void show(std::ostream& os) const override { os << "reset"; }
};

verdict::stateful::Suite<int, Counter> toy(int bug_at) {
  verdict::stateful::Suite<int, Counter> suite;
  suite.name = "toy";
  suite.commands = {"increment", "reset"};
  suite.initial_model = [] { return 0; };
  suite.make_system = [bug_at](verdict::stateful::Tally& tally) {
    auto c = std::make_unique<Counter>();
    c->bug_at = bug_at;
    c->tally = &tally;
    return c;
  };
  suite.generate = [](const int& initial) {
    return rc::state::gen::commands(initial, rc::state::gen::execOneOfWithArgs<Increment, Increment, Reset>());
  };
  suite.finish = [](Counter&, int) {};
  return suite;
}

verdict::PropertyParams params(std::uint64_t seed, int cases) {
  verdict::PropertyParams p;
  p.seed = seed;
  p.cases = cases;
  p.max_size = 30;
  return p;
}

TEST(StatefulRunner, ACorrectSystemPassesAndIsCounted) {
  auto result = verdict::stateful::run(params(7, 10), toy(-1));
  ASSERT_EQ(result.cases.size(), 1u);
  EXPECT_EQ(result.cases[0].status, verdict::Status::pass) << result.cases[0].detail;
  EXPECT_GT(result.commands["increment"].ran, 0);
  EXPECT_EQ(result.commands["increment"].ran, result.commands["increment"].succeeded);
  EXPECT_EQ(result.commands["reset"].succeeded, 0);
  EXPECT_TRUE(result.error.empty()) << "10 cases are too few to blame the generators: " << result.error;
}

TEST(StatefulRunner, APlantedBugIsShrunkToAMinimalCounterexample) {
  auto result = verdict::stateful::run(params(7, 50), toy(3));
  ASSERT_EQ(result.cases.size(), 1u);
  ASSERT_EQ(result.cases[0].status, verdict::Status::fail);
  const auto& f = *result.cases[0].finding;
  // The smallest sequence that shows the bug: four increments (0→1→2→3, then 3→5).
  EXPECT_THAT(f.message, HasSubstr("counterexample"));
  EXPECT_THAT(f.message, HasSubstr("increment\nincrement\nincrement\nincrement\n"));
  EXPECT_THAT(f.message, ::testing::Not(HasSubstr("increment\nincrement\nincrement\nincrement\nincrement")));
  EXPECT_THAT(f.message, ::testing::Not(HasSubstr("reset")));
  EXPECT_EQ(f.expected, "4");
  EXPECT_EQ(f.actual, "5");
  EXPECT_EQ(f.seed, "7");
  EXPECT_EQ(f.replay, "./verdict properties --suite toy --seed 7 --cases 50 --max-size 30");
}

TEST(StatefulRunner, TheSameSeedGivesTheSameRun) {
  auto a = verdict::stateful::run(params(11, 50), toy(5));
  auto b = verdict::stateful::run(params(11, 50), toy(5));
  ASSERT_TRUE(a.cases[0].finding && b.cases[0].finding);
  EXPECT_EQ(a.cases[0].finding->message, b.cases[0].finding->message);
  EXPECT_EQ(a.commands["increment"].ran, b.commands["increment"].ran);
}

TEST(StatefulRunner, ACommandThatNeverSucceedsInEnoughCasesIsAnError) {
  auto result = verdict::stateful::run(params(7, verdict::stateful::command_success_cases_min), toy(-1));
  EXPECT_EQ(result.cases[0].status, verdict::Status::pass);
  EXPECT_EQ(result.status(), verdict::Status::error);
  EXPECT_THAT(result.error, HasSubstr("reset"));
  EXPECT_THAT(result.error, ::testing::Not(HasSubstr("increment")));
}

TEST(StatefulRunner, AHarnessFailureIsAnErrorNotAFailure) {
  auto suite = toy(-1);
  suite.make_system = [](verdict::stateful::Tally&) -> std::unique_ptr<Counter> {
    throw verdict::stateful::HarnessError("no database");
  };
  auto result = verdict::stateful::run(params(7, 10), suite);
  EXPECT_EQ(result.cases[0].status, verdict::Status::error);
  EXPECT_EQ(result.status(), verdict::Status::error);
  EXPECT_THAT(result.error, HasSubstr("no database"));
}

}  // namespace
