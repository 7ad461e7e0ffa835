#include "core/stats_query.h"

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

TEST(ParseStatsQuery, ReadsEveryParameterAndIgnoresUnknownOnes) {
  StatsCursor cursor{7, "/x"};
  std::string query = "sort=lastAccess&limit=5&prefix=%2Fapi&_=123&cursor=" +
                      EncodeCursor(StatsOrder::kByLastAccess, cursor);
  Result<StatsRequest> request = ParseStatsQuery(query);
  ASSERT_TRUE(request.ok()) << request.status().message();
  EXPECT_EQ(request->listing.order, StatsOrder::kByLastAccess);
  EXPECT_EQ(request->listing.limit, 5u);
  EXPECT_EQ(request->listing.prefix, "/api");
  ASSERT_TRUE(request->listing.after);
  EXPECT_EQ(request->listing.after->key, 7);
  EXPECT_EQ(request->listing.after->route, "/x");
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
