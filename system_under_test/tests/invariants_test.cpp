// Each inventory invariant catches the corruption it exists for, and only that one: a test builds a
// little valid stock through the domain API, plants one bad row as the superuser (triggers and
// foreign keys off), and asserts that exactly that invariant fires, in the full form and in the
// scoped form of the planted keys, and that a scope of unrelated keys sees nothing.

#include "verdict/invariants.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "support.hpp"
#include "verdict/server.hpp"

namespace {

using json = nlohmann::json;
using sut_test::describe;
using sut_test::no_violation;
using sut_test::only_violation;
using sut_test::Row;

// Every inventory invariant has a test below; the registry test fails when one is added without.
const std::set<std::string> covered_invariants = {"INV-STOCK-001", "INV-STOCK-002", "INV-STOCK-003", "INV-STOCK-004",
                                                  "INV-STOCK-005", "INV-STOCK-006", "INV-STOCK-007", "INV-STOCK-008",
                                                  "INV-STOCK-009", "INV-STOCK-010", "INV-STOCK-011", "INV-STOCK-012",
                                                  "INV-STOCK-013"};

constexpr long long unrelated_id = 999999;

// A movement row written behind the system's back.
struct Planted {
  std::string kind;
  long long batch_id = 0;
  long long location_id = 0;
  std::string qty;
  std::string reason;                  // "" = NULL
  long long transfer_id = 0;           // 0 = NULL
  long long reverses_movement_id = 0;  // 0 = NULL
  std::string balance_after = "";      // "" = the slot's true running balance after it
  bool posted = true;                  // with its ledger journal (docs/MONEY.md), as the domain posts it
};

std::string text(long long id) { return std::to_string(id); }

// Valid stock of tenant acme: SKU-1, locations WH1 and WH2, batch B1 with 10 received at WH1.
class InventoryInvariants : public ::testing::Test {
 protected:
  void SetUp() override {
    SUT_SKIP_UNLESS_PLANTING_POSSIBLE(*db_);
    shop_.add_product();
    wh1_ = shop_.add_location("WH1");
    wh2_ = shop_.add_location("WH2");
    auto receipt = shop_.receive("B1", "WH1", "10");
    batch_ = receipt.batch_id;
    receipt_ = receipt.movement_id;
  }

  std::vector<verdict::Violation> check_full() { return checker_.check(std::nullopt); }
  std::vector<verdict::Violation> check_scoped(long long batch, long long location, long long movement) {
    return checker_.check(
        json{{"inventory.batch", {batch}}, {"inventory.location", {location}}, {"inventory.movement", {movement}}}
            .dump());
  }
  std::vector<verdict::Violation> check_unrelated() { return check_scoped(unrelated_id, unrelated_id, unrelated_id); }

  // Inserts `m` and moves on_hand by its qty, so the projection still equals the journal. As the
  // superuser with triggers and foreign-key checks off; unique and CHECK constraints still hold.
  long long plant(const Planted& m) {
    pqxx::connection c(db_->admin_conninfo());
    pqxx::work w(c);
    w.exec("SET LOCAL session_replication_role = replica");
    long long id = w.exec_params1(
                        "INSERT INTO movements (tenant_id, kind, batch_id, location_id, qty, balance_after, reason, "
                        "transfer_id, reverses_movement_id, mutation_id, actor, as_of) "
                        "VALUES ('acme', $1, $2, $3, $4::numeric, coalesce(NULLIF($8, '')::numeric, "
                        "  coalesce((SELECT balance_after FROM movements WHERE batch_id = $2 AND location_id = $3 "
                        "            ORDER BY movement_id DESC LIMIT 1), 0) + $4::numeric), "
                        "NULLIF($5, ''), NULLIF($6::bigint, 0), "
                        "NULLIF($7::bigint, 0), 'planted', 'planter', '2026-01-01T00:00:00Z') RETURNING movement_id",
                        m.kind, m.batch_id, m.location_id, m.qty, m.reason, m.transfer_id, m.reverses_movement_id,
                        m.balance_after)[0]
                       .as<long long>();
    // Update first: an upsert would check the CHECK constraint against the bare delta.
    auto updated = w.exec_params("UPDATE on_hand SET qty = qty + $3::numeric WHERE batch_id = $1 AND location_id = $2",
                                 m.batch_id, m.location_id, m.qty);
    if (updated.affected_rows() == 0) {
      w.exec_params("INSERT INTO on_hand (tenant_id, batch_id, location_id, qty) VALUES ('acme', $1, $2, $3::numeric)",
                    m.batch_id, m.location_id, m.qty);
    }
    if (m.posted) post(w, id, m);
    w.commit();
    return id;
  }

  // The movement's journal, as inventory posts it (its value between the inventory and the
  // adjustments accounts), with the lines' running balances and the balances moved: so that a
  // planted movement breaks only the invariant its test is about. A transfer's leg, a reversal of
  // one, or a value of 0.00 posts nothing.
  static void post(pqxx::work& w, long long movement, const Planted& m) {
    if (m.transfer_id != 0) return;
    if (m.reverses_movement_id != 0 &&
        !w.exec_params("SELECT 1 FROM movements WHERE movement_id = $1 AND transfer_id IS NOT NULL",
                       m.reverses_movement_id)
             .empty())
      return;
    auto value = w.exec_params("SELECT round(abs($1::numeric) * unit_cost, 2)::text FROM batches WHERE batch_id = $2",
                               m.qty, m.batch_id);
    if (value.empty() || value[0][0].as<std::string>() == "0.00") return;
    std::string v = value[0][0].as<std::string>();
    auto account = [&](const char* role) {
      return w.exec_params1("SELECT account_id FROM accounts WHERE tenant_id = 'acme' AND role = $1", role)[0]
          .as<long long>();
    };
    bool in = m.qty.front() != '-';
    long long debit = account(in ? "inventory" : "inventory_adjustments");
    long long credit = account(in ? "inventory_adjustments" : "inventory");
    long long journal =
        w.exec_params1(
             "INSERT INTO journals (tenant_id, posted_on, period, source, source_id, posting_seq, content_hash, "
             "created_xact, mutation_id, actor, as_of) VALUES ('acme', '2026-01-01', '2026-01', 'inventory.movement', "
             "$1, nextval('posting_seq'), ledger_content_hash('2026-01-01', NULL, ARRAY[$2::bigint, $3::bigint], "
             "ARRAY[$4::numeric, 0]::numeric(20,2)[], ARRAY[0, $4::numeric]::numeric(20,2)[]), pg_current_xact_id(), "
             "'planted', 'planter', '2026-01-01T00:00:00Z') RETURNING journal_id",
             movement, debit, credit, v)[0]
            .as<long long>();
    int line_no = 0;
    for (auto [account_id, debit_amount, credit_amount] :
         {std::tuple<long long, std::string, std::string>{debit, v, "0"}, {credit, "0", v}}) {
      w.exec_params(
          "INSERT INTO journal_lines (tenant_id, journal_id, line_no, account_id, debit, credit, balance_after) "
          "VALUES ('acme', $1, $2, $3, $4::numeric, $5::numeric, coalesce((SELECT balance_after FROM journal_lines "
          "WHERE account_id = $3 ORDER BY line_id DESC LIMIT 1), 0) + $4::numeric - $5::numeric)",
          journal, ++line_no, account_id, debit_amount, credit_amount);
      w.exec_params("UPDATE account_balances SET balance = balance + $2::numeric - $3::numeric WHERE account_id = $1",
                    account_id, debit_amount, credit_amount);
    }
  }
  void admin_sql(const std::string& sql) { verdict::db::exec_admin(db_->admin_conninfo(), sql); }

  std::unique_ptr<verdict::db::ScratchDatabase> db_ = sut_test::scratch_database();
  sut_test::Shop shop_{db_->app_conninfo()};
  verdict::InvariantChecker checker_{db_->admin_conninfo()};
  long long wh1_ = 0, wh2_ = 0, batch_ = 0, receipt_ = 0;
};

TEST_F(InventoryInvariants, CleanStateHasNoViolation) {
  auto fulfilment = shop_.fulfill("B1", "WH1", "2");
  shop_.adjust("B1", "WH1", "-1");
  auto transfer = shop_.transfer("B1", "WH1", "WH2", "3");
  auto transfer_reversal = shop_.reverse(transfer.in_movement_id);
  auto fulfilment_reversal = shop_.reverse(fulfilment.movement_id);

  EXPECT_TRUE(no_violation(check_full()));
  EXPECT_TRUE(no_violation(check_scoped(batch_, wh1_, fulfilment_reversal.reversal_movement_ids.front())));
  EXPECT_TRUE(no_violation(check_scoped(batch_, wh2_, transfer_reversal.reversal_movement_ids.back())));
}

TEST_F(InventoryInvariants, Stock001ProjectionDriftsFromTheJournal) {
  // No movement: the projection alone is changed.
  admin_sql(fmt::format("UPDATE on_hand SET qty = 7 WHERE batch_id = {} AND location_id = {}", batch_, wh1_));

  const Row row{
      {"batch_id", text(batch_)}, {"location_id", text(wh1_)}, {"on_hand_qty", "7.0000"}, {"journal_qty", "10.0000"}};
  EXPECT_TRUE(only_violation(check_full(), "INV-STOCK-001", row));
  EXPECT_TRUE(only_violation(check_scoped(batch_, wh1_, unrelated_id), "INV-STOCK-001", row));
  EXPECT_TRUE(no_violation(check_unrelated()));
}

TEST_F(InventoryInvariants, Stock001RunningBalanceComputedFromAStaleValue) {
  // A movement whose running balance ignores its predecessor (a lost update inside the domain): the
  // scoped form catches it from the new row and its predecessor alone; the full form by re-summing.
  long long stale = plant({"receive", batch_, wh1_, "5", "", 0, 0, "5"});  // 10 + 5 is 15, not 5

  for (const auto& found : {check_full(), check_scoped(batch_, wh1_, stale)}) {
    ASSERT_EQ(found.size(), 1u) << describe(found);
    EXPECT_EQ(found.front().invariant_id, "INV-STOCK-001");
    bool named = false;
    for (const auto& row : json::parse(found.front().rows_json))
      named = named || (row.value("movement_id", "") == text(stale) && row.value("balance_after", "") == "5.0000" &&
                        row.value("expected_balance", "") == "15.0000");
    EXPECT_TRUE(named) << describe(found);
  }
  EXPECT_TRUE(no_violation(check_unrelated()));
}

TEST_F(InventoryInvariants, Stock001AMovementCommittedAfterALaterIdIsCheckedAgainstItsSuccessor) {
  // Two writers without the row lock: the later id commits first with a balance computed from the
  // same predecessor as the earlier id, which commits last. The scoped check after the last commit
  // sees only the earlier id: its predecessor agrees, and so does the projection (the later id's
  // stale balance); only the successor shows the lost update.
  long long earlier = plant({"receive", batch_, wh1_, "5", ""});            // 10 + 5 = 15
  long long later = plant({"fulfill", batch_, wh1_, "-4", "", 0, 0, "6"});  // from 10: 6, not 11
  admin_sql(fmt::format("UPDATE on_hand SET qty = 6 WHERE batch_id = {} AND location_id = {}", batch_, wh1_));

  auto found = check_scoped(batch_, wh1_, earlier);
  ASSERT_EQ(found.size(), 1u) << describe(found);
  EXPECT_EQ(found.front().invariant_id, "INV-STOCK-001");
  bool named = false;
  for (const auto& row : json::parse(found.front().rows_json))
    named = named || (row.value("movement_id", "") == text(later) && row.value("expected_balance", "") == "11.0000");
  EXPECT_TRUE(named) << describe(found);
}

TEST_F(InventoryInvariants, TheCheckerRefusesARoleThatCannotSeeEveryTenant) {
  // As the application role, row-level security would hide every row and every invariant would
  // pass: the checker must refuse to judge rather than say "holds".
  try {
    verdict::InvariantChecker blind(db_->app_conninfo());
    FAIL() << "a checker connected as the application role was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot see every tenant's rows"), std::string::npos) << e.what();
  }
}

TEST_F(InventoryInvariants, Stock002OnHandGoesNegative) {
  admin_sql("ALTER TABLE on_hand DROP CONSTRAINT on_hand_never_negative, DROP CONSTRAINT on_hand_reserved_within");
  long long oversell = plant({"adjust", batch_, wh1_, "-15", "oversold"});  // journal and projection agree: -5

  const Row row{{"batch_id", text(batch_)}, {"location_id", text(wh1_)}, {"on_hand_qty", "-5.0000"}};
  EXPECT_TRUE(only_violation(check_full(), "INV-STOCK-002", row));
  EXPECT_TRUE(only_violation(check_scoped(batch_, wh1_, oversell), "INV-STOCK-002", row));
  EXPECT_TRUE(no_violation(check_unrelated()));
}

TEST_F(InventoryInvariants, Stock011MoreReservedThanOnHand) {
  // A reservation of 12 against 10 on hand, projection and reservations agreeing: only 011 breaks.
  admin_sql("ALTER TABLE on_hand DROP CONSTRAINT on_hand_reserved_within");
  admin_sql(
      fmt::format("INSERT INTO reservations (tenant_id, batch_id, location_id, owner, owner_id, qty, remaining) "
                  "VALUES ('acme', {0}, {1}, 'planted', 1, 12, 12); "
                  "UPDATE on_hand SET reserved = 12 WHERE batch_id = {0} AND location_id = {1}",
                  batch_, wh1_));
  const Row row{{"batch_id", text(batch_)}, {"on_hand_qty", "10.0000"}, {"reserved", "12.0000"}};
  EXPECT_TRUE(only_violation(check_full(), "INV-STOCK-011", row));
  EXPECT_TRUE(only_violation(check_scoped(batch_, wh1_, receipt_), "INV-STOCK-011", row));
  EXPECT_TRUE(no_violation(check_unrelated()));
}

TEST_F(InventoryInvariants, Stock012ReservedProjectionWithoutReservations) {
  admin_sql(fmt::format("UPDATE on_hand SET reserved = 3 WHERE batch_id = {} AND location_id = {}", batch_, wh1_));
  const Row row{{"batch_id", text(batch_)}, {"reserved", "3.0000"}, {"held_by_reservations", "0"}};
  EXPECT_TRUE(only_violation(check_full(), "INV-STOCK-012", row));
  EXPECT_TRUE(only_violation(check_scoped(batch_, wh1_, receipt_), "INV-STOCK-012", row));
  EXPECT_TRUE(no_violation(check_unrelated()));
}

TEST_F(InventoryInvariants, Stock013MoreStockThanTheLocationHolds) {
  admin_sql(fmt::format("UPDATE locations SET capacity = 8 WHERE location_id = {}", wh1_));  // 10 on hand
  const Row row{{"location_id", text(wh1_)}, {"capacity", "8.0000"}, {"held", "10.0000"}};
  EXPECT_TRUE(only_violation(check_full(), "INV-STOCK-013", row));
  EXPECT_TRUE(only_violation(check_scoped(batch_, wh1_, receipt_), "INV-STOCK-013", row));
  EXPECT_TRUE(no_violation(check_scoped(batch_, wh2_, receipt_)));
}

TEST_F(InventoryInvariants, Stock003ReversalDoesNotNegateItsOriginal) {
  long long reversal = plant({"reversal", batch_, wh1_, "-4", "", 0, receipt_, ""});  // the receipt was 10

  const Row row{{"movement_id", text(reversal)},
                {"original_movement_id", text(receipt_)},
                {"qty", "-4.0000"},
                {"original_qty", "10.0000"}};
  EXPECT_TRUE(only_violation(check_full(), "INV-STOCK-003", row));
  EXPECT_TRUE(only_violation(check_scoped(batch_, wh1_, reversal), "INV-STOCK-003", row));
  EXPECT_TRUE(no_violation(check_unrelated()));
}

TEST_F(InventoryInvariants, Stock004MovementReversedTwice) {
  admin_sql("ALTER TABLE movements DROP CONSTRAINT movements_reversed_once");
  shop_.receive("B1", "WH1", "10");  // so that the second reversal leaves on-hand at zero, not below
  long long first = shop_.reverse(receipt_).reversal_movement_ids.front();
  long long second = plant({"reversal", batch_, wh1_, "-10", "", 0, receipt_, ""});

  const Row row{{"movement_id", text(receipt_)},
                {"reversal_count", "2"},
                {"reversal_movement_ids", fmt::format("{},{}", first, second)}};
  EXPECT_TRUE(only_violation(check_full(), "INV-STOCK-004", row));
  EXPECT_TRUE(only_violation(check_scoped(batch_, wh1_, second), "INV-STOCK-004", row));
  EXPECT_TRUE(no_violation(check_unrelated()));
}

TEST_F(InventoryInvariants, Stock005TransferWithOneLeg) {
  long long out_leg = plant({"transfer_out", batch_, wh1_, "-3", "", 424242});

  const Row row{{"transfer_id", "424242"}, {"legs", "1"}, {"movement_ids", text(out_leg)}, {"net_qty", "-3.0000"}};
  EXPECT_TRUE(only_violation(check_full(), "INV-STOCK-005", row));
  EXPECT_TRUE(only_violation(check_scoped(batch_, wh1_, out_leg), "INV-STOCK-005", row));
  EXPECT_TRUE(no_violation(check_unrelated()));
}

TEST_F(InventoryInvariants, Stock006MovementAtAnUnknownLocation) {
  constexpr long long nowhere = 777777;
  long long stray = plant({"receive", batch_, nowhere, "5", ""});  // on_hand gets the matching slot

  const Row row{{"movement_id", text(stray)},
                {"location_id", text(nowhere)},
                {"unknown_location", "true"},
                {"unknown_batch", "false"},
                {"unknown_product", "false"}};
  EXPECT_TRUE(only_violation(check_full(), "INV-STOCK-006", row));
  EXPECT_TRUE(only_violation(check_scoped(batch_, nowhere, stray), "INV-STOCK-006", row));
  EXPECT_TRUE(no_violation(check_unrelated()));
}

TEST_F(InventoryInvariants, Stock007ReceiptWithTheWrongSign) {
  long long negative_receipt = plant({"receive", batch_, wh1_, "-2", ""});  // on-hand 8, as the journal says

  const Row row{{"movement_id", text(negative_receipt)}, {"kind", "receive"}, {"qty", "-2.0000"}};
  EXPECT_TRUE(only_violation(check_full(), "INV-STOCK-007", row));
  EXPECT_TRUE(only_violation(check_scoped(batch_, wh1_, negative_receipt), "INV-STOCK-007", row));
  EXPECT_TRUE(no_violation(check_unrelated()));
}

TEST_F(InventoryInvariants, Stock007AdjustmentWithoutAReason) {
  long long silent = plant({"adjust", batch_, wh1_, "1", ""});

  const Row row{{"movement_id", text(silent)}, {"kind", "adjust"}, {"qty", "1.0000"}};
  EXPECT_TRUE(only_violation(check_full(), "INV-STOCK-007", row));
  EXPECT_TRUE(only_violation(check_scoped(batch_, wh1_, silent), "INV-STOCK-007", row));
  EXPECT_TRUE(no_violation(check_unrelated()));
}

TEST_F(InventoryInvariants, Stock008TransferReversedByOneLegOnly) {
  auto transfer = shop_.transfer("B1", "WH1", "WH2", "3");
  // The out leg's reversal alone: it negates its leg exactly, so only the pairing rule is broken.
  long long half = plant({"reversal", batch_, wh1_, "3", "", 0, transfer.out_movement_id, ""});

  const Row row{{"transfer_id", text(transfer.transfer_id)},
                {"reversed_legs", "1"},
                {"movement_ids", fmt::format("{},{}", transfer.out_movement_id, transfer.in_movement_id)},
                {"reversal_movement_ids", text(half)}};
  EXPECT_TRUE(only_violation(check_full(), "INV-STOCK-008", row));
  EXPECT_TRUE(only_violation(check_scoped(batch_, wh1_, half), "INV-STOCK-008", row));
  EXPECT_TRUE(no_violation(check_unrelated()));
}

TEST_F(InventoryInvariants, Stock009StockWentNegativeAndWasHiddenByALaterReceipt) {
  admin_sql(
      "ALTER TABLE on_hand DROP CONSTRAINT on_hand_never_negative, DROP CONSTRAINT on_hand_reserved_within");  // the
                                                                                                               // plant
                                                                                                               // passes
                                                                                                               // through
                                                                                                               // -5
  long long oversell = plant({"fulfill", batch_, wh1_, "-15", ""});  // 10 - 15 = -5
  plant({"receive", batch_, wh1_, "10", ""});                        // back to 5: today looks fine

  const Row row{{"movement_id", text(oversell)}, {"running_qty", "-5.0000"}, {"batch_id", text(batch_)}};
  EXPECT_TRUE(only_violation(check_full(), "INV-STOCK-009", row));
  EXPECT_TRUE(only_violation(check_scoped(batch_, wh1_, oversell), "INV-STOCK-009", row));
  EXPECT_TRUE(no_violation(check_unrelated()));
}

TEST_F(InventoryInvariants, Stock010AMovementThatPostedNothingToTheLedger) {
  Planted receipt{"receive", batch_, wh1_, "5", ""};
  receipt.posted = false;  // the stock moved, its value did not
  long long unposted = plant(receipt);

  const Row row{{"movement_id", text(unposted)}, {"journals", "0"}, {"expected", "12.50"}, {"inventory_posted", "0"}};
  EXPECT_TRUE(only_violation(check_scoped(batch_, wh1_, unposted), "INV-STOCK-010", row));
  // The full form names the movement, and the tenant's inventory account against the stock's value.
  auto found = check_full();
  ASSERT_EQ(found.size(), 1u) << describe(found);
  EXPECT_EQ(found.front().invariant_id, "INV-STOCK-010");
  auto rows = json::parse(found.front().rows_json);
  ASSERT_EQ(rows.size(), 2u) << describe(found);
  EXPECT_EQ(rows[0]["movement_id"], text(unposted));
  EXPECT_EQ(rows[1]["kind"], "valuation");
  EXPECT_EQ(rows[1]["expected"], "37.50");  // 10 + 5 at unit cost 2.5
  EXPECT_EQ(rows[1]["inventory_posted"], "25.00");
  EXPECT_TRUE(no_violation(check_unrelated()));
}

TEST(InvariantRegistry, EveryInvariantIsCompleteAndTested) {
  const auto& all = verdict::invariants();
  std::set<std::string> ids;
  int inventory = 0;
  for (const auto& inv : all) {
    SCOPED_TRACE(inv.id);
    EXPECT_TRUE(ids.insert(inv.id).second) << "duplicate id";
    EXPECT_FALSE(inv.module.empty());
    EXPECT_FALSE(inv.purpose.empty());
    EXPECT_FALSE(inv.sql.empty());
    EXPECT_FALSE(inv.remediation.empty());
    EXPECT_TRUE(inv.severity == "critical" || inv.severity == "major" || inv.severity == "minor") << inv.severity;
    // The scoped form needs the parameter: an invariant that ignores $1 can never be scoped.
    EXPECT_NE(inv.sql.find("$1"), std::string::npos);
    if (inv.module == "inventory") {
      ++inventory;
      EXPECT_TRUE(covered_invariants.count(inv.id)) << "no test plants a violation of " << inv.id;
    }
  }
  EXPECT_GE(inventory, 6);
  for (const auto& id : covered_invariants) EXPECT_TRUE(ids.count(id)) << id << " is tested but not registered";
}

}  // namespace
