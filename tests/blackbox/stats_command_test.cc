// `hitcounter stats` reading the store a real server wrote.
#include <filesystem>
#include <sstream>

#include "tests/blackbox/fixture.h"

namespace hitcounter::testing {
namespace {

class StatsCommandTest : public BlackBoxTest {
 protected:
  void SetUp() override {
    BlackBoxTest::SetUp();
    if (External()) GTEST_SKIP() << "the command reads the store, not the server";
    for (int i = 0; i < 3; ++i) client_->Get("/api/users");
    client_->Get("/api/orders");
    client_->Get("/a,b%20%22c%22");  // the route /a,b "c"
  }

  // `hitcounter stats --store STORE ARGS...`: its exit code, its output in `output`.
  int RunStats(const std::vector<std::string>& args, std::string* output) {
    std::vector<std::string> argv = {HitcounterBinary(), "stats", "--store", store_};
    for (const std::string& flag : StoreFlags()) argv.push_back(flag);
    argv.insert(argv.end(), args.begin(), args.end());
    return RunToExit(argv, output);
  }
};

TEST_F(StatsCommandTest, PrintsTheTopRoutesAsAnAlignedTableInTheColumnOrderOfJsonAndCsv) {
  std::string output;
  ASSERT_EQ(RunStats({}, &output), 0) << output;
  std::istringstream lines(output);
  std::string header, first, second;
  std::getline(lines, header);
  std::getline(lines, first);
  std::getline(lines, second);
  EXPECT_EQ(header.rfind("ROUTE", 0), 0u) << output;
  EXPECT_LT(header.find("COUNT"), header.find("FIRST SEEN")) << output;
  EXPECT_LT(header.find("FIRST SEEN"), header.find("LAST ACCESS")) << output;
  EXPECT_EQ(first.rfind("/api/users ", 0), 0u) << output;
  EXPECT_EQ(first.find("3"), header.find("COUNT") + 4) << "counts are right-aligned";
  EXPECT_EQ(second.find("/api/users"), std::string::npos);
  EXPECT_NE(output.find("\n3 routes, 5 hits\n"), std::string::npos) << output;
}

// Regression: "20 routes, 92 hits" for a store of 24 routes and 96 hits, without saying that
// the list was cut; --json --limit 3 said "nextCursor":null with 21 routes left.
TEST_F(StatsCommandTest, ACutListingGivesTheStoresTotalsSaysSoAndCarriesOnWithItsCursor) {
  std::string output;
  ASSERT_EQ(RunStats({"--limit", "1"}, &output), 0) << output;
  EXPECT_NE(output.find("\n3 routes, 5 hits; 1 shown, raise --limit to see more\n"),
            std::string::npos)
      << output;
  std::string json;
  ASSERT_EQ(RunStats({"--json", "--limit", "2", "--sort", "route"}, &json), 0) << json;
  rapidjson::Document first;
  first.Parse(json.c_str());
  ASSERT_FALSE(first.HasParseError()) << json;
  EXPECT_EQ(first["totals"]["routes"].GetInt64(), 3);
  EXPECT_EQ(first["totals"]["hits"].GetInt64(), 5);
  ASSERT_TRUE(first["nextCursor"].IsString()) << json;
  std::string rest;
  ASSERT_EQ(
      RunStats({"--json", "--sort", "route", "--cursor", first["nextCursor"].GetString()}, &rest),
      0)
      << rest;
  rapidjson::Document second;
  second.Parse(rest.c_str());
  ASSERT_EQ(second["routes"].Size(), 1u) << rest;
  EXPECT_STREQ(second["routes"][0]["route"].GetString(), "/api/users");
  EXPECT_TRUE(second["nextCursor"].IsNull());
  // The same cursor means the same in /_stats.
  rapidjson::Document served = Json(
      client_->Get(std::string("/_stats?sort=route&cursor=") + first["nextCursor"].GetString()));
  EXPECT_STREQ(served["routes"][0]["route"].GetString(), "/api/users");
}

TEST_F(StatsCommandTest, ACutCsvSaysSoOnStderr) {
  std::string said;
  std::vector<std::string> argv = {
      "/bin/sh", "-c",  "exec \"$0\" \"$@\" 2>&1 >/dev/null", HitcounterBinary(), "stats",
      "--store", store_};
  for (const std::string& flag : StoreFlags()) argv.push_back(flag);
  for (const char* flag : {"--csv", "--limit", "2"}) argv.push_back(flag);
  EXPECT_EQ(RunToExit(argv, &said), 0);
  EXPECT_NE(said.find("2 of 3 routes written; raise --limit to see more"), std::string::npos)
      << said;
}

TEST_F(StatsCommandTest, RouteReadsOneRouteAsStatsRouteDoes) {
  std::string output;
  ASSERT_EQ(RunStats({"--route", "/api/users/", "--json"}, &output), 0) << output;
  rapidjson::Document doc;
  doc.Parse(output.c_str());
  ASSERT_FALSE(doc.HasParseError()) << output;
  EXPECT_STREQ(doc["route"].GetString(), "/api/users");
  EXPECT_EQ(doc["count"].GetInt64(), 3);
  ASSERT_EQ(RunStats({"--route", "/a,b \"c\""}, &output), 0) << output;
  EXPECT_NE(output.find("\n/a,b \"c\"      1  "), std::string::npos) << output;
  EXPECT_EQ(RunStats({"--route", "/never"}, &output), 1);
  EXPECT_NE(RunStats({"--route", "/a", "--sort", "route"}, &output), 0) << "one route has no order";
}

TEST_F(StatsCommandTest, SortTakesAnyCase) {
  std::string output;
  ASSERT_EQ(RunStats({"--sort", "lastaccess", "--limit", "1"}, &output), 0) << output;
  ASSERT_EQ(RunStats({"--sort", "ROUTE", "--limit", "1"}, &output), 0) << output;
  EXPECT_NE(output.find("\n/a,b \"c\""), std::string::npos) << output;
}

TEST_F(StatsCommandTest, SortLimitAndPrefixSelectTheRoutes) {
  std::string output;
  ASSERT_EQ(RunStats({"--prefix", "/api/", "--sort", "route", "--limit", "1", "--csv"}, &output),
            0);
  EXPECT_EQ(output.substr(0, output.find("\r\n")), "route,count,firstSeen,lastAccess");
  EXPECT_EQ(output.find("/api/orders,1,"), output.find("\r\n") + 2) << output;
  EXPECT_EQ(output.find("/api/users"), std::string::npos);
}

TEST_F(StatsCommandTest, ExportsJsonAndProperlyQuotedCsv) {
  std::string json;
  ASSERT_EQ(RunStats({"--json"}, &json), 0);
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  ASSERT_FALSE(doc.HasParseError()) << json;
  EXPECT_EQ(doc["routes"].Size(), 3u);
  EXPECT_STREQ(doc["routes"][0]["route"].GetString(), "/api/users");
  std::string csv;
  ASSERT_EQ(RunStats({"--csv"}, &csv), 0);
  EXPECT_NE(csv.find("\r\n\"/a,b \"\"c\"\"\",1,"), std::string::npos) << csv;
}

TEST_F(StatsCommandTest, BadFlagsAndAMissingDatabaseExitNonZero) {
  std::string output;
  EXPECT_NE(RunStats({"--sort", "size"}, &output), 0);
  EXPECT_NE(RunStats({"--json", "--csv"}, &output), 0);
  EXPECT_NE(RunStats({"--limit", "0"}, &output), 0);
  if (StoreUnderTest() == StoreKind::kSqlite) {
    std::string missing = dir_.path() + "/missing.db";
    EXPECT_NE(RunToExit({HitcounterBinary(), "stats", "--store", "sqlite:" + missing}, &output), 0);
    EXPECT_FALSE(std::filesystem::exists(missing)) << "reading created a database";
  }
}

}  // namespace
}  // namespace hitcounter::testing
