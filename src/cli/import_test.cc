#include "cli/import.h"

#include <gtest/gtest.h>

#include "cli/stats_format.h"

namespace hitcounter::cli {
namespace {

constexpr UnixMillis kT0 = 1'795'701'907'123;

const std::vector<RouteStats> kRecords = {{"/a", 3, kT0, kT0 + 5},
                                          {"/b,c", 1, kT0 - 1, kT0 - 1},
                                          {"/q\"x", 9'223'372'036'854'775'807, 0, kT0},
                                          {"/caf\xC3\xA9", 2, kT0, kT0}};

TEST(ParseExport, ReadsBackWhatStatsCsvWritesExactly) {
  Result<std::vector<RouteStats>> records = ParseExport(StatsCsv(kRecords));
  ASSERT_TRUE(records.ok()) << records.status().message();
  EXPECT_EQ(*records, kRecords);
}

TEST(ParseExport, ReadsBackWhatStatsJsonWritesExactly) {
  StatsListing listing;
  listing.routes = kRecords;
  listing.totals = RouteTotals{4, 15};
  listing.next_cursor = "72";
  Result<std::vector<RouteStats>> records = ParseExport(StatsJson(listing));
  ASSERT_TRUE(records.ok()) << records.status().message();
  EXPECT_EQ(*records, kRecords);
}

TEST(ParseExport, ReadsCsvWithBareLineFeedsAndABlankLastLine) {
  Result<std::vector<RouteStats>> records = ParseExport(
      "route,count,firstSeen,lastAccess\n/"
      "a,1,2026-11-26T14:05:07.123Z,2026-11-26T14:05:07.123Z\n\n");
  ASSERT_TRUE(records.ok()) << records.status().message();
  EXPECT_EQ(records->size(), 1u);
}

// Each malformed file is refused with the line (CSV) or record (JSON) that is wrong.
TEST(ParseExport, NamesTheLineOrRecordOfEveryMistake) {
  const std::string header = "route,count,firstSeen,lastAccess\r\n";
  const std::string good = "/a,1,2026-11-26T14:05:07.123Z,2026-11-26T14:05:07.123Z\r\n";
  const std::pair<std::string, std::string> cases[] = {
      {"", "empty"},
      {"route,count\r\n", "line 1: the header"},
      {header + good + "/b,0,2026-11-26T14:05:07.123Z,2026-11-26T14:05:07.123Z\r\n", "line 3"},
      {header + good + "/b,1,2026-11-26 14:05:07Z,2026-11-26T14:05:07.123Z\r\n",
       "line 3: firstSeen"},
      {header + "/b,1,2026-11-26T14:05:08.000Z,2026-11-26T14:05:07.123Z\r\n",
       "line 2: firstSeen is later"},
      {header + "b,1,2026-11-26T14:05:07.123Z,2026-11-26T14:05:07.123Z\r\n",
       "line 2: \"b\" is not a route"},
      {header + "/a/,1,2026-11-26T14:05:07.123Z,2026-11-26T14:05:07.123Z\r\n", "line 2"},
      {header + good + "/c,1,2026-11-26T14:05:07.123Z\r\n", "line 3: 3 fields"},
      {header + "\"/open,1\r\n", "line 2: a quoted field never ends"},
      {header + good + good, "/a is given twice"},
      {"{\"routes\":[\n{\"route\":\"/a\",\"count\":1,", "line 2: not valid JSON"},
      {"{\"rows\":[]}", "no \"routes\" array"},
      {R"({"routes":[{"route":"/a","count":"1","firstSeen":"x","lastAccess":"y"}]})", "routes[0]"},
      {R"({"routes":[{"route":"/a","count":-1,"firstSeen":"2026-11-26T14:05:07.123Z","lastAccess":"2026-11-26T14:05:07.123Z"}]})",
       "routes[0] (/a): count"},
  };
  for (const auto& [text, expected] : cases) {
    Result<std::vector<RouteStats>> records = ParseExport(text);
    ASSERT_FALSE(records.ok()) << text;
    EXPECT_EQ(records.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(records.status().message().find(expected), std::string::npos)
        << records.status().message() << "\nexpected: " << expected;
  }
}

}  // namespace
}  // namespace hitcounter::cli
