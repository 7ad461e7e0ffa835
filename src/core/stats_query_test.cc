#include "core/stats_query.h"
#include "core/utf8.h"

#include <gtest/gtest.h>

namespace hitcounter {
namespace {

TEST(ParseStatsQuery, DefaultsToTheFirstPageByCount) {
  Result<StatsRequest> request = ParseStatsQuery("");
  ASSERT_TRUE(request.ok());
  EXPECT_FALSE(request->route);
  EXPECT_EQ(request->listing.order, StatsOrder::kByCount);
  EXPECT_EQ(request->listing.limit, 100u);
  EXPECT_FALSE(request->listing.after);
}

TEST(ParseStatsQuery, ReadsEveryParameter) {
  StatsCursor cursor{7, "/x"};
  std::string query = "sort=lastAccess&limit=5&prefix=%2Fapi&totals=true&cursor=" +
                      EncodeCursor(StatsOrder::kByLastAccess, cursor);
  Result<StatsRequest> request = ParseStatsQuery(query);
  ASSERT_TRUE(request.ok()) << request.status().message();
  EXPECT_EQ(request->listing.order, StatsOrder::kByLastAccess);
  EXPECT_EQ(request->listing.limit, 5u);
  EXPECT_EQ(request->listing.prefix, "/api");
  EXPECT_TRUE(request->listing.with_totals);
  ASSERT_TRUE(request->listing.after);
  EXPECT_EQ(request->listing.after->key, 7);
  EXPECT_EQ(request->listing.after->route, "/x");
  EXPECT_FALSE(ParseStatsQuery("totals=false")->listing.with_totals);
  EXPECT_FALSE(ParseStatsQuery("")->listing.with_totals);
}

// Regression: ?order=asc and ?foo=1 were ignored, so a typo passed for the default listing.
TEST(ParseStatsQuery, RefusesAnUnknownParameterNamingIt) {
  for (const char* query : {"order=asc", "sort=count&foo=1", "Sort=count", "_=123", "limit"}) {
    Result<StatsRequest> request = ParseStatsQuery(query);
    ASSERT_FALSE(request.ok()) << query;
    EXPECT_EQ(request.status().code(), StatusCode::kInvalidArgument);
    const std::string name = std::string(query).substr(std::string(query).rfind('&') + 1);
    const std::string key = name.substr(0, name.find('='));
    if (key != "limit") {
      EXPECT_NE(request.status().message().find("unknown parameter \"" + key + "\""),
                std::string::npos)
          << request.status().message();
    }
  }
  EXPECT_NE(ParseStatsQuery("my+key=1").status().message().find("\"my key\""), std::string::npos);
}

// Found by fuzz_http_request: a name that is not UTF-8 was echoed into the JSON error body.
TEST(ParseStatsQuery, ShowsAnUnknownNameOnlyAsReadableText) {
  const Status raw = ParseStatsQuery("l\xb8\xb8imit=1").status();
  EXPECT_EQ(raw.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(CheckReadableUtf8(raw.message()).ok()) << raw.message();
  EXPECT_NE(raw.message().find("not readable text"), std::string::npos) << raw.message();
  // 63 ASCII bytes then a two-byte character: the cut at 64 bytes drops the half character.
  const Status cut = ParseStatsQuery(std::string(63, 'a') + "%C3%A9x=1").status();
  EXPECT_TRUE(CheckReadableUtf8(cut.message()).ok()) << cut.message();
  EXPECT_NE(cut.message().find(std::string(63, 'a') + "...\""), std::string::npos) << cut.message();
}

TEST(ParseStatsQuery, RefusesAParameterGivenTwiceAndRouteWithAListingsParameters) {
  EXPECT_NE(ParseStatsQuery("limit=1&limit=2").status().message().find("limit is given twice"),
            std::string::npos);
  EXPECT_FALSE(ParseStatsQuery("route=/a&sort=count").ok());
  EXPECT_FALSE(ParseStatsQuery("route=/a&limit=3").ok());
  EXPECT_TRUE(ParseStatsQuery("route=/a").ok());
  EXPECT_TRUE(ParseStatsQuery("&sort=route&&limit=2&").ok()) << "empty pairs are nothing";
}

// Regression: --sort lastaccess was refused, only lastAccess was known.
TEST(ParseStatsOrder, TakesTheOrderInAnyCase) {
  EXPECT_EQ(*ParseStatsOrder("lastaccess"), StatsOrder::kByLastAccess);
  EXPECT_EQ(*ParseStatsOrder("LASTACCESS"), StatsOrder::kByLastAccess);
  EXPECT_EQ(*ParseStatsOrder("Count"), StatsOrder::kByCount);
  EXPECT_EQ(*ParseStatsOrder("ROUTE"), StatsOrder::kByRoute);
  EXPECT_EQ(ParseStatsQuery("sort=lastaccess")->listing.order, StatsOrder::kByLastAccess);
  EXPECT_FALSE(ParseStatsOrder("size").ok());
  EXPECT_FALSE(ParseStatsOrder("last_access").ok());
}

TEST(ParseStatsQuery, ReadsAPlusAsASpaceInValues) {
  EXPECT_EQ(ParseStatsQuery("prefix=%2Fmy+path")->listing.prefix, "/my path");
  EXPECT_EQ(*ParseStatsQuery("route=/my+path")->route, "/my path");
  EXPECT_EQ(ParseStatsQuery("prefix=%2Fa%2Bb")->listing.prefix, "/a+b");
}

TEST(ParseStatsQuery, RefusesABadTotals) {
  EXPECT_FALSE(ParseStatsQuery("totals=1").ok());
  EXPECT_FALSE(ParseStatsQuery("totals").ok());
}

TEST(ParseStatsQuery, NormalisesTheRouteParameter) {
  EXPECT_EQ(*ParseStatsQuery("route=/a/./b/")->route, "/a/b");
}

TEST(DecodeCursor, RoundTripsRoutesWithAnyBytes) {
  StatsCursor cursor{-3, "/a:b\"c/é"};
  Result<StatsCursor> back =
      DecodeCursor(StatsOrder::kByCount, EncodeCursor(StatsOrder::kByCount, cursor));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->key, -3);
  EXPECT_EQ(back->route, cursor.route);
}

TEST(DecodeCursor, RefusesACursorOfAnotherOrder) {
  std::string cursor = EncodeCursor(StatsOrder::kByRoute, StatsCursor{0, "/a"});
  EXPECT_FALSE(DecodeCursor(StatsOrder::kByCount, cursor).ok());
}

TEST(DecodeCursor, RefusesGarbage) {
  for (const char* text : {"", "0", "zz", "63", "633a", "6378793a2f61"}) {
    EXPECT_FALSE(DecodeCursor(StatsOrder::kByCount, text).ok()) << text;
  }
}

}  // namespace
}  // namespace hitcounter
