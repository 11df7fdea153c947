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
#include "verdict/server.hpp"

namespace {

namespace fp = verdict::failpoints;
namespace inv = sut::inventory;
using ::testing::HasSubstr;

// What a mutation came back with, whatever its value type.
struct Result {
  bool ok = false;
  bool unknown = false;
  sut::Code code = sut::Code::internal;
  std::string message;
  int attempts = 0;
};

template <typename T>
Result result_of(const inv::Reported<T>& r) {
  Result out{r.outcome.ok(), r.outcome.is_unknown(), sut::Code::internal, "", r.report.attempts};
  if (r.outcome.is_error()) {
    out.code = r.outcome.error().code;
    out.message = r.outcome.error().message;
  }
  return out;
}

// A mutation under test: `prepare` builds the state it needs in a shop and returns the call.
struct Mutation {
  std::string name;
  std::function<std::function<Result()>(sut_test::Shop&)> prepare;
};

// SKU-1, WH1 and WH2, and 10 of batch B1 at WH1: enough for every movement below.
void stock(sut_test::Shop& shop) {
  shop.add_product();
  shop.add_location("WH1");
  shop.add_location("WH2");
  shop.receive("B1", "WH1", "10");
}

const std::vector<Mutation>& mutations() {
  static const std::vector<Mutation> all = {
      {"add_product",
       [](sut_test::Shop& shop) {
         return [&shop] { return result_of(inv::add_product(shop.session(), shop.context(), {"SKU-2", "Gadget"})); };
       }},
      {"add_location",
       [](sut_test::Shop& shop) {
         return [&shop] { return result_of(inv::add_location(shop.session(), shop.context(), {"WH9"})); };
       }},
      {"receive a new batch",
       [](sut_test::Shop& shop) {
         stock(shop);
         return [&shop] {
           return result_of(inv::receive(shop.session(), shop.context(), {"SKU-1", "B2", "WH1", "5", "3.0000"}));
         };
       }},
      {"receive into an existing batch",
       [](sut_test::Shop& shop) {
         stock(shop);
         return [&shop] {
           return result_of(inv::receive(shop.session(), shop.context(), {"SKU-1", "B1", "WH2", "5", ""}));
         };
       }},
      {"fulfill",
       [](sut_test::Shop& shop) {
         stock(shop);
         return [&shop] {
           return result_of(inv::fulfill(shop.session(), shop.context(), {"SKU-1", "B1", "WH1", "4"}));
         };
       }},
      {"adjust",
       [](sut_test::Shop& shop) {
         stock(shop);
         return [&shop] {
           return result_of(inv::adjust(shop.session(), shop.context(), {"SKU-1", "B1", "WH1", "-1", "stock count"}));
         };
       }},
      {"transfer",
       [](sut_test::Shop& shop) {
         stock(shop);
         return [&shop] {
           return result_of(inv::transfer(shop.session(), shop.context(), {"SKU-1", "B1", "WH1", "WH2", "3"}));
         };
       }},
      {"reverse a movement",
       [](sut_test::Shop& shop) {
         stock(shop);
         long long fulfilment = shop.fulfill("B1", "WH1", "4").movement_id;
         return [&shop, fulfilment] { return result_of(inv::reverse(shop.session(), shop.context(), {fulfilment})); };
       }},
      {"reverse a transfer",
       [](sut_test::Shop& shop) {
         stock(shop);
         long long out_leg = shop.transfer("B1", "WH1", "WH2", "3").out_movement_id;
         return [&shop, out_leg] { return result_of(inv::reverse(shop.session(), shop.context(), {out_leg})); };
       }},
  };
  return all;
}

const std::vector<std::string> system_tables = {"products", "locations", "batches", "movements", "on_hand"};

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
  std::string fingerprints() const { return verdict::db::table_fingerprints(db_->admin_conninfo(), system_tables); }

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
    EXPECT_TRUE(r.ok) << sut::to_string(r.code) << " " << r.message;
    EXPECT_NE(fingerprints(), before);
  }
}

TEST_F(Failpoints, EveryFailpointRollsBackEveryMutationThatReachesIt) {
  const auto declared = fp::declared();
  ASSERT_FALSE(declared.empty());
  std::set<std::string> reached;
  for (const auto& point : declared) {
    for (const auto& mutation : mutations()) {
      SCOPED_TRACE(fmt::format("{} armed during {}", point.name, mutation.name));
      auto shop = new_shop();
      auto run = mutation.prepare(*shop);
      std::string before = fingerprints();
      fp::reset_hit_counts();
      Result r;
      {
        Armed armed(point.name);
        r = run();
      }
      if (fp::hit_count(point.name) == 0) {
        // This mutation does not pass the point: it must simply have worked.
        EXPECT_TRUE(r.ok) << sut::to_string(r.code) << " " << r.message;
        continue;
      }
      reached.insert(point.name);
      ASSERT_FALSE(r.ok);
      ASSERT_FALSE(r.unknown);
      EXPECT_EQ(r.code, sut::Code::internal) << sut::to_string(r.code);
      EXPECT_THAT(r.message, HasSubstr("failpoint triggered: " + point.name));
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
