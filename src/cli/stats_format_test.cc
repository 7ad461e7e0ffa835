#include "cli/stats_format.h"

#include <gtest/gtest.h>

namespace hitcounter::cli {
namespace {

constexpr UnixMillis kFirst = 1795701600000;  // 2026-11-26T14:00:00.000Z
constexpr UnixMillis kLast = 1795701907123;   // 2026-11-26T14:05:07.123Z

std::vector<RouteStats> Routes() {
  return {{"/hello/world", 12345, kFirst, kLast}, {"/a,b \"quoted\"", 7, kFirst, kFirst}};
}

StatsListing Listing(std::vector<RouteStats> routes, RouteTotals totals,
                     std::string next_cursor = "") {
  StatsListing listing;
  listing.routes = std::move(routes);
  listing.totals = totals;
  listing.next_cursor = std::move(next_cursor);
  return listing;
}

// One column order everywhere (issue 18): route, count, firstSeen, lastAccess, as in JSON and CSV.
TEST(StatsFormatTest, TableAlignsColumnsInTheOrderOfJsonAndCsvAndTotalsFromTheStore) {
  EXPECT_EQ(StatsTable(Listing(Routes(), {2, 12352})),
            "ROUTE          COUNT  FIRST SEEN                LAST ACCESS\n"
            "/hello/world   12345  2026-11-26T14:00:00.000Z  2026-11-26T14:05:07.123Z\n"
            "/a,b \"quoted\"      7  2026-11-26T14:00:00.000Z  2026-11-26T14:00:00.000Z\n"
            "2 routes, 12352 hits\n");
}

TEST(StatsFormatTest, TablePadsRoutesByWhatATerminalShows) {
  const std::string table = StatsTable(Listing({{"/café", 1, kFirst, kLast}}, {1, 1}));
  EXPECT_EQ(table.substr(0, table.find('\n')),
            "ROUTE  COUNT  FIRST SEEN                LAST ACCESS");
  EXPECT_NE(table.find("\n/café      1  "), std::string::npos) << table;
}

// Regression: "20 routes, 92 hits" was printed for a store of 24 routes and 96 hits, without a
// word that the list was cut.
TEST(StatsFormatTest, ACutTableSaysSoUnderTheStoresTotals) {
  StatsListing listing = Listing({Routes()[0]}, {24, 96}, "63313a2f61");
  listing.prefix = "/api/";
  const std::string table = StatsTable(listing);
  EXPECT_NE(table.find("\n24 routes, 96 hits under /api/; 1 shown, raise --limit to see more\n"),
            std::string::npos)
      << table;
  EXPECT_EQ(CutNotice(listing), "1 of 24 routes written; raise --limit to see more");
  EXPECT_EQ(CutNotice(Listing(Routes(), {2, 12352})), "");
}

TEST(StatsFormatTest, TableOfNoRoutesStillHasItsHeader) {
  EXPECT_EQ(StatsTable(Listing({}, {0, 0})),
            "ROUTE  COUNT  FIRST SEEN                LAST ACCESS\n0 routes, 0 hits\n");
}

TEST(StatsFormatTest, RouteTableIsOneRowWithoutTotals) {
  EXPECT_EQ(RouteTable(Routes()[1]),
            "ROUTE          COUNT  FIRST SEEN                LAST ACCESS\n"
            "/a,b \"quoted\"      7  2026-11-26T14:00:00.000Z  2026-11-26T14:00:00.000Z\n");
}

TEST(StatsFormatTest, JsonIsTheDocumentOfTheStatsEndpointWithTotals) {
  EXPECT_EQ(StatsJson(Listing({Routes()[0]}, {2, 12352}, "6331")),
            R"({"routes":[{"route":"/hello/world","count":12345,)"
            R"("firstSeen":"2026-11-26T14:00:00.000Z","lastAccess":"2026-11-26T14:05:07.123Z"}],)"
            R"("nextCursor":"6331","totals":{"routes":2,"hits":12352}})"
            "\n");
  EXPECT_NE(StatsJson(Listing({}, {0, 0})).find(R"("nextCursor":null)"), std::string::npos);
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
