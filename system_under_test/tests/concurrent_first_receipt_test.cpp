// Regression: two first receipts of one new batch at the same time. Both transactions missed the
// batch, both inserted it, and the loser's unique violation came back as INTERNAL. The loser must
// instead see the winner's batch (the wrapper retries it) and receive into it.

#include <gtest/gtest.h>

#include <latch>
#include <thread>
#include <vector>

#include "support.hpp"

namespace {

constexpr int rounds = 20;  // each round races on a batch code no one has used yet
constexpr int racers = 4;   // clients per round, one connection each

TEST(ConcurrentFirstReceipt, EveryRacerReceivesIntoTheOneBatch) {
  auto db = sut_test::scratch_database();
  sut_test::Shop setup(db->app_conninfo());
  setup.add_product();
  setup.add_location("WH1");

  std::vector<std::unique_ptr<sut::Session>> sessions;
  for (int r = 0; r < racers; ++r) sessions.push_back(std::make_unique<sut::Session>(db->app_conninfo()));

  for (int round = 0; round < rounds; ++round) {
    std::string batch = "NEW-" + std::to_string(round);
    std::vector<sut::Executed> results(racers);
    std::latch start(racers);
    std::vector<std::thread> threads;
    for (int r = 0; r < racers; ++r) {
      threads.emplace_back([&, r] {
        start.arrive_and_wait();
        results[r] = sessions[r]->execute(
            "inventory.receive", sut_test::request(),
            {{"sku", "SKU-1"}, {"batch", batch}, {"location", "WH1"}, {"qty", "1"}, {"unit_cost", "2.5"}});
      });
    }
    for (auto& t : threads) t.join();

    long long batch_id = 0;
    for (int r = 0; r < racers; ++r) {
      ASSERT_EQ(results[r].kind, sut::Executed::Kind::ok)
          << "round " << round << " racer " << r << ": " << results[r].error.code << " " << results[r].error.message;
      if (batch_id == 0) batch_id = results[r].values["batch_id"];
      EXPECT_EQ(results[r].values["batch_id"], batch_id) << "one batch code, one batch";
    }
    EXPECT_EQ(setup.on_hand(batch, "WH1"), "4.0000");
  }
}

}  // namespace

namespace {

// Receipts of different batches race for the last room of a location with a capacity of 10: the
// location's row lock makes them take turns, so exactly the ones that fit are taken, whatever the
// interleaving (without the lock, each would see the room before the others' receipts).
TEST(ConcurrentCapacity, ReceiptsOfOtherBatchesNeverOverfillALocation) {
  auto db = sut_test::scratch_database();
  sut_test::Shop setup(db->app_conninfo());
  setup.add_product();
  sut_test::must(setup.run("inventory.add_location", {{"location", "SMALL"}, {"capacity", "10"}}), "location");
  constexpr int clients = 8;  // 8 receipts of 3: three fit
  std::vector<std::unique_ptr<sut::Session>> sessions;
  for (int r = 0; r < clients; ++r) sessions.push_back(std::make_unique<sut::Session>(db->app_conninfo()));
  std::vector<sut::Executed> results(clients);
  std::latch start(clients);
  std::vector<std::thread> threads;
  for (int r = 0; r < clients; ++r)
    threads.emplace_back([&, r] {
      start.arrive_and_wait();
      results[r] = sessions[r]->execute("inventory.receive", sut_test::request(),
                                        {{"sku", "SKU-1"},
                                         {"batch", "B" + std::to_string(r)},
                                         {"location", "SMALL"},
                                         {"qty", "3"},
                                         {"unit_cost", "1"}});
    });
  for (auto& t : threads) t.join();
  int taken = 0;
  for (const auto& r : results) {
    if (r.kind == sut::Executed::Kind::ok) {
      ++taken;
    } else {
      ASSERT_EQ(r.kind, sut::Executed::Kind::error) << r.message;
      EXPECT_EQ(r.error.code, "LOCATION_CAPACITY_EXCEEDED") << r.error.message;
    }
  }
  EXPECT_EQ(taken, 3);
}

}  // namespace
