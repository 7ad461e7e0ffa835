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

TEST_F(StatsCommandTest, PrintsTheTopRoutesAsAnAlignedTable) {
  std::string output;
  ASSERT_EQ(RunStats({}, &output), 0) << output;
  std::istringstream lines(output);
  std::string header, first, second;
  std::getline(lines, header);
  std::getline(lines, first);
  std::getline(lines, second);
  EXPECT_EQ(header.rfind("HITS  LAST ACCESS", 0), 0u) << output;
  EXPECT_EQ(first.rfind("   3  ", 0), 0u) << output;
  EXPECT_EQ(first.substr(first.size() - 10), "/api/users");
  EXPECT_EQ(second.find("/api/users"), std::string::npos);
  EXPECT_EQ(header.find("ROUTE"), first.find("/api/users")) << "the columns line up";
  EXPECT_NE(output.find("3 routes, 5 hits"), std::string::npos) << output;
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
