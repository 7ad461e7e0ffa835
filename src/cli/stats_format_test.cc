#include "cli/stats_format.h"

#include <gtest/gtest.h>

namespace hitcounter::cli {
namespace {

constexpr UnixMillis kFirst = 1795701600000;  // 2026-11-26T14:00:00.000Z
constexpr UnixMillis kLast = 1795701907123;   // 2026-11-26T14:05:07.123Z

std::vector<RouteStats> Routes() {
  return {{"/hello/world", 12345, kFirst, kLast}, {"/a,b \"quoted\"", 7, kFirst, kFirst}};
}

TEST(StatsFormatTest, TableAlignsColumnsAndTotals) {
  EXPECT_EQ(StatsTable(Routes()),
            " HITS  LAST ACCESS               FIRST SEEN                ROUTE\n"
            "12345  2026-11-26T14:05:07.123Z  2026-11-26T14:00:00.000Z  /hello/world\n"
            "    7  2026-11-26T14:00:00.000Z  2026-11-26T14:00:00.000Z  /a,b \"quoted\"\n"
            "2 routes, 12352 hits\n");
}

TEST(StatsFormatTest, TableOfNoRoutesStillHasItsHeader) {
  EXPECT_EQ(StatsTable({}),
            "HITS  LAST ACCESS               FIRST SEEN                ROUTE\n0 routes, 0 hits\n");
}

TEST(StatsFormatTest, JsonIsTheDocumentOfTheStatsEndpoint) {
  EXPECT_EQ(StatsJson({Routes()[0]}),
            R"({"routes":[{"route":"/hello/world","count":12345,)"
            R"("firstSeen":"2026-11-26T14:00:00.000Z","lastAccess":"2026-11-26T14:05:07.123Z"}],)"
            R"("nextCursor":null})"
            "\n");
}

TEST(StatsFormatTest, CsvQuotesFieldsThatNeedItAndEndsLinesWithCrLf) {
  EXPECT_EQ(StatsCsv(Routes()),
            "route,count,firstSeen,lastAccess\r\n"
            "/hello/world,12345,2026-11-26T14:00:00.000Z,2026-11-26T14:05:07.123Z\r\n"
            "\"/a,b \"\"quoted\"\"\",7,2026-11-26T14:00:00.000Z,2026-11-26T14:00:00.000Z\r\n");
}

TEST(StatsFormatTest, CsvFieldLeavesPlainTextAlone) {
  EXPECT_EQ(CsvField("/café/a b"), "/café/a b");
  EXPECT_EQ(CsvField("a\nb"), "\"a\nb\"");
  EXPECT_EQ(CsvField("\""), "\"\"\"\"");
}

}  // namespace
}  // namespace hitcounter::cli
