// Found by `./verdict mutants --module ledger` (issue 8): with `FOR UPDATE OF b` dropped from the lock
// of the account balance rows in ledger::post, every test still passed. Postings compute an
// account's new balance in C++ from the row they read, so two concurrent postings to one account
// without that lock both read the same balance and the second write loses the first (a lost
// update: the projection no longer equals what the lines sum to). Nothing else serialises manual
// journals: inventory's postings are already serialised by their on-hand row locks.
//
// The law: after `racers` clients each post `journals_per_racer` journals Dr 6000 / Cr 3100 of 1.00
// at once, account 6000's balance is their count, and no invariant (INV-LEDGER-*) is broken.

#include <gtest/gtest.h>

#include <latch>
#include <memory>
#include <thread>
#include <vector>

#include "support.hpp"
#include "verdict/invariants.hpp"

namespace {

constexpr int racers = 4;               // clients, one connection each
constexpr int journals_per_racer = 15;  // journals each client posts, back to back

TEST(LedgerConcurrentPostings, NoPostingToASharedAccountIsLost) {
  auto db = sut_test::scratch_database();
  sut_test::Shop setup(db->app_conninfo());
  for (const auto& [code, type] : {std::pair{"6000", "expense"}, std::pair{"3100", "equity"}})
    sut_test::must(setup.run("ledger.add_account", {{"code", code}, {"name", code}, {"type", type}}), code);

  std::vector<std::unique_ptr<sut::Session>> sessions;
  for (int r = 0; r < racers; ++r) sessions.push_back(std::make_unique<sut::Session>(db->app_conninfo()));
  std::vector<std::vector<sut::Executed>> results(racers);
  std::latch start(racers);
  std::vector<std::thread> threads;
  for (int r = 0; r < racers; ++r) {
    threads.emplace_back([&, r] {
      start.arrive_and_wait();
      for (int k = 0; k < journals_per_racer; ++k) {
        results[r].push_back(sessions[r]->execute(
            "ledger.post_journal", sut_test::request(),
            {{"date", "2026-01-05"},
             {"lines", {{{"account", "6000"}, {"debit", "1.00"}}, {{"account", "3100"}, {"credit", "1.00"}}}}}));
      }
    });
  }
  for (auto& t : threads) t.join();

  for (int r = 0; r < racers; ++r)
    for (const auto& e : results[r])
      ASSERT_EQ(e.kind, sut::Executed::Kind::ok) << "racer " << r << ": " << e.error.code << " " << e.error.message;
  auto balance = setup.read("account_balance", {{"account", "6000"}});
  ASSERT_TRUE(balance.ok()) << balance.error().message;
  EXPECT_EQ(balance.value(), std::to_string(racers * journals_per_racer) + ".00");
  verdict::InvariantChecker checker(db->owner_conninfo());
  EXPECT_TRUE(sut_test::no_violation(checker.check(std::nullopt)));
}

}  // namespace
