// Found by `./verdict mutants --module ledger` (issue 8): with the guard in ledger::post that refuses a
// posting whose account balance would leave NUMERIC(22,2) removed (`if (!next) return validation(…)`),
// every test still passed; nothing had ever driven a balance to its limit. Without the guard the
// overflowed std::optional is read anyway (undefined behaviour) and the database is handed a
// balance it cannot store.
//
// The law: a journal is at most 999999999999999999.99 (NUMERIC(20,2)); an account's balance at most
// 99999999999999999999.99 (NUMERIC(22,2)). The 100 largest journals fit in one account's balance;
// the 101st is VALIDATION_FAILED naming the journal, writes nothing, and breaks no invariant.

#include <gtest/gtest.h>

#include "support.hpp"
#include "verdict/invariants.hpp"

namespace {

constexpr const char* largest_amount = "999999999999999999.99";
constexpr int journals_that_fit = 100;

TEST(LedgerBalanceLimit, APostingThatWouldOverflowAnAccountBalanceIsRefused) {
  auto db = sut_test::scratch_database();
  sut_test::Shop shop(db->app_conninfo());
  for (const auto& [code, type] : {std::pair{"6000", "expense"}, std::pair{"3100", "equity"}})
    sut_test::must(shop.run("ledger.add_account", {{"code", code}, {"name", code}, {"type", type}}), code);
  const sut_test::json journal{
      {"date", "2026-01-05"},
      {"lines", {{{"account", "6000"}, {"debit", largest_amount}}, {{"account", "3100"}, {"credit", largest_amount}}}}};
  for (int k = 0; k < journals_that_fit; ++k) sut_test::must(shop.run("ledger.post_journal", journal), "post");
  auto fits = shop.read("account_balance", {{"account", "6000"}});
  ASSERT_TRUE(fits.ok()) << fits.error().message;
  EXPECT_EQ(fits.value(), "99999999999999999999.00");

  auto refused = shop.run("ledger.post_journal", journal);
  ASSERT_EQ(refused.kind, sut::Executed::Kind::error) << refused.values.dump();
  EXPECT_EQ(refused.error.code, sut::codes::validation_failed) << refused.error.message;
  EXPECT_EQ(refused.error.field, "lines") << refused.error.message;
  auto after = shop.read("account_balance", {{"account", "6000"}});
  ASSERT_TRUE(after.ok()) << after.error().message;
  EXPECT_EQ(after.value(), fits.value()) << "a refused posting wrote nothing";
  verdict::InvariantChecker checker(db->owner_conninfo());
  EXPECT_TRUE(sut_test::no_violation(checker.check(std::nullopt)));
}

}  // namespace
