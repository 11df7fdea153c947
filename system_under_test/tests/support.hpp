#pragma once
// Shared by the system_under_test tests: the run context (one per test process) and a small shop that
// drives the domain API, so that test bodies read like the scenario they set up.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "sut/errors.hpp"
#include "sut/inventory.hpp"
#include "sut/session.hpp"
#include "verdict/runtime.hpp"
#include "verdict/server.hpp"

namespace sut_test {

// Attaches to the CTest fixture's cluster (VERDICT_SERVER_STATE), else DATABASE_URL, else starts
// one. Lazily: tests that need no database (decimal) never connect.
inline verdict::RunContext& run_context() {
  static verdict::RunContext context("");
  return context;
}

// A database of its own for the running test, cloned from the migrated template.
inline std::unique_ptr<verdict::db::ScratchDatabase> scratch_database() {
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  return run_context().new_database(test ? test->name() : "test");
}

inline sut::RequestContext request(const std::string& tenant = "acme") {
  return {tenant, "clerk", "2026-01-01T00:00:00Z", ""};
}

// The value of a set-up step that must succeed. Throws otherwise, which fails the test with the
// step, the code and the message.
template <typename T>
T must(const sut::inventory::Reported<T>& reported, const std::string& step) {
  const auto& outcome = reported.outcome;
  if (outcome.ok()) return outcome.value();
  if (outcome.is_error()) {
    throw std::runtime_error(fmt::format("set-up step '{}' failed: {} {}", step, sut::to_string(outcome.error().code),
                                         outcome.error().message));
  }
  throw std::runtime_error(fmt::format("set-up step '{}' has an unknown outcome: {}", step, outcome.unknown().message));
}

// One tenant's shop on one database, driven through the domain API as the application role.
// Every product is SKU-1 unless named; batches and locations are named by code.
class Shop {
 public:
  explicit Shop(const std::string& app_conninfo, const std::string& tenant = "acme")
      : session_(app_conninfo), context_(request(tenant)) {}

  sut::Session& session() { return session_; }
  const sut::RequestContext& context() const { return context_; }

  long long add_product(const std::string& sku = "SKU-1") {
    return must(sut::inventory::add_product(session_, context_, {sku, "Widget"}), "add_product " + sku).product_id;
  }
  long long add_location(const std::string& code) {
    return must(sut::inventory::add_location(session_, context_, {code}), "add_location " + code).location_id;
  }
  sut::inventory::Moved receive(const std::string& batch, const std::string& location, const std::string& qty) {
    return must(sut::inventory::receive(session_, context_, {"SKU-1", batch, location, qty, "2.5000"}),
                fmt::format("receive {} {} at {}", qty, batch, location));
  }
  sut::inventory::Moved fulfill(const std::string& batch, const std::string& location, const std::string& qty) {
    return must(sut::inventory::fulfill(session_, context_, {"SKU-1", batch, location, qty}),
                fmt::format("fulfill {} {} at {}", qty, batch, location));
  }
  sut::inventory::Moved adjust(const std::string& batch, const std::string& location, const std::string& delta) {
    return must(sut::inventory::adjust(session_, context_, {"SKU-1", batch, location, delta, "stock count"}),
                fmt::format("adjust {} {} at {}", delta, batch, location));
  }
  sut::inventory::Transferred transfer(const std::string& batch, const std::string& from, const std::string& to,
                                       const std::string& qty) {
    return must(sut::inventory::transfer(session_, context_, {"SKU-1", batch, from, to, qty}),
                fmt::format("transfer {} {} from {} to {}", qty, batch, from, to));
  }
  sut::inventory::Reversed reverse(long long movement_id) {
    return must(sut::inventory::reverse(session_, context_, {movement_id}), fmt::format("reverse {}", movement_id));
  }

 private:
  sut::Session session_;
  sut::RequestContext context_;
};

}  // namespace sut_test
