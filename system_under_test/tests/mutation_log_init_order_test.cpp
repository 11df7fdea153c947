// Regression: the mutation log stayed empty. The plugin's static registrar set the log sink before
// session.cpp's namespace-scope std::function was constructed, which then reset it to empty. Every
// mutation must reach the harness's sink, whatever the static initialisation order.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support.hpp"
#include "verdict/log.hpp"

namespace {

TEST(MutationLog, EveryMutationWritesOneLineToTheHarnessSink) {
  std::string path = ::testing::TempDir() + "/mutations-" + std::to_string(::getpid()) + ".jsonl";
  std::remove(path.c_str());
  verdict::log::set_sink_path(path);
  {
    auto db = sut_test::scratch_database();
    sut_test::Shop shop(db->app_conninfo());
    shop.add_product();
    shop.add_location("WH1");
    shop.receive("B1", "WH1", "3");
    auto refused =
        shop.run("inventory.fulfill", {{"sku", "SKU-1"}, {"batch", "B1"}, {"location", "WH1"}, {"qty", "9"}});
    ASSERT_EQ(refused.kind, sut::Executed::Kind::error);
  }
  verdict::log::set_sink_path("");

  std::ifstream in(path);
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(lines.size(), 5u);  // the tenant's creation, then the four steps
  EXPECT_EQ(lines[0]["operation"], "access.create_tenant");
  EXPECT_EQ(lines[1]["operation"], "inventory.add_product");
  EXPECT_EQ(lines[3]["operation"], "inventory.receive");
  EXPECT_EQ(lines[3]["outcome"], "ok");
  EXPECT_EQ(lines[4]["operation"], "inventory.fulfill");
  EXPECT_EQ(lines[4]["outcome"], "error");
  EXPECT_EQ(lines[4]["code"], "INSUFFICIENT_STOCK");
  EXPECT_EQ(lines[4]["tenant"], "acme");
  EXPECT_EQ(lines[4]["actor"], "clerk");
  std::remove(path.c_str());
}

}  // namespace
