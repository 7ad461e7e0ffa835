#include "store/top_routes.h"

#include <gtest/gtest.h>

#include <set>

namespace hitcounter {
namespace {

std::vector<RouteStats> Routes(int n) {
  std::vector<RouteStats> routes;
  for (int i = 0; i < n; ++i) {
    routes.push_back({"/r" + std::to_string(i % 7) + "/" + std::to_string(i), 1 + (i * 37) % 11, 0,
                      100 + (i * 13) % 5});
  }
  return routes;
}

// Pages through `routes` (offered in the given order) `limit` at a time.
std::vector<std::string> AllPages(const std::vector<RouteStats>& routes, StatsOrder order,
                                  std::size_t limit, const std::string& prefix = "") {
  StatsQuery query{order, prefix, limit, {}};
  std::vector<std::string> seen;
  for (int pages = 0; pages < 1000; ++pages) {
    TopRoutes top(query);
    for (const RouteStats& stats : routes) top.Offer(stats);
    StatsPage page = top.TakePage();
    EXPECT_LE(page.routes.size(), limit);
    for (const RouteStats& stats : page.routes) seen.push_back(stats.route);
    if (!page.next) break;
    query.after = page.next;
  }
  return seen;
}

TEST(TopRoutes, PagesVisitEveryRouteOnceInOrderWhateverTheOfferOrder) {
  std::vector<RouteStats> routes = Routes(200);
  for (StatsOrder order : {StatsOrder::kByCount, StatsOrder::kByRoute, StatsOrder::kByLastAccess}) {
    std::vector<std::string> one_page = AllPages(routes, order, 1000);
    ASSERT_EQ(one_page.size(), routes.size());
    std::vector<RouteStats> reversed(routes.rbegin(), routes.rend());
    EXPECT_EQ(AllPages(reversed, order, 7), one_page) << "order " << static_cast<int>(order);
  }
}

TEST(TopRoutes, OrdersByCountThenRouteDescending) {
  TopRoutes top(StatsQuery{StatsOrder::kByCount, "", 10, {}});
  for (RouteStats stats :
       std::vector<RouteStats>{{"/a", 1, 0, 0}, {"/c", 3, 0, 0}, {"/b", 1, 0, 0}}) {
    top.Offer(stats);
  }
  StatsPage page = top.TakePage();
  ASSERT_EQ(page.routes.size(), 3u);
  EXPECT_EQ(page.routes[0].route, "/c");
  EXPECT_EQ(page.routes[1].route, "/b");
  EXPECT_EQ(page.routes[2].route, "/a");
  EXPECT_FALSE(page.next);
}

TEST(TopRoutes, KeepsOnlyThePrefix) {
  std::vector<std::string> seen = AllPages(Routes(50), StatsOrder::kByRoute, 3, "/r3/");
  ASSERT_FALSE(seen.empty());
  for (const std::string& route : seen) EXPECT_EQ(route.rfind("/r3/", 0), 0u) << route;
}

TEST(TopRoutes, AZeroLimitGivesAnEmptyLastPage) {
  TopRoutes top(StatsQuery{StatsOrder::kByCount, "", 0, {}});
  top.Offer({"/a", 1, 0, 0});
  StatsPage page = top.TakePage();
  EXPECT_TRUE(page.routes.empty());
  EXPECT_FALSE(page.next);
}

}  // namespace
}  // namespace hitcounter
