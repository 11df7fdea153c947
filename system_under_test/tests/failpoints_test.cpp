// A crash anywhere inside a mutation leaves no trace (DESIGN §3 step 2): for every declared failpoint
// and every inventory mutation, a mutation that reaches the armed point comes back INTERNAL and the
// tables' checksums are unchanged. Every declared failpoint must be reached by some mutation, or it
// guards nothing.

#include "verdict/failpoints.hpp"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "support.hpp"
#include "sweep_mutations.hpp"
#include "verdict/server.hpp"
#include "verdict/system.hpp"

namespace {

namespace fp = verdict::failpoints;
using sweep::mutations;
using sweep::Result;
using ::testing::HasSubstr;
using json = nlohmann::json;

std::vector<std::string> system_tables() {
  std::vector<std::string> names;
  for (const auto& t : verdict::system_under_test().tables) names.push_back(t.name);
  return names;
}

TEST(FailpointSweep, ReachesEveryRegisteredCommand) {
  // Guard rail: a command added to a module without a case here is a crash nobody has tried.
  std::string missing;
  for (const auto& command : verdict::system_under_test().commands) {
    bool covered = false;
    for (const auto& m : mutations()) covered = covered || m.command == command.name;
    if (!covered) missing += " " + command.name;
  }
  EXPECT_TRUE(missing.empty()) << "registered commands the failpoint sweep never runs:" << missing;
}

// Disarms on every exit, so one failing scenario cannot leave a point armed for the next.
struct Armed {
  explicit Armed(const std::string& name) { fp::arm(name); }
  ~Armed() { fp::disarm_all(); }
  Armed(const Armed&) = delete;
  Armed& operator=(const Armed&) = delete;
};

class Failpoints : public ::testing::Test {
 protected:
  void TearDown() override { fp::disarm_all(); }

  // Each scenario gets a tenant of its own: the shared tables stay, the names never clash.
  std::unique_ptr<sut_test::Shop> new_shop() {
    return std::make_unique<sut_test::Shop>(db_->app_conninfo(), fmt::format("t{}", tenant_count_++));
  }
  std::string fingerprints() const { return verdict::db::table_fingerprints(db_->admin_conninfo(), system_tables()); }

  std::unique_ptr<verdict::db::ScratchDatabase> db_ = sut_test::scratch_database();
  int tenant_count_ = 0;
};

TEST_F(Failpoints, WithNothingArmedEveryMutationSucceedsAndWrites) {
  // The counterpart of the test below: a successful mutation does change the fingerprints, so
  // "unchanged" there is a claim that can fail.
  for (const auto& mutation : mutations()) {
    SCOPED_TRACE(mutation.name);
    auto shop = new_shop();
    auto run = mutation.prepare(*shop);
    std::string before = fingerprints();
    Result r = run();
    EXPECT_TRUE(r.ok) << r.code << " " << r.message;
    EXPECT_NE(fingerprints(), before);
  }
}

TEST_F(Failpoints, EveryFailpointRollsBackEveryMutationThatReachesIt) {
  const auto declared = fp::declared();
  ASSERT_FALSE(declared.empty());
  std::set<std::string> reached;
  for (const auto& mutation : mutations()) {
    // A run with nothing armed says which points the mutation passes (the path up to a point is the
    // same armed or not); only those are armed below, each on a fresh shop.
    std::vector<std::string> passed;
    {
      auto shop = new_shop();
      auto run = mutation.prepare(*shop);
      fp::reset_hit_counts();
      Result r = run();
      EXPECT_TRUE(r.ok) << mutation.name << ": " << r.code << " " << r.message;
      for (const auto& point : declared)
        if (fp::hit_count(point.name) > 0) passed.push_back(point.name);
    }
    for (const auto& point : passed) {
      SCOPED_TRACE(fmt::format("{} armed during {}", point, mutation.name));
      auto shop = new_shop();
      auto run = mutation.prepare(*shop);
      std::string before = fingerprints();
      fp::reset_hit_counts();
      Result r;
      {
        Armed armed(point);
        r = run();
      }
      ASSERT_GT(fp::hit_count(point), 0) << "the armed run did not pass the point the plain run passed";
      reached.insert(point);
      ASSERT_FALSE(r.ok);
      ASSERT_FALSE(r.unknown);
      EXPECT_EQ(r.code, sut::codes::internal) << r.code;
      EXPECT_THAT(r.message, HasSubstr("failpoint triggered: " + point));
      EXPECT_EQ(r.attempts, 1);  // a crash is not a conflict: never retried
      EXPECT_EQ(fingerprints(), before);
    }
  }
  std::string never_reached;
  for (const auto& point : declared) {
    if (!reached.count(point.name)) never_reached += " " + point.name;
  }
  EXPECT_TRUE(never_reached.empty()) << "declared failpoints no mutation reaches:" << never_reached;
}

}  // namespace
